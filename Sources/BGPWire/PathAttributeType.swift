/// Path attribute type codes this codec decodes (IANA "BGP Path Attributes").
enum PathAttributeType {
    static let origin: UInt8 = 1
    static let asPath: UInt8 = 2
    static let nextHop: UInt8 = 3
    static let multiExitDiscriminator: UInt8 = 4
    static let localPreference: UInt8 = 5
    static let atomicAggregate: UInt8 = 6
    static let aggregator: UInt8 = 7
    static let communities: UInt8 = 8
    static let originatorID: UInt8 = 9
    static let clusterList: UInt8 = 10
    static let mpReach: UInt8 = 14
    static let mpUnreach: UInt8 = 15
    static let extendedCommunities: UInt8 = 16
    static let as4Path: UInt8 = 17
    static let as4Aggregator: UInt8 = 18
    static let pmsiTunnel: UInt8 = 22
    static let largeCommunities: UInt8 = 32

    /// Attribute Flags bits (RFC 4271 §4.3).
    static let optionalFlag: UInt8 = 0x80
    static let transitiveFlag: UInt8 = 0x40
    static let partialFlag: UInt8 = 0x20
    static let extendedLengthFlag: UInt8 = 0x10

    /// The Optional and Transitive bits each known attribute must carry (RFC 4271 §5, RFC 7606 §3.c).
    static func categoryFlags(of type: UInt8) -> UInt8? {
        switch type {
        case origin, asPath, nextHop, localPreference, atomicAggregate: transitiveFlag
        case multiExitDiscriminator, originatorID, clusterList, mpReach, mpUnreach: optionalFlag
        case aggregator, communities, extendedCommunities, as4Path, as4Aggregator, pmsiTunnel, largeCommunities:
            optionalFlag | transitiveFlag
        default: nil
        }
    }
}

/// A set of attribute type codes, for duplicate detection without allocation.
struct AttributeTypeSet {
    private var bits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    func contains(_ type: UInt8) -> Bool {
        let mask = UInt64(1) << UInt64(type & 63)
        return switch type >> 6 {
        case 0: bits.0 & mask != 0
        case 1: bits.1 & mask != 0
        case 2: bits.2 & mask != 0
        default: bits.3 & mask != 0
        }
    }

    /// Inserts `type`; returns false when it was already there.
    mutating func insert(_ type: UInt8) -> Bool {
        guard !contains(type) else { return false }
        let mask = UInt64(1) << UInt64(type & 63)
        switch type >> 6 {
        case 0: bits.0 |= mask
        case 1: bits.1 |= mask
        case 2: bits.2 |= mask
        default: bits.3 |= mask
        }
        return true
    }
}
