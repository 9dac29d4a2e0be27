import MemhoundKernel

/// A key that belongs to one traced process.
protocol ProcessScoped: Hashable {
    var tgid: Int32 { get }
}

extension ProcessStack: ProcessScoped {}
extension CallPath: ProcessScoped {}
extension JoinedStackKey: ProcessScoped {}
extension CategoryInputs: ProcessScoped {}

/// A cache whose entries belong to processes: forgetting one process costs only its own
/// entries (a service forking a child every few milliseconds forgets one each time), and
/// `limitPerProcess` bounds what one process may keep (past it, its entries start over).
struct ProcessCache<Key: ProcessScoped, Value> {
    private var byProcess: [Int32: [Key: Value]] = [:]
    let limitPerProcess: Int

    init(limitPerProcess: Int = .max) { self.limitPerProcess = limitPerProcess }

    subscript(key: Key) -> Value? {
        get { byProcess[key.tgid]?[key] }
        set {
            if newValue != nil, let entries = byProcess[key.tgid], entries.count >= limitPerProcess, entries[key] == nil {
                byProcess[key.tgid] = [:]
            }
            byProcess[key.tgid, default: [:]][key] = newValue
        }
    }

    mutating func forget(_ pid: Int32) { byProcess[pid] = nil }

    /// Every process's entries for which `gone` holds are dropped (retiring stacks).
    mutating func removeAll(where gone: (Key, Value) -> Bool) {
        for pid in Array(byProcess.keys) {
            byProcess[pid] = byProcess[pid]!.filter { !gone($0.key, $0.value) }
        }
    }
}
