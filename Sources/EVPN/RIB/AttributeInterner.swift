import BGPWire
import NetAddress

/// Hands out one shared `AttributeSet` per distinct (attributes, next hop), so a million routes
/// with the same attributes cost one copy of them. Entries are held weakly: a set nobody uses any
/// more is dropped at the next sweep, which runs when the table has doubled since the last one.
struct AttributeInterner {
    private struct Key: Hashable {
        var attributes: PathAttributes
        var nextHop: IPAddress?
    }

    private final class WeakSet {
        weak var value: AttributeSet?
        init(_ value: AttributeSet) { self.value = value }
    }

    private var table: [Key: WeakSet] = [:]
    private var sweepThreshold = 64

    /// The shared set for these attributes (MP_REACH/MP_UNREACH are ignored) and next hop.
    mutating func intern(_ attributes: PathAttributes, nextHop: IPAddress?) -> AttributeSet {
        var attributes = attributes
        attributes.mpReach = nil
        attributes.mpUnreach = nil
        let key = Key(attributes: attributes, nextHop: nextHop)
        if let existing = table[key]?.value { return existing }
        let created = AttributeSet(attributes: attributes, nextHop: nextHop)
        table[key] = WeakSet(created)
        if table.count > sweepThreshold { sweep() }
        return created
    }

    /// Number of distinct sets still referenced (sweeps first).
    mutating func liveCount() -> Int {
        sweep()
        return table.count
    }

    private mutating func sweep() {
        table = table.filter { $0.value.value != nil }
        sweepThreshold = max(64, table.count * 2)
    }
}
