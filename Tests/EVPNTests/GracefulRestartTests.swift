import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// Graceful restart, receiving speaker (RFC 4724 §4.2): a restarting peer's routes are kept, stale,
/// in the RIB and the dataplane, until End-of-RIB from its new session or a timer (the caller's).
@Suite struct GracefulRestartTests {
    let harness = Harness()
    let peer = ip(Harness.peerAddress)
    let routeA = Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0a")
    let routeB = Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0b")

    init() throws {
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "203.0.113.1/24", port: "tap0"))
        harness.peerUp()
        harness.receive(Routes.announce([routeA, routeB], nextHop: "198.51.100.12"))
        harness.output.forget()
    }

    func remoteMAC(_ text: String, vtep: String = "198.51.100.12") -> DataplaneIntent {
        .setRemoteMAC(externalID: "red", mac: mac(text), vtep: ip(vtep), vni: 5000)
    }

    func removedMAC(_ text: String, vtep: String = "198.51.100.12") -> DataplaneIntent {
        .removeRemoteMAC(externalID: "red", mac: mac(text), vtep: ip(vtep), vni: 5000)
    }

    func held(_ route: EVPNRoute) -> RouteSnapshot? {
        harness.router.ribSnapshot(.l2vpnEVPN).first { $0.nlri == .evpn(route) }
    }

    func remoteMACs() -> [MACAddress] {
        harness.router.instanceSnapshot("red")?.remoteMACs.map(\.mac) ?? []
    }

    @Test func routesOfARestartingPeerStayStaleAndTheDataplaneIsLeftAlone() throws {
        #expect(harness.router.peerDown(peer, retaining: [.l2vpnEVPN]) == 2)
        #expect(harness.intents.isEmpty)
        #expect(try #require(held(routeA)).isStale)
        #expect(try #require(held(routeB)).isStale)
        #expect(remoteMACs() == [mac("52:54:00:00:00:0a"), mac("52:54:00:00:00:0b")])
        #expect(harness.router.staleRouteCount(of: peer) == 2)
        #expect(harness.router.peerSnapshots().isEmpty)
    }

    @Test func theRestartTimerRunningOutDeletesTheStaleRoutes() {
        harness.router.peerDown(peer, retaining: [.l2vpnEVPN])
        #expect(harness.router.dropStaleRoutes(of: peer) == 2)
        #expect(harness.intents.contains(removedMAC("52:54:00:00:00:0a")))
        #expect(harness.intents.contains(removedMAC("52:54:00:00:00:0b")))
        #expect(harness.router.ribSnapshot(.l2vpnEVPN).allSatisfy { $0.source == .local })
        #expect(harness.router.staleRouteCount(of: peer) == 0)
        #expect(harness.router.dropStaleRoutes(of: peer) == 0)
    }

    @Test func endOfRIBDeletesOnlyTheRoutesNotAnnouncedAgain() throws {
        harness.router.peerDown(peer, retaining: [.l2vpnEVPN])
        harness.router.peerUp(peer, routerID: IPv4Address(Harness.peerAddress)!, families: [.l2vpnEVPN], peerAS: 64512,
                              preservedFamilies: [.l2vpnEVPN])
        harness.receive(Routes.announce([routeA], nextHop: "198.51.100.12"))
        // Announced again with the same attributes: the stale mark goes, the FDB is not touched.
        #expect(try #require(held(routeA)).isStale == false)
        #expect(try #require(held(routeB)).isStale)
        #expect(harness.router.ribSnapshot(.l2vpnEVPN).filter { $0.nlri == .evpn(routeA) }.count == 1)
        #expect(harness.intents.isEmpty)
        #expect(harness.router.staleRouteCount(of: peer) == 1)

        harness.receive(UpdateMessage.endOfRIB(.l2vpnEVPN))
        #expect(harness.intents == [removedMAC("52:54:00:00:00:0b")])
        #expect(held(routeB) == nil)
        #expect(harness.router.staleRouteCount(of: peer) == 0)
        #expect(remoteMACs() == [mac("52:54:00:00:00:0a")])
    }

    @Test func aNewSessionWithoutPreservedForwardingStateDeletesTheStaleRoutesAtOnce() {
        harness.router.peerDown(peer, retaining: [.l2vpnEVPN])
        harness.router.peerUp(peer, routerID: IPv4Address(Harness.peerAddress)!, families: [.l2vpnEVPN], peerAS: 64512,
                              preservedFamilies: [])
        #expect(harness.intents.contains(removedMAC("52:54:00:00:00:0a")))
        #expect(harness.intents.contains(removedMAC("52:54:00:00:00:0b")))
        #expect(held(routeA) == nil && held(routeB) == nil)
        #expect(harness.router.staleRouteCount(of: peer) == 0)
    }

    @Test func aPeerWithoutGracefulRestartLosesItsRoutesAtOnce() {
        #expect(harness.router.peerDown(peer) == 0)
        #expect(harness.intents.contains(removedMAC("52:54:00:00:00:0a")))
        #expect(harness.intents.contains(removedMAC("52:54:00:00:00:0b")))
        #expect(held(routeA) == nil)
        #expect(harness.router.staleRouteCount(of: peer) == 0)
    }

    /// RFC 4724 §4.2: "To deal with possible consecutive restarts, a route (from the peer)
    /// previously marked as stale MUST be deleted."
    @Test func goingDownAgainBeforeEndOfRIBDeletesThePreviouslyStaleRoutes() throws {
        harness.router.peerDown(peer, retaining: [.l2vpnEVPN])
        harness.router.peerUp(peer, routerID: IPv4Address(Harness.peerAddress)!, families: [.l2vpnEVPN], peerAS: 64512,
                              preservedFamilies: [.l2vpnEVPN])
        harness.receive(Routes.announce([routeA], nextHop: "198.51.100.12"))
        #expect(harness.router.peerDown(peer, retaining: [.l2vpnEVPN]) == 1)
        #expect(harness.intents == [removedMAC("52:54:00:00:00:0b")])
        #expect(held(routeB) == nil)
        #expect(try #require(held(routeA)).isStale)
        #expect(harness.router.staleRouteCount(of: peer) == 1)
    }

    @Test func familiesNotRetainedAreWithdrawnAtOnce() {
        let both = Harness()
        both.router.peerUp(peer, routerID: IPv4Address(Harness.peerAddress)!, families: [.l2vpnEVPN, .routeTargetConstraint],
                           peerAS: 64512)
        both.receive(Routes.membership([red], nextHop: Harness.peerAddress))
        both.receive(Routes.announce([routeA], nextHop: "198.51.100.12"))
        #expect(both.router.peerDown(peer, retaining: [.l2vpnEVPN]) == 1)
        #expect(both.router.ribSnapshot(.routeTargetConstraint).allSatisfy { $0.source == .local })
        #expect(both.router.ribSnapshot(.l2vpnEVPN).contains { $0.nlri == .evpn(routeA) && $0.isStale })
    }

    /// A stale path loses against a path of another peer that is up, whatever the later steps say.
    @Test func aStalePathLosesAgainstAnotherPeersPath() throws {
        harness.peerUp("198.51.100.2")
        var attributes = Routes.attributes()
        attributes.localPreference = 50
        harness.receive(Routes.announce([routeA], nextHop: "198.51.100.13", attributes: attributes), from: "198.51.100.2")
        #expect(try #require(held(routeA)).nextHop == ip("198.51.100.12"))   // LOCAL_PREF 100 beats 50
        harness.output.forget()

        harness.router.peerDown(peer, retaining: [.l2vpnEVPN])
        let best = try #require(harness.router.ribSnapshot(.l2vpnEVPN).first { $0.nlri == .evpn(routeA) && $0.isBest })
        #expect(best.source == .peer(ip("198.51.100.2")) && !best.isStale)
        #expect(harness.intents.contains(remoteMAC("52:54:00:00:00:0a", vtep: "198.51.100.13")))
        #expect(harness.router.ribSnapshot(.l2vpnEVPN).contains { $0.nlri == .evpn(routeA) && $0.isStale && !$0.isBest })
    }

    /// The restarted peer is not sent its own stale routes back as if they were another's.
    @Test func aRouteReflectorDoesNotReflectStaleRoutesBackToTheirPeer() {
        let reflector = Harness { $0.routeReflectorClusterID = IPv4Address(Harness.localAddress)! }
        reflector.router.peerUp(peer, routerID: IPv4Address(Harness.peerAddress)!, families: [.l2vpnEVPN], peerAS: 64512,
                                isRouteReflectorClient: true)
        reflector.receive(Routes.announce([routeA], nextHop: "198.51.100.12"))
        reflector.router.peerDown(peer, retaining: [.l2vpnEVPN])
        reflector.output.forget()
        reflector.router.peerUp(peer, routerID: IPv4Address(Harness.peerAddress)!, families: [.l2vpnEVPN], peerAS: 64512,
                                isRouteReflectorClient: true, preservedFamilies: [.l2vpnEVPN])
        #expect(!reflector.announced().contains { $0.nlri == .evpn(routeA) })
        #expect(reflector.router.staleRouteCount(of: peer) == 1)
    }

    /// A reflector stands in a default RT membership for a client without rtc; that path belongs
    /// to the client's session and must not outlive it when its EVPN routes are kept stale.
    @Test func aReflectorsStandInMembershipGoesWithTheSessionNotWithTheStaleRoutes() {
        let reflector = Harness { $0.routeReflectorClusterID = IPv4Address(Harness.localAddress)! }
        reflector.router.peerUp(peer, routerID: IPv4Address(Harness.peerAddress)!, families: [.l2vpnEVPN], peerAS: 64512,
                                isRouteReflectorClient: true)
        reflector.receive(Routes.announce([routeA], nextHop: "198.51.100.12"))
        #expect(!reflector.router.ribSnapshot(.routeTargetConstraint).isEmpty)   // the stand-in

        reflector.router.peerDown(peer, retaining: [.l2vpnEVPN])
        #expect(reflector.router.ribSnapshot(.routeTargetConstraint).isEmpty)
        #expect(reflector.router.staleRouteCount(of: peer) == 1)
        #expect(reflector.router.dropStaleRoutes(of: peer) == 1)
        #expect(reflector.router.ribSnapshot(.routeTargetConstraint).isEmpty)
        #expect(reflector.router.ribSnapshot(.l2vpnEVPN).isEmpty)
    }
}
