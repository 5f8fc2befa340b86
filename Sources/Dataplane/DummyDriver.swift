/// A driver that programs nothing and records every intent, for tests without root and for
/// control-plane-only deployments (`dataplane_driver = dummy`).
public final class DummyDriver: DataplaneDriver {
    public let name = "dummy"
    /// Every intent received, in order.
    public private(set) var applied: [DataplaneIntent] = []
    /// Intents for which `apply` should report a failure (to test error paths).
    public var failing: Set<DataplaneIntent> = []
    /// Interfaces `portExists` reports missing (every other name exists). Set before use.
    public var absentPorts: Set<String> = []

    public init() {}

    public func apply(_ intents: [DataplaneIntent]) -> [DataplaneFailure] {
        applied.append(contentsOf: intents)
        return intents.filter(failing.contains).map { DataplaneFailure(intent: $0, reason: "refused by test") }
    }

    public func reconcile(wanted: [InstanceSpec]) -> [DataplaneFailure] { [] }

    /// Nothing is forwarded, so nothing survives a restart.
    public func instancesLeftByPreviousRun() -> Set<String> { [] }

    /// Instances whose stale entries were swept, with what was kept, in call order.
    public private(set) var sweeps: [(externalID: String, kept: [DataplaneIntent])] = []

    public func removeStaleEntries(externalID: String, keeping wanted: [DataplaneIntent]) -> [DataplaneFailure] {
        sweeps.append((externalID, wanted))
        return []
    }

    public func removeAll() -> [DataplaneFailure] {
        applied.removeAll()
        return []
    }

    public func describe(externalID: String) -> [String: String] { [:] }

    public func portExists(_ interface: String) -> Bool { !absentPorts.contains(interface) }

    /// Forgets what was recorded so far.
    public func reset() { applied.removeAll() }
}
