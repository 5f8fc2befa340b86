/// An AFI/SAFI pair (RFC 4760 §5; IANA registries).
public struct AddressFamily: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var afi: UInt16
    public var safi: UInt8

    public init(afi: UInt16, safi: UInt8) {
        self.afi = afi
        self.safi = safi
    }

    public static let ipv4Unicast = AddressFamily(afi: 1, safi: 1)
    public static let ipv6Unicast = AddressFamily(afi: 2, safi: 1)
    /// L2VPN EVPN (RFC 7432 §7: AFI 25, SAFI 70).
    public static let l2vpnEVPN = AddressFamily(afi: 25, safi: 70)
    /// Route-target constraint (RFC 4684 §4: AFI 1, SAFI 132).
    public static let routeTargetConstraint = AddressFamily(afi: 1, safi: 132)

    /// GoBGP's names (`l2vpn-evpn`, `rtc`, `ipv4-unicast`, `ipv6-unicast`), else `afi/safi`.
    public var description: String {
        switch self {
        case .ipv4Unicast: "ipv4-unicast"
        case .ipv6Unicast: "ipv6-unicast"
        case .l2vpnEVPN: "l2vpn-evpn"
        case .routeTargetConstraint: "rtc"
        default: "\(afi)/\(safi)"
        }
    }

    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool { (lhs.afi, lhs.safi) < (rhs.afi, rhs.safi) }
}
