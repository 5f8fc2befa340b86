import BGPWire
import NetAddress

/// A BaGPipe `attach_localport` for an EVPN instance, already validated by the REST layer.
public struct AttachRequest: Hashable, Sendable {
    /// `vpn_instance_id`: the instance's external id (also names its bridge and vxlan device).
    public var instanceID: String
    /// `vni`: 0 allocates one; a VNI already used by another instance is refused.
    public var vni: UInt32
    /// `mac_address`.
    public var mac: MACAddress
    /// `ip_address` (a bare address is a /32 or /128); nil attaches the MAC alone (a MAC-only route).
    public var ip: IPPrefix?
    /// `import_rt` / `export_rt`. A re-attach with other targets updates the instance's.
    public var importRouteTargets: [RouteTarget]
    public var exportRouteTargets: [RouteTarget]
    /// `local_port` (`linuxif`): the interface plugged into the instance bridge.
    public var localPort: String
    /// `advertise_subnet`: EVPN only advertises hosts, so true is refused unless the prefix is a host.
    public var advertiseSubnet: Bool
    /// `local_pref`: LOCAL_PREF of this endpoint's route (default: the configured one, 100).
    public var localPreference: UInt32?
    /// `linuxbr`: an existing bridge to use (only used when the instance is created).
    public var linuxBridge: String?
    /// `description` of the endpoint, shown in the looking glass.
    public var description: String?
    /// `instance_description`: replaces the instance's description on every attach (as BaGPipe).
    public var instanceDescription: String?
    /// Route distinguisher of the instance when it is created; nil allocates `<bgp address>:<n>`.
    public var routeDistinguisher: RouteDistinguisher?
    /// Set when the attachment is restored from the state file: the MAC mobility sequence number
    /// (RFC 7432 §15) a previous run reached for this MAC (0 if unknown). The MAC is advertised
    /// with at least this one, so a restart does not go back; and a restored attachment is
    /// memory, not news, so it does not go above remote claims that arrive later.
    public var restoredSequence: UInt32?

    public init(instanceID: String, vni: UInt32 = 0, mac: MACAddress, ip: IPPrefix? = nil,
                importRouteTargets: [RouteTarget], exportRouteTargets: [RouteTarget], localPort: String,
                advertiseSubnet: Bool = false, localPreference: UInt32? = nil, linuxBridge: String? = nil,
                description: String? = nil, instanceDescription: String? = nil,
                routeDistinguisher: RouteDistinguisher? = nil, restoredSequence: UInt32? = nil) {
        self.instanceID = instanceID
        self.vni = vni
        self.mac = mac
        self.ip = ip
        self.importRouteTargets = importRouteTargets
        self.exportRouteTargets = exportRouteTargets
        self.localPort = localPort
        self.advertiseSubnet = advertiseSubnet
        self.localPreference = localPreference
        self.linuxBridge = linuxBridge
        self.description = description
        self.instanceDescription = instanceDescription
        self.routeDistinguisher = routeDistinguisher
        self.restoredSequence = restoredSequence
    }
}

/// A BaGPipe `detach_localport` for an EVPN instance. `ip` nil detaches every endpoint of the MAC.
public struct DetachRequest: Hashable, Sendable {
    public var instanceID: String
    public var mac: MACAddress
    public var ip: IPPrefix?

    public init(instanceID: String, mac: MACAddress, ip: IPPrefix? = nil) {
        self.instanceID = instanceID
        self.mac = mac
        self.ip = ip
    }
}
