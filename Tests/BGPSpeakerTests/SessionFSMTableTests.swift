@testable import BGPSpeaker
import BGPWire
import Testing

/// Every state × every event of RFC 4271 §8 → expected next state and actions.
@Suite struct SessionFSMTableTests {
    typealias F = FSMFixtures
    typealias Row = (SessionState, [SessionAction])

    static let open = SessionAction.send(.open(OpenNegotiation.localOpen(F.parameters)))
    static let connecting: [SessionAction] = [.startTimer(.connectRetry, seconds: 30), .connect]
    static let toOpenSent: [SessionAction] = [.stopTimer(.connectRetry), open, .startTimer(.hold, seconds: 240)]
    static func fsmError(_ subcode: UInt8) -> NotificationMessage { NotificationMessage(code: 5, subcode: subcode) }
    static let holdExpired = NotificationMessage(code: 4, subcode: 0)
    static let collision = NotificationMessage.cease(.connectionCollisionResolution)
    static let stopCease = NotificationMessage.cease(.administrativeShutdown, communication: "bye")

    static let table: [F.Start: [String: Row]] = [
        .idleStopped: [
            "ManualStart": (.connect, connecting),
            "ManualStop": (.idle, [.stopTimer(.idleHold)]),
            "AutomaticStart": (.idle, []),
            "ConnectRetryTimer_Expires": (.idle, []),
            "HoldTimer_Expires": (.idle, []),
            "KeepaliveTimer_Expires": (.idle, []),
            "IdleHoldTimer_Expires": (.idle, []),
            "Tcp_CR_Acked": (.idle, []),
            "TcpConnectionConfirmed": (.idle, []),
            "TcpConnectionFails": (.idle, []),
            "BGPOpen": (.idle, []),
            "MessageError": (.idle, []),
            "OpenCollisionDump": (.idle, []),
            "NotifMsg": (.idle, []),
            "KeepAliveMsg": (.idle, []),
            "UpdateMsg": (.idle, []),
            "RouteRefreshMsg": (.idle, []),
        ],
        .idleAwaitingRestart: [
            "ManualStart": (.connect, connecting),
            "ManualStop": (.idle, [.stopTimer(.idleHold)]),
            "AutomaticStart": (.active, [.stopTimer(.idleHold)]),
            "ConnectRetryTimer_Expires": (.idle, []),
            "HoldTimer_Expires": (.idle, []),
            "KeepaliveTimer_Expires": (.idle, []),
            "IdleHoldTimer_Expires": (.connect, connecting),
            "Tcp_CR_Acked": (.idle, []),
            "TcpConnectionConfirmed": (.idle, []),
            "TcpConnectionFails": (.idle, []),
            "BGPOpen": (.idle, []),
            "MessageError": (.idle, []),
            "OpenCollisionDump": (.idle, []),
            "NotifMsg": (.idle, []),
            "KeepAliveMsg": (.idle, []),
            "UpdateMsg": (.idle, []),
            "RouteRefreshMsg": (.idle, []),
        ],
        .connect: [
            "ManualStart": (.connect, []),
            "ManualStop": (.idle, F.reset(nil, restart: false)),
            "AutomaticStart": (.connect, []),
            "ConnectRetryTimer_Expires": (.connect, [.closeConnection] + connecting),
            "HoldTimer_Expires": (.idle, F.reset(nil)),
            "KeepaliveTimer_Expires": (.idle, F.reset(nil)),
            "IdleHoldTimer_Expires": (.connect, []),
            "Tcp_CR_Acked": (.openSent, toOpenSent),
            "TcpConnectionConfirmed": (.openSent, toOpenSent),
            "TcpConnectionFails": (.idle, F.reset(nil)),
            "BGPOpen": (.idle, F.reset(nil)),
            "MessageError": (.idle, F.reset(nil)),
            "OpenCollisionDump": (.idle, F.reset(nil)),
            "NotifMsg": (.idle, F.reset(nil)),
            "KeepAliveMsg": (.idle, F.reset(nil)),
            "UpdateMsg": (.idle, F.reset(nil)),
            "RouteRefreshMsg": (.idle, F.reset(nil)),
        ],
        .active: [
            "ManualStart": (.active, []),
            "ManualStop": (.idle, F.reset(nil, restart: false)),
            "AutomaticStart": (.active, []),
            "ConnectRetryTimer_Expires": (.connect, connecting),
            "HoldTimer_Expires": (.idle, F.reset(nil)),
            "KeepaliveTimer_Expires": (.idle, F.reset(nil)),
            "IdleHoldTimer_Expires": (.active, []),
            "Tcp_CR_Acked": (.openSent, toOpenSent),
            "TcpConnectionConfirmed": (.openSent, toOpenSent),
            "TcpConnectionFails": (.idle, F.reset(nil)),
            "BGPOpen": (.idle, F.reset(nil)),
            "MessageError": (.idle, F.reset(nil)),
            "OpenCollisionDump": (.idle, F.reset(nil)),
            "NotifMsg": (.idle, F.reset(nil)),
            "KeepAliveMsg": (.idle, F.reset(nil)),
            "UpdateMsg": (.idle, F.reset(nil)),
            "RouteRefreshMsg": (.idle, F.reset(nil)),
        ],
        .openSent: [
            "ManualStart": (.openSent, []),
            "ManualStop": (.idle, F.reset(stopCease, restart: false)),
            "AutomaticStart": (.openSent, []),
            "ConnectRetryTimer_Expires": (.idle, F.reset(fsmError(1))),
            "HoldTimer_Expires": (.idle, F.reset(holdExpired)),
            "KeepaliveTimer_Expires": (.idle, F.reset(fsmError(1))),
            "IdleHoldTimer_Expires": (.openSent, []),
            "Tcp_CR_Acked": (.idle, F.reset(fsmError(1))),
            "TcpConnectionConfirmed": (.idle, F.reset(fsmError(1))),
            "TcpConnectionFails": (.idle, F.reset(nil)),
            "BGPOpen": (.openConfirm, [.send(.keepalive), .startTimer(.keepalive, seconds: 10), .startTimer(.hold, seconds: 30)]),
            "MessageError": (.idle, F.reset(F.decodingError.notification)),
            "OpenCollisionDump": (.idle, F.reset(collision)),
            "NotifMsg": (.idle, F.reset(nil)),
            "KeepAliveMsg": (.idle, F.reset(fsmError(1))),
            "UpdateMsg": (.idle, F.reset(fsmError(1))),
            "RouteRefreshMsg": (.idle, F.reset(fsmError(1))),
        ],
        .openConfirm: [
            "ManualStart": (.openConfirm, []),
            "ManualStop": (.idle, F.reset(stopCease, restart: false)),
            "AutomaticStart": (.openConfirm, []),
            "ConnectRetryTimer_Expires": (.idle, F.reset(fsmError(2))),
            "HoldTimer_Expires": (.idle, F.reset(holdExpired)),
            "KeepaliveTimer_Expires": (.openConfirm, [.send(.keepalive), .startTimer(.keepalive, seconds: 10)]),
            "IdleHoldTimer_Expires": (.openConfirm, []),
            "Tcp_CR_Acked": (.idle, F.reset(fsmError(2))),
            "TcpConnectionConfirmed": (.idle, F.reset(fsmError(2))),
            "TcpConnectionFails": (.idle, F.reset(nil)),
            "BGPOpen": (.idle, F.reset(fsmError(2))),
            "MessageError": (.idle, F.reset(F.decodingError.notification)),
            "OpenCollisionDump": (.idle, F.reset(collision)),
            "NotifMsg": (.idle, F.reset(nil)),
            "KeepAliveMsg": (.established, [.startTimer(.hold, seconds: 30), .established(F.negotiated)]),
            "UpdateMsg": (.idle, F.reset(fsmError(2))),
            "RouteRefreshMsg": (.idle, F.reset(fsmError(2))),
        ],
        .established: [
            "ManualStart": (.established, []),
            "ManualStop": (.idle, F.reset(stopCease, down: true, restart: false)),
            "AutomaticStart": (.established, []),
            "ConnectRetryTimer_Expires": (.idle, F.reset(fsmError(3), down: true)),
            "HoldTimer_Expires": (.idle, F.reset(holdExpired, down: true)),
            "KeepaliveTimer_Expires": (.established, [.send(.keepalive), .startTimer(.keepalive, seconds: 10)]),
            "IdleHoldTimer_Expires": (.established, []),
            "Tcp_CR_Acked": (.idle, F.reset(fsmError(3), down: true)),
            "TcpConnectionConfirmed": (.idle, F.reset(fsmError(3), down: true)),
            "TcpConnectionFails": (.idle, F.reset(nil, down: true)),
            "BGPOpen": (.idle, F.reset(fsmError(3), down: true)),
            "MessageError": (.idle, F.reset(F.decodingError.notification, down: true)),
            "OpenCollisionDump": (.idle, F.reset(collision, down: true)),
            "NotifMsg": (.idle, F.reset(nil, down: true)),
            "KeepAliveMsg": (.established, [.startTimer(.hold, seconds: 30)]),
            "UpdateMsg": (.established, [.startTimer(.hold, seconds: 30), .deliverUpdate(F.update)]),
            "RouteRefreshMsg": (.established, [.startTimer(.hold, seconds: 30), .deliverRouteRefresh(F.refresh)]),
        ],
    ]

    @Test func tableCoversEveryStateAndEvent() {
        #expect(Set(Self.table.keys) == Set(F.Start.allCases))
        for (start, rows) in Self.table {
            #expect(Set(rows.keys) == Set(F.events.map(\.0)), "\(start)")
        }
        #expect(Set(F.Start.allCases.map { F.fsm(in: $0).state }) == Set(SessionState.allCases))
    }

    @Test(arguments: F.Start.allCases)
    func transitions(from start: F.Start) throws {
        let rows = try #require(Self.table[start])
        for (name, event) in F.events {
            var fsm = F.fsm(in: start)
            let actions = fsm.handle(event)
            let (expectedState, expectedActions) = try #require(rows[name])
            #expect(fsm.state == expectedState, "\(start) + \(name)")
            #expect(F.normalised(actions) == expectedActions, "\(start) + \(name)")
        }
    }
}
