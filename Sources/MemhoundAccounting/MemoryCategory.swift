import MemhoundEvents

/// Where resident anonymous memory went, in the terms users ask about when RSS
/// grows but the language heap does not (docs/design.md gives the rules).
public enum MemoryCategory: String, CaseIterable, Sendable, Codable {
    case goHeap = "go_heap"
    case goroutineStacks = "goroutine_stacks"
    case goRuntime = "go_runtime"
    case offHeapMmap = "off_heap_mmap"
    case mallocHeap = "malloc_heap"
    case threadStacks = "thread_stacks"
    case other
}

/// Who made a resident page range resident, and what kind of memory it is.
public struct ResidentOwner: Equatable, Sendable {
    public var stack: StackName
    public var category: MemoryCategory
    /// When the run that made these pages resident began: a release applied late
    /// (SyscallEvent.late) spares pages made resident after it.
    public var since: UInt64

    public init(stack: StackName, category: MemoryCategory = .other, since: UInt64 = 0) {
        self.stack = stack
        self.category = category
        self.since = since
    }
}
