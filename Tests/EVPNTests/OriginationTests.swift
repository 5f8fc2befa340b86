import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// What we advertise (bagpipe.md §6): RD, labels, next hops, extended communities, PMSI, RTC.
@Suite struct OriginationTests {
    let harness = Harness { $0.dataplaneLocalAddress = ip("198.51.100.111") }

    init() throws {
        harness.peerUp(families: [.l2vpnEVPN, .routeTargetConstraint])
        try harness.router.attach(AttachRequest(instanceID: "red", mac: mac("52:54:00:aa:bb:cc"), ip: prefix("203.0.113.10/24"),
                                                importRouteTargets: [red], exportRouteTargets: [red], localPort: "tap0",
                                                localPreference: 150))
    }

    private func announcedRoute(_ match: (EVPNRoute) -> Bool) -> (route: EVPNRoute, attributes: PathAttributes, nextHop: IPAddress)? {
        // Without RT membership from the peer nothing EVPN is sent under rtc: ask for red first.
        harness.receive(Routes.membership([red], nextHop: Harness.peerAddress))
        for (nlri, attributes, nextHop) in harness.announced() {
            if case .evpn(let route) = nlri, match(route) { return (route, attributes, nextHop) }
        }
        return nil
    }

    @Test func typeThreeCarriesIngressReplicationToTheDataplaneAddress() throws {
        let vni = harness.router.vni(of: "red")!
        let (route, attributes, nextHop) = try #require(announcedRoute { $0.routeType == 3 })
        #expect(route == Routes.multicast(rd: "198.51.100.11:0", originator: "198.51.100.11"))
        #expect(nextHop == ip("198.51.100.11"))
        #expect(attributes.pmsiTunnel == .ingressReplication(endpoint: ip("198.51.100.111"), label: vni))
        #expect(attributes.extendedCommunities == [.encapsulation(.vxlan), .routeTarget(red)])
        #expect(attributes.origin == .igp)
        #expect(attributes.asPath.isEmpty)
        #expect(attributes.localPreference == 100)
    }

    @Test func typeTwoCarriesTheVNIAsLabelAndTheDataplaneAddressAsNextHop() throws {
        let vni = harness.router.vni(of: "red")!
        #expect(vni == 16)
        let (route, attributes, nextHop) = try #require(announcedRoute { $0.routeType == 2 })
        #expect(route == Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:aa:bb:cc", ip: "203.0.113.10", label: vni))
        #expect(nextHop == ip("198.51.100.111"))
        #expect(attributes.extendedCommunities == [.encapsulation(.vxlan), .routeTarget(red)])
        #expect(attributes.localPreference == 150)
        #expect(attributes.pmsiTunnel == nil)
    }

    @Test func membershipRouteForEachImportTargetWithOurAS() throws {
        let memberships = harness.announced().filter { $0.nlri.family == .routeTargetConstraint }
        #expect(memberships.map(\.nlri) == [.routeTargetMembership(RouteTargetMembership(originAS: 64512, routeTarget: red))])
        #expect(memberships.first?.nextHop == ip("198.51.100.11"))
        // A second instance on another target adds one; deleting it withdraws it.
        try harness.router.attach(attachRequest("blue", mac: "52:54:00:00:00:02", targets: [blue], port: "tap1"))
        #expect(harness.announced().map(\.nlri).contains(.routeTargetMembership(RouteTargetMembership(originAS: 64512,
                                                                                                      routeTarget: blue))))
        try harness.router.detach(DetachRequest(instanceID: "blue", mac: mac("52:54:00:00:00:02")))
        #expect(harness.withdrawn() == [.routeTargetMembership(RouteTargetMembership(originAS: 64512, routeTarget: blue))])
    }

    @Test func nextInstanceGetsTheNextVNIAndRouteDistinguisher() throws {
        try harness.router.attach(attachRequest("blue", mac: "52:54:00:00:00:02", targets: [blue], port: "tap1"))
        let blueInstance = try #require(harness.router.instanceSnapshot("blue"))
        #expect(blueInstance.vni == 17)
        #expect(blueInstance.routeDistinguisher == RouteDistinguisher("198.51.100.11:1"))
    }

    @Test func endOfRIBFollowsTheInitialRoutes() {
        let harness = Harness()
        harness.peerUp(families: [.l2vpnEVPN])
        #expect(harness.updates() == [.endOfRIB(.l2vpnEVPN)])
    }
}
