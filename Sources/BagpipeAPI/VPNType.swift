/// The kind of VPN instance an attachment joins (`vpn_type`).
public enum VPNType: String, Sendable, Hashable, CaseIterable {
    /// An EVPN MAC-VRF (RFC 7432) over VXLAN (RFC 8365).
    case evpn
    /// A BGP/MPLS IP VPN VRF (RFC 4364).
    case ipvpn
}

/// Which traffic a port exchanges with its VPN instance (`direction`).
public enum Direction: String, Sendable, Hashable, CaseIterable {
    case both
    case toPort = "to-port"
    case fromPort = "from-port"
}
