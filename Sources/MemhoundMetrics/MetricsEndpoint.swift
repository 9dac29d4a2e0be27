/// Where `--metrics` listens: a host (name, IPv4 literal, or bracketed IPv6 literal) and a port.
public struct MetricsEndpoint: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[::1]:9464` for IPv6). Only what is asked is bound: no default host.
    public init(parsing text: String) throws(MetricsEndpointError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw MetricsEndpointError("'\(text)' is not HOST:PORT (an IPv6 address is written [ADDRESS]:PORT)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw MetricsEndpointError("'\(text)' is not HOST:PORT (e.g. 127.0.0.1:9464)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else {
                throw MetricsEndpointError("'\(text)' is not HOST:PORT (an IPv6 address is written [ADDRESS]:PORT)")
            }
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw MetricsEndpointError("'\(text)' has no valid host (e.g. 127.0.0.1:9464)")
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber) else {
            throw MetricsEndpointError("'\(text)' has no valid port (a number from 1 to 65535)")
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw MetricsEndpointError("port \(portText) of '\(text)' is out of range (1 to 65535)")
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct MetricsEndpointError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
