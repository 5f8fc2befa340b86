@testable import BGPSpeaker
import BGPWire
import NetAddress

/// Values shared by the FSM tests: an iBGP session AS 64512 between 198.51.100.11 (us) and a route
/// reflector 198.51.100.1 that offers hold time 30 s.
enum FSMFixtures {
    static let parameters = SessionParameters(
        localAS: 64512, routerID: IPv4Address(198, 51, 100, 11), peerAS: 64512, holdTime: 90,
        families: [.l2vpnEVPN, .routeTargetConstraint], connectRetryTime: 30, backoff: ReconnectBackoff(initial: 4, maximum: 60))

    static let peerOpen = OpenMessage(myAS: 64512, holdTime: 30, bgpIdentifier: IPv4Address(198, 51, 100, 1), capabilities: [
        .multiprotocol(.l2vpnEVPN), .multiprotocol(.routeTargetConstraint), .routeRefresh, .fourOctetAS(64512),
    ])

    static let update = UpdateMessage()
    static let refresh = RouteRefreshMessage(family: .l2vpnEVPN)
    static let peerCease = NotificationMessage.cease(.administrativeShutdown, communication: "maintenance")
    static let decodingError = MessageDecodingError(notification: NotificationMessage(code: 1, subcode: 1), reason: "marker")

    /// One sample of every event, by name.
    static let events: [(String, SessionEvent)] = [
        ("ManualStart", .manualStart(passive: false)),
        ("ManualStop", .manualStop(.administrativeShutdown, communication: "bye")),
        ("AutomaticStart", .automaticStart(passive: true)),
        ("ConnectRetryTimer_Expires", .connectRetryTimerExpires),
        ("HoldTimer_Expires", .holdTimerExpires),
        ("KeepaliveTimer_Expires", .keepaliveTimerExpires),
        ("IdleHoldTimer_Expires", .idleHoldTimerExpires),
        ("Tcp_CR_Acked", .tcpConnectionAcknowledged),
        ("TcpConnectionConfirmed", .tcpConnectionConfirmed),
        ("TcpConnectionFails", .tcpConnectionFails(reason: "reset")),
        ("BGPOpen", .bgpOpen(peerOpen)),
        ("MessageError", .messageError(decodingError)),
        ("OpenCollisionDump", .openCollisionDump),
        ("NotifMsg", .notificationReceived(peerCease)),
        ("KeepAliveMsg", .keepaliveReceived),
        ("UpdateMsg", .updateReceived(update)),
        ("RouteRefreshMsg", .routeRefreshReceived(refresh)),
    ]

    /// The starting points of the table: every state, and Idle both stopped and awaiting a restart.
    enum Start: String, CaseIterable {
        case idleStopped, idleAwaitingRestart, connect, active, openSent, openConfirm, established
    }

    static func fsm(in start: Start) -> SessionFSM {
        var fsm = SessionFSM(parameters: parameters, seed: 1)
        let path: [SessionEvent] = switch start {
        case .idleStopped: []
        case .idleAwaitingRestart: [.manualStart(passive: false), .tcpConnectionFails(reason: "refused")]
        case .connect: [.manualStart(passive: false)]
        case .active: [.manualStart(passive: true)]
        case .openSent: [.manualStart(passive: false), .tcpConnectionAcknowledged]
        case .openConfirm: [.manualStart(passive: false), .tcpConnectionAcknowledged, .bgpOpen(peerOpen)]
        case .established: [.manualStart(passive: false), .tcpConnectionAcknowledged, .bgpOpen(peerOpen), .keepaliveReceived]
        }
        for event in path { _ = fsm.handle(event) }
        return fsm
    }

    static var negotiated: NegotiatedSession {
        guard case .success(let session) = OpenNegotiation.negotiate(parameters, remote: peerOpen) else {
            fatalError("the fixture OPEN is acceptable")
        }
        return session
    }

    /// The actions of a drop to Idle: optional NOTIFICATION, close, timers stopped, session down if it
    /// was established, restart scheduled (its jittered delay is normalised to 0 by `normalised`).
    static func reset(_ notification: NotificationMessage?, down: Bool = false, restart: Bool = true) -> [SessionAction] {
        var actions: [SessionAction] = notification.map { [.send(.notification($0))] } ?? []
        actions += [.closeConnection, .stopTimer(.connectRetry), .stopTimer(.hold), .stopTimer(.keepalive)]
        if down { actions.append(.sessionDown(reason: .connectionLost(""))) }
        if restart { actions.append(.startTimer(.idleHold, seconds: 0)) }
        return actions
    }

    /// Actions with session-down reasons blanked and restart delays zeroed (checked separately).
    static func normalised(_ actions: [SessionAction]) -> [SessionAction] {
        actions.map {
            switch $0 {
            case .sessionDown: .sessionDown(reason: .connectionLost(""))
            case .startTimer(.idleHold, _): .startTimer(.idleHold, seconds: 0)
            default: $0
            }
        }
    }
}
