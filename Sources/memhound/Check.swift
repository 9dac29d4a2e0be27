import ArgumentParser
import Foundation
import MemhoundAgent
import MemhoundOutput

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report what this host supports (BTF, tracepoints, ring buffer, privileges) and how to fix what is missing.",
        discussion: """
            One JSON line on stdout, one line per check on stderr; exits 6 when privileges are missing, 7 when the kernel lacks something.

            Example:
              memhound check
            """)

    func run() throws {
        let check = HostCheck.run()
        let writer = try LineWriter()
        try writer.write(CheckLine(kernel: check.kernel, checks: check.items.map {
            CheckLine.Item(name: $0.name, ok: $0.ok, detail: $0.detail, fix: $0.fix)
        }))
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
