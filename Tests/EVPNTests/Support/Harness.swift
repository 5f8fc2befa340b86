import BGPWire
import Dataplane
@testable import EVPN
import NetAddress

/// One router under test, fed UPDATEs crafted here (encoded and decoded by BGPWire on the way,
/// as a session would) from fake peers.
final class Harness {
    static let localAddress = "198.51.100.11"
    static let peerAddress = "198.51.100.1"

    let router: EVPNRouter
    let output: RecordingOutput

    init(configure: (inout EVPNRouterConfiguration) -> Void = { _ in }) {
        var configuration = EVPNRouterConfiguration(localAS: 64512, routerID: IPv4Address(Self.localAddress)!,
                                                    bgpLocalAddress: ip(Self.localAddress))
        configure(&configuration)
        output = RecordingOutput(address: configuration.bgpLocalAddress)
        router = EVPNRouter(configuration: configuration, output: output)
    }

    var intents: [DataplaneIntent] { output.intents }

    func peerUp(_ address: String = Harness.peerAddress, routerID: String? = nil,
                families: Set<AddressFamily> = [.l2vpnEVPN], peerAS: UInt32 = 64512, client: Bool = false) {
        router.peerUp(ip(address), routerID: IPv4Address(routerID ?? address)!, families: families, peerAS: peerAS,
                      isRouteReflectorClient: client)
    }

    /// Delivers `update` as if `peer` had sent it, through an encode/decode round trip.
    func receive(_ update: UpdateMessage, from peer: String = Harness.peerAddress) {
        let bytes = BGPMessage.update(update).encoded(context: TestNetwork.context)
        guard case .update(let decoded) = try! BGPMessage.decode(bytes, context: TestNetwork.context) else {
            fatalError("not an UPDATE")
        }
        router.receive(decoded, from: ip(peer))
    }

    /// The route updates sent to `peer`, flattened.
    func updates(to peer: String = Harness.peerAddress) -> [RouteUpdate] {
        output.updates.filter { $0.peer == ip(peer) }.map(\.update)
    }

    /// Announcements sent to `peer`: each NLRI with its attributes and next hop.
    func announced(to peer: String = Harness.peerAddress) -> [(nlri: NLRI, attributes: PathAttributes, nextHop: IPAddress)] {
        updates(to: peer).flatMap { update -> [(NLRI, PathAttributes, IPAddress)] in
            guard case .announce(_, let nextHop, let attributes, let nlri) = update else { return [] }
            return nlri.map { ($0, attributes, nextHop) }
        }
    }

    func withdrawn(to peer: String = Harness.peerAddress) -> [NLRI] {
        updates(to: peer).flatMap { update -> [NLRI] in
            guard case .withdraw(_, let nlri) = update else { return [] }
            return nlri
        }
    }
}

/// Builders for received routes.
enum Routes {
    static func macIP(rd: String, mac text: String, ip address: String? = nil, label: UInt32 = 5000,
                      esi: EthernetSegmentIdentifier = .zero) -> EVPNRoute {
        .macIPAdvertisement(MACIPAdvertisementRoute(routeDistinguisher: RouteDistinguisher(rd)!, esi: esi, mac: mac(text),
                                                    ip: address.map(ip), label1: label))
    }

    static func multicast(rd: String, originator: String) -> EVPNRoute {
        .inclusiveMulticast(InclusiveMulticastRoute(routeDistinguisher: RouteDistinguisher(rd)!, originator: ip(originator)))
    }

    /// Attributes as a VTEP sends them: ORIGIN IGP, empty AS_PATH, LOCAL_PREF 100, encapsulation
    /// (VXLAN unless told otherwise), route targets, optional MAC mobility and PMSI.
    static func attributes(targets: [RouteTarget] = [red], encapsulation: TunnelType? = .vxlan,
                           sequence: UInt32? = nil, sticky: Bool = false, pmsi: PMSITunnel? = nil,
                           localPreference: UInt32? = 100) -> PathAttributes {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = localPreference
        attributes.extendedCommunities = (encapsulation.map { [ExtendedCommunity.encapsulation($0)] } ?? [])
            + targets.map(ExtendedCommunity.routeTarget)
        if let sequence { attributes.extendedCommunities.append(.macMobility(sequence: sequence, sticky: sticky)) }
        attributes.pmsiTunnel = pmsi
        return attributes
    }

    static func announce(_ routes: [EVPNRoute], nextHop: String, attributes: PathAttributes = Routes.attributes())
        -> UpdateMessage {
        var attributes = attributes
        attributes.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [ip(nextHop)], nlri: routes.map(NLRI.evpn))
        return UpdateMessage(attributes: attributes)
    }

    /// A type-3 route announcement with an ingress-replication PMSI tunnel.
    static func announceMulticast(rd: String, vtep: String, vni: UInt32, targets: [RouteTarget] = [red],
                                  encapsulation: TunnelType? = .vxlan) -> UpdateMessage {
        announce([multicast(rd: rd, originator: vtep)], nextHop: vtep,
                 attributes: attributes(targets: targets, encapsulation: encapsulation,
                                        pmsi: .ingressReplication(endpoint: ip(vtep), label: vni)))
    }

    static func withdraw(_ routes: [EVPNRoute]) -> UpdateMessage {
        var attributes = PathAttributes()
        attributes.mpUnreach = MPUnreach(family: .l2vpnEVPN, nlri: routes.map(NLRI.evpn))
        return UpdateMessage(attributes: attributes)
    }

    static func membership(_ targets: [RouteTarget], originAS: UInt32 = 64512, nextHop: String) -> UpdateMessage {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        attributes.mpReach = MPReach(family: .routeTargetConstraint, nextHops: [ip(nextHop)],
                                     nlri: targets.map { .routeTargetMembership(RouteTargetMembership(originAS: originAS, routeTarget: $0)) })
        return UpdateMessage(attributes: attributes)
    }

    static func withdrawMembership(_ targets: [RouteTarget], originAS: UInt32 = 64512) -> UpdateMessage {
        var attributes = PathAttributes()
        attributes.mpUnreach = MPUnreach(family: .routeTargetConstraint,
                                         nlri: targets.map { .routeTargetMembership(RouteTargetMembership(originAS: originAS, routeTarget: $0)) })
        return UpdateMessage(attributes: attributes)
    }
}
