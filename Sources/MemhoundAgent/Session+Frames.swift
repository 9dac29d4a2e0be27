import MemhoundABI
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import MemhoundSymbols

/// A stack's symbolized frames, derived once per stack (StackCaches).
extension Session {
    /// Symbolized frames of a stack, cached: stack names are stable for the session.
    func frames(_ key: ProcessStack) -> [Frame] {
        if let cached = caches.frames[key] { return cached }
        let result: [Frame]
        switch key.stack.origin {
        case .unknown:
            // No frames: like any stack cut short, its growth inside a private mapping is charged to
            // the mapping's creator (ProcessLedger.apply).
            caches.complete[key] = false
            caches.repairedPCs[key] = []
            return []
        case .unwound:
            guard let pcs = caches.unwound.stack(key) else { return [] }
            result = symbolizer.symbolizeUnwound(pid: key.tgid, pcs: pcs).map(Frame.init)
        case .walked:
            let flags = tracer.stackFlags(key.stack)
            let resolved = flags & UInt32(MH_STACK_UNWOUND.rawValue) != 0
                ? symbolizer.resolveUnwound(pid: key.tgid, addresses: tracer.frames(key.stack),
                                            framePointerLeaf: flags & UInt32(MH_STACK_FP_LEAF.rawValue) != 0,
                                            complete: flags & UInt32(MH_STACK_COMPLETE.rawValue) != 0,
                                            wordAtSP: caches.wordsAtSP[key] ?? 0)
                : symbolizer.resolve(pid: key.tgid, addresses: tracer.frames(key.stack),
                                     wordAtSP: caches.wordsAtSP[key] ?? 0)
            // A stack the kernel unwound with tables is never joined to a region creator's: where its
            // walk stopped, the frames it has are all that is known of that fault.
            caches.complete[key] = resolved.complete || flags & UInt32(MH_STACK_UNWOUND.rawValue) != 0
            caches.repairedPCs[key] = resolved.pcs
            result = resolved.frames.map(Frame.init)
        }
        if !result.isEmpty { caches.frames[key] = result }
        return result
    }

    /// Keeps the first candidate caller seen for a stack of a frameless leaf.
    func rememberWordAtSP(_ key: ProcessStack, _ wordAtSP: UInt64) {
        if wordAtSP != 0, caches.wordsAtSP[key] == nil { caches.wordsAtSP[key] = wordAtSP }
    }
}
