@testable import BGPSpeaker
import BGPWire
import Foundation
import NetAddress
import Testing

/// Interop with GoBGP 3.10 (Debian `gobgpd`) in network namespaces made and removed by each test.
@Suite(.serialized, .enabled(if: isRoot, "needs root (network namespaces)"))
struct GoBGPInteropTests {
    static let routeReflectorConfig = InteropTopology.gobgpGlobal + """
        [[peer-groups]]
          [peer-groups.config]
            peer-group-name = "vteps"
            peer-as = 64512
          [peer-groups.timers.config]
            hold-time = 9
            keepalive-interval = 3
          [peer-groups.transport.config]
            passive-mode = true
          [peer-groups.route-reflector.config]
            route-reflector-client = true
            route-reflector-cluster-id = "198.51.100.1"
          [[peer-groups.afi-safis]]
            [peer-groups.afi-safis.config]
              afi-safi-name = "l2vpn-evpn"
          [[peer-groups.afi-safis]]
            [peer-groups.afi-safis.config]
              afi-safi-name = "rtc"
        [[dynamic-neighbors]]
          [dynamic-neighbors.config]
            prefix = "198.51.100.0/24"
            peer-group = "vteps"
        """

    static func activePeerConfig(md5Key: String) -> String {
        InteropTopology.gobgpGlobal + """
        [[neighbors]]
          [neighbors.config]
            neighbor-address = "198.51.100.11"
            peer-as = 64512
            auth-password = "\(md5Key)"
          [neighbors.timers.config]
            connect-retry = 1
            hold-time = 9
            keepalive-interval = 3
          [[neighbors.afi-safis]]
            [neighbors.afi-safis.config]
              afi-safi-name = "l2vpn-evpn"
        """
    }

    /// Segments both namespaces' kernels dropped for a wrong or missing MD5 signature.
    private func md5Failures(_ topology: InteropTopology) throws -> Int {
        try [topology.ours, topology.theirs].map { namespace in
            let lines = try command(["ip", "netns", "exec", namespace, "cat", "/proc/net/netstat"]).output
                .split(separator: "\n").filter { $0.hasPrefix("TcpExt:") }
            guard lines.count == 2 else { return 0 }
            let names = lines[0].split(separator: " "), values = lines[1].split(separator: " ")
            return zip(names, values).filter { ["TCPMD5Failure", "TCPMD5Unexpected"].contains($0.0) }.compactMap { Int($0.1) }.reduce(0, +)
        }.reduce(0, +)
    }

    static let injectedMAC = MACAddress("52:54:00:99:99:99")!

    private func injectRoute(_ topology: InteropTopology) throws {
        try topology.inPeer(["gobgp", "global", "rib", "-a", "evpn", "add", "macadv", Self.injectedMAC.description, "203.0.113.99",
                             "etag", "0", "label", "80", "rd", "198.51.100.99:1", "rt", "64512:80", "encap", "vxlan",
                             "nexthop", "198.51.100.99"])
    }

    private func receivedInjectedRoute(_ speaker: TestSpeaker) -> Bool {
        speaker.delegate.updates.contains { received in
            received.update.attributes.mpReach?.nlri.contains {
                if case .evpn(.macIPAdvertisement(let route)) = $0 { route.mac == Self.injectedMAC } else { false }
            } ?? false
        }
    }

    private var membership: UpdateMessage {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.mpReach = MPReach(family: .routeTargetConstraint, nextHops: [IPAddress("198.51.100.11")!],
                                     nlri: [.routeTargetMembership(RouteTargetMembership(originAS: 64512, routeTarget: RouteTarget("64512:80")!))])
        return UpdateMessage(attributes: attributes)
    }

    @Test func gobgpAsPassiveRouteReflector() async throws {
        let topology = try InteropTopology("gobgp-rr")
        defer { topology.remove() }
        var gobgpd = try await topology.startGoBGP(config: Self.routeReflectorConfig)
        let us = try await TestSpeaker("gobgp-rr", address: "198.51.100.11", routerID: IPv4Address(198, 51, 100, 11),
                                       port: 179, networkNamespace: topology.ours)
        let rr = topology.peerAddress
        try await us.setPeers([PeerConfiguration(address: rr, localAddress: us.address, peerAS: 64512, holdTime: 9,
                                                 families: [.l2vpnEVPN, .routeTargetConstraint])])
        try await us.loop.waitUntil("established with GoBGP", timeout: 20) { us.speaker.establishedSession(with: rr) != nil }
        let session = try await us.loop.run { us.delegate.established[0] }
        #expect(session.families == [.l2vpnEVPN, .routeTargetConstraint])
        #expect(session.negotiated.holdTime == 9 && session.isInternal)

        // Our membership (RFC 4684) and a type-2 route reach GoBGP; its route for 64512:80 reaches us.
        try await us.loop.run { _ = us.speaker.send([self.membership, Routes.macIP(1, nextHop: "198.51.100.11")], to: rr) }
        try await eventually("our route in GoBGP") {
            try topology.inPeer(["gobgp", "global", "rib", "-a", "evpn"]).output.contains("52:54:00:00:00:01")
        }
        #expect(try topology.inPeer(["gobgp", "global", "rib", "-a", "rtc"]).output.contains("64512:80"))
        try injectRoute(topology)
        try await us.loop.waitUntil("GoBGP's route at us", timeout: 10) { receivedInjectedRoute(us) }

        // A NOTIFICATION from GoBGP: logged in words with its communication; the session comes back.
        try topology.inPeer(["gobgp", "neighbor", "198.51.100.11", "reset", "--reason", "interop reset"])
        try await us.loop.waitUntil("down after reset", timeout: 10) { us.delegate.downs.count == 1 }
        let reason = try await us.loop.run { us.delegate.downs[0].reason }
        #expect(reason.contains("Cease") && reason.contains("interop reset"), "\(reason)")
        try await us.loop.waitUntil("re-established", timeout: 20) { us.delegate.established.count == 2 }

        // GoBGP killed: the session drops; GoBGP restarted: it comes back by itself.
        topology.kill(gobgpd)
        try await us.loop.waitUntil("down after kill", timeout: 15) { us.delegate.downs.count == 2 }
        gobgpd = try await topology.startGoBGP(config: Self.routeReflectorConfig)
        try await us.loop.waitUntil("established after restart", timeout: 20) { us.delegate.established.count == 3 }
        try await eventually("GoBGP sees us established") {
            try topology.inPeer(["gobgp", "neighbor"]).output.contains("Establ")
        }
        try await us.shutdown()
    }

    @Test func gobgpAsActivePeerWithMD5() async throws {
        let topology = try InteropTopology("gobgp-md5")
        defer { topology.remove() }
        let us = try await TestSpeaker("gobgp-md5", address: "198.51.100.11", routerID: IPv4Address(198, 51, 100, 11),
                                       port: 179, networkNamespace: topology.ours)
        let peer = topology.peerAddress
        func configuration(key: String, passive: Bool = true) -> PeerConfiguration {
            PeerConfiguration(address: peer, localAddress: us.address, peerAS: 64512, holdTime: 30, md5Key: key, passive: passive)
        }
        try await us.setPeers([configuration(key: "s3cret")])
        _ = try await topology.startGoBGP(config: Self.activePeerConfig(md5Key: "s3cret"))
        try await us.loop.waitUntil("GoBGP connected to us", timeout: 20) { us.speaker.establishedSession(with: peer) != nil }
        #expect(try await us.loop.run { us.delegate.established[0].families } == [.l2vpnEVPN])
        try await us.loop.run { _ = us.speaker.send([Routes.macIP(2, nextHop: "198.51.100.11")], to: peer) }
        try await eventually("our route in GoBGP") {
            try topology.inPeer(["gobgp", "global", "rib", "-a", "evpn"]).output.contains("52:54:00:00:00:02")
        }
        try injectRoute(topology)
        try await us.loop.waitUntil("GoBGP's route at us", timeout: 10) { receivedInjectedRoute(us) }

        // A wrong key: each kernel drops the other side's SYNs (counted as TCPMD5Failure), no session
        // comes up while both keep trying, and the speaker keeps working.
        let failuresBefore = try md5Failures(topology)
        try await us.setPeers([configuration(key: "wrong", passive: false)])
        try await us.loop.waitUntil("down", timeout: 10) { us.delegate.downs.count == 1 }
        try await eventually("SYNs with the wrong key rejected") { try md5Failures(topology) >= failuresBefore + 3 }
        #expect(try await us.snapshot(peer)?.state != .established)
        #expect(try await us.loop.run { us.delegate.established.count } == 1)
        // The right key again.
        try await us.setPeers([configuration(key: "s3cret", passive: false)])
        try await us.loop.waitUntil("established again with the right key", timeout: 20) { us.delegate.established.count == 2 }
        try await us.shutdown()
    }
}
