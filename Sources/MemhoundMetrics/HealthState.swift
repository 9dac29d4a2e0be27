import MemhoundAgent
import NIOConcurrencyHelpers

/// What /healthz answers. Set on the session thread, read on the server's threads.
public final class HealthState: Sendable {
    public struct Answer: Equatable, Sendable {
        public var ok: Bool
        /// One line: "ok", or what is wrong.
        public var text: String
    }

    private let answer = NIOLockedValueBox(Answer(ok: false, text: "tracing has not started"))

    public init() {}

    public var current: Answer { answer.withLockedValue { $0 } }

    /// Tracing started: healthy until a report says otherwise.
    func started() { answer.withLockedValue { $0 = Answer(ok: true, text: "ok") } }

    func update(_ health: SessionHealth) {
        let text = health.ok ? "ok" : (health.reason ?? (health.attached ? "memhound fell behind the ring buffer" : "not tracing"))
        // One line whatever the reason says.
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        answer.withLockedValue { $0 = Answer(ok: health.ok, text: line) }
    }
}
