@testable import BGPSpeaker
import BGPWire
import Foundation
import NetAddress
import Testing

/// Interop with FRR 8.4 bgpd (Debian `frr`), run in a namespace as interop.md gotcha 6 describes: as an
/// EVPN VTEP for VNI 100, which advertises an inclusive multicast route for it.
@Suite(.serialized, .enabled(if: isRoot, "needs root (network namespaces)"))
struct FRRInteropTests {
    static func bgpdConfig(_ directory: String) -> String {
        """
        hostname frr-peer
        log file \(directory)/bgpd.log
        router bgp 64512
         bgp router-id 198.51.100.1
         no bgp default ipv4-unicast
         neighbor 198.51.100.11 remote-as 64512
         neighbor 198.51.100.11 timers 3 9
         neighbor 198.51.100.11 timers connect 1
         address-family l2vpn evpn
          neighbor 198.51.100.11 activate
          advertise-all-vni
          vni 100
           rd 198.51.100.1:100
           route-target import 64512:100
           route-target export 64512:100
          exit-vni
         exit-address-family
        """
    }

    private func startBGPD(_ topology: InteropTopology, config: String) throws -> Process {
        let directory = topology.directory.path
        return try topology.start(["/usr/lib/frr/bgpd", "-u", "frr", "-g", "frr", "-f", config, "-i", "\(directory)/bgpd.pid",
                                   "-z", "\(directory)/zserv.api", "--vty_socket", directory, "-P", "0"], log: "bgpd.out")
    }

    private func vtysh(_ topology: InteropTopology, _ commandText: String) throws -> String {
        try command(["vtysh", "--vty_socket", topology.directory.path, "-c", commandText]).output
    }

    /// FRR's inclusive multicast route for VNI 100 arrived.
    private func receivedFRRInclusiveMulticast(_ speaker: TestSpeaker) -> Bool {
        speaker.delegate.updates.contains { received in
            received.update.attributes.mpReach?.nlri.contains {
                if case .evpn(.inclusiveMulticast(let route)) = $0 { route.routeDistinguisher.description == "198.51.100.1:100" } else { false }
            } ?? false
        }
    }

    @Test func frrEstablishesExchangesEVPNRoutesAndRecovers() async throws {
        let topology = try InteropTopology("frr")
        defer { topology.remove() }
        let directory = topology.directory.path
        // The VTEP's kernel side (gotcha 6).
        for arguments in [["link", "add", "br100", "type", "bridge"],
                          ["link", "add", "vxlan100", "type", "vxlan", "id", "100", "local", "198.51.100.1", "dstport", "4789", "nolearning"],
                          ["link", "set", "vxlan100", "master", "br100"],
                          ["link", "set", "br100", "up"], ["link", "set", "vxlan100", "up"]] {
            try command(["ip", "-n", topology.theirs] + arguments)
        }
        let zebraConfig = try topology.write("zebra.conf", "hostname frr-peer\n")
        let bgpdConfig = try topology.write("bgpd.conf", Self.bgpdConfig(directory))
        try topology.start(["/usr/lib/frr/zebra", "-u", "frr", "-g", "frr", "-f", zebraConfig, "-i", "\(directory)/zebra.pid",
                            "-z", "\(directory)/zserv.api", "--vty_socket", directory, "-P", "0"], log: "zebra.out")
        try await eventually("zebra socket") { FileManager.default.fileExists(atPath: "\(directory)/zserv.api") }
        var bgpd = try startBGPD(topology, config: bgpdConfig)

        let us = try await TestSpeaker("frr", address: "198.51.100.11", routerID: IPv4Address(198, 51, 100, 11),
                                       port: 179, networkNamespace: topology.ours)
        let frr = topology.peerAddress
        try await us.setPeers([PeerConfiguration(address: frr, localAddress: us.address, peerAS: 64512, holdTime: 9,
                                                 families: [.l2vpnEVPN, .routeTargetConstraint])])
        try await us.loop.waitUntil("established with FRR", timeout: 30) { us.speaker.establishedSession(with: frr) != nil }
        let session = try await us.loop.run { us.delegate.established[0] }
        // FRR 8.4 does not negotiate rtc (gotcha 2); every capability it sends was tolerated.
        #expect(session.families == [.l2vpnEVPN])
        #expect(session.negotiated.peerCapabilities.contains { if case .fqdn = $0 { true } else { false } })

        // Routes both ways: FRR's type-3 for VNI 100 reaches us, ours is in FRR's EVPN table.
        try await us.loop.waitUntil("FRR's type-3 route", timeout: 20) { receivedFRRInclusiveMulticast(us) }
        try await us.loop.run { _ = us.speaker.send([Routes.macIP(3, nextHop: "198.51.100.11")], to: frr) }
        try await eventually("our route in FRR") {
            try vtysh(topology, "show bgp l2vpn evpn route").contains("52:54:00:00:00:03")
        }

        // A NOTIFICATION from FRR (clear = Cease / Administrative Reset); the session comes back by itself.
        _ = try vtysh(topology, "clear bgp 198.51.100.11")
        try await us.loop.waitUntil("down after clear", timeout: 10) { us.delegate.downs.count == 1 }
        #expect(try await us.loop.run { us.delegate.downs[0].reason }.contains("Cease"))
        try await us.loop.waitUntil("re-established", timeout: 30) { us.delegate.established.count == 2 }

        // bgpd killed: the session drops; bgpd restarted: it comes back by itself.
        topology.kill(bgpd)
        try await us.loop.waitUntil("down after kill", timeout: 15) { us.delegate.downs.count == 2 }
        bgpd = try startBGPD(topology, config: bgpdConfig)
        try await us.loop.waitUntil("established after restart", timeout: 30) { us.delegate.established.count == 3 }
        try await us.shutdown()
        try await eventually("FRR saw our Administrative Shutdown") {
            try vtysh(topology, "show bgp neighbors 198.51.100.11").contains("Notification received (Cease/Administrative Shutdown)")
        }
    }
}
