import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// MACs the bridge learns on plugged ports (issue 14): not advertised unless configured (BaGPipe
/// advertises exactly what was attached); when they are, bounded per port, rate-limited, and never
/// ranked above another VTEP's claim on the MAC.
@Suite struct LearnedMACTests {
    let remote = "198.51.100.12"

    private func learned(_ harness: Harness, _ text: String, on port: String = "tap0") {
        harness.router.handle(LocalMACEvent(externalID: "red", interface: port, mac: mac(text), appeared: true))
    }

    private func advertisedMACs(_ harness: Harness) -> [MACAddress] {
        harness.router.ribSnapshot(.l2vpnEVPN).compactMap {
            guard $0.source == .local, case .evpn(.macIPAdvertisement(let route)) = $0.nlri else { return nil }
            return route.mac
        }.sorted()
    }

    @Test func byDefaultOnlyAttachedEndpointsAreAdvertisedEvenWithAChattyPort() throws {
        let harness = Harness()
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "203.0.113.10/24", port: "tap0"))
        for index in 0..<50 { learned(harness, String(format: "02:00:00:00:01:%02x", index)) }
        #expect(advertisedMACs(harness) == [mac("52:54:00:00:00:01")])
        #expect(harness.router.instanceSnapshot("red")!.endpoints.map(\.mac) == [mac("52:54:00:00:00:01")])
        #expect(harness.announced().allSatisfy {
            if case .evpn(.macIPAdvertisement(let route)) = $0.nlri { route.mac == mac("52:54:00:00:00:01") } else { true }
        })
        // Learned MACs do not keep the instance alive either: detaching the endpoint deletes it.
        try harness.router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01")))
        #expect(harness.router.instanceSnapshots().isEmpty)
    }

    @Test func optInAdvertisesLearnedMACsUpToThePerPortBound() throws {
        let harness = Harness { $0.learnedMACs = LearnedMACPolicy(perPort: 3, perSecond: 100) }
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:02", port: "tap1"))
        for index in 1...5 { learned(harness, "02:00:00:00:00:0\(index)") }
        learned(harness, "02:00:00:00:00:09", on: "tap1")   // the bound is per port
        #expect(advertisedMACs(harness) == ["02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03",
                                            "02:00:00:00:00:09", "52:54:00:00:00:01", "52:54:00:00:00:02"].map(mac))
        let snapshot = harness.router.instanceSnapshot("red")!
        #expect(snapshot.ignoredLearnedMACs == 2)
        #expect(snapshot.endpoints.filter(\.isLearned).count == 4)
        #expect(harness.router.recentWarnings.contains { $0.contains("learned MACs on tap0 beyond 3 per port ignored") })
        // One leaves: room for another.
        harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac("02:00:00:00:00:01"), appeared: false))
        learned(harness, "02:00:00:00:00:04")
        #expect(advertisedMACs(harness).contains(mac("02:00:00:00:00:04")))
    }

    @Test func newLearnedMACsAreRateLimitedPerPort() throws {
        let harness = Harness { $0.learnedMACs = LearnedMACPolicy(perPort: 100, perSecond: 2) }
        var time = 0.0
        harness.router.now = { time }
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        for index in 1...5 { learned(harness, "02:00:00:00:00:0\(index)") }
        #expect(advertisedMACs(harness).count == 1 + 2)
        time = 1   // two more tokens
        for index in 6...9 { learned(harness, "02:00:00:00:00:0\(index)") }
        #expect(advertisedMACs(harness).count == 1 + 4)
        #expect(harness.router.instanceSnapshot("red")!.ignoredLearnedMACs == 5)
    }

    /// A guest sending from a MAC attached on another node takes nothing, whatever the tie-break
    /// (ours is the lower VTEP address) or sequence numbers would say.
    @Test func aLearnedMACNeverOutranksAMACAttachedOnAnotherNode() throws {
        let harness = Harness { $0.learnedMACs = LearnedMACPolicy() }
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        let victim = "52:54:00:00:00:99"
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.12:1", mac: victim, ip: "203.0.113.99")], nextHop: remote))
        harness.output.forget()
        learned(harness, victim)
        learned(harness, victim)   // seen again: no sequence bump either
        #expect(!advertisedMACs(harness).contains(mac(victim)))
        #expect(harness.announced().isEmpty)
        #expect(harness.router.instanceSnapshot("red")!.remoteMACs == [RemoteMACSnapshot(mac: mac(victim), vtep: ip(remote), vni: 5000)])
        #expect(!harness.intents.contains { if case .removeRemoteMAC = $0 { true } else { false } })
    }

    /// Learned first and advertised; when another node attaches the MAC (sequence 0, higher VTEP
    /// address: it would lose the tie), ours is withdrawn and the remote VTEP programmed.
    @Test func aLearnedMACGivesWayToAnAttachmentElsewhere() throws {
        let harness = Harness { $0.learnedMACs = LearnedMACPolicy() }
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        let contested = "52:54:00:00:00:77"
        learned(harness, contested)
        #expect(advertisedMACs(harness).contains(mac(contested)))
        harness.output.forget()
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.12:1", mac: contested)], nextHop: remote))
        #expect(!advertisedMACs(harness).contains(mac(contested)))
        #expect(harness.withdrawn().count == 1)
        #expect(harness.intents.contains(.setRemoteMAC(externalID: "red", mac: mac(contested), vtep: ip(remote), vni: 5000)))
    }

    /// An attached MAC still wins back by mobility when seen here again: learning policy does not apply to it.
    @Test func anAttachedMACIsNotSubjectToTheLearningPolicy() throws {
        let harness = Harness()
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:0a", port: "tap0"))
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0a")], nextHop: remote,
                                        attributes: Routes.attributes(sequence: 4)))
        #expect(advertisedMACs(harness).isEmpty)
        learned(harness, "52:54:00:00:00:0a")
        #expect(advertisedMACs(harness) == [mac("52:54:00:00:00:0a")])
    }
}
