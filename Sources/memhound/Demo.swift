import ArgumentParser
import CMemhoundDemo
import Foundation
import MemhoundAgent
import MemhoundOutput

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trace a built-in workload with a known leaking call site and show what memhound finds.",
        discussion: """
            The workload leaks 2 MiB every 250 ms in memhound_demo_cache_grow and maps, touches and unmaps 4 MiB every 250 ms in memhound_demo_scratch_churn. JSON lines go to stdout, a summary to stderr.

            Example:
              memhound demo --seconds 10 > demo.jsonl
            """)

    @Option(help: ArgumentHelp("How long the workload runs.", valueName: "seconds"))
    var seconds: Double = 6

    @Option(help: ArgumentHelp("Call sites per report.", valueName: "count"))
    var top: Int = 200

    @Option(help: StackLineMode.help(default: "inline"))
    var stacks: StackLineMode?

    @OptionGroup var metricsOptions: MetricsOptions
    @OptionGroup var profiles: ProfileOptions

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
        guard top > 0 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        var options = SessionOptions()
        options.intervalSeconds = 1
        options.top = top
        options.stackLines = stacks ?? .inline
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        FileHandle.standardError.write(Data("""
            memhound demo: tracing a workload that leaks 2 MiB every 250 ms in memhound_demo_cache_grow
            and maps, touches and unmaps 4 MiB every 250 ms in memhound_demo_scratch_churn.\n
            """.utf8))
        try Trace.run(.command(arguments: [exe, "demo-workload", "--seconds", String(seconds)]),
                      options: options, verbose: false, metrics: metricsOptions.endpoint(),
                      profiles: profiles.files) { session in
            if let report = session.mainFinalReport { summarize(report) }
        }
    }

    private func summarize(_ r: ReportLine) {
        var text = "\nmemhound demo: anonymous RSS grew \(mib(r.growth.anon)) MiB; memhound attributed \(mib(Int64(r.attributed.anon))) MiB"
        if let e = r.explained { text += String(format: " (explained %.2f)", e) }
        text += ". Top call sites:\n"
        for site in r.sites where site.grown >= 1 << 20 {
            let name = CallSite(frames: site.frames).name
            text += "  \(mib(Int64(site.bytes))) MiB resident (\(mib(Int64(site.grown))) grown, \(mib(Int64(site.released))) released; "
                + "\(site.mapped.count) mappings of \(mib(Int64(site.mapped.bytes))) MiB live)  \(name)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func mib(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
}

/// The workload `demo` traces (hidden).
struct DemoWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo-workload", shouldDisplay: false)

    @Option var seconds: Double = 6

    func run() throws {
        let rounds = Int(seconds * 4)
        for _ in 0..<rounds {
            memhound_demo_cache_grow(2 << 20)
            memhound_demo_scratch_churn(4 << 20)
            usleep(250_000)
        }
    }
}
