import NetAddress

/// The remote routes an instance imported for one MAC, and what the FDB was told for it.
struct MACSlot {
    var entries: EntryRefs
    /// VTEP id (`VTEPTable`) and VNI of the programmed remote FDB entry; VTEP 0 when none.
    var programmedVTEP: UInt32 = 0
    var programmedVNI: UInt32 = 0
}

/// The remote MAC+IP routes an instance imported for one IP, and the neighbour entry programmed.
struct IPSlot {
    var entries: EntryRefs
    /// The MAC of the programmed neighbour entry; `IPSlot.none` when none.
    var programmedMAC: UInt64 = IPSlot.none
    static let none = UInt64.max
}

/// `IPSlot`s by address, IPv4 keys kept at 4 bytes.
struct IPIndex {
    private var v4: [UInt32: IPSlot] = [:]
    private var v6: [IPv6Address: IPSlot] = [:]

    subscript(ip: IPAddress) -> IPSlot? {
        get {
            switch ip {
            case .v4(let address): v4[address.rawValue]
            case .v6(let address): v6[address]
            }
        }
        set {
            switch ip {
            case .v4(let address): v4[address.rawValue] = newValue
            case .v6(let address): v6[address] = newValue
            }
        }
    }
}

/// Where BUM traffic goes: one flood-list entry (RFC 7432 §11.2, ingress replication).
struct FloodTarget: Hashable, Sendable {
    var vtep: IPAddress
    var vni: UInt32
}
