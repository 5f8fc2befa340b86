import Collections

/// Hands out VNIs or route-distinguisher numbers as BaGPipe does: fresh values in increasing
/// order first, and released ones again only once the range is used up, oldest release first
/// ("reuse as late as possible"). Values taken explicitly (a pinned VNI) are never handed out.
struct IdentifierAllocator {
    let range: ClosedRange<UInt32>
    private var next: UInt64
    private var released = Deque<UInt32>()
    private(set) var inUse: Set<UInt32> = []

    init(range: ClosedRange<UInt32>) {
        self.range = range
        next = UInt64(range.lowerBound)
    }

    /// A free value, or nil when the range is exhausted.
    mutating func allocate() -> UInt32? {
        while next <= UInt64(range.upperBound) {
            let value = UInt32(next)
            next += 1
            if inUse.insert(value).inserted { return value }
        }
        while let value = released.popFirst() {
            if inUse.insert(value).inserted { return value }
        }
        return nil
    }

    /// Takes a given value; false if it is already taken.
    mutating func reserve(_ value: UInt32) -> Bool {
        inUse.insert(value).inserted
    }

    mutating func release(_ value: UInt32) {
        guard inUse.remove(value) != nil else { return }
        if range.contains(value) { released.append(value) }
    }
}
