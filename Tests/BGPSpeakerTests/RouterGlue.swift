import BGPSpeaker
import BGPWire
import Dataplane
import EVPN
import NetAddress

/// An EVPN router behind a test speaker, joined as the daemon joins them (Daemon+BGP.swift):
/// sessions and UPDATEs go to the router, graceful restart decided from the negotiated session;
/// the router's UPDATEs are encoded per session and sent; dataplane intents are recorded.
/// Loop-confined.
final class RouterGlue: BGPSpeakerDelegate, EVPNOutput, @unchecked Sendable {
    let router: EVPNRouter
    weak var speaker: BGPSpeaker?
    private(set) var intents: [DataplaneIntent] = []

    init(configuration: EVPNRouterConfiguration) {
        router = EVPNRouter(configuration: configuration)
        router.output = self
    }

    func sessionEstablished(_ session: EstablishedSession) {
        router.peerUp(session.peer, routerID: session.peerRouterID, families: session.families, peerAS: session.peerAS,
                      preservedFamilies: session.negotiated.familiesWithPreservedForwardingState)
    }

    func sessionDown(_ session: EstablishedSession, reason: SessionDownReason) {
        router.peerDown(session.peer, retaining: session.negotiated.familiesRetained(after: reason))
    }

    func received(_ update: UpdateMessage, from peer: IPAddress) {
        router.receive(update, from: peer)
    }

    func receivedRouteRefresh(_ family: AddressFamily, from peer: IPAddress) {
        router.routeRefresh(family, from: peer)
    }

    func send(_ updates: [RouteUpdate], to peer: IPAddress) {
        guard let speaker, let session = speaker.establishedSession(with: peer) else { return }
        let messages = updates.flatMap { $0.encoded(context: session.context) }
        speaker.send(encoded: messages.flatMap { $0 }, updateCount: messages.count, to: peer)
    }

    func apply(_ intents: [DataplaneIntent]) {
        self.intents += intents
    }
}
