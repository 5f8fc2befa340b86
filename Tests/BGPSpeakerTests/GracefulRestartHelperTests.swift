@testable import BGPSpeaker
import BGPWire
import NetAddress
import Testing

/// Graceful restart, receiving speaker (RFC 4724 §4.2): why a session ended decides whether the
/// peer's routes may outlive it, and the peer's OPEN decides which families.
@Suite struct GracefulRestartHelperTests {
    typealias F = FSMFixtures

    /// The reason the FSM reports when an established session ends on `event`.
    private func downReason(on event: SessionEvent) -> SessionDownReason? {
        var fsm = F.fsm(in: .established)
        for case .sessionDown(let reason) in fsm.handle(event) { return reason }
        return nil
    }

    private func negotiated(_ capability: GracefulRestartCapability?) throws -> NegotiatedSession {
        var open = F.peerOpen
        if let capability { open.capabilities.append(.gracefulRestart(capability)) }
        return try OpenNegotiation.negotiate(F.parameters, remote: open).get()
    }

    private let evpnPreserved = GracefulRestartCapability(restartTime: 30, families: [
        .init(family: .l2vpnEVPN, forwardingStatePreserved: true),
        .init(family: .routeTargetConstraint, forwardingStatePreserved: false),
        .init(family: .ipv4Unicast, forwardingStatePreserved: true),
    ])

    @Test func theFSMTellsHowASessionEnded() {
        #expect(downReason(on: .tcpConnectionFails(reason: "connection closed by peer")) == .connectionLost("connection closed by peer"))
        #expect(downReason(on: .holdTimerExpires) == .holdTimerExpired)
        #expect(downReason(on: .notificationReceived(F.peerCease)) == .notificationReceived(F.peerCease))
        let stop = downReason(on: .manualStop(.peerDeconfigured, communication: nil))
        guard case .notificationSent(let sent, _) = stop else { Issue.record("\(String(describing: stop))"); return }
        #expect(sent == .cease(.peerDeconfigured))
        guard case .notificationSent(let error, _) = downReason(on: .messageError(F.decodingError)) else {
            Issue.record("message error"); return
        }
        #expect(error == F.decodingError.notification)
        #expect(SessionDownReason.holdTimerExpired.description == "hold timer expired; sent NOTIFICATION \(NotificationMessage(code: 4, subcode: 0))")
    }

    @Test func routesOutliveASessionLostWithoutANotification() throws {
        let session = try negotiated(evpnPreserved)
        // Negotiated and listed: EVPN and RT membership (IPv4 unicast is listed but not negotiated).
        #expect(session.familiesRetained(after: .connectionLost("reset")) == [.l2vpnEVPN, .routeTargetConstraint])
        #expect(session.familiesRetained(after: .holdTimerExpired) == [.l2vpnEVPN, .routeTargetConstraint])
        #expect(session.familiesRetained(after: .notificationReceived(F.peerCease)).isEmpty)
        #expect(session.familiesRetained(after: .notificationSent(.cease(.peerDeconfigured), reason: "stopped")).isEmpty)
        #expect(session.peerRestartTime == 30)
    }

    @Test func onlyListedFamiliesWithARestartTimeAreRetained() throws {
        let evpnOnly = try negotiated(GracefulRestartCapability(restartTime: 120, families: [
            .init(family: .l2vpnEVPN, forwardingStatePreserved: false)]))
        #expect(evpnOnly.familiesRetained(after: .connectionLost("reset")) == [.l2vpnEVPN])
        // Our own kind of capability: End-of-RIB support only, no family.
        #expect(try negotiated(GracefulRestartCapability(restartTime: 120, families: []))
            .familiesRetained(after: .connectionLost("reset")).isEmpty)
        #expect(try negotiated(GracefulRestartCapability(restartTime: 0, families: evpnPreserved.families))
            .familiesRetained(after: .connectionLost("reset")).isEmpty)
        #expect(try negotiated(nil).familiesRetained(after: .connectionLost("reset")).isEmpty)
    }

    @Test func theForwardingStateBitSaysWhichStaleRoutesSurviveANewSession() throws {
        #expect(try negotiated(evpnPreserved).familiesWithPreservedForwardingState == [.l2vpnEVPN])
        #expect(try negotiated(nil).familiesWithPreservedForwardingState.isEmpty)
    }
}
