import ArgumentParser
import MemhoundProfiles

/// Profile files written from the final reports when tracing ends (attach, run, demo).
struct ProfileOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Also write the final report(s) as a pprof profile (gzipped protobuf: go tool pprof, Pyroscope, Parca).",
        valueName: "file"))
    var pprof: String?

    @Option(help: ArgumentHelp(
        "Also write the final report(s) as folded stacks with resident bytes (FlameGraph, inferno, speedscope).",
        valueName: "file"))
    var folded: String?

    func validate() throws {
        for (name, path) in [("--pprof", pprof), ("--folded", folded)] where path?.isEmpty == true {
            throw ValidationError("\(name) needs a file name")
        }
        if let pprof, pprof == folded { throw ValidationError("--pprof and --folded must be different files") }
    }

    var files: ProfileFiles { ProfileFiles(pprof: pprof, folded: folded) }
}
