import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput

/// Everything memhound derives from processes' stacks, in one place: a process that exits or
/// changes program is forgotten here once (`forget`), and stack names whose memory is all gone
/// leave every cache at once (`retire`). A new cache is added here, to both.
struct StackCaches {
    /// Symbolized frames per stack: stack names are stable for the session.
    var frames = ProcessCache<ProcessStack, [Frame]>()
    /// The first word at the user sp seen with a stack: its frameless leaf's caller.
    var wordsAtSP = ProcessCache<ProcessStack, UInt64>()
    /// Whether a stack's frame-pointer chain held up to the program's start.
    var complete = ProcessCache<ProcessStack, Bool>()
    /// A stack's program counters after repair (StackRepair), leaf first.
    var repairedPCs = ProcessCache<ProcessStack, [UInt64]>()
    /// Call paths whose stack copy was unwound. A program whose call paths never repeat makes a new
    /// one for each copy the kernel sends; the kernel's table of copied paths holds 16,384 in all, so a
    /// path forgotten here has long been forgotten there and is copied again.
    var unwoundPaths = ProcessCache<CallPath, StackName>(limitPerProcess: 65536)
    var categories = ProcessCache<CategoryInputs, MemoryCategory>()
    /// Cut-short fault stacks joined to the stacks that created their regions (Session.joinedStack).
    var joined = ProcessCache<JoinedStackKey, StackName>()
    var unwound = UnwoundStacks()
    /// Stack copies waiting for their syscall's record, by thread.
    var pendingCopies: [Int32: StackCopy] = [:]

    /// Drops what was derived from a process's stacks and maps (its program changed or it is gone).
    mutating func forget(pid: Int32) {
        frames.forget(pid)
        wordsAtSP.forget(pid)
        complete.forget(pid)
        repairedPCs.forget(pid)
        unwoundPaths.forget(pid)
        categories.forget(pid)
        joined.forget(pid)
        unwound.forget(tgid: pid)
        pendingCopies = pendingCopies.filter { $0.value.tgid != pid }
    }

    /// Drops every entry made from one of `names` (see Session.retire).
    mutating func retire(_ names: Set<StackName>) {
        guard !names.isEmpty else { return }
        frames.removeAll { key, _ in names.contains(key.stack) }
        wordsAtSP.removeAll { key, _ in names.contains(key.stack) }
        complete.removeAll { key, _ in names.contains(key.stack) }
        repairedPCs.removeAll { key, _ in names.contains(key.stack) }
        unwoundPaths.removeAll { _, name in names.contains(name) }
        categories.removeAll { key, _ in names.contains(key.stack) || key.regionCreator.map(names.contains) == true }
        joined.removeAll { key, owner in
            names.contains(key.fault) || names.contains(key.creator) || names.contains(owner)
        }
        unwound.forget(names)
    }
}
