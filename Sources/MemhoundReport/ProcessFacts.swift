import MemhoundAgent
import MemhoundOutput

/// The judgements both renderings share, so that the terminal and the page say the same thing.
extension ProcessSummary {
    /// How it ended: "exited with code 0", "killed by SIGKILL", or why there is no exit line.
    public var ending: String {
        if let exit {
            if let signal = exit.signal { return "killed by \(signal)" }
            return "exited with code \(exit.exitCode.map(String.init) ?? "?")"
        }
        if report?.final == true { return "still running when tracing stopped" }
        return "no final report (the recording ends first)"
    }

    /// Why its figures are not exact; empty when they are.
    public var uncertainties: [String] {
        guard let r = report else { return [] }
        var reasons: [String] = []
        if r.lostRecords > 0 { reasons.append("\(Format.count(r.lostRecords, "record")) of this process lost") }
        if r.attributed.uncertain > 0 { reasons.append("up to \(Format.mib(r.attributed.uncertain)) more may be attributed") }
        let uncertainSites = r.sites.filter { $0.uncertainBytes > 0 }.count
        if uncertainSites > 0 { reasons.append("\(Format.count(UInt64(uncertainSites), "listed site")) with uncertain bytes") }
        if r.sampleEvery > 1 { reasons.append("sampled 1 in \(r.sampleEvery): byte figures are estimates") }
        return reasons
    }

    /// Non-zero categories, largest first.
    public var categories: [(name: String, bytes: UInt64)] {
        (report?.categories ?? [:]).filter { $0.value > 0 }.map { ($0.key, $0.value) }
            .sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.name < $1.name }
    }
}

/// The losses of the whole run that are not zero, by field name.
func nonZeroLosses(_ lost: LostCounts) -> [(String, UInt64)] {
    [("ring_buffer", lost.ringBuffer), ("stacks", lost.stacks), ("sites", lost.sites), ("threads", lost.threads),
     ("address_spaces", lost.addressSpaces), ("targets", lost.targets), ("undecodable", lost.undecodable),
     ("skipped_runs", lost.skippedRuns), ("output_lines", lost.outputLines), ("map_reads", lost.mapReads)]
        .filter { $0.1 > 0 }
}

extension SiteEntry {
    /// The site's short name (its first function outside wrappers).
    public var name: String { CallSite(frames: frames).name }

    /// The first few meaningful functions, leaf first: what tells sites apart at a glance.
    public func keyFrames(_ count: Int = 3) -> [String] { Array(CallSite(frames: frames).functions.prefix(count)) }
}

extension TCPConnectionEntry {
    /// "10.0.0.1:47456 -> 10.0.0.2:5001" (IPv6 addresses in brackets).
    public var endpoints: String {
        func end(_ address: String, _ port: UInt16) -> String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
        return "\(end(saddr, sport)) -> \(end(daddr, dport))"
    }
}
