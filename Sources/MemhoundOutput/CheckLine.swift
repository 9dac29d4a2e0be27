/// The result of `memhound check` as one JSON line.
public struct CheckLine: Encodable, Sendable {
    public struct Item: Encodable, Sendable {
        public var name: String
        public var ok: Bool
        public var detail: String
        /// What to do when it is not ok (absent when there is nothing to say).
        public var fix: String?

        public init(name: String, ok: Bool, detail: String, fix: String?) {
            self.name = name
            self.ok = ok
            self.detail = detail
            self.fix = fix
        }
    }

    public var type = "check"
    public var time: String
    public var kernel: String?
    /// Every item is ok.
    public var ok: Bool
    public var checks: [Item]

    public init(time: String = Timestamp.now(), kernel: String?, checks: [Item]) {
        self.time = time
        self.kernel = kernel
        self.checks = checks
        ok = checks.allSatisfy(\.ok)
    }
}
