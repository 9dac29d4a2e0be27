import MemhoundKernel
import MemhoundOutput

/// What was lost, counted and said: `lost` in reports and lines, one warning per change on stderr.
extension Session {
    /// The kernel's counters. A failed read is counted (lost.map_reads), said on stderr, and the
    /// counters read before stand in: zeros would publish every loss as gone.
    func kernelStats() -> KernelStats? {
        do {
            let stats = try tracer.stats()
            lastKernelStats = stats
            return stats
        } catch {
            failedMapReads += 1
            Diagnostics.warn("\(error.description); this report uses the counters read before")
            return lastKernelStats
        }
    }

    /// stats: the kernel's counters when the caller has read them already.
    func lostCounts(_ stats: KernelStats? = nil) -> LostCounts {
        var lost = LostCounts()
        if let s = stats ?? kernelStats() {
            lost.ringBuffer = s.lostRingBuffer
            lost.stacks = s.lostStacks
            lost.sites = s.lostSites
            lost.threads = s.lostThreads
            lost.addressSpaces = s.lostAddressSpaces
            lost.targets = s.lostTargets
        }
        lost.undecodable = UInt64(tracer.undecodable)
        lost.skippedRuns = tracer.missedRuns + tcp.missedRuns
        lost.outputLines = writer.droppedLines
        lost.mapReads = failedMapReads
        return lost
    }

    /// A `lost` line, and one warning on stderr, when anything more was lost since the last one.
    func writeLostIfChanged() throws {
        let lost = lostCounts()
        guard lost != reportedLost, lost.total > 0 else { return }
        Diagnostics.warn(LossWarning(before: reportedLost, now: lost).text)
        reportedLost = lost
        try writer.write(LostLine(time: Timestamp.now(), lost: lost))
        publish(.lost(lost))
    }
}
