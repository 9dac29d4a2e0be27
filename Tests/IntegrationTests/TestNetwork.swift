// Two network namespaces made for one test, joined by a veth pair, with nftables rules that drop a share of
// packets on a receiver's input hook (a drop on the sender's output would only fail the local send, not cause a
// retransmission). Addresses are private (10.x, fd00::) and exist only inside these namespaces.
import Foundation
import XCTest

final class TestNetwork {
    let clientNamespace: String
    let serverNamespace: String
    let clientV4: String
    let serverV4: String
    let clientV6: String
    let serverV6: String
    private let ip: String
    private let nft: String
    private var destroyed = false

    private static let prefix = "mhtcp-"
    private nonisolated(unsafe) static var made = 0

    /// Creates the namespaces; throws (and leaves nothing behind) when any step fails.
    init() throws {
        guard let ip = Self.tool("ip"), let nft = Self.tool("nft") else {
            let reason = "the TCP tests need iproute2 (ip) and nftables (nft): run scripts/setup"
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw FixtureError(message: reason) }
            throw XCTSkip(reason)
        }
        self.ip = ip
        self.nft = nft
        Self.removeStale(ip: ip)
        Self.made += 1
        let pid = getpid(), n = Self.made
        let tag = "\(pid)-\(n)"
        clientNamespace = Self.prefix + tag + "-c"
        serverNamespace = Self.prefix + tag + "-s"
        let subnet = "10.\(200 + n % 50).\(pid % 250)"
        clientV4 = subnet + ".1"
        serverV4 = subnet + ".2"
        let v6 = String(format: "fd00:%x:%x::", pid & 0xffff, n)
        clientV6 = v6 + "1"
        serverV6 = v6 + "2"
        // Interface names are at most 15 bytes; they only live inside the namespaces.
        let (clientLink, serverLink) = ("mh\(pid % 100000)x\(n)c", "mh\(pid % 100000)x\(n)s")
        do {
            try run(ip, ["netns", "add", clientNamespace])
            try run(ip, ["netns", "add", serverNamespace])
            try run(ip, ["link", "add", clientLink, "netns", clientNamespace, "type", "veth",
                         "peer", "name", serverLink, "netns", serverNamespace])
            for (ns, link, v4, v6) in [(clientNamespace, clientLink, clientV4, clientV6),
                                       (serverNamespace, serverLink, serverV4, serverV6)] {
                try run(ip, ["-n", ns, "link", "set", "lo", "up"])
                try run(ip, ["-n", ns, "addr", "add", v4 + "/24", "dev", link])
                try run(ip, ["-n", ns, "addr", "add", v6 + "/64", "dev", link, "nodad"])
                // One segment per packet: a retransmit is then one segment, as TCP_INFO counts them.
                try run(ip, ["-n", ns, "link", "set", link, "gso_max_segs", "1", "up"])
            }
        } catch {
            destroy()
            throw error
        }
    }

    deinit { destroy() }

    /// Deleting a namespace deletes its end of the veth pair, and so the pair.
    func destroy() {
        guard !destroyed else { return }
        destroyed = true
        for ns in [clientNamespace, serverNamespace] { _ = try? run(ip, ["netns", "delete", ns]) }
    }

    /// Starts `program` inside namespace `ns` (`ip netns exec` execs it: the pid is the program's).
    func spawn(in ns: String, _ program: String, _ arguments: [String]) throws -> Spawned {
        try Spawned(ip, ["netns", "exec", ns, program] + arguments)
    }

    /// On `ns`'s input hook, drops `match` packets with probability tenths/10 (10: all of them).
    func drop(in ns: String, _ match: String, tenths: Int) throws {
        let share = tenths >= 10 ? "" : "numgen random mod 10 < \(tenths) "
        let rules = """
            table inet memhound_test {
              chain input {
                type filter hook input priority 0; policy accept;
                \(match) \(share)drop
              }
            }

            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(ns).nft")
        try rules.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try run(ip, ["netns", "exec", ns, nft, "-f", file.path])
    }

    func stopDropping(in ns: String) throws {
        try run(ip, ["netns", "exec", ns, nft, "delete", "table", "inet", "memhound_test"])
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> Outcome {
        let outcome = try Spawned(tool, arguments).finish(timeout: 20)
        guard outcome.status == 0, !outcome.signaled, !outcome.timedOut else {
            throw FixtureError(message: "\(tool) \(arguments.joined(separator: " ")) failed: \(outcome.summary)")
        }
        return outcome
    }

    /// Namespaces left by test runs whose process is gone (a crash skips tearDown).
    private static func removeStale(ip: String) {
        guard let list = try? Spawned(ip, ["netns", "list"]).finish(timeout: 10) else { return }
        for line in list.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }),
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? Spawned(ip, ["netns", "delete", name]).finish(timeout: 10)
        }
    }

    private static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
