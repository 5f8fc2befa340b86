@testable import BGPSpeaker
import BGPWire
import Dataplane
import EVPN
import Foundation
import NetAddress
import Testing

/// Graceful restart helper (RFC 4724 §4.2) against a real GoBGP 3.10 that restarts: its route is kept,
/// stale, in our router and dataplane while gobgpd is dead, and is fresh again after End-of-RIB.
@Suite(.serialized, .enabled(if: isRoot, "needs root (network namespaces)"))
struct GoBGPGracefulRestartTests {
    static let config = InteropTopology.gobgpGlobal + """
        [[neighbors]]
          [neighbors.config]
            neighbor-address = "198.51.100.11"
            peer-as = 64512
          [neighbors.timers.config]
            hold-time = 9
            keepalive-interval = 3
          [neighbors.transport.config]
            passive-mode = true
          [neighbors.graceful-restart.config]
            enabled = true
            restart-time = 30
          [[neighbors.afi-safis]]
            [neighbors.afi-safis.config]
              afi-safi-name = "l2vpn-evpn"
            [neighbors.afi-safis.mp-graceful-restart.config]
              enabled = true
        """

    static let mac = MACAddress("52:54:00:99:99:98")!
    static let vtep = IPAddress("198.51.100.99")!

    /// `-r` after a restart: "restart state" in the capability; GoBGP then also sets the F bit for each family.
    private func startGoBGP(_ topology: InteropTopology, restarting: Bool) async throws -> Process {
        try await topology.startGoBGP(config: Self.config, arguments: restarting ? ["-r"] : [])
    }

    private func injectRoute(_ topology: InteropTopology) throws {
        try topology.inPeer(["gobgp", "global", "rib", "-a", "evpn", "add", "macadv", Self.mac.description, "203.0.113.98",
                             "etag", "0", "label", "80", "rd", "198.51.100.99:1", "rt", "64512:80", "encap", "vxlan",
                             "nexthop", Self.vtep.description])
    }

    /// GoBGP's path for the injected MAC in our RIB, if any.
    private func heldRoute(_ glue: RouterGlue) -> RouteSnapshot? {
        glue.router.ribSnapshot(.l2vpnEVPN).first {
            if case .evpn(.macIPAdvertisement(let route)) = $0.nlri { route.mac == Self.mac } else { false }
        }
    }

    private var removedFromDataplane: (DataplaneIntent) -> Bool {
        { if case .removeRemoteMAC(_, let mac, _, _) = $0 { mac == Self.mac } else { false } }
    }

    @Test func routesOfARestartingGoBGPAreKeptStaleUntilItsEndOfRIB() async throws {
        let topology = try InteropTopology("gobgp-gr")
        defer { topology.remove() }
        var gobgpd = try await startGoBGP(topology, restarting: false)
        let us = try await TestSpeaker("gobgp-gr", address: "198.51.100.11", routerID: IPv4Address(198, 51, 100, 11),
                                       port: 179, networkNamespace: topology.ours)
        let glue = RouterGlue(configuration: EVPNRouterConfiguration(localAS: 64512, routerID: IPv4Address(198, 51, 100, 11),
                                                                     bgpLocalAddress: us.address))
        let gobgp = topology.peerAddress
        try await us.loop.run {
            glue.speaker = us.speaker
            us.delegate.next = glue
            try glue.router.attach(AttachRequest(instanceID: "red", mac: MACAddress("52:54:00:00:00:01")!,
                                                 importRouteTargets: [RouteTarget("64512:80")!],
                                                 exportRouteTargets: [RouteTarget("64512:80")!], localPort: "tap0"))
        }
        func peering(passive: Bool) -> PeerConfiguration {
            PeerConfiguration(address: gobgp, localAddress: us.address, peerAS: 64512, holdTime: 9, passive: passive,
                              families: [.l2vpnEVPN])
        }
        try await us.setPeers([peering(passive: false)])
        try await us.loop.waitUntil("established with GoBGP", timeout: 20) { us.speaker.establishedSession(with: gobgp) != nil }
        let first = try #require(try await us.loop.run { us.delegate.established.first?.negotiated.peerGracefulRestart })
        #expect(first.restartTime == 30)
        #expect(first.families.map(\.family) == [.l2vpnEVPN])
        #expect(first.families.allSatisfy { !$0.forwardingStatePreserved } && !first.restartState)

        try injectRoute(topology)
        try await us.loop.waitUntil("GoBGP's route in our RIB", timeout: 10) { heldRoute(glue) != nil }
        #expect(try await us.loop.run { glue.intents.contains(.setRemoteMAC(externalID: "red", mac: Self.mac, vtep: Self.vtep, vni: 80)) })

        // gobgpd dies without a NOTIFICATION: the route stays, stale, and the dataplane keeps it.
        topology.kill(gobgpd)
        try await us.loop.waitUntil("down after kill", timeout: 15) { us.delegate.downs.count == 1 }
        let cause = try await us.loop.run { us.delegate.downs[0].cause }
        guard case .connectionLost = cause else { Issue.record("went down with \(cause)"); return }
        // Both sides passive for now, so that the restarted gobgpd has its route before the session is back.
        try await us.setPeers([peering(passive: true)])
        #expect(try await us.loop.run { heldRoute(glue)?.isStale } == true)
        #expect(try await us.loop.run { glue.router.staleRouteCount(of: gobgp) } == 1)
        #expect(try await us.loop.run { glue.intents.contains(where: removedFromDataplane) } == false)

        // gobgpd restarts with -r (restart state and F bit set) and gets its route back; once we
        // connect it sends the route, then End-of-RIB: the route is fresh and the FDB never lost it.
        gobgpd = try await startGoBGP(topology, restarting: true)
        try injectRoute(topology)
        let updatesBefore = try await us.loop.run { us.delegate.updates.count }
        try await us.setPeers([peering(passive: false)])
        try await us.loop.waitUntil("established after restart", timeout: 20) { us.delegate.established.count == 2 }
        let second = try #require(try await us.loop.run { us.delegate.established[1].negotiated.peerGracefulRestart })
        #expect(second.restartState)
        #expect(second.families.map(\.family) == [.l2vpnEVPN] && second.families.allSatisfy(\.forwardingStatePreserved))
        try await us.loop.waitUntil("GoBGP's End-of-RIB after the restart", timeout: 20) {
            us.delegate.updates.dropFirst(updatesBefore).contains { $0.update.endOfRIBFamily == .l2vpnEVPN }
        }
        let announcedBeforeEndOfRIB = try await us.loop.run {
            us.delegate.updates.dropFirst(updatesBefore).prefix { $0.update.endOfRIBFamily == nil }
                .contains { $0.update.attributes.mpReach?.nlri.isEmpty == false }
        }
        #expect(announcedBeforeEndOfRIB)
        #expect(try await us.loop.run { heldRoute(glue)?.isStale } == false)
        #expect(try await us.loop.run { glue.router.staleRouteCount(of: gobgp) } == 0)
        #expect(try await us.loop.run { glue.intents.contains(where: removedFromDataplane) } == false)
        try await us.shutdown()
    }
}
