import ArgumentParser
import MemhoundAgent

/// The alert options of attach, run and watch (docs/alerts.md).
struct AlertOptions: ParsableArguments {
    @Flag(help: "No alert lines, and no trend figures in reports.")
    var noAlerts = false

    @Option(help: ArgumentHelp(
        "Multiply every time span of the alert methods (trend windows, warm-up, cooldowns) by this, e.g. 0.1 for a job that lives minutes.",
        valueName: "factor"))
    var alertTimescale: Double = 1

    @Option(help: ArgumentHelp("oom_forecast warning when a cgroup's limit is less than this many seconds away.", valueName: "seconds"))
    var oomWarningWithin: Double = 3600

    @Option(help: ArgumentHelp("oom_forecast critical when the hard limit is less than this many seconds away.", valueName: "seconds"))
    var oomCriticalWithin: Double = 600

    @Option(help: ArgumentHelp("The least growth in one interval that can be a spike, in MiB.", valueName: "MiB"))
    var spikeMinMib: Double = 16

    func validate() throws {
        guard alertTimescale >= 0.001, alertTimescale <= 1000 else {
            throw ValidationError("--alert-timescale must be between 0.001 and 1000")
        }
        guard oomWarningWithin > 0, oomCriticalWithin > 0, oomCriticalWithin <= oomWarningWithin else {
            throw ValidationError("--oom-critical-within and --oom-warning-within must be positive, critical at most warning")
        }
        guard spikeMinMib > 0, spikeMinMib <= 1_048_576 else { throw ValidationError("--spike-min-mib must be more than 0") }
    }

    var settings: AlertSettings? {
        guard !noAlerts else { return nil }
        var s = AlertSettings()
        s.timescale = alertTimescale
        s.oomWarningWithinS = oomWarningWithin
        s.oomCriticalWithinS = oomCriticalWithin
        s.spikeMinBytes = spikeMinMib * 1_048_576
        return s
    }
}
