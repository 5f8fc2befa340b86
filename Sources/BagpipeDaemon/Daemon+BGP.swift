import BGPSpeaker
import Dispatch
import BGPWire
import Dataplane
import EVPN
import LinuxDataplane
import NetAddress

/// Sessions → EVPN router: what the speaker learns goes to the RIB.
extension Daemon: BGPSpeakerDelegate {
    public func sessionEstablished(_ session: EstablishedSession) {
        let client = configuration.peers.first { $0.address == session.peer }?.routeReflectorClient ?? false
        settledWithoutEndOfRIB[session.peer] = session.negotiated.peerGracefulRestart == nil
            ? DispatchTime.now() + Self.settleTimeWithoutEndOfRIB : nil
        router.peerUp(session.peer, routerID: session.peerRouterID, families: session.families,
                      peerAS: session.peerAS, isRouteReflectorClient: client)
    }

    public func sessionDown(peer: IPAddress, reason: String) {
        // While stopping, the kernel keeps what it has: the other nodes have been told to forget
        // us, and a restart adopts the devices and entries (then sweeps what became stale).
        guard !shuttingDown else { return }
        settledWithoutEndOfRIB[peer] = nil
        router.peerDown(peer)
    }

    public func received(_ update: UpdateMessage, from peer: IPAddress) {
        router.receive(update, from: peer)
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
    }

    public func apply(_ intents: [DataplaneIntent]) {
        dataplane.submit(intents)
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
