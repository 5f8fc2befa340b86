@testable import BGPSpeaker
import BGPWire
import NetAddress
import Testing

@Suite struct OpenNegotiationTests {
    typealias F = FSMFixtures

    private func rejection(_ open: OpenMessage, parameters: SessionParameters = F.parameters) -> NotificationMessage? {
        if case .failure(let error) = OpenNegotiation.negotiate(parameters, remote: open) { return error.notification }
        return nil
    }

    private func open(_ change: (inout OpenMessage) -> Void) -> OpenMessage {
        var open = F.peerOpen
        change(&open)
        return open
    }

    @Test func ourOpenAnnouncesFamiliesAndCapabilities() {
        let open = OpenNegotiation.localOpen(F.parameters)
        #expect(open.version == 4 && open.myAS == 64512 && open.holdTime == 90)
        #expect(open.bgpIdentifier == IPv4Address(198, 51, 100, 11))
        #expect(open.capabilities == [
            .multiprotocol(.routeTargetConstraint), .multiprotocol(.l2vpnEVPN), .routeRefresh,
            .fourOctetAS(64512), .extendedMessage, .gracefulRestart(GracefulRestartCapability(restartTime: 120, families: [])),
        ])
    }

    @Test func aRestartingSpeakerListsEveryFamilyWithTheFBitWhenItsForwardingSurvived() {
        var parameters = F.parameters
        func restartCapability() -> GracefulRestartCapability? {
            OpenNegotiation.localOpen(parameters).capabilities.compactMap {
                if case .gracefulRestart(let value) = $0 { value } else { nil }
            }.first
        }
        parameters.gracefulRestart = LocalGracefulRestart(restartTime: 90, forwardingStatePreserved: true)
        #expect(restartCapability() == GracefulRestartCapability(restartTime: 90, families: [
            .init(family: .routeTargetConstraint, forwardingStatePreserved: true),
            .init(family: .l2vpnEVPN, forwardingStatePreserved: true),
        ]))
        // What a peer of ours concludes (the same code reads the peer's capability).
        var peer = F.parameters
        peer.routerID = IPv4Address(198, 51, 100, 1)
        let negotiated = try? OpenNegotiation.negotiate(peer, remote: OpenNegotiation.localOpen(parameters)).get()
        #expect(negotiated?.familiesRetained(after: .connectionLost("reset")) == [.l2vpnEVPN, .routeTargetConstraint])
        #expect(negotiated?.familiesWithPreservedForwardingState == [.l2vpnEVPN, .routeTargetConstraint])

        // A cold start (nothing adopted from a previous run): still listed, F clear.
        parameters.gracefulRestart = LocalGracefulRestart(restartTime: 90, forwardingStatePreserved: false)
        #expect(restartCapability()?.families.map(\.forwardingStatePreserved) == [false, false])
    }

    @Test func fourByteLocalASIsSentAsASTrans() {
        var parameters = F.parameters
        parameters.localAS = 4_200_000_000
        let open = OpenNegotiation.localOpen(parameters)
        #expect(open.myAS == OpenMessage.asTrans)
        #expect(open.autonomousSystem == 4_200_000_000)
    }

    @Test func unacceptableOpensGetTheRFCNotification() {
        #expect(rejection(open { $0.version = 3 }) == NotificationMessage(code: 2, subcode: 1, data: [0, 4]))
        #expect(rejection(open { $0.capabilities = [.fourOctetAS(64513)] }) == NotificationMessage(code: 2, subcode: 2))
        #expect(rejection(open { $0.myAS = 64513; $0.capabilities = [] }) == NotificationMessage(code: 2, subcode: 2))
        #expect(rejection(open { $0.holdTime = 1 }) == NotificationMessage(code: 2, subcode: 6))
        #expect(rejection(open { $0.holdTime = 2 }) == NotificationMessage(code: 2, subcode: 6))
        #expect(rejection(open { $0.bgpIdentifier = .any }) == NotificationMessage(code: 2, subcode: 3))
        #expect(rejection(open { $0.bgpIdentifier = F.parameters.routerID }) == NotificationMessage(code: 2, subcode: 3))
        #expect(rejection(open { $0.otherParameters = [RawOptionalParameter(type: 1, value: [0])] }) == NotificationMessage(code: 2, subcode: 4))
    }

    @Test func eBGPPeerMayShareOurRouterID() {
        var parameters = F.parameters
        parameters.peerAS = 65001
        let remote = open { $0.myAS = 65001; $0.capabilities = [.fourOctetAS(65001)]; $0.bgpIdentifier = parameters.routerID }
        #expect(rejection(remote, parameters: parameters) == nil)
    }

    @Test func holdTimeIsTheSmallerOneAndZeroMeansNoKeepalives() throws {
        let session = try OpenNegotiation.negotiate(F.parameters, remote: F.peerOpen).get()
        #expect(session.holdTime == 30 && session.keepaliveInterval == 10)
        var fsm = F.fsm(in: .openSent)
        let actions = fsm.handle(.bgpOpen(open { $0.holdTime = 0 }))
        #expect(fsm.state == .openConfirm)
        #expect(actions == [.send(.keepalive), .stopTimer(.hold)])
        #expect(fsm.handle(.keepaliveReceived) == [.established(fsm.negotiated!)])
        #expect(fsm.handle(.keepaliveTimerExpires) == [])
    }

    @Test func familiesAreThoseBothSidesAnnounce() throws {
        let evpnOnly = try OpenNegotiation.negotiate(F.parameters, remote: open { $0.capabilities = [.multiprotocol(.l2vpnEVPN)] }).get()
        #expect(evpnOnly.families == [.l2vpnEVPN])
        // No MP capability at all means IPv4 unicast (RFC 4760 §8), which we did not configure.
        let none = try OpenNegotiation.negotiate(F.parameters, remote: open { $0.capabilities = [] }).get()
        #expect(none.families.isEmpty && !none.context.fourOctetAS)
        var withIPv4 = F.parameters
        withIPv4.families.insert(.ipv4Unicast)
        #expect(try OpenNegotiation.negotiate(withIPv4, remote: open { $0.capabilities = [] }).get().families == [.ipv4Unicast])
    }

    /// FRR 8.4's OPEN (interop.md gotcha 2) and unknown capabilities are tolerated.
    @Test func everyCapabilityFRRSendsIsTolerated() throws {
        let frr = open {
            $0.capabilities = [
                .multiprotocol(.l2vpnEVPN), .routeRefresh, .enhancedRouteRefresh, .fourOctetAS(64512), .extendedMessage,
                .addPath([AddPathEntry(family: .l2vpnEVPN, mode: .receive)]),
                .gracefulRestart(GracefulRestartCapability(restartTime: 120, families: [])),
                .longLivedGracefulRestart([]), .fqdn(hostName: "frr", domainName: ""),
                .unknown(code: 5, value: [0, 1, 1, 0, 1, 0, 2]), .unknown(code: 128, value: []),
            ]
        }
        let session = try OpenNegotiation.negotiate(F.parameters, remote: frr).get()
        #expect(session.families == [.l2vpnEVPN])
        #expect(session.context.fourOctetAS && session.context.extendedMessage && session.context.addPathReceive.isEmpty)
        #expect(session.peerSupportsRouteRefresh)
        #expect(session.peerGracefulRestart?.restartTime == 120)
        #expect(session.isInternal)
    }
}

@Suite struct ReconnectBackoffTests {
    @Test func firstRetryWithinFiveSecondsThenDoublingUpToSixtyWithJitter() {
        let backoff = ReconnectBackoff()
        #expect(backoff.delay(afterFailures: 0, jitter: 0.999) <= 5)
        #expect(backoff.delay(afterFailures: 0, jitter: 0) == 2.5)
        #expect(backoff.delay(afterFailures: 1, jitter: 0.999) <= 10)
        #expect(backoff.delay(afterFailures: 1, jitter: 0) == 5)
        for failures in 4...40 {
            let delay = backoff.delay(afterFailures: failures, jitter: 0.999)
            #expect(delay <= 60 && delay > 59)
            #expect(backoff.delay(afterFailures: failures, jitter: 0) == 30)
        }
    }

    @Test func fsmBacksOffFurtherAfterEachFailureAndResetsWhenEstablished() {
        var fsm = SessionFSM(parameters: FSMFixtures.parameters, seed: 42)
        _ = fsm.handle(.manualStart(passive: false))
        var delays: [Double] = []
        for _ in 0..<6 {
            for case .startTimer(.idleHold, let seconds) in fsm.handle(.tcpConnectionFails(reason: "refused")) { delays.append(seconds) }
            _ = fsm.handle(.idleHoldTimerExpires)
        }
        let ceilings: [Double] = [4, 8, 16, 32, 60, 60]
        #expect(delays.count == 6)
        for (delay, ceiling) in zip(delays, ceilings) { #expect(delay >= ceiling / 2 && delay <= ceiling) }
        #expect(fsm.connectRetryCounter == 6)
        for event in [SessionEvent.tcpConnectionAcknowledged, .bgpOpen(FSMFixtures.peerOpen), .keepaliveReceived] { _ = fsm.handle(event) }
        #expect(fsm.state == .established && fsm.connectRetryCounter == 0)
    }

    @Test func jitterSpreadsPeersThatFailedTogether() {
        let delays = (1...20).map { seed -> Double in
            var fsm = SessionFSM(parameters: FSMFixtures.parameters, seed: UInt64(seed))
            _ = fsm.handle(.manualStart(passive: false))
            for case .startTimer(.idleHold, let seconds) in fsm.handle(.tcpConnectionFails(reason: "x")) { return seconds }
            return -1
        }
        #expect(Set(delays).count > 15)
        #expect(delays.allSatisfy { $0 >= 2 && $0 <= 4 })
    }
}

@Suite struct CollisionResolutionTests {
    @Test func higherRouterIDKeepsItsOwnConnection() {
        let low = IPv4Address(10, 0, 0, 1), high = IPv4Address(10, 0, 0, 2)
        #expect(CollisionResolution.survivor(localRouterID: high, remoteRouterID: low) == .outgoing)
        #expect(CollisionResolution.survivor(localRouterID: low, remoteRouterID: high) == .incoming)
        // Compared as unsigned integers: 200.0.0.1 > 10.0.0.2.
        #expect(CollisionResolution.survivor(localRouterID: IPv4Address(200, 0, 0, 1), remoteRouterID: high) == .outgoing)
    }
}
