import BGPWire

/// One route of the Loc-RIB (RFC 4271 §3.2) with every source's path to it, best first. The
/// per-peer Adj-RIBs-In are these paths, grouped by source: storing them once here is what keeps
/// a route at a few dozen bytes.
final class RIBEntry<Key: Hashable & Sendable> {
    let key: Key
    var paths = PathList()

    init(key: Key) { self.key = key }
}

typealias EVPNEntry = RIBEntry<EVPNRouteKey>
typealias MembershipEntry = RIBEntry<RouteTargetMembership>

/// An open-addressing hash set of entries, looked up by key. Each slot is one pointer, against a
/// key-sized slot in `Dictionary<Key, Entry>`: at a million routes that is about 100 bytes per route.
struct EntryTable<Key: Hashable & Sendable> {
    typealias Entry = RIBEntry<Key>

    private var slots: ContiguousArray<Entry?> = ContiguousArray(repeating: nil, count: 16)
    private(set) var count = 0

    private var mask: Int { slots.count - 1 }

    private func home(of key: Key) -> Int { key.hashValue & mask }

    func find(_ key: Key) -> Entry? {
        var index = home(of: key)
        while let entry = slots[index] {
            if entry.key == key { return entry }
            index = (index + 1) & mask
        }
        return nil
    }

    /// The entry for `key`, created empty if missing.
    mutating func findOrInsert(_ key: Key) -> Entry {
        if let entry = find(key) { return entry }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let entry = Entry(key: key)
        place(entry)
        count += 1
        return entry
    }

    /// Removes the entry for `key` (backward-shift deletion keeps probe chains intact).
    mutating func remove(_ key: Key) {
        var index = home(of: key)
        while let entry = slots[index] {
            if entry.key == key { break }
            index = (index + 1) & mask
        }
        guard slots[index] != nil else { return }
        slots[index] = nil
        count -= 1
        var next = (index + 1) & mask
        while let entry = slots[next] {
            let desired = home(of: entry.key)
            // Move the entry back if its home is not within (index, next].
            let distanceToHole = (next - index) & mask
            let distanceToHome = (next - desired) & mask
            if distanceToHome >= distanceToHole {
                slots[index] = entry
                slots[next] = nil
                index = next
            }
            next = (next + 1) & mask
        }
    }

    /// Every entry, in no particular order.
    var entries: [Entry] { slots.compactMap { $0 } }

    func forEach(_ body: (Entry) throws -> Void) rethrows {
        for case let entry? in slots { try body(entry) }
    }

    private mutating func place(_ entry: Entry) {
        var index = home(of: entry.key)
        while slots[index] != nil { index = (index + 1) & mask }
        slots[index] = entry
    }

    private mutating func grow() {
        let old = slots
        slots = ContiguousArray(repeating: nil, count: old.count * 2)
        for case let entry? in old { place(entry) }
    }
}
