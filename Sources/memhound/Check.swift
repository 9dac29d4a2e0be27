import ArgumentParser
import Foundation
import MemhoundAgent
import MemhoundOutput

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report what this host supports (BTF, tracepoints, ring buffer, privileges) and how to fix what is missing.")

    func run() throws {
        let check = HostCheck.run()
        let writer = try LineWriter()
        try writer.write(CheckLine(check))
        try writer.flush()
        for item in check.items {
            var line = "\(item.ok ? "ok  " : "FAIL") \(item.name): \(item.detail)"
            if !item.ok, let fix = item.fix { line += "\n     fix: \(fix)" }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if !check.ok {
            let privileges = check.items.first { $0.name == "privileges" }
            throw ExitStatus(value: privileges?.ok == false ? ExitCode.permission.rawValue : ExitCode.unsupported.rawValue)
        }
    }
}

/// The `check` result as one JSON line.
struct CheckLine: Encodable {
    struct Item: Encodable {
        var name: String
        var ok: Bool
        var detail: String
        var fix: String?
    }

    var type = "check"
    var time = Timestamp.now()
    var kernel: String?
    var ok: Bool
    var checks: [Item]

    init(_ c: HostCheck) {
        kernel = c.kernel
        ok = c.ok
        checks = c.items.map { Item(name: $0.name, ok: $0.ok, detail: $0.detail, fix: $0.fix) }
    }
}
