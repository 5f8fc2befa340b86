import NetAddress

/// A device the driver uses: its name and ifindex in the driver's namespace.
struct Device: Hashable, Sendable {
    var name: String
    var index: Int32
}

/// The kernel devices of one instance and what the driver remembers about them.
struct InstanceDevices: Hashable, Sendable {
    var externalID: String
    var vni: UInt32
    var bridge: Device
    /// False for an existing bridge given in the spec (REST `linuxbr`): never deleted nor marked.
    var ownsBridge: Bool
    var vxlan: Device
    /// Where the neighbour entries of remote IPs go: the bridge with `neigh_suppress` (the
    /// bridge looks them up there), else the vxlan device (its `proxy` looks them up there).
    var neighbourDevice: Device
    var mtu: UInt32
    /// Remote MAC → VTEP as last programmed, so removing a MAC that has moved since keeps its
    /// bridge entry.
    var remoteMACs: [MACAddress: IPAddress] = [:]
}
