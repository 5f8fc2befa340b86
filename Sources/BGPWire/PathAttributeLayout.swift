/// The order and flag octets of the path attributes of a decoded UPDATE, kept so the encoder can
/// reproduce another implementation's layout byte for byte (GoBGP puts MP_REACH_NLRI before
/// EXTENDED_COMMUNITIES, FRR puts it first, with the Extended Length bit on AS_PATH).
///
/// It is an encoding hint only: it never takes part in equality or hashing, so attribute sets that
/// differ only in layout compare equal. Up to 16 attributes are recorded; beyond that the canonical
/// layout is used.
public struct PathAttributeLayout: Hashable, Sendable {
    /// (type << 8 | flags) pairs, four per word.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var storedCount: UInt8 = 0
    private var overflowed = false

    public init() {}

    static let capacity = 16

    /// True when nothing usable was recorded (locally built attributes, or more than 16 on the wire).
    public var isEmpty: Bool { storedCount == 0 || overflowed }

    /// The recorded (type, flags) pairs in wire order.
    public var entries: [(type: UInt8, flags: UInt8)] {
        guard !isEmpty else { return [] }
        return (0..<Int(storedCount)).map { index in
            let pair = UInt16(truncatingIfNeeded: word(index / 4) >> (16 * UInt64(index % 4)))
            return (UInt8(pair >> 8), UInt8(truncatingIfNeeded: pair))
        }
    }

    /// The flags recorded for `type`, if any.
    public func flags(for type: UInt8) -> UInt8? {
        entries.first { $0.type == type }?.flags
    }

    mutating func record(type: UInt8, flags: UInt8) {
        guard Int(storedCount) < Self.capacity else { overflowed = true; return }
        let index = Int(storedCount)
        let pair = UInt64(UInt16(type) << 8 | UInt16(flags)) << (16 * UInt64(index % 4))
        switch index / 4 {
        case 0: words.0 |= pair
        case 1: words.1 |= pair
        case 2: words.2 |= pair
        default: words.3 |= pair
        }
        storedCount += 1
    }

    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        default: words.3
        }
    }

    public static func == (lhs: PathAttributeLayout, rhs: PathAttributeLayout) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}
