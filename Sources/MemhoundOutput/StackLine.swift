/// How sites' stacks travel in the JSON lines (`--stacks`).
public enum StackLineMode: String, CaseIterable, Sendable {
    /// Every site carries its `frames`: each line stands alone, but a report can be 100 KB or more.
    case inline
    /// A site carries `stack`, the id of a `stack` line written before it: frames travel once.
    case once
}

/// The id of a `stack` line, unique within a session (counted from 1 at each `start` line). Written
/// as a bare integer.
public struct StackLineID: Hashable, Codable, Sendable, CustomStringConvertible {
    public let raw: Int

    public init(raw: Int) { self.raw = raw }

    public init(from decoder: any Decoder) throws { raw = try decoder.singleValueContainer().decode(Int.self) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(raw)
    }

    public var description: String { String(raw) }
}

/// With `--stacks once`: the frames of one call chain, written before the first line that refers to
/// its id (docs/output-schema.md, "stack").
public struct StackLine: Codable, Equatable, Sendable {
    public var type = "stack"
    public var time: String
    public var id: StackLineID
    /// Leaf first, as a site's `frames`.
    public var frames: [Frame]
    /// Frames left out at the root end to keep the line within StackLineTable.maxLineBytes; absent: none.
    public var truncatedFrames: Int?

    public init(time: String, id: StackLineID, frames: [Frame], truncatedFrames: Int? = nil) {
        self.time = time
        self.id = id
        self.frames = frames
        self.truncatedFrames = truncatedFrames
    }

    enum CodingKeys: String, CodingKey {
        case type, time, id, frames
        case truncatedFrames = "truncated_frames"
    }
}
