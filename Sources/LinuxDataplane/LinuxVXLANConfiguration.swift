import NetAddress

/// Settings of a `LinuxVXLANDriver` (bgp.conf `[DATAPLANE_DRIVER_EVPN]`).
public struct LinuxVXLANConfiguration: Hashable, Sendable {
    /// `dataplane_local_address`: the VTEP address, `local` of every vxlan device.
    public var localAddress: IPAddress
    /// `vxlan_dst_port` (RFC 7348 §5: 4789).
    public var vxlanPort: UInt16
    /// MTU of the vxlan devices; nil: the MTU of the interface holding `localAddress` minus the
    /// VXLAN overhead (50 bytes over IPv4, 70 over IPv6), or 1450 if no interface holds it.
    public var mtu: UInt32?
    public var naming: DeviceNaming
    /// Who answers ARP and IPv6 neighbour solicitations for remote endpoints (docs/dataplane.md, "ARP").
    public enum ARPSuppression: Hashable, Sendable {
        /// `neigh_suppress` on the vxlan bridge port, neighbour entries on the bridge: the bridge
        /// answers for known remote IPs and still floods requests for unknown ones (the default).
        case bridgePort
        /// `proxy` on the vxlan device, neighbour entries on it (BaGPipe's way): the vxlan device
        /// answers for known remote IPs and drops every other ARP frame, replies included. Correct
        /// only when every remote endpoint is advertised with MAC *and* IP.
        case vxlanProxy
        /// Nothing answers locally: ARP crosses the tunnel (neighbour entries on the vxlan device).
        case none
    }

    public var arpSuppression: ARPSuppression
    /// Run in another network namespace (a path such as `/var/run/netns/n1`): every netlink socket is
    /// opened there. nil: the caller's namespace.
    public var networkNamespacePath: String?

    public init(localAddress: IPAddress, vxlanPort: UInt16 = 4789, mtu: UInt32? = nil,
                naming: DeviceNaming = DeviceNaming(), arpSuppression: ARPSuppression = .bridgePort, networkNamespacePath: String? = nil) {
        self.localAddress = localAddress
        self.vxlanPort = vxlanPort
        self.mtu = mtu
        self.naming = naming
        self.arpSuppression = arpSuppression
        self.networkNamespacePath = networkNamespacePath
    }

    /// Bytes VXLAN adds on the underlay: outer IP + UDP (8) + VXLAN (8) + inner Ethernet (14).
    public var encapsulationOverhead: UInt32 { localAddress.isIPv4 ? 50 : 70 }

    public static let fallbackMTU: UInt32 = 1450
}
