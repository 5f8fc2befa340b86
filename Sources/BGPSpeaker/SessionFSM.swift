import BGPWire

/// The BGP finite state machine of one connection (RFC 4271 §8), as a value: `handle(_:)` takes an
/// event and returns the actions for the shell to carry out. No I/O, no clock, no global state;
/// jitter comes from a seeded generator.
///
/// Deviations from the RFC text, all on the side of staying up without an operator:
/// - after any error the FSM returns to Idle and schedules an automatic restart (IdleHoldTimer,
///   Event 13) with exponential backoff and jitter, instead of staying Idle;
/// - a passive session never starts the ConnectRetryTimer in Active (it never initiates);
/// - a TCP failure in OpenSent goes to Idle (then restarts) rather than to Active.
public struct SessionFSM: Hashable, Sendable {
    public let parameters: SessionParameters
    public private(set) var state: SessionState = .idle
    /// Failed attempts since the last Established or manual start (RFC 4271 §8: ConnectRetryCounter).
    public private(set) var connectRetryCounter = 0
    /// Set from the peer's OPEN in OpenConfirm and Established.
    public private(set) var negotiated: NegotiatedSession?
    /// Why the session last went down, for logs and the looking glass.
    public private(set) var lastError: String?
    /// Stopped by an operator (ManualStop): no automatic restart.
    public private(set) var isAdministrativelyDown = true
    private var random: SplitMix64

    public init(parameters: SessionParameters, seed: UInt64) {
        self.parameters = parameters
        self.random = SplitMix64(seed: seed)
    }

    /// The OPEN this session sends.
    public var localOpen: OpenMessage { OpenNegotiation.localOpen(parameters) }

    public mutating func handle(_ event: SessionEvent) -> [SessionAction] {
        switch (state, event) {
        // Starting (RFC 4271 §8.2.2, Idle state).
        case (.idle, .manualStart(let passive)):
            connectRetryCounter = 0
            isAdministrativelyDown = false
            return start(passive: passive)
        case (.idle, .automaticStart(let passive)):
            guard !isAdministrativelyDown else { return [] }
            return [.stopTimer(.idleHold)] + start(passive: passive)
        case (.idle, .idleHoldTimerExpires):
            guard !isAdministrativelyDown else { return [] }
            return start(passive: parameters.passive)
        case (.idle, .manualStop):
            isAdministrativelyDown = true
            return [.stopTimer(.idleHold)]
        case (.idle, _), (_, .manualStart), (_, .automaticStart), (_, .idleHoldTimerExpires):
            return []

        // Connect and Active: no connection yet.
        case (.connect, .connectRetryTimerExpires):
            lastError = "no connection within \(parameters.connectRetryTime) s; trying again"
            return [.closeConnection, .startTimer(.connectRetry, seconds: parameters.connectRetryTime), .connect]
        case (.active, .connectRetryTimerExpires):
            state = .connect
            return [.startTimer(.connectRetry, seconds: parameters.connectRetryTime), .connect]
        case (.connect, .tcpConnectionAcknowledged), (.connect, .tcpConnectionConfirmed),
             (.active, .tcpConnectionAcknowledged), (.active, .tcpConnectionConfirmed):
            state = .openSent
            return [.stopTimer(.connectRetry), .send(.open(localOpen)),
                    .startTimer(.hold, seconds: parameters.openHoldTime)]
        case (.connect, .tcpConnectionFails(let reason)), (.active, .tcpConnectionFails(let reason)):
            return fail(reason)

        // OpenSent: waiting for the peer's OPEN.
        case (.openSent, .bgpOpen(let open)):
            switch OpenNegotiation.negotiate(parameters, remote: open) {
            case .failure(let error):
                return fail(error.reason, sending: error.notification)
            case .success(let session):
                negotiated = session
                state = .openConfirm
                var actions: [SessionAction] = [.send(.keepalive)]
                if let interval = session.keepaliveInterval {
                    actions += [.startTimer(.keepalive, seconds: interval), .startTimer(.hold, seconds: Double(session.holdTime))]
                } else {
                    actions += [.stopTimer(.hold)]
                }
                return actions
            }

        // OpenConfirm: waiting for the KEEPALIVE that confirms our OPEN.
        case (.openConfirm, .keepaliveReceived):
            guard let negotiated else { return fail("no negotiated session in OpenConfirm") }
            state = .established
            connectRetryCounter = 0
            return restartHoldTimer() + [.established(negotiated)]
        case (.openConfirm, .keepaliveTimerExpires), (.established, .keepaliveTimerExpires):
            guard let interval = negotiated?.keepaliveInterval else { return [] }
            return [.send(.keepalive), .startTimer(.keepalive, seconds: interval)]

        // Established.
        case (.established, .keepaliveReceived):
            return restartHoldTimer()
        case (.established, .updateReceived(let update)):
            return restartHoldTimer() + [.deliverUpdate(update)]
        case (.established, .routeRefreshReceived(let refresh)):
            return restartHoldTimer() + [.deliverRouteRefresh(refresh)]

        // Errors and stops in any connected state (OpenSent, OpenConfirm, Established).
        case (_, .manualStop(let subcode, let communication)):
            isAdministrativelyDown = true
            if state == .connect || state == .active {
                return fail("stopped", restart: false)
            }
            return fail("stopped", sending: .cease(subcode, communication: communication), restart: false)
        case (.connect, _), (.active, _):
            return fail("unexpected event \(event.name) in \(state)")
        case (_, .holdTimerExpires):
            return fail("hold timer expired", sending: SessionDownReason.holdTimerExpiredNotification,
                        cause: .holdTimerExpired)
        case (_, .tcpConnectionFails(let reason)):
            return fail(reason)
        case (_, .messageError(let error)):
            return fail(error.reason, sending: error.notification)
        case (_, .notificationReceived(let notification)):
            return fail("received NOTIFICATION \(notification)", cause: .notificationReceived(notification))
        case (_, .openCollisionDump):
            return fail("connection collision (RFC 4271 §6.8), this connection closed",
                        sending: .cease(.connectionCollisionResolution))
        case (.openSent, _), (.openConfirm, _), (.established, _):
            // RFC 6608: Finite State Machine Error with the state in the subcode.
            let subcode: UInt8 = state == .openSent ? 1 : state == .openConfirm ? 2 : 3
            return fail("unexpected \(event.name) in \(state)", sending: NotificationMessage(code: 5, subcode: subcode))
        }
    }

    private mutating func start(passive: Bool) -> [SessionAction] {
        if passive {
            state = .active
            return []
        }
        state = .connect
        return [.startTimer(.connectRetry, seconds: parameters.connectRetryTime), .connect]
    }

    private func restartHoldTimer() -> [SessionAction] {
        guard let holdTime = negotiated?.holdTime, holdTime > 0 else { return [] }
        return [.startTimer(.hold, seconds: Double(holdTime))]
    }

    /// Back to Idle: optionally send a NOTIFICATION, close, stop the timers, report a lost session
    /// (with `cause` when the NOTIFICATION sent or received does not tell it all),
    /// and schedule the automatic restart with backoff unless stopped by an operator.
    private mutating func fail(_ reason: String, sending notification: NotificationMessage? = nil,
                               restart: Bool = true, cause: SessionDownReason? = nil) -> [SessionAction] {
        let wasEstablished = state == .established
        let down = cause ?? notification.map { .notificationSent($0, reason: reason) } ?? .connectionLost(reason)
        let description = down.description
        var actions: [SessionAction] = []
        if let notification { actions.append(.send(.notification(notification))) }
        actions += [.closeConnection, .stopTimer(.connectRetry), .stopTimer(.hold), .stopTimer(.keepalive)]
        if wasEstablished { actions.append(.sessionDown(reason: down)) }
        state = .idle
        negotiated = nil
        lastError = description
        if restart && !isAdministrativelyDown {
            let delay = parameters.backoff.delay(afterFailures: connectRetryCounter, jitter: random.nextUnit())
            connectRetryCounter += 1
            actions.append(.startTimer(.idleHold, seconds: delay))
        }
        return actions
    }
}

extension SessionEvent {
    /// The event's name for logs.
    var name: String {
        switch self {
        case .manualStart: "ManualStart"
        case .manualStop: "ManualStop"
        case .automaticStart: "AutomaticStart"
        case .connectRetryTimerExpires: "ConnectRetryTimer_Expires"
        case .holdTimerExpires: "HoldTimer_Expires"
        case .keepaliveTimerExpires: "KeepaliveTimer_Expires"
        case .idleHoldTimerExpires: "IdleHoldTimer_Expires"
        case .tcpConnectionAcknowledged: "Tcp_CR_Acked"
        case .tcpConnectionConfirmed: "TcpConnectionConfirmed"
        case .tcpConnectionFails: "TcpConnectionFails"
        case .bgpOpen: "OPEN"
        case .messageError: "message error"
        case .openCollisionDump: "OpenCollisionDump"
        case .notificationReceived: "NOTIFICATION"
        case .keepaliveReceived: "KEEPALIVE"
        case .updateReceived: "UPDATE"
        case .routeRefreshReceived: "ROUTE-REFRESH"
        }
    }
}
