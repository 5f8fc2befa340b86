import BGPWire
import EventLoop
import Logging
import NetAddress

/// The BGP sessions of this node: connects to each configured peer and accepts their connections
/// (only theirs), runs one FSM per connection, and carries UPDATEs between the peers and the RIB
/// (the delegate). Everything runs on `loop`; call every method there.
public final class BGPSpeaker: PeerOwner {
    public let loop: EventLoop
    public let configuration: SpeakerConfiguration
    public weak var delegate: BGPSpeakerDelegate?
    private var logger: Logger
    private var peers: [IPAddress: Peer] = [:]
    private var listener: TCPListener?
    /// Connections closing after a final NOTIFICATION (flushed before the descriptor is closed).
    private var closingConnections: Set<ObjectIdentifier> = []
    private var shutdownCompletion: (() -> Void)?
    private var isShutDown = false

    public init(loop: EventLoop, configuration: SpeakerConfiguration, delegate: BGPSpeakerDelegate?, logger: Logger) {
        self.loop = loop
        self.configuration = configuration
        self.delegate = delegate
        self.logger = logger
    }

    /// The port the speaker listens on (useful with `listenPort` 0), nil when not listening.
    public var listeningPort: UInt16? { listener?.localPort }

    /// Opens the listening socket (if `listenPort` is set) and starts the configured peers.
    public func start(peers initialPeers: [PeerConfiguration] = []) throws {
        loop.preconditionOnLoop()
        if let port = configuration.listenPort {
            listener = try TCPListener(loop: loop, address: configuration.listenAddress, port: port) { [weak self] connection in
                self?.accept(connection)
            }
            logger.info("listening on \(configuration.listenAddress.map(\.description) ?? "*") port \(listener!.localPort)")
        }
        try setPeers(initialPeers)
    }

    /// Applies a new peer list (SIGHUP reload): removed peers get Cease / Peer De-configured, changed
    /// ones Cease / Other Configuration Change and start again with the new settings, new ones start.
    /// Throws when the listening socket refuses an MD5 key or TTL setting; the peer list is applied anyway.
    public func setPeers(_ configurations: [PeerConfiguration]) throws {
        loop.preconditionOnLoop()
        let wanted = Dictionary(configurations.map { ($0.address, $0) }, uniquingKeysWith: { _, last in last })
        for (address, peer) in peers where wanted[address] != peer.configuration {
            let subcode: CeaseSubcode = wanted[address] == nil ? .peerDeconfigured : .otherConfigurationChange
            peer.stop(subcode, communication: nil)   // reports sessionDown if it was established
            peers[address] = nil
            try? listener?.setMD5Key(nil, for: address)
        }
        var firstError: Error?
        for (address, configuration) in wanted.sorted(by: { $0.key < $1.key }) where peers[address] == nil {
            do {
                if let key = configuration.md5Key { try listener?.setMD5Key(key, for: address) }
            } catch {
                logger.error("peer \(address): cannot install the TCP MD5 key on the listening socket: \(error)")
                firstError = firstError ?? error
            }
            let peer = Peer(loop: loop, configuration: configuration,
                            parameters: self.configuration.sessionParameters(for: configuration), logger: logger)
            peer.owner = self
            peers[address] = peer
            if !isShutDown { peer.start() }
        }
        do {
            // GTSM on the listener: only when every peer uses it (the strictest common minimum).
            let minimums = wanted.values.map(\.minimumTTL)
            let listenerMinimum = minimums.contains(where: { $0 == nil }) ? nil : minimums.compactMap { $0 }.min()
            try listener?.setMinimumTTL(listenerMinimum)
            // Our SYN-ACK must reach GTSM peers with TTL 255; others do not mind.
            if minimums.contains(where: { $0 != nil }) { try listener?.setTTL(255) }
        } catch {
            logger.error("cannot set the minimum TTL on the listening socket: \(error)")
            firstError = firstError ?? error
        }
        if let firstError { throw firstError }
    }

    /// Encodes `updates` with the session's `CodecContext` and sends them to `peer`, as they are:
    /// the attribute rules of iBGP, eBGP and route reflection (RFC 4271 §5.1, RFC 4456) belong to
    /// the RIB that chose the routes (EVPN's `ExportPolicy`). Returns false when the session is not
    /// established (nothing is sent).
    @discardableResult
    public func send(_ updates: [UpdateMessage], to peer: IPAddress) -> Bool {
        loop.preconditionOnLoop()
        guard let target = peers[peer], let session = target.established else { return false }
        var bytes: [UInt8] = []
        for update in updates {
            bytes += BGPMessage.update(update).encoded(context: session.context)
        }
        return target.primary.write(encoded: bytes, updateCount: updates.count)
    }

    /// Sends UPDATE messages already encoded for this session (its `CodecContext`): the path for
    /// bulk transfers. `updateCount` is for the counters.
    @discardableResult
    public func send(encoded bytes: [UInt8], updateCount: Int, to peer: IPAddress) -> Bool {
        loop.preconditionOnLoop()
        return peers[peer]?.primary.write(encoded: bytes, updateCount: updateCount) ?? false
    }

    /// Sends the End-of-RIB marker for `family` (RFC 4724 §2).
    @discardableResult
    public func sendEndOfRIB(_ family: AddressFamily, to peer: IPAddress) -> Bool {
        send([UpdateMessage.endOfRIB(family)], to: peer)
    }

    /// Asks `peer` to send its routes of `family` again (RFC 2918). False when the session is not
    /// established, the family was not negotiated, or the peer does not support route refresh.
    @discardableResult
    public func requestRouteRefresh(_ family: AddressFamily, from peer: IPAddress) -> Bool {
        loop.preconditionOnLoop()
        guard let target = peers[peer], let session = target.established, session.families.contains(family),
              session.negotiated.peerSupportsRouteRefresh else { return false }
        target.primary.send(.routeRefresh(RouteRefreshMessage(family: family)))
        return true
    }

    /// Bytes queued to `peer` that the kernel has not taken yet: a bulk sender pauses above some
    /// threshold and resumes on `BGPSpeakerDelegate.readyForMoreUpdates(to:)`.
    public func pendingOutputBytes(to peer: IPAddress) -> Int {
        loop.preconditionOnLoop()
        return peers[peer]?.pendingOutputBytes ?? 0
    }

    /// The established session with `peer`, if any.
    public func establishedSession(with peer: IPAddress) -> EstablishedSession? {
        loop.preconditionOnLoop()
        return peers[peer]?.established
    }

    /// Every peer's state for the looking glass, ordered by address.
    public var peerSnapshots: [PeerSnapshot] {
        loop.preconditionOnLoop()
        return peers.keys.sorted().map { peers[$0]!.snapshot() }
    }

    /// Stops listening, sends Cease / Administrative Shutdown with `communication` (RFC 8203) on every
    /// session that has a connection, lets those NOTIFICATIONs drain (at most 2 s per connection),
    /// closes everything, then calls `completion` on the loop. Peers are kept (see `peerSnapshots`)
    /// but never restart.
    public func shutdown(communication: String, completion: @escaping () -> Void) {
        loop.preconditionOnLoop()
        isShutDown = true
        listener?.close()
        listener = nil
        shutdownCompletion = completion
        for peer in peers.values { peer.stop(.administrativeShutdown, communication: communication) }
        finishShutdownIfDrained()
    }

    private func finishShutdownIfDrained() {
        guard closingConnections.isEmpty, let completion = shutdownCompletion else { return }
        shutdownCompletion = nil
        logger.info("BGP speaker shut down")
        completion()
    }

    private func accept(_ connection: TCPConnection) {
        guard let peer = peers[connection.remoteAddress], !isShutDown else {
            logger.warning("closing connection from \(connection.remoteAddress) port \(connection.remotePort): not a configured peer")
            return connection.close()
        }
        if let minimumTTL = peer.configuration.minimumTTL {
            do {
                try connection.setTTL(255)
                try connection.setMinimumTTL(minimumTTL)
            } catch {
                logger.error("peer \(connection.remoteAddress): cannot set GTSM on the accepted connection: \(error)")
                return connection.close()
            }
        }
        peer.accept(connection)
    }

    // MARK: PeerOwner

    func peer(_ peer: Peer, established session: EstablishedSession) {
        delegate?.sessionEstablished(session)
    }

    func peer(_ peer: Peer, wentDown session: EstablishedSession, reason: SessionDownReason) {
        delegate?.sessionDown(session, reason: reason)
    }

    func peer(_ peer: Peer, received update: UpdateMessage) {
        delegate?.received(update, from: peer.configuration.address)
    }

    func peer(_ peer: Peer, received refresh: RouteRefreshMessage) {
        let address = peer.configuration.address
        guard peer.established?.families.contains(refresh.family) == true else {
            logger.info("peer \(address): ignoring ROUTE-REFRESH for unnegotiated family \(refresh.family)")
            return
        }
        switch refresh.subtype {
        case 0: delegate?.receivedRouteRefresh(refresh.family, from: address)
        case 1: delegate?.receivedRouteRefreshDemarcation(refresh.family, beginning: true, from: address)
        case 2: delegate?.receivedRouteRefreshDemarcation(refresh.family, beginning: false, from: address)
        default: logger.info("peer \(address): ignoring ROUTE-REFRESH subtype \(refresh.subtype)")
        }
    }

    func peerIsWritable(_ peer: Peer) {
        delegate?.readyForMoreUpdates(to: peer.configuration.address)
    }

    func peer(_ peer: Peer, isClosingConnection connection: TCPConnection) {
        let id = ObjectIdentifier(connection)
        closingConnections.insert(id)
        connection.onClose = { [weak self] _ in
            guard let self else { return }
            closingConnections.remove(id)
            finishShutdownIfDrained()
        }
    }
}
