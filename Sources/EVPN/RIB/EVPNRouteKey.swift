import BGPWire
import NetAddress

/// The fields of a MAC/IP advertisement route that identify it (RFC 7432 §7.2): RD, Ethernet tag,
/// MAC and IP. The ESI and both labels are attributes of a path, not part of the key.
struct MACIPRouteKey: Hashable, Sendable {
    var routeDistinguisher: RouteDistinguisher
    var mac: MACAddress
    var ethernetTag: UInt32
    var ip: IPAddress?
}

/// A route of type 1, 4, 5 or unknown reduced to its key fields, boxed so that `EVPNRouteKey`
/// stays as small as its common cases.
final class OtherEVPNRouteKey: Hashable, Sendable {
    let route: EVPNRoute

    init(_ route: EVPNRoute) { self.route = route }

    static func == (lhs: OtherEVPNRouteKey, rhs: OtherEVPNRouteKey) -> Bool { lhs.route == rhs.route }
    func hash(into hasher: inout Hasher) { hasher.combine(route) }
}

/// How the RIB identifies an EVPN route: the NLRI fields RFC 7432 §7 (and RFC 9136 §3.1 for
/// type 5) declare part of the prefix. Two NLRI with the same key are the same route; the rest
/// (labels, ESI, type-5 gateway) travels with each path.
enum EVPNRouteKey: Hashable, Sendable {
    case macIP(MACIPRouteKey)
    /// Type 3: every field (RD, Ethernet tag, originator) is part of the key (RFC 7432 §7.3).
    case inclusiveMulticast(InclusiveMulticastRoute)
    case other(OtherEVPNRouteKey)

    /// Splits a received NLRI into its key, its label (type 2: label 1, the VNI with VXLAN) and
    /// the full route when the key and label alone cannot rebuild it.
    static func split(_ route: EVPNRoute) -> (key: EVPNRouteKey, label: UInt32, fullRoute: EVPNRoute?) {
        switch route {
        case .macIPAdvertisement(let mac):
            let key = EVPNRouteKey.macIP(MACIPRouteKey(routeDistinguisher: mac.routeDistinguisher, mac: mac.mac,
                                                        ethernetTag: mac.ethernetTag, ip: mac.ip))
            let plain = mac.esi == .zero && mac.label2 == nil
            return (key, mac.label1, plain ? nil : route)
        case .inclusiveMulticast(let multicast):
            return (.inclusiveMulticast(multicast), 0, nil)
        case .ethernetAutoDiscovery(var autoDiscovery):
            // RFC 7432 §7.1: the label is an attribute.
            autoDiscovery.label = 0
            return (.other(OtherEVPNRouteKey(.ethernetAutoDiscovery(autoDiscovery))), 0, route)
        case .ipPrefix(var prefix):
            // RFC 9136 §3.1: ESI, gateway and label are attributes.
            prefix.esi = .zero
            prefix.label = 0
            prefix.gateway = prefix.gateway.isIPv4 ? .v4(.any) : .v6(IPv6Address(high: 0, low: 0))
            return (.other(OtherEVPNRouteKey(.ipPrefix(prefix))), 0, route)
        case .ethernetSegment, .unknown:
            return (.other(OtherEVPNRouteKey(route)), 0, route)
        }
    }

    /// Rebuilds the NLRI of a path from this key, the path's label and its full route if kept.
    func route(label: UInt32, fullRoute: EVPNRoute?) -> EVPNRoute {
        if let fullRoute { return fullRoute }
        switch self {
        case .macIP(let key):
            return .macIPAdvertisement(MACIPAdvertisementRoute(
                routeDistinguisher: key.routeDistinguisher, ethernetTag: key.ethernetTag, mac: key.mac, ip: key.ip,
                label1: label))
        case .inclusiveMulticast(let route):
            return .inclusiveMulticast(route)
        case .other(let boxed):
            return boxed.route
        }
    }
}
