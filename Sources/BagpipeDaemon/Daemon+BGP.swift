import BGPSpeaker
import Dispatch
import BGPWire
import Dataplane
import EVPN
import EventLoop
import LinuxDataplane
import NetAddress

/// Sessions → EVPN router: what the speaker learns goes to the RIB.
extension Daemon: BGPSpeakerDelegate {
    public func sessionEstablished(_ session: EstablishedSession) {
        let client = configuration.peers.first { $0.address == session.peer }?.routeReflectorClient ?? false
        settledWithoutEndOfRIB[session.peer] = session.negotiated.peerGracefulRestart == nil
            ? DispatchTime.now() + Self.settleTimeWithoutEndOfRIB : nil
        router.peerUp(session.peer, routerID: session.peerRouterID, families: session.families,
                      peerAS: session.peerAS, isRouteReflectorClient: client,
                      preservedFamilies: session.negotiated.familiesWithPreservedForwardingState)
        if router.staleRouteCount(of: session.peer) > 0 {
            scheduleStaleRouteDeadline(session.peer, after: Self.stalePathTime, "no End-of-RIB within \(Int(Self.stalePathTime)) s")
        } else {
            staleRouteTimers.removeValue(forKey: session.peer)?.cancel()
        }
    }

    /// Routes of the families graceful restart covers stay, stale, for the peer's restart time
    /// (RFC 4724 §4.2); the others are withdrawn.
    public func sessionDown(_ session: EstablishedSession, reason: SessionDownReason) {
        // While stopping, the kernel keeps what it has: the other nodes have been told to forget
        // us, and a restart adopts the devices and entries (then sweeps what became stale).
        guard !shuttingDown else { return }
        let peer = session.peer
        settledWithoutEndOfRIB[peer] = nil
        staleRouteTimers.removeValue(forKey: peer)?.cancel()
        let kept = router.peerDown(peer, retaining: session.negotiated.familiesRetained(after: reason))
        guard kept > 0 else { return }
        let seconds = session.negotiated.peerRestartTime
        logger.notice("keeping \(kept) routes of peer \(peer) as stale for \(Int(seconds)) s (graceful restart)")
        scheduleStaleRouteDeadline(peer, after: seconds, "not back within its restart time of \(Int(seconds)) s")
    }

    /// After `seconds`, the stale routes still held from `peer` are deleted (RFC 4724 §4.2: restart
    /// timer, or the stale-path timer bounding the wait for End-of-RIB).
    private func scheduleStaleRouteDeadline(_ peer: IPAddress, after seconds: Double, _ why: String) {
        staleRouteTimers[peer]?.cancel()
        staleRouteTimers[peer] = loop.scheduleTimer(after: seconds) { [unowned self] in
            staleRouteTimers[peer] = nil
            guard !shuttingDown else { return }
            let count = router.dropStaleRoutes(of: peer)
            if count > 0 { logger.notice("deleted \(count) stale routes of peer \(peer): \(why) (graceful restart)") }
        }
    }

    /// SIGHUP removed peers: their stale routes go at once.
    func dropStaleRoutesOfRemovedPeers() {
        for peer in staleRouteTimers.keys where !configuration.peers.contains(where: { $0.address == peer }) {
            staleRouteTimers.removeValue(forKey: peer)?.cancel()
            let count = router.dropStaleRoutes(of: peer)
            if count > 0 { logger.notice("deleted \(count) stale routes of peer \(peer): removed from the configuration") }
        }
    }

    /// How long stale routes wait for the peer's End-of-RIB once its session is back (the
    /// "stale-path" timer RFC 4724 §4.2 allows).
    static let stalePathTime: Double = 360

    public func received(_ update: UpdateMessage, from peer: IPAddress) {
        router.receive(update, from: peer)
    }

    public func readyForMoreUpdates(to peer: IPAddress) {
        router.resumeOutput(to: peer)
    }

    public func receivedRouteRefresh(_ family: AddressFamily, from peer: IPAddress) {
        router.routeRefresh(family, from: peer)
    }
}

/// EVPN router → sessions and dataplane: what the RIB decided is encoded per session and sent,
/// and dataplane intents go to the dataplane queue.
extension Daemon: EVPNOutput {
    public func send(_ updates: [RouteUpdate], to peer: IPAddress) {
        guard let session = speaker.establishedSession(with: peer) else { return }
        var bytes: [UInt8] = []
        var count = 0
        for update in updates {
            for message in update.encoded(context: session.context) {
                bytes += message
                count += 1
            }
        }
        if count > 0 { _ = speaker.send(encoded: bytes, updateCount: count, to: peer) }
        // A slow peer gets the rest when its queue has drained (`readyForMoreUpdates`): memory
        // stays bounded by the RIB, and a route that changes meanwhile is sent once.
        if speaker.pendingOutputBytes(to: peer) > Self.outputHighWaterMark { router.pauseOutput(to: peer) }
    }

    /// Bytes queued to a peer above which the router stops handing it UPDATEs.
    static let outputHighWaterMark = 4 << 20

    public func apply(_ intents: [DataplaneIntent]) {
        dataplane.submit(intents)
    }

    /// Kept in the state file, so that a restart advertises the attached MACs with the sequence
    /// numbers they reached (RFC 7432 §15).
    public func sequencesChanged(_ sequences: [MACSequence]) {
        for change in sequences {
            attachmentStore?.sequenceChanged(instanceID: change.instanceID, mac: change.mac, to: change.sequence)
        }
    }
}

extension LinuxVXLANDriver: LocalMACSource {
    func setLocalMACHandler(_ handler: @escaping @Sendable (LocalMACEvent) -> Void) {
        onLocalMAC = handler
    }

    func setLocalMACWarningHandler(_ handler: @escaping @Sendable (String) -> Void) {
        onLocalMACWarning = handler
    }
}
