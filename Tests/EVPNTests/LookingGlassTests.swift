import BGPWire
@testable import EVPN
import NetAddress
import Testing

@Suite struct LookingGlassTests {
    @Test func instanceSnapshotShowsLocalAndRemoteSides() throws {
        let harness = Harness()
        harness.peerUp(families: [.l2vpnEVPN, .routeTargetConstraint])
        var request = attachRequest("red", mac: "52:54:00:00:00:01", ip: "203.0.113.1/24", port: "tap0")
        request.description = "vm one"
        request.instanceDescription = "the red network"
        try harness.router.attach(request)
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0b", ip: "203.0.113.2")],
                                        nextHop: "198.51.100.12"))
        harness.receive(Routes.announceMulticast(rd: "198.51.100.12:1", vtep: "198.51.100.12", vni: 5000))

        let snapshot = try #require(harness.router.instanceSnapshot("red"))
        #expect(snapshot.vni == 16)
        #expect(snapshot.routeDistinguisher == RouteDistinguisher("198.51.100.11:0"))
        #expect(snapshot.description == "the red network")
        #expect(snapshot.endpoints == [EndpointSnapshot(mac: mac("52:54:00:00:00:01"), ip: prefix("203.0.113.1/24"),
                                                        localPort: "tap0", localPreference: nil, description: "vm one",
                                                        isLearned: false, macMobilitySequence: 0, isAdvertised: true,
                                                        isDuplicate: false)])
        #expect(snapshot.localRoutes.count == 2)
        #expect(snapshot.remoteRoutes.count == 2)
        #expect(snapshot.remoteRoutes.allSatisfy { $0.importedBy == ["red"] && $0.source == .peer(ip(Harness.peerAddress)) })
        #expect(snapshot.remoteMACs == [RemoteMACSnapshot(mac: mac("52:54:00:00:00:0b"), vtep: ip("198.51.100.12"), vni: 5000)])
        #expect(snapshot.neighbours == [NeighbourSnapshot(ip: ip("203.0.113.2"), mac: mac("52:54:00:00:00:0b"))])
        #expect(snapshot.floodList == [FloodEntrySnapshot(vtep: ip("198.51.100.12"), vni: 5000)])

        #expect(harness.router.summary() == RouterSummary(establishedPeers: 1, instances: 1, localRoutes: 3, receivedRoutes: 2,
                                                          warnings: 0))
        let peer = try #require(harness.router.peerSnapshots().first)
        #expect(peer.receivedRoutes == [.l2vpnEVPN: 2])
        #expect(peer.constrainsRouteTargets)
        #expect(harness.router.ribSnapshot(.routeTargetConstraint).map(\.source) == [.local])
        #expect(harness.router.routeCounts() == [.l2vpnEVPN: 4, .routeTargetConstraint: 1])
        // Nothing EVPN goes to the peer until it asks for red.
        #expect(harness.router.advertisedRoutes(to: ip(Harness.peerAddress)).map(\.family) == [.routeTargetConstraint])
        harness.receive(Routes.membership([red], nextHop: Harness.peerAddress))
        #expect(harness.router.advertisedRoutes(to: ip(Harness.peerAddress)).count == 3)
        // The shutdown withdrawal names exactly what is advertised, EVPN first.
        let withdrawal = harness.router.withdrawalOfEverything(to: ip(Harness.peerAddress))
        let withdrawn = withdrawal.flatMap { update -> [NLRI] in
            if case .withdraw(_, let nlri) = update { nlri } else { [] }
        }
        #expect(Set(withdrawn) == Set(harness.router.advertisedRoutes(to: ip(Harness.peerAddress)).map(\.nlri)))
        #expect(withdrawn.count == 3 && withdrawn.first?.family == .l2vpnEVPN)
    }
}
