/// Hysteresis and cooldown for every alert of a session, keyed by `AlertKey`. Call `update` once
/// per evaluation (each interval) with the condition's severity now, or nil when it does not hold;
/// it returns an event only when the alert's state changes, so a steady condition alerts once.
public struct AlertTracker: Sendable {
    public let thresholds: AlertThresholds
    private var states: [AlertKey: State] = [:]

    private struct State: Sendable {
        /// Consecutive evaluations the condition held, held above the active severity, was false.
        var held = 0
        var heldAbove = 0
        var cleared = 0
        var active: AlertSeverity?
        var firedAt: Double?
        var resolvedAt: Double?
        /// The severity last announced (kept after resolving, for the cooldown's exception).
        var lastSeverity: AlertSeverity?
    }

    public init(thresholds: AlertThresholds = AlertThresholds()) {
        self.thresholds = thresholds
    }

    /// The severity of the alert if it is active.
    public func activeSeverity(of key: AlertKey) -> AlertSeverity? { states[key]?.active }

    public var activeKeys: [AlertKey] { states.compactMap { $0.value.active == nil ? nil : $0.key } }

    public mutating func update(_ key: AlertKey, severity: AlertSeverity?, at time: Double) -> AlertEvent? {
        let policy = thresholds.policy(for: key.kind)
        var state = states[key] ?? State()
        let event = severity.map { holding(&state, $0, policy, time, key) } ?? clearing(&state, policy, time, key)
        // Forget idle keys once their cooldown has passed: the table holds only keys in play.
        if state.active == nil, state.held == 0, state.resolvedAt.map({ time - $0 >= policy.cooldownS }) ?? true {
            states[key] = nil
        } else {
            states[key] = state
        }
        return event
    }

    /// The subject is gone (the process exited, the cgroup was removed): resolves an active alert
    /// at once and forgets the key, so a reused pid starts afresh.
    public mutating func end(_ key: AlertKey, at time: Double) -> AlertEvent? {
        guard let state = states.removeValue(forKey: key), let active = state.active else { return nil }
        return AlertEvent(key: key, change: .resolved(active), time: time, since: state.firedAt ?? time)
    }

    private func holding(_ s: inout State, _ severity: AlertSeverity, _ policy: AlertPolicy, _ time: Double,
                         _ key: AlertKey) -> AlertEvent? {
        s.cleared = 0
        s.held += 1
        guard let active = s.active else {
            // A return within the cooldown fires only if it is worse than what was last announced.
            let cooled = s.resolvedAt.map { time - $0 >= policy.cooldownS } ?? true
            let worse = s.lastSeverity.map { severity > $0 } ?? true
            guard s.held >= policy.holdFor, cooled || worse else { return nil }
            s.active = severity
            s.lastSeverity = severity
            s.firedAt = time
            s.heldAbove = 0
            return AlertEvent(key: key, change: .fired(severity), time: time, since: time)
        }
        // Escalation is news and is not held back by the cooldown; a lower severity is not
        // announced (the alert stays at the highest it reached until it resolves).
        s.heldAbove = severity > active ? s.heldAbove + 1 : 0
        guard s.heldAbove >= policy.holdFor else { return nil }
        s.active = severity
        s.lastSeverity = severity
        s.heldAbove = 0
        return AlertEvent(key: key, change: .escalated(from: active, to: severity), time: time, since: s.firedAt ?? time)
    }

    private func clearing(_ s: inout State, _ policy: AlertPolicy, _ time: Double, _ key: AlertKey) -> AlertEvent? {
        s.held = 0
        s.heldAbove = 0
        guard let active = s.active else { return nil }
        s.cleared += 1
        guard s.cleared >= policy.clearFor else { return nil }
        s.active = nil
        s.cleared = 0
        s.resolvedAt = time
        return AlertEvent(key: key, change: .resolved(active), time: time, since: s.firedAt ?? time)
    }
}
