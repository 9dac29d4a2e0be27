import Glibc

/// An address of a TCP connection as memhound prints it.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: String, Sendable { case ipv4, ipv6 }

    /// The family on the wire: a dual-stack socket talking to an IPv4 peer
    /// (`::ffff:a.b.c.d`) is IPv4.
    public var family: Family
    /// 4 bytes for IPv4, 16 for IPv6, network order.
    public var bytes: [UInt8]

    public static let afInet: UInt16 = 2
    public static let afInet6: UInt16 = 10

    /// From a socket family and 16 bytes as the kernel records them (AF_INET: the first 4).
    /// nil for other families or too few bytes.
    public init?(socketFamily: UInt16, raw: [UInt8]) {
        switch socketFamily {
        case Self.afInet where raw.count >= 4:
            self.init(family: .ipv4, bytes: Array(raw.prefix(4)))
        case Self.afInet6 where raw.count >= 16:
            let v6 = Array(raw.prefix(16))
            if Self.isV4Mapped(v6) {
                self.init(family: .ipv4, bytes: Array(v6.suffix(4)))
            } else {
                self.init(family: .ipv6, bytes: v6)
            }
        default:
            return nil
        }
    }

    public init(family: Family, bytes: [UInt8]) {
        self.family = family
        self.bytes = bytes
    }

    /// `::ffff:0:0/96`.
    public static func isV4Mapped(_ v6: [UInt8]) -> Bool {
        v6.count == 16 && v6[0..<10].allSatisfy { $0 == 0 } && v6[10] == 0xff && v6[11] == 0xff
    }

    /// Dotted quad, or the RFC 5952 form (`fd00::1`).
    public var description: String {
        switch family {
        case .ipv4:
            return bytes.map(String.init).joined(separator: ".")
        case .ipv6:
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let ok = bytes.withUnsafeBytes { raw in
                inet_ntop(AF_INET6, raw.baseAddress, &text, socklen_t(text.count)) != nil
            }
            guard ok else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// The kernel's TCP states (include/net/tcp_states.h).
public enum TCPState {
    static let names = [
        "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    ]

    /// "ESTABLISHED" for 1; the number itself when unknown.
    public static func name(_ state: UInt8) -> String {
        state >= 1 && Int(state) <= names.count ? names[Int(state) - 1] : String(state)
    }
}
