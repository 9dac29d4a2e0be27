import Foundation

/// What a `--stacks once` output has defined so far: the one place that turns the sites of a line
/// (report, oom_kill) into sites that refer to `stack` lines.
///
/// The same frames get the same id however many processes and lines refer to them. The table is
/// bounded: past `capacity` stacks, the least recently referred to are forgotten, and one referred to
/// again is written again under a new id (a reader keeps every definition, or the latest of an id).
public struct StackLineTable {
    /// No `stack` line is longer than this, its newline included (Fluent Bit's default buffer).
    public static let maxLineBytes = 32 << 10
    public static let defaultCapacity = 65536

    public let mode: StackLineMode
    private let capacity: Int
    private var known: [FramesKey: Entry] = [:]
    private var nextID = 1
    /// Counts calls of `refer`: an entry's last use.
    private var clock: UInt64 = 0
    private let encoder = LineWriter.makeEncoder()

    private struct Entry {
        var id: StackLineID
        var lastUse: UInt64
    }

    public init(mode: StackLineMode, capacity: Int = defaultCapacity) {
        self.mode = mode
        self.capacity = max(capacity, 1)
    }

    /// Stacks the table knows now.
    public var count: Int { known.count }

    /// The `stack` lines to write before the line holding `sites`, and the sites as that line carries
    /// them: with `once`, each refers to its stack by id (its frames stay in the value, unwritten).
    /// With `inline`, nothing changes.
    public mutating func refer(_ sites: [SiteEntry], time: String) -> (stacks: [StackLine], sites: [SiteEntry]) {
        guard mode == .once else { return ([], sites) }
        clock += 1
        var stacks: [StackLine] = []
        var referring = sites
        for i in referring.indices {
            let key = FramesKey(referring[i].frames)
            if let entry = known[key] {
                known[key]?.lastUse = clock
                referring[i].stack = entry.id
                continue
            }
            let id = StackLineID(raw: nextID)
            nextID += 1
            known[key] = Entry(id: id, lastUse: clock)
            stacks.append(bounded(StackLine(time: time, id: id, frames: referring[i].frames)))
            referring[i].stack = id
        }
        forgetLeastRecent()
        return (stacks, referring)
    }

    /// Past capacity, forgets the least recently referred to stacks down to three quarters of it, so
    /// that the sorting is paid once per quarter. Those of the line just seen are forgotten last.
    private mutating func forgetLeastRecent() {
        guard known.count > capacity else { return }
        let keep = capacity - capacity / 4
        let oldest = known.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(known.count - keep)
        for (key, _) in oldest { known[key] = nil }
    }

    /// `line`, or, when it would be longer than maxLineBytes, with frames dropped from the root end and
    /// counted in `truncated_frames`.
    func bounded(_ line: StackLine) -> StackLine {
        guard size(line) > Self.maxLineBytes else { return line }
        // Frame by frame from the leaf, what fits with room for the mark; then checked whole.
        let room = Self.maxLineBytes - size(StackLine(time: line.time, id: line.id, frames: [],
                                                      truncatedFrames: line.frames.count))
        var used = 0
        var kept = 0
        for frame in line.frames {
            let bytes = ((try? encoder.encode(frame).count) ?? Self.maxLineBytes) + 1  // and its comma
            if used + bytes > room { break }
            used += bytes
            kept += 1
        }
        var cut = line
        repeat {
            cut.frames = Array(line.frames.prefix(kept))
            cut.truncatedFrames = line.frames.count - kept
            kept -= 1
        } while size(cut) > Self.maxLineBytes && kept >= 0
        return cut
    }

    /// Bytes of `line` as LineWriter writes it, newline included.
    func size(_ line: StackLine) -> Int {
        ((try? encoder.encode(VersionedLine(line: line)).count) ?? Int.max - 1) + 1
    }
}

/// Identifies a call chain by its frames' content: 128 bits from two differently primed hashes, so
/// that the table need not keep the frames themselves (a collision is beyond any session's reach).
private struct FramesKey: Hashable {
    let high: Int
    let low: Int

    init(_ frames: [Frame]) {
        var a = Hasher()
        a.combine(0 as UInt8)
        a.combine(frames)
        var b = Hasher()
        b.combine(1 as UInt8)
        b.combine(frames)
        high = a.finalize()
        low = b.finalize()
    }
}
