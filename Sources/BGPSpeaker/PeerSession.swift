import BGPWire
import EventLoop
import Logging
import NetAddress
#if canImport(Glibc)
import Glibc
#endif

/// Which side opened the TCP connection of a session (RFC 4271 §6.8 needs it).
enum ConnectionDirection: String, Sendable {
    case outgoing, incoming
}

/// What a `PeerSession` reports to its `Peer`.
protocol PeerSessionOwner: AnyObject {
    /// An OPEN arrived in OpenSent: false when this connection loses a collision (RFC 4271 §6.8) and
    /// must be closed with Cease / Connection Collision Resolution instead of confirming the OPEN.
    func session(_ session: PeerSession, mayProceedWith open: OpenMessage) -> Bool
    func session(_ session: PeerSession, established negotiated: NegotiatedSession)
    func session(_ session: PeerSession, wentDown reason: SessionDownReason)
    func session(_ session: PeerSession, failed reason: String)
    func session(_ session: PeerSession, received update: UpdateMessage)
    func session(_ session: PeerSession, received refresh: RouteRefreshMessage)
    func sessionIsWritable(_ session: PeerSession)
    func session(_ session: PeerSession, isClosingConnection connection: TCPConnection)
}

/// The shell around one `SessionFSM`: it feeds the FSM events from one TCP connection and its
/// timers, and carries out the FSM's actions (connect, send, close, timers, reports to the owner).
/// Lives on the speaker's loop.
final class PeerSession {
    let loop: EventLoop
    let configuration: PeerConfiguration
    private(set) var fsm: SessionFSM
    private(set) var direction: ConnectionDirection
    private(set) var connection: TCPConnection?
    /// The connect attempt under way, closed if the FSM gives up on it.
    private var pendingConnect: TCPConnection?
    private var framer = MessageFramer()
    private var context = CodecContext()
    private lazy var timers = SessionTimers(loop: loop) { [weak self] kind in self?.handle(kind.expiryEvent) }
    private var queuedEvents: [SessionEvent] = []
    private var isHandlingEvents = false
    private(set) var previousState: SessionState = .idle
    private(set) var sent = MessageCounters()
    private(set) var received = MessageCounters()
    weak var owner: PeerSessionOwner?
    var logger: Logger

    init(loop: EventLoop, configuration: PeerConfiguration, parameters: SessionParameters,
         direction: ConnectionDirection, logger: Logger) {
        self.loop = loop
        self.configuration = configuration
        self.direction = direction
        self.logger = logger
        fsm = SessionFSM(parameters: parameters, seed: UInt64.random(in: .min ... .max))
    }

    var state: SessionState { fsm.state }

    /// Bytes queued to the peer and not yet taken by the kernel.
    var pendingOutputBytes: Int { connection?.pendingWriteBytes ?? 0 }

    /// Feeds `event` to the FSM and performs the resulting actions. Events raised while actions are
    /// being performed are queued and handled in order afterwards.
    func handle(_ event: SessionEvent) {
        loop.preconditionOnLoop()
        queuedEvents.append(event)
        guard !isHandlingEvents else { return }
        isHandlingEvents = true
        defer { isHandlingEvents = false }
        while !queuedEvents.isEmpty {
            let next = queuedEvents.removeFirst()
            let before = fsm.state
            let actions = fsm.handle(next)
            if fsm.state != before {
                previousState = before
                logger.debug("\(before) → \(fsm.state) on \(next.name)")
            }
            for action in actions { perform(action) }
            if fsm.state == .idle && before != .idle { owner?.session(self, failed: fsm.lastError ?? "unknown") }
        }
    }

    /// Uses an accepted connection for this session (RFC 4271 Event 17).
    func adopt(_ incoming: TCPConnection) {
        precondition(connection == nil, "a session has one connection")
        closePendingConnect()
        direction = .incoming
        attach(incoming)
        if fsm.state == .idle {
            handle(fsm.isAdministrativelyDown ? .manualStart(passive: true) : .automaticStart(passive: true))
        }
        handle(.tcpConnectionConfirmed)
    }

    /// Sends pre-encoded messages (Established only). Returns false when the session cannot send.
    @discardableResult
    func write(encoded bytes: [UInt8], updateCount: Int) -> Bool {
        guard fsm.state == .established, let connection else { return false }
        sent.count(typeCode: 2, times: updateCount)
        connection.write(bytes)
        return true
    }

    /// Encodes and sends `message` (any state with a connection).
    func send(_ message: BGPMessage) {
        guard let connection else { return }
        sent.count(typeCode: message.typeCode)
        connection.write(message.encoded(context: context))
    }

    /// Stops every timer and drops the connection without going through the FSM: for a session
    /// that is being discarded (collision loser already notified, peer removed).
    func discard() {
        timers.stopAll()
        closePendingConnect()
        closeConnection()
        owner = nil
    }

    private func perform(_ action: SessionAction) {
        switch action {
        case .connect:
            startConnect()
        case .closeConnection:
            closePendingConnect()
            closeConnection()
        case .send(let message):
            send(message)
        case .startTimer(let kind, let seconds):
            timers.start(kind, seconds: seconds)
        case .stopTimer(let kind):
            timers.stop(kind)
        case .established(let negotiated):
            owner?.session(self, established: negotiated)
        case .deliverUpdate(let update):
            owner?.session(self, received: update)
        case .deliverRouteRefresh(let refresh):
            owner?.session(self, received: refresh)
        case .sessionDown(let reason):
            owner?.session(self, wentDown: reason)
        }
    }

    private func startConnect() {
        closePendingConnect()
        direction = .outgoing
        let minimumTTL = configuration.minimumTTL
        do {
            pendingConnect = try TCPConnection.connect(
                loop: loop, to: configuration.address, port: configuration.port, from: configuration.localAddress,
                md5Key: configuration.md5Key, ttl: minimumTTL == nil ? nil : 255, minimumTTL: minimumTTL,
                timeout: fsm.parameters.connectRetryTime + 1
            ) { [weak self] result in
                guard let self else {
                    if case .success(let connection) = result { connection.close() }
                    return
                }
                switch result {
                case .success(let connection):
                    guard connection === pendingConnect else { return connection.close() }
                    pendingConnect = nil
                    attach(connection)
                    handle(.tcpConnectionAcknowledged)
                case .failure(let error):
                    // A cancelled attempt was closed by us: the FSM has moved on already.
                    guard (error as? SocketError)?.code != ECANCELED else { return }
                    pendingConnect = nil
                    handle(.tcpConnectionFails(reason: "connect failed: \(error)"))
                }
            }
        } catch {
            // Raised while the FSM's actions are being performed: queued, handled right after.
            handle(.tcpConnectionFails(reason: "connect failed: \(error)"))
        }
    }

    private func attach(_ newConnection: TCPConnection) {
        connection = newConnection
        framer = MessageFramer()
        context = CodecContext(legacyShiftedVNI: fsm.parameters.legacyShiftedVNI)
        newConnection.onRead = { [unowned self] bytes in receive(bytes) }
        newConnection.onClose = { [unowned self] error in
            connection = nil
            handle(.tcpConnectionFails(reason: error.map { "connection lost: \($0)" } ?? "connection closed by peer"))
        }
        newConnection.onWritable = { [unowned self] in owner?.sessionIsWritable(self) }
    }

    /// Frames and decodes what arrived, one message → one FSM event, until the connection is closed.
    private func receive(_ bytes: UnsafeRawBufferPointer) {
        guard let current = connection else { return }
        framer.append(bytes)
        while connection === current {
            let event: SessionEvent
            do {
                guard let message = try framer.withNextMessage({ (buffer) throws(MessageDecodingError) in
                    try BGPMessage.decode(buffer, context: context)
                }) else { return }
                received.count(typeCode: message.typeCode)
                event = switch message {
                case .open(let open):
                    fsm.state == .openSent && owner?.session(self, mayProceedWith: open) == false ? .openCollisionDump : .bgpOpen(open)
                case .update(let update): .updateReceived(update)
                case .notification(let notification): .notificationReceived(notification)
                case .keepalive: .keepaliveReceived
                case .routeRefresh(let refresh): .routeRefreshReceived(refresh)
                }
            } catch {
                handle(.messageError(error))
                return
            }
            handle(event)
            if case .bgpOpen = event, let negotiated = fsm.negotiated {
                context = negotiated.context
                framer.maximumMessageLength = context.maximumMessageLength
            }
        }
    }

    private func closeConnection() {
        guard let connection else { return }
        self.connection = nil
        connection.onRead = nil
        connection.onWritable = nil
        connection.onClose = nil
        owner?.session(self, isClosingConnection: connection)
        connection.close(flushing: true, flushTimeout: 2)
    }

    private func closePendingConnect() {
        pendingConnect?.close()
        pendingConnect = nil
    }
}

extension SessionTimer {
    var expiryEvent: SessionEvent {
        switch self {
        case .connectRetry: .connectRetryTimerExpires
        case .hold: .holdTimerExpires
        case .keepalive: .keepaliveTimerExpires
        case .idleHold: .idleHoldTimerExpires
        }
    }
}
