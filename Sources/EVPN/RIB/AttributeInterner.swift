import BGPWire
import NetAddress

/// Hands out one shared `AttributeSet` per distinct (attributes, next hop), so a million routes
/// with the same attributes cost one copy of them. A set only the table still holds is dropped at
/// the next sweep, which runs when the table has doubled since the last one. (Weak references
/// would do the same but move every retain and release of the set to the slow path.)
struct AttributeInterner {
    private struct Key: Hashable {
        var attributes: PathAttributes
        var nextHop: IPAddress?
    }

    private var table: [Key: AttributeSet] = [:]
    private var sweepThreshold = 64

    /// The shared set for these attributes (MP_REACH/MP_UNREACH are ignored) and next hop.
    mutating func intern(_ attributes: PathAttributes, nextHop: IPAddress?) -> AttributeSet {
        var attributes = attributes
        attributes.mpReach = nil
        attributes.mpUnreach = nil
        let key = Key(attributes: attributes, nextHop: nextHop)
        if let existing = table[key] { return existing }
        let created = AttributeSet(attributes: attributes, nextHop: nextHop)
        table[key] = created
        if table.count > sweepThreshold { sweep() }
        return created
    }

    /// Number of distinct sets still referenced (sweeps first).
    mutating func liveCount() -> Int {
        sweep()
        return table.count
    }

    private mutating func sweep() {
        for key in Array(table.keys) where isKnownUniquelyReferenced(&table[key]!) {
            table[key] = nil
        }
        sweepThreshold = max(64, table.count * 2)
    }
}
