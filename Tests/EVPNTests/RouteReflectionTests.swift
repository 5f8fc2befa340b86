import BGPWire
@testable import EVPN
import NetAddress
import Testing

/// swift-bagpipe as the route reflector between VTEPs (RFC 4456), with route-target constraint.
@Suite struct RouteReflectionTests {
    let harness = Harness { $0.routeReflectorClusterID = IPv4Address("198.51.100.11") }
    let clientA = "198.51.100.21", clientB = "198.51.100.22", nonClient = "198.51.100.31", nonClient2 = "198.51.100.32"
    let route = Routes.macIP(rd: "198.51.100.21:1", mac: "52:54:00:00:00:0a")

    init() {
        harness.peerUp(clientA, families: [.l2vpnEVPN], client: true)
        harness.peerUp(clientB, families: [.l2vpnEVPN], client: true)
        harness.peerUp(nonClient, families: [.l2vpnEVPN])
        harness.peerUp(nonClient2, families: [.l2vpnEVPN])
        harness.output.forget()
    }

    private func evpnNLRI(to peer: String) -> [NLRI] {
        harness.announced(to: peer).map(\.nlri).filter { $0.family == .l2vpnEVPN }
    }

    @Test func clientRouteGoesToEveryOtherPeerWithOriginatorAndClusterList() throws {
        harness.receive(Routes.announce([route], nextHop: clientA), from: clientA)
        #expect(evpnNLRI(to: clientA).isEmpty)
        for peer in [clientB, nonClient, nonClient2] {
            let sent = try #require(harness.announced(to: peer).first)
            #expect(sent.nlri == .evpn(route))
            #expect(sent.nextHop == ip(clientA))
            #expect(sent.attributes.originatorID == IPv4Address(clientA))
            #expect(sent.attributes.clusterList == [IPv4Address("198.51.100.11")!])
            #expect(sent.attributes.localPreference == 100)
            #expect(sent.attributes.extendedCommunities == Routes.attributes().extendedCommunities)
        }
    }

    @Test func nonClientRouteGoesToClientsOnly() {
        harness.receive(Routes.announce([route], nextHop: nonClient), from: nonClient)
        #expect(evpnNLRI(to: clientA) == [.evpn(route)])
        #expect(evpnNLRI(to: clientB) == [.evpn(route)])
        #expect(evpnNLRI(to: nonClient2).isEmpty)
        #expect(evpnNLRI(to: nonClient).isEmpty)
    }

    @Test func routesCarryingOurClusterIDAreDropped() {
        var attributes = Routes.attributes()
        attributes.originatorID = IPv4Address("198.51.100.99")
        attributes.clusterList = [IPv4Address("198.51.100.5")!, IPv4Address("198.51.100.11")!]
        harness.receive(Routes.announce([route], nextHop: nonClient, attributes: attributes), from: nonClient)
        #expect(harness.router.ribSnapshot(.l2vpnEVPN).isEmpty)
    }

    @Test func aRouteIsNotReflectedToItsOriginator() {
        var attributes = Routes.attributes()
        attributes.originatorID = IPv4Address(clientB)
        attributes.clusterList = [IPv4Address("198.51.100.5")!]
        harness.receive(Routes.announce([route], nextHop: clientB, attributes: attributes), from: nonClient)
        #expect(evpnNLRI(to: clientA) == [.evpn(route)])
        #expect(evpnNLRI(to: clientB).isEmpty)
        // ORIGINATOR_ID is kept, our cluster id prepended.
        #expect(harness.announced(to: clientA).first?.attributes.clusterList
                == [IPv4Address("198.51.100.11")!, IPv4Address("198.51.100.5")!])
        #expect(harness.announced(to: clientA).first?.attributes.originatorID == IPv4Address(clientB))
    }

    @Test func withdrawalReachesEveryoneWhoHadTheRoute() {
        harness.receive(Routes.announce([route], nextHop: clientA), from: clientA)
        harness.receive(Routes.withdraw([route]), from: clientA)
        for peer in [clientB, nonClient, nonClient2] {
            #expect(harness.withdrawn(to: peer) == [.evpn(route)])
        }
        #expect(harness.withdrawn(to: clientA).isEmpty)
    }

    @Test func routesOfOtherTypesAreReflectedIntactAndKeyedPerRFC() throws {
        let prefixRoute = EVPNRoute.ipPrefix(IPPrefixRoute(routeDistinguisher: RouteDistinguisher("198.51.100.21:7")!,
                                                           prefix: prefix("192.0.2.0/24"), gateway: ip("192.0.2.1"), label: 100))
        let esi = EthernetSegmentIdentifier(bytes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        let multihomed = Routes.macIP(rd: "198.51.100.21:1", mac: "52:54:00:00:00:0f", label: 7, esi: esi)
        harness.receive(Routes.announce([prefixRoute, multihomed], nextHop: clientA), from: clientA)
        #expect(Set(evpnNLRI(to: clientB)) == [.evpn(prefixRoute), .evpn(multihomed)])
        // A new label is an attribute change of the same route (RFC 9136 §3.1): one route, replaced.
        let relabelled = EVPNRoute.ipPrefix(IPPrefixRoute(routeDistinguisher: RouteDistinguisher("198.51.100.21:7")!,
                                                          prefix: prefix("192.0.2.0/24"), gateway: ip("192.0.2.1"), label: 200))
        harness.receive(Routes.announce([relabelled], nextHop: clientA), from: clientA)
        #expect(harness.router.routeCounts()[.l2vpnEVPN] == 2)
        #expect(evpnNLRI(to: clientB).last == .evpn(relabelled))
    }

    @Test func unknownOptionalTransitiveAttributesPassWithThePartialBit() throws {
        var attributes = Routes.attributes()
        attributes.unrecognized = [RawPathAttribute(flags: 0xC0, typeCode: 99, value: [1, 2, 3])]
        harness.receive(Routes.announce([route], nextHop: clientA, attributes: attributes), from: clientA)
        let sent = try #require(harness.announced(to: clientB).first)
        #expect(sent.attributes.unrecognized == [RawPathAttribute(flags: 0xE0, typeCode: 99, value: [1, 2, 3])])
    }
}

/// Route-target constraint through a reflecting `EVPNRouter` (RFC 4684).
@Suite struct ReflectorRouteTargetConstraintTests {
    let harness = Harness { $0.routeReflectorClusterID = IPv4Address("198.51.100.11") }
    let a = "198.51.100.21", b = "198.51.100.22", c = "198.51.100.23"
    let families: Set<AddressFamily> = [.l2vpnEVPN, .routeTargetConstraint]

    private func memberships(to peer: String) -> [NLRI] {
        harness.announced(to: peer).map(\.nlri).filter { $0.family == .routeTargetConstraint }
    }

    @Test func eachClientHearsOfTheOthersInterestButNotOfItsOwn() {
        for peer in [a, b, c] { harness.peerUp(peer, families: families, client: true) }
        harness.receive(Routes.membership([red], nextHop: a), from: a)
        let redMembership = NLRI.routeTargetMembership(RouteTargetMembership(originAS: 64512, routeTarget: red))
        #expect(memberships(to: a).isEmpty)
        #expect(memberships(to: b) == [redMembership])
        #expect(memberships(to: c) == [redMembership])
        // C announces the same NLRI: A now hears of it (C's path), while B and C still have one.
        harness.output.forget()
        harness.receive(Routes.membership([red], nextHop: c), from: c)
        #expect(memberships(to: a) == [redMembership])
        #expect(harness.announced(to: a).first?.nextHop == ip(Harness.localAddress))
        // A leaves: B keeps hearing of C's interest; C no longer hears of any.
        harness.output.forget()
        harness.receive(Routes.withdrawMembership([red]), from: a)
        #expect(harness.withdrawn(to: c) == [redMembership])
        #expect(harness.withdrawn(to: b).isEmpty)
    }

    @Test func vpnRoutesFollowEachPeersMemberships() {
        for peer in [a, b, c] { harness.peerUp(peer, families: families, client: true) }
        harness.receive(Routes.membership([red], nextHop: b), from: b)
        let route = Routes.macIP(rd: "198.51.100.21:1", mac: "52:54:00:00:00:0a")
        harness.receive(Routes.announce([route], nextHop: a), from: a)
        #expect(harness.announced(to: b).map(\.nlri).contains(.evpn(route)))
        #expect(!harness.announced(to: c).map(\.nlri).contains(.evpn(route)))
        // C joins red later: it gets the route then; B leaves red: the route is withdrawn from B.
        harness.receive(Routes.membership([red], nextHop: c), from: c)
        #expect(harness.announced(to: c).map(\.nlri).contains(.evpn(route)))
        harness.receive(Routes.withdrawMembership([red]), from: b)
        #expect(harness.withdrawn(to: b) == [.evpn(route)])
    }

    @Test func peersWithoutRTCAreServedThroughADefaultMembership() {
        harness.peerUp(a, families: families, client: true)
        harness.peerUp(b, families: [.l2vpnEVPN], client: true)
        // A is asked for everything on B's behalf.
        #expect(memberships(to: a) == [.routeTargetMembership(.default)])
        let route = Routes.macIP(rd: "198.51.100.21:1", mac: "52:54:00:00:00:0a")
        harness.receive(Routes.announce([route], nextHop: a), from: a)
        #expect(harness.announced(to: b).map(\.nlri) == [.evpn(route)])
        // B's routes reach A only for the targets A asked for.
        let blueRoute = Routes.macIP(rd: "198.51.100.22:1", mac: "52:54:00:00:00:0b")
        harness.receive(Routes.announce([blueRoute], nextHop: b, attributes: Routes.attributes(targets: [blue])), from: b)
        #expect(!harness.announced(to: a).map(\.nlri).contains(.evpn(blueRoute)))
        harness.receive(Routes.membership([blue], nextHop: a), from: a)
        #expect(harness.announced(to: a).map(\.nlri).contains(.evpn(blueRoute)))
        // B leaves: the default membership is withdrawn from A.
        harness.router.peerDown(ip(b))
        #expect(harness.withdrawn(to: a).contains(.routeTargetMembership(.default)))
    }

    @Test func evpnEndOfRIBWaitsForThePeersMembershipEndOfRIB() {
        harness.peerUp(a, families: families, client: true)
        #expect(harness.updates(to: a).filter { if case .endOfRIB = $0 { true } else { false } }
                == [.endOfRIB(.routeTargetConstraint)])
        harness.receive(Routes.membership([red], nextHop: a), from: a)
        harness.receive(UpdateMessage.endOfRIB(.routeTargetConstraint), from: a)
        #expect(harness.updates(to: a).last == .endOfRIB(.l2vpnEVPN))
        #expect(harness.router.peerSnapshots().first?.receivedEndOfRIB == [.routeTargetConstraint])
        #expect(harness.router.peerSnapshots().first?.sentEndOfRIB == [.routeTargetConstraint, .l2vpnEVPN])
    }
}
