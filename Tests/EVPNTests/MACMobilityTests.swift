import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// MAC mobility (RFC 7432 §15) between our attachments and remote routes.
@Suite struct MACMobilityTests {
    let harness = Harness()
    let remote = "198.51.100.12"
    let rd = "198.51.100.12:3"
    let moving = "52:54:00:00:00:0a"

    init() {
        harness.peerUp()
    }

    private func ourRoutes() -> [RouteSnapshot] {
        harness.router.ribSnapshot(.l2vpnEVPN).filter {
            if case .evpn(.macIPAdvertisement) = $0.nlri { $0.source == .local } else { false }
        }
    }

    @Test func remoteRouteWithHigherSequenceTakesTheMACAway() throws {
        try harness.router.attach(attachRequest("red", mac: moving, ip: "203.0.113.10/24", port: "tap0"))
        harness.output.forget()
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: moving, ip: "203.0.113.10")], nextHop: remote,
                                        attributes: Routes.attributes(sequence: 1)))
        #expect(harness.withdrawn() == [.evpn(Routes.macIP(rd: "198.51.100.11:0", mac: moving, ip: "203.0.113.10", label: 16))])
        #expect(harness.intents == [.setRemoteMAC(externalID: "red", mac: mac(moving), vtep: ip(remote), vni: 5000)])
        #expect(ourRoutes().isEmpty)
        #expect(harness.router.recentWarnings.last?.contains("moved to 198.51.100.12") == true)
        // The remote route goes away (the VM was deleted there): our endpoint, still attached, is advertised again.
        harness.output.forget()
        harness.receive(Routes.withdraw([Routes.macIP(rd: rd, mac: moving, ip: "203.0.113.10")]))
        #expect(harness.intents == [.removeRemoteMAC(externalID: "red", mac: mac(moving), vtep: ip(remote), vni: 5000)])
        #expect(ourRoutes().count == 1)
    }

    @Test func staleRemoteRouteWithLowerSequenceIsIgnored() throws {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: moving)], nextHop: remote))
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        // We took it over with sequence 1; the remote's sequence 0 route does not win it back.
        let ours = try #require(ourRoutes().first)
        #expect(ours.attributes.extendedCommunities.contains(.macMobility(sequence: 1, sticky: false)))
        #expect(harness.intents.suffix(2) == [
            .plugPort(externalID: "red", interface: "tap0", mac: mac(moving)),
            .removeRemoteMAC(externalID: "red", mac: mac(moving), vtep: ip(remote), vni: 5000),
        ])
        harness.output.forget()
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: moving, label: 5001)], nextHop: remote))
        #expect(harness.intents.isEmpty)
        #expect(ourRoutes().count == 1)
    }

    @Test func stickyRemoteMACCannotMoveHere() throws {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: moving)], nextHop: remote,
                                        attributes: Routes.attributes(sequence: 0, sticky: true)))
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        #expect(ourRoutes().isEmpty)
        #expect(harness.router.instanceSnapshot("red")!.remoteMACs == [RemoteMACSnapshot(mac: mac(moving), vtep: ip(remote), vni: 5000)])
        #expect(harness.router.recentWarnings.last?.contains("sticky") == true)
    }

    @Test func equalSequenceGoesToTheLowerVTEPAddress() throws {
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        // 198.51.100.12 > 198.51.100.11 (ours): we keep the MAC.
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: moving)], nextHop: remote))
        #expect(ourRoutes().count == 1)
        // 198.51.100.5 < ours: it wins.
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.5:1", mac: moving)], nextHop: "198.51.100.5"))
        #expect(ourRoutes().isEmpty)
        #expect(harness.router.instanceSnapshot("red")!.remoteMACs.map(\.vtep) == [ip("198.51.100.5")])
    }

    @Test func learnedMACIsAdvertisedWhilePresent() throws {
        let harness = Harness { $0.learnedMACs = LearnedMACPolicy() }
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        harness.output.forget()
        harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac("02:00:00:00:00:07"), appeared: true))
        #expect(harness.announced().map(\.nlri) == [.evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "02:00:00:00:00:07", label: 16))])
        #expect(harness.intents.isEmpty)
        harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac("02:00:00:00:00:07"), appeared: false))
        #expect(harness.withdrawn() == [.evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "02:00:00:00:00:07", label: 16))])
        // A learned MAC does not keep the instance alive.
        harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac("02:00:00:00:00:07"), appeared: true))
        try harness.router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01")))
        #expect(harness.router.instanceSnapshots().isEmpty)
        #expect(harness.intents.last == .deleteInstance(externalID: "red"))
    }

    @Test func macSeenAgainHereAfterMovingAwayWinsItBack() throws {
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: moving)], nextHop: remote,
                                        attributes: Routes.attributes(sequence: 4)))
        #expect(ourRoutes().isEmpty)
        harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac(moving), appeared: true))
        let ours = try #require(ourRoutes().first)
        #expect(ours.attributes.extendedCommunities.contains(.macMobility(sequence: 5, sticky: false)))
        #expect(harness.intents.last == .removeRemoteMAC(externalID: "red", mac: mac(moving), vtep: ip(remote), vni: 5000))
    }

    /// A MAC bouncing between us and a remote VTEP (a real duplicate, or a loop).
    private func bounce(_ times: Int, secondsApart: Double, harness: Harness) {
        var time = 0.0
        harness.router.now = { time }
        // An attached MAC: a learned one never takes a MAC back from another VTEP (LearnedMACTests).
        _ = try? harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        for round in 0..<times {
            time += secondsApart
            harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: moving)], nextHop: remote,
                                            attributes: Routes.attributes(sequence: UInt32(2 * round + 1))))
            time += secondsApart
            harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac(moving), appeared: true))
        }
    }

    @Test func macMovingTooOftenIsNoLongerAdvertised() throws {
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        bounce(3, secondsApart: 10, harness: harness)
        // Six moves in 60 s: more than five in 180 s.
        let endpoint = try #require(harness.router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(moving) })
        #expect(endpoint.isDuplicate)
        #expect(!endpoint.isAdvertised)
        #expect(ourRoutes().allSatisfy { if case .evpn(.macIPAdvertisement(let route)) = $0.nlri { route.mac != mac(moving) } else { true } })
        #expect(harness.router.recentWarnings.last?.contains("duplicate") == true)
        // It stays put even when seen here again.
        harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac(moving), appeared: true))
        #expect(harness.router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(moving) }?.isAdvertised == false)
    }

    @Test func slowMovesAreNotDuplicates() throws {
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        bounce(3, secondsApart: 100, harness: harness)
        let endpoint = try #require(harness.router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(moving) })
        #expect(!endpoint.isDuplicate)
        #expect(endpoint.isAdvertised)
        #expect(endpoint.macMobilitySequence == 6)
    }
}
