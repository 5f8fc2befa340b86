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

/// An open-addressing hash set of entries, looked up by key. Each slot is one pointer plus the low
/// 32 bits of the key's hash, against a key-sized slot in `Dictionary<Key, Entry>`: at a million
/// routes that is about 100 bytes per route less. The stored hashes let a probe skip slots without
/// loading their entry, and let growing and deletion move entries without hashing keys again.
struct EntryTable<Key: Hashable & Sendable> {
    typealias Entry = RIBEntry<Key>

    private var slots: ContiguousArray<Entry?> = ContiguousArray(repeating: nil, count: 16)
    /// `hashes[i]` is the stored hash of `slots[i]`'s key (meaningless for an empty slot).
    private var hashes: ContiguousArray<UInt32> = ContiguousArray(repeating: 0, count: 16)
    private(set) var count = 0

    private var mask: Int { slots.count - 1 }

    private static func hash(of key: Key) -> UInt32 { UInt32(truncatingIfNeeded: key.hashValue) }

    private func home(of hash: UInt32) -> Int { Int(hash) & mask }

    /// The slot holding `key`, or the empty slot ending its probe chain.
    private func slot(of key: Key, hash: UInt32) -> Int {
        var index = home(of: hash)
        while let entry = slots[index] {
            if hashes[index] == hash && entry.key == key { return index }
            index = (index + 1) & mask
        }
        return index
    }

    func find(_ key: Key) -> Entry? {
        slots[slot(of: key, hash: Self.hash(of: key))]
    }

    /// The entry for `key`, created empty if missing.
    mutating func findOrInsert(_ key: Key) -> Entry {
        let hash = Self.hash(of: key)
        if let entry = slots[slot(of: key, hash: hash)] { return entry }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let entry = Entry(key: key)
        place(entry, hash: hash)
        count += 1
        return entry
    }

    /// Removes the entry for `key` (backward-shift deletion keeps probe chains intact).
    mutating func remove(_ key: Key) {
        var index = slot(of: key, hash: Self.hash(of: key))
        guard slots[index] != nil else { return }
        slots[index] = nil
        count -= 1
        var next = (index + 1) & mask
        while let entry = slots[next] {
            let desired = home(of: hashes[next])
            // Move the entry back if its home is not within (index, next].
            let distanceToHole = (next - index) & mask
            let distanceToHome = (next - desired) & mask
            if distanceToHome >= distanceToHole {
                slots[index] = entry
                hashes[index] = hashes[next]
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

    private mutating func place(_ entry: Entry, hash: UInt32) {
        var index = home(of: hash)
        while slots[index] != nil { index = (index + 1) & mask }
        slots[index] = entry
        hashes[index] = hash
    }

    private mutating func grow() {
        let oldSlots = slots, oldHashes = hashes
        slots = ContiguousArray(repeating: nil, count: oldSlots.count * 2)
        hashes = ContiguousArray(repeating: 0, count: oldSlots.count * 2)
        for index in oldSlots.indices {
            if let entry = oldSlots[index] { place(entry, hash: oldHashes[index]) }
        }
    }
}
