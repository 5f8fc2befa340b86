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

    @Test func aFrozenMACIsLoggedOnceAndStaysFrozen() throws {
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        bounce(6, secondsApart: 5, harness: harness)
        #expect(harness.router.recentWarnings.filter { $0.contains("duplicate") }.count == 1)
        #expect(harness.router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(moving) }?.isDuplicate == true)
        #expect(harness.router.instanceSnapshot("red")!.remoteMACs.map(\.vtep) == [ip(remote)])
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

/// The catch-up of an attach in an instance whose routes come through RT constraint (RFC 4684):
/// remote claims on the MAC that arrive with the instance's first routes are older than the attach.
@Suite struct MobilityCatchUpTests {
    final class Clock { var time = 0.0 }
    let clock = Clock()
    let harness = Harness()
    let moving = "52:54:00:00:00:0a"
    let ours = "198.51.100.11:0"

    init() {
        harness.router.now = { [clock] in clock.time }
        harness.peerUp(families: [.l2vpnEVPN, .routeTargetConstraint])
    }

    private func claim(from vtep: String, sequence: UInt32, ip address: String? = nil) {
        harness.receive(Routes.announce([Routes.macIP(rd: "\(vtep):1", mac: moving, ip: address)], nextHop: vtep,
                                        attributes: Routes.attributes(sequence: sequence)))
    }

    /// A route of another MAC: the reflector has started answering our membership.
    private func firstRouteOfTheInstance() {
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.20:1", mac: "52:54:00:00:00:20")], nextHop: "198.51.100.20"))
    }

    private var ourEndpoint: EndpointSnapshot? {
        harness.router.instanceSnapshot("red")?.endpoints.first { $0.mac == mac(moving) }
    }

    private var ourSequences: [UInt32] {
        harness.router.ribSnapshot(.l2vpnEVPN).compactMap { route in
            guard route.source == .local, case .evpn(.macIPAdvertisement(let nlri)) = route.nlri, nlri.mac == mac(moving) else { return nil }
            return route.attributes.extendedCommunities.lazy.compactMap { community -> UInt32? in
                if case .macMobility(let sequence, _) = community { sequence } else { nil }
            }.first ?? 0
        }
    }

    @Test func attachAfterARemoteRouteGoesAboveIt() throws {
        // The instance exists (another endpoint) and the remote route is known: no catch-up needed.
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap1"))
        claim(from: "198.51.100.5", sequence: 3, ip: "203.0.113.10")
        claim(from: "198.51.100.5", sequence: 3)
        harness.output.forget()
        try harness.router.attach(attachRequest("red", mac: moving, ip: "203.0.113.10/24", port: "tap0"))
        #expect(ourSequences == [4])
        #expect(harness.output.sequences == [MACSequence(instanceID: "red", mac: mac(moving), sequence: 4)])
        #expect(harness.intents.contains(.removeRemoteMAC(externalID: "red", mac: mac(moving), vtep: ip("198.51.100.5"), vni: 5000)))
        #expect(harness.intents.contains(.removeNeighbour(externalID: "red", ip: ip("203.0.113.10"), mac: mac(moving))))
    }

    @Test func remoteRoutesArrivingAfterTheAttachOfANewInstanceAreOlder() throws {
        try harness.router.attach(attachRequest("red", mac: moving, ip: "203.0.113.10/24", port: "tap0"))
        #expect(ourSequences == [0])
        clock.time = 0.2
        // The old location's MAC+IP and MAC-only routes (a lower VTEP address), one UPDATE each.
        claim(from: "198.51.100.5", sequence: 6, ip: "203.0.113.10")
        claim(from: "198.51.100.5", sequence: 6)
        #expect(ourSequences == [7])
        #expect(ourEndpoint?.isAdvertised == true)
        #expect(!harness.intents.contains { if case .setRemoteMAC = $0 { true } else { false } })
        #expect(harness.output.sequences.last == MACSequence(instanceID: "red", mac: mac(moving), sequence: 7))
        // The same VTEP answering our claim is judged by §15.1: a higher sequence number wins.
        claim(from: "198.51.100.5", sequence: 8)
        #expect(ourSequences.isEmpty)
        #expect(ourEndpoint?.isAdvertised == false)
    }

    @Test func aClaimAfterTheReflectorsBurstIsNews() throws {
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        firstRouteOfTheInstance()
        clock.time = 0.9
        claim(from: "198.51.100.6", sequence: 0)
        #expect(ourSequences == [1])
        #expect(harness.router.instanceSnapshot("red")!.isCatchingUp)
        clock.time = 1.1
        #expect(!harness.router.instanceSnapshot("red")!.isCatchingUp)
        // Another VTEP, equal sequence number, lower address: it wins (RFC 7432 §15.1).
        claim(from: "198.51.100.5", sequence: 1)
        #expect(ourSequences.isEmpty)
        #expect(harness.router.instanceSnapshot("red")!.remoteMACs.filter { $0.mac == mac(moving) }.map(\.vtep) == [ip("198.51.100.5")])
    }

    @Test func withNoRouteComingTheWindowEndsAfterTheCatchUpTime() throws {
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        clock.time = 5.1
        claim(from: "198.51.100.5", sequence: 0)
        #expect(ourSequences.isEmpty)
    }

    @Test func noCatchUpWhenTheTargetsRoutesAreAlreadyHere() throws {
        try harness.router.attach(attachRequest("other", mac: "52:54:00:00:00:01", port: "tap1"))
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        claim(from: "198.51.100.5", sequence: 0)
        #expect(ourSequences.isEmpty)
    }

    @Test func aStickyMACIsNotCaughtUp() throws {
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.13:1", mac: moving)], nextHop: "198.51.100.13",
                                        attributes: Routes.attributes(sequence: 0, sticky: true)))
        #expect(ourSequences.isEmpty)
    }

    /// A restored attachment is memory, not news: its sequence number comes from the state file,
    /// and routes arriving after the restart are judged by §15.1.
    @Test func aRestoredAttachmentKeepsItsSequenceNumberAndDoesNotCatchUp() throws {
        var request = attachRequest("red", mac: moving, port: "tap0")
        request.restoredSequence = 7
        try harness.router.attach(request)
        #expect(ourSequences == [7])
        #expect(harness.output.sequences == [MACSequence(instanceID: "red", mac: mac(moving), sequence: 7)])
        claim(from: "198.51.100.5", sequence: 7)
        #expect(ourSequences.isEmpty)
    }

    @Test func aWindowOpenedWithNoPeerStartsWithTheFirstSession() throws {
        let lone = Harness()
        lone.router.now = { [clock] in clock.time }
        try lone.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        clock.time = 100
        lone.peerUp(families: [.l2vpnEVPN, .routeTargetConstraint])
        clock.time = 101
        lone.receive(Routes.announce([Routes.macIP(rd: "198.51.100.5:1", mac: moving)], nextHop: "198.51.100.5"))
        #expect(lone.router.instanceSnapshot("red")!.endpoints.first?.macMobilitySequence == 1)
    }

    @Test func aFrozenMACIsNotCaughtUp() throws {
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap1"))
        clock.time = 10
        // Attached: a learned MAC would never take the MAC back (LearnedMACTests).
        try harness.router.attach(attachRequest("red", mac: moving, port: "tap0"))
        for round in 0..<3 {
            claim(from: "198.51.100.12", sequence: UInt32(2 * round + 1))
            harness.router.handle(LocalMACEvent(externalID: "red", interface: "tap0", mac: mac(moving), appeared: true))
        }
        let frozen = try #require(ourEndpoint)
        #expect(frozen.isDuplicate)
        // A new target opens a window; a claim in it does not thaw the frozen MAC.
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", targets: [red, blue], port: "tap1"))
        claim(from: "198.51.100.5", sequence: 9)
        #expect(ourEndpoint?.macMobilitySequence == frozen.macMobilitySequence)
        #expect(ourSequences.isEmpty)
    }
}
