/// The output contract: docs/schema/*.schema.json define every line, and every line carries
/// `"schema": OutputSchema.version`. The version changes when a field is removed, renamed or
/// changes meaning; a new field does not change it (readers ignore what they do not know).
public enum OutputSchema {
    public static let version = 1
}

/// A line as written: its own fields plus `schema`, in the same JSON object.
struct VersionedLine<Line: Encodable>: Encodable {
    let line: Line

    private enum Key: String, CodingKey { case schema }

    func encode(to encoder: any Encoder) throws {
        try line.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(OutputSchema.version, forKey: .schema)
    }
}
