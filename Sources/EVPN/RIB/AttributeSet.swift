import BGPWire
import NetAddress

/// The encapsulations a route announces (RFC 9012 §4.1 encapsulation extended community).
enum AnnouncedEncapsulation: Sendable, Equatable {
    /// VXLAN is among them.
    case vxlan
    /// None: RFC 8365 §5.1.3 says MPLS, or what is configured, applies.
    case absent
    /// Only encapsulations other than VXLAN.
    case other
}

/// One path's attributes, shared by every route that carries the same ones (routes arriving in
/// one UPDATE, and most routes of one origin, share a single instance). Immutable; compared by
/// identity because the `AttributeInterner` hands out one instance per distinct value.
///
/// The fields the decision process and the import need are derived once here.
final class AttributeSet: Sendable {
    /// As received or originated, without MP_REACH_NLRI / MP_UNREACH_NLRI.
    let attributes: PathAttributes
    /// The MP_REACH_NLRI next hop (RFC 4760 §3); with EVPN the VTEP of a type-2 route.
    let nextHop: IPAddress?

    /// Route targets, normalized (RFC 4684 §4), sorted, without duplicates.
    let routeTargets: [RouteTarget]
    let encapsulation: AnnouncedEncapsulation
    /// RFC 7432 §7.7; a route without the community has sequence 0.
    let macMobilitySequence: UInt32
    let isSticky: Bool
    /// Number of ASes for the decision process (RFC 4271 §9.1.2.2 a: a set counts one,
    /// confederation segments count zero).
    let asPathLength: Int
    /// The first AS of the path, for comparing MEDs (RFC 4271 §9.1.2.2 c).
    let neighborAS: UInt32?

    init(attributes: PathAttributes, nextHop: IPAddress?) {
        var attributes = attributes
        attributes.mpReach = nil
        attributes.mpUnreach = nil
        self.attributes = attributes
        self.nextHop = nextHop

        routeTargets = Array(Set(attributes.routeTargets.map(\.normalized))).sorted()
        var encapsulation = AnnouncedEncapsulation.absent
        var sequence: UInt32 = 0
        var sticky = false
        for community in attributes.extendedCommunities {
            switch community {
            case .encapsulation(let tunnel):
                if tunnel == .vxlan { encapsulation = .vxlan } else if encapsulation == .absent { encapsulation = .other }
            case .macMobility(let value, let isSticky):
                // RFC 7432 §7.7 allows one; keep the highest if a peer sends several.
                sequence = max(sequence, value)
                sticky = sticky || isSticky
            default:
                break
            }
        }
        self.encapsulation = encapsulation
        macMobilitySequence = sequence
        isSticky = sticky

        var length = 0
        for segment in attributes.asPath {
            switch segment.kind {
            case .sequence: length += segment.asns.count
            case .set: length += 1
            case .confedSequence, .confedSet: break
            }
        }
        asPathLength = length
        neighborAS = attributes.asPath.first(where: { $0.kind == .sequence })?.asns.first
    }

    /// The ingress replication tunnel of a type-3 route (RFC 7432 §11.2): where to send BUM
    /// traffic and with which VNI.
    var ingressReplication: (endpoint: IPAddress, vni: UInt32)? {
        guard let tunnel = attributes.pmsiTunnel, tunnel.tunnelType == PMSITunnel.ingressReplicationType,
              let endpoint = tunnel.endpoint else { return nil }
        return (endpoint, tunnel.label)
    }

    func carriesAnyRouteTarget(of targets: Set<RouteTarget>) -> Bool {
        routeTargets.contains(where: targets.contains)
    }
}
