/// A first-in first-out buffer of at most `capacity` elements. Storage grows with use up to the
/// capacity and no further, so a series that sees few samples stays small.
struct Ring<Element> {
    let capacity: Int
    private var storage: ContiguousArray<Element> = []
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a ring holds at least one element")
        self.capacity = capacity
    }

    var isEmpty: Bool { count == 0 }
    var first: Element? { isEmpty ? nil : self[0] }
    var last: Element? { isEmpty ? nil : self[count - 1] }

    subscript(index: Int) -> Element {
        get { storage[physical(index)] }
        set { storage[physical(index)] = newValue }
    }

    /// Appends, dropping and returning the oldest element when full.
    @discardableResult
    mutating func append(_ element: Element) -> Element? {
        if count == capacity {
            let dropped = storage[head]
            storage[head] = element
            head = (head + 1) % capacity
            return dropped
        }
        // Until storage reaches the capacity the elements never wrap, so the end is storage's end.
        let end = (head + count) % capacity
        if end == storage.count {
            // Cap Array's doubling at the capacity so storage never outgrows the bound.
            if storage.count == storage.capacity {
                storage.reserveCapacity(min(capacity, max(16, storage.count * 2)))
            }
            storage.append(element)
        } else {
            storage[end] = element
        }
        count += 1
        return nil
    }

    mutating func removeFirst() -> Element {
        precondition(!isEmpty, "removeFirst on an empty ring")
        let element = storage[head]
        head = (head + 1) % capacity
        count -= 1
        return element
    }

    mutating func removeAll() {
        storage = []
        head = 0
        count = 0
    }

    /// Visits elements from logical `index` on, in order, until `body` returns false; cheaper than
    /// subscripting each one.
    func forEach(from index: Int, _ body: (Element) -> Bool) {
        guard index < count else { return }
        var p = physical(index)
        for _ in index..<count {
            if !body(storage[p]) { return }
            p += 1
            if p == capacity { p = 0 }
        }
    }

    private func physical(_ index: Int) -> Int {
        precondition(index >= 0 && index < count, "ring index out of range")
        return (head + index) % capacity
    }
}
extension Ring: Sendable where Element: Sendable {}
