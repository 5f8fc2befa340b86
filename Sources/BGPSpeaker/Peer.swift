import BGPWire
import EventLoop
import Logging
import NetAddress

/// What a `Peer` reports to its speaker.
protocol PeerOwner: AnyObject {
    func peer(_ peer: Peer, established session: EstablishedSession)
    func peer(_ peer: Peer, wentDown session: EstablishedSession, reason: SessionDownReason)
    func peer(_ peer: Peer, received update: UpdateMessage)
    func peer(_ peer: Peer, received refresh: RouteRefreshMessage)
    func peerIsWritable(_ peer: Peer)
    func peer(_ peer: Peer, isClosingConnection connection: TCPConnection)
}

/// One configured neighbour: its main session (`primary`, which follows the FSM through restarts)
/// and, during a connection collision (RFC 4271 §6.8), a second session on the peer's incoming
/// connection until one of the two is dumped.
final class Peer: PeerSessionOwner {
    let loop: EventLoop
    let configuration: PeerConfiguration
    private let parameters: SessionParameters
    private(set) var primary: PeerSession
    private var candidate: PeerSession?
    private var logger: Logger
    weak var owner: PeerOwner?
    private var establishedAt: ContinuousClock.Instant?
    private(set) var established: EstablishedSession?
    private var establishedTransitions = 0
    /// Counters of sessions already discarded.
    private var retiredSent = MessageCounters(), retiredReceived = MessageCounters()
    private var lastError: String?

    init(loop: EventLoop, configuration: PeerConfiguration, parameters: SessionParameters, logger: Logger) {
        self.loop = loop
        self.configuration = configuration
        self.parameters = parameters
        var logger = logger
        logger[metadataKey: "peer"] = "\(configuration.address)"
        self.logger = logger
        primary = PeerSession(loop: loop, configuration: configuration, parameters: parameters, direction: .outgoing,
                              logger: logger)
        primary.owner = self
    }

    func start() {
        primary.handle(.manualStart(passive: configuration.passive))
    }

    /// Sends a Cease NOTIFICATION with `subcode` and `communication` on every open session and stops
    /// for good (RFC 4271 Event 2).
    func stop(_ subcode: CeaseSubcode, communication: String?) {
        if let candidate {
            candidate.handle(.manualStop(subcode, communication: communication))
            candidate.discard()
            retire(candidate)
            self.candidate = nil
        }
        primary.handle(.manualStop(subcode, communication: communication))
        primary.discard()
    }

    /// An incoming connection from this peer's address (RFC 4271 Event 17; §6.8 on collisions).
    func accept(_ connection: TCPConnection) {
        let primaryState = primary.state
        switch primaryState {
        case .idle where primary.fsm.isAdministrativelyDown:
            reject(connection, "peer is administratively down")
        case .idle, .active:
            primary.adopt(connection)
        case .connect, .openSent, .openConfirm:
            guard candidate == nil else { return reject(connection, "a collision is already being resolved") }
            let session = PeerSession(loop: loop, configuration: configuration, parameters: parameters,
                                      direction: .incoming, logger: logger)
            session.owner = self
            candidate = session
            logger.info("incoming connection while \(primaryState): collision candidate (RFC 4271 §6.8)")
            session.adopt(connection)
        case .established:
            reject(connection, "session already established")
        }
    }

    var pendingOutputBytes: Int { primary.pendingOutputBytes }

    func snapshot() -> PeerSnapshot {
        var sent = retiredSent, received = retiredReceived
        for session in [primary] + (candidate.map { [$0] } ?? []) {
            sent = sent.adding(session.sent)
            received = received.adding(session.received)
        }
        let negotiated = primary.fsm.negotiated
        let connection = primary.connection
        return PeerSnapshot(
            address: configuration.address, peerAS: configuration.peerAS, state: primary.state,
            previousState: primary.previousState,
            uptime: establishedAt.map { Self.seconds(ContinuousClock.now - $0) },
            peerRouterID: negotiated?.peerRouterID, negotiatedHoldTime: negotiated?.holdTime,
            families: negotiated?.families.sorted() ?? [], isInternal: configuration.peerAS == parameters.localAS,
            localAddress: connection?.localAddress, localPort: connection?.localPort, remotePort: connection?.remotePort,
            messagesSent: sent, messagesReceived: received, lastError: primary.fsm.lastError ?? lastError,
            establishedTransitions: establishedTransitions)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func reject(_ connection: TCPConnection, _ reason: String) {
        logger.info("closing incoming connection from port \(connection.remotePort): \(reason)")
        connection.close()
    }

    private func retire(_ session: PeerSession) {
        retiredSent = retiredSent.adding(session.sent)
        retiredReceived = retiredReceived.adding(session.received)
        if let error = session.fsm.lastError { lastError = error }
    }

    /// Makes the collision candidate the primary session; the old primary is dumped.
    private func promoteCandidate() {
        guard let winner = candidate else { return }
        let loser = primary
        candidate = nil
        primary = winner
        if loser.connection != nil && loser.state != .idle { loser.handle(.openCollisionDump) }
        loser.discard()
        retire(loser)
    }

    private func dump(_ session: PeerSession) {
        if session === candidate {
            candidate = nil
            session.handle(.openCollisionDump)
            session.discard()
            retire(session)
        } else {
            promoteCandidate()
        }
    }

    // MARK: PeerSessionOwner

    /// Collision detection (RFC 4271 §6.8) when an OPEN arrives on `session` and the peer has a second
    /// connection. The peer's BGP Identifier is known from this OPEN, so the other connection is
    /// examined in OpenSent as well as OpenConfirm (the RFC allows it), and the decision is made before
    /// any KEEPALIVE confirms the OPEN: both speakers then keep the same connection.
    func session(_ session: PeerSession, mayProceedWith open: OpenMessage) -> Bool {
        guard let candidate else { return true }
        let other = session === candidate ? primary : candidate
        let survivor: PeerSession
        switch other.state {
        case .established:
            survivor = other
        case .openSent, .openConfirm:
            if primary.direction == candidate.direction {
                survivor = candidate   // two connections from the peer: the newer one is the live one
            } else {
                let direction = CollisionResolution.survivor(localRouterID: parameters.routerID,
                                                             remoteRouterID: open.bgpIdentifier)
                survivor = primary.direction == direction ? primary : candidate
            }
        case .idle, .connect, .active:
            return true   // no second connection to compare with yet
        }
        logger.info("connection collision with router id \(open.bgpIdentifier): keeping the \(survivor.direction) connection (RFC 4271 §6.8)")
        guard survivor === session else { return false }   // its FSM gets OpenCollisionDump; `failed` follows
        dump(other)
        return true
    }

    func session(_ session: PeerSession, established negotiated: NegotiatedSession) {
        if session === candidate { promoteCandidate() }
        guard session === primary else { return }
        establishedAt = .now
        establishedTransitions += 1
        let local = session.connection?.localAddress ?? configuration.localAddress ?? configuration.address
        let established = EstablishedSession(peer: configuration.address, localAddress: local, negotiated: negotiated)
        self.established = established
        logger.info("established: AS \(negotiated.peerAS), router id \(negotiated.peerRouterID), hold time \(negotiated.holdTime) s, families \(negotiated.families.sorted().map(\.description).joined(separator: " "))")
        owner?.peer(self, established: established)
    }

    func session(_ session: PeerSession, wentDown reason: SessionDownReason) {
        guard session === primary, let ended = established else { return }
        establishedAt = nil
        established = nil
        logger.warning("session down: \(reason)")
        owner?.peer(self, wentDown: ended, reason: reason)
    }

    func session(_ session: PeerSession, failed reason: String) {
        if session === candidate {
            logger.info("collision candidate closed: \(reason)")
            candidate = nil
            session.discard()
            retire(session)
        } else if session === primary {
            if candidate != nil {
                logger.info("connection closed: \(reason); continuing on the peer's connection")
                promoteCandidate()
            } else {
                logger.info("connection closed in \(session.previousState): \(reason)")
            }
        }
    }

    func session(_ session: PeerSession, received update: UpdateMessage) {
        guard session === primary else { return }
        owner?.peer(self, received: update)
    }

    func session(_ session: PeerSession, received refresh: RouteRefreshMessage) {
        guard session === primary else { return }
        owner?.peer(self, received: refresh)
    }

    func sessionIsWritable(_ session: PeerSession) {
        guard session === primary, session.state == .established else { return }
        owner?.peerIsWritable(self)
    }

    func session(_ session: PeerSession, isClosingConnection connection: TCPConnection) {
        owner?.peer(self, isClosingConnection: connection)
    }
}

extension MessageCounters {
    func adding(_ other: MessageCounters) -> MessageCounters {
        var sum = self
        sum.opens += other.opens
        sum.updates += other.updates
        sum.notifications += other.notifications
        sum.keepalives += other.keepalives
        sum.routeRefreshes += other.routeRefreshes
        return sum
    }
}
