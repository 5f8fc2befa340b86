import BGPWire
import Collections
import NetAddress

/// What a route is, for the outbox: its family and key.
enum OutboundKey: Hashable, Sendable {
    case evpn(EVPNRouteKey)
    case membership(RouteTargetMembership)

    var family: AddressFamily {
        switch self {
        case .evpn: .l2vpnEVPN
        case .membership: .routeTargetConstraint
        }
    }
}

/// What to tell a peer about one route at the next flush; a later action on the same route
/// replaces an earlier one, so only the final state of each event is sent.
enum OutboundAction: Sendable {
    case announce(Path)
    case withdraw(NLRI)
}

/// One established BGP session as the router sees it.
final class PeerState {
    let address: IPAddress
    let source: SourceID
    let routerID: IPv4Address
    let peerAS: UInt32
    let isExternal: Bool
    let isRouteReflectorClient: Bool
    /// Families negotiated with the peer that this router handles.
    let families: Set<AddressFamily>
    /// RFC 4684 route-target constraint is in force towards this peer.
    let constrainsRouteTargets: Bool

    /// Route targets the peer asked for (only meaningful when `constrainsRouteTargets`).
    var filter = RouteTargetFilter()
    var receivedEndOfRIB: Set<AddressFamily> = []
    var sentEndOfRIB: Set<AddressFamily> = []
    /// Routes (paths) currently held from this peer, per family.
    var receivedRouteCounts: [AddressFamily: Int] = [:]
    /// UPDATE messages received from the peer (for tests and the looking glass).
    var receivedUpdateCount = 0
    /// Set when the session ended and graceful restart keeps its routes of these families, marked
    /// stale, until the peer is back and sends End-of-RIB, or a timer runs out (RFC 4724 §4.2).
    var staleFamilies: Set<AddressFamily> = []

    var outbox = OrderedDictionary<OutboundKey, OutboundAction>()
    var pendingEndOfRIB: [AddressFamily] = []
    /// Set while the session's write queue is full: the outbox is not drained.
    var isOutputPaused = false

    init(address: IPAddress, source: SourceID, routerID: IPv4Address, peerAS: UInt32, localAS: UInt32,
         isRouteReflectorClient: Bool, families: Set<AddressFamily>, constrainsRouteTargets: Bool) {
        self.address = address
        self.source = source
        self.routerID = routerID
        self.peerAS = peerAS
        self.isExternal = peerAS != localAS
        self.isRouteReflectorClient = isRouteReflectorClient
        self.families = families
        self.constrainsRouteTargets = constrainsRouteTargets
    }

    func enqueue(_ action: OutboundAction, for key: OutboundKey) {
        outbox[key] = action
    }
}
