/// Non-overlapping address ranges [start, end), sorted, each carrying a value.
/// Adjacent ranges with equal values are merged, so sequential growth by one
/// owner stays a single entry.
public struct IntervalMap<Value: Equatable>: Sendable where Value: Sendable {
    public struct Entry: Equatable, Sendable {
        public var start: UInt64
        public var end: UInt64
        public var value: Value

        public init(start: UInt64, end: UInt64, value: Value) {
            self.start = start
            self.end = end
            self.value = value
        }

        public var length: UInt64 { end - start }
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    /// Index of the first entry that ends after `address`.
    private func firstIndex(endingAfter address: UInt64) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].end <= address { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The parts of entries inside [start, end), clipped to it.
    public func overlapping(_ start: UInt64, _ end: UInt64) -> [Entry] {
        var result: [Entry] = []
        var i = firstIndex(endingAfter: start)
        while i < entries.count, entries[i].start < end {
            let e = entries[i]
            result.append(Entry(start: max(e.start, start), end: min(e.end, end), value: e.value))
            i += 1
        }
        return result
    }

    /// Clears [start, end) and returns what was there, clipped.
    @discardableResult
    public mutating func remove(_ start: UInt64, _ end: UInt64) -> [Entry] {
        guard start < end else { return [] }
        let first = firstIndex(endingAfter: start)
        var last = first
        var removed: [Entry] = []
        var kept: [Entry] = []
        while last < entries.count, entries[last].start < end {
            let e = entries[last]
            removed.append(Entry(start: max(e.start, start), end: min(e.end, end), value: e.value))
            if e.start < start { kept.append(Entry(start: e.start, end: start, value: e.value)) }
            if e.end > end { kept.append(Entry(start: end, end: e.end, value: e.value)) }
            last += 1
        }
        if first < last { entries.replaceSubrange(first..<last, with: kept) }
        return removed
    }

    /// Sets [start, end) to `value` and returns the pieces it replaced.
    @discardableResult
    public mutating func assign(_ start: UInt64, _ end: UInt64, _ value: Value) -> [Entry] {
        guard start < end else { return [] }
        let replaced = remove(start, end)
        let i = firstIndex(endingAfter: start)
        let joinsPrevious = i > 0 && entries[i - 1].end == start && entries[i - 1].value == value
        let joinsNext = i < entries.count && entries[i].start == end && entries[i].value == value
        switch (joinsPrevious, joinsNext) {
        case (true, true):
            entries[i - 1].end = entries[i].end
            entries.remove(at: i)
        case (true, false):
            entries[i - 1].end = end
        case (false, true):
            entries[i].start = start
        case (false, false):
            entries.insert(Entry(start: start, end: end, value: value), at: i)
        }
        return replaced
    }

    /// Rewrites the values inside [start, end) (splitting entries at the edges).
    public mutating func update(_ start: UInt64, _ end: UInt64, _ transform: (Value) -> Value) {
        for piece in remove(start, end) {
            assign(piece.start, piece.end, transform(piece.value))
        }
    }

    /// Moves what lies in [start, start+length) to begin at `newStart` (mremap).
    public mutating func move(from start: UInt64, length: UInt64, to newStart: UInt64) {
        let pieces = remove(start, start + length)
        remove(newStart, newStart + length)
        for p in pieces {
            assign(p.start - start + newStart, p.end - start + newStart, p.value)
        }
    }

    public func total(where include: (Value) -> Bool = { _ in true }) -> UInt64 {
        entries.reduce(0) { include($1.value) ? $0 + $1.length : $0 }
    }
}
