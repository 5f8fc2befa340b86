/// The RIB entries an instance imported for one MAC or one IP: one pointer when there is one.
enum EntryRefs {
    case one(EVPNEntry)
    case many(EntryList)

    var entries: [EVPNEntry] {
        switch self {
        case .one(let entry): [entry]
        case .many(let list): list.entries
        }
    }

    /// Calls `body` on each entry without building an array.
    func forEach(_ body: (EVPNEntry) -> Void) {
        switch self {
        case .one(let entry): body(entry)
        case .many(let list): list.entries.forEach(body)
        }
    }

    /// These refs plus `entry` (which must not be among them).
    func adding(_ entry: EVPNEntry) -> EntryRefs {
        switch self {
        case .one(let only): .many(EntryList([only, entry]))
        case .many(let list): .many(EntryList(list.entries + [entry]))
        }
    }

    /// These refs without `entry`; nil when none is left.
    func removing(_ entry: EVPNEntry) -> EntryRefs? {
        let left = entries.filter { $0 !== entry }
        switch left.count {
        case 0: return nil
        case 1: return .one(left[0])
        default: return .many(EntryList(left))
        }
    }
}

final class EntryList {
    let entries: [EVPNEntry]
    init(_ entries: [EVPNEntry]) { self.entries = entries }
}
