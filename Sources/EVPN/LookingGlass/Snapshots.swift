import BGPWire
import NetAddress

/// Where a path came from.
public enum RouteSource: Hashable, Sendable, CustomStringConvertible {
    case local
    case peer(IPAddress)

    public var description: String {
        switch self {
        case .local: "local"
        case .peer(let address): address.description
        }
    }
}

/// One path of one route, as the looking glass shows it.
public struct RouteSnapshot: Hashable, Sendable {
    public var family: AddressFamily
    /// The NLRI as it would be sent (labels included).
    public var nlri: NLRI
    public var nextHop: IPAddress?
    /// The path attributes (without MP_REACH/MP_UNREACH).
    public var attributes: PathAttributes
    public var source: RouteSource
    /// The best path of its route (the one used and advertised).
    public var isBest: Bool
    /// Instances that import it (best EVPN paths only).
    public var importedBy: [String]
    /// Why a best EVPN type-2/3 path is imported by no instance, when an import target matches
    /// but something else (encapsulation, PMSI, own VTEP) stops it.
    public var notImportedBecause: String?
    /// Kept from a peer's ended session by graceful restart (RFC 4724 §4.2).
    public var isStale = false
}

/// An established peer.
public struct PeerSnapshot: Hashable, Sendable {
    public var address: IPAddress
    public var routerID: IPv4Address
    public var peerAS: UInt32
    public var isExternal: Bool
    public var isRouteReflectorClient: Bool
    /// Negotiated families this router handles.
    public var families: [AddressFamily]
    /// Route-target constraint in force towards the peer (RFC 4684).
    public var constrainsRouteTargets: Bool
    /// RT membership routes the peer announced (what it asked us for).
    public var requestedMemberships: [RouteTargetMembership]
    /// Paths held from the peer, per family.
    public var receivedRoutes: [AddressFamily: Int]
    public var receivedUpdates: Int
    public var receivedEndOfRIB: [AddressFamily]
    public var sentEndOfRIB: [AddressFamily]
}

/// A local endpoint (attached, or learned by the dataplane).
public struct EndpointSnapshot: Hashable, Sendable {
    public var mac: MACAddress
    /// nil for the MAC-only endpoint.
    public var ip: IPPrefix?
    public var localPort: String
    public var localPreference: UInt32?
    public var description: String?
    public var isLearned: Bool
    /// Our MAC mobility sequence number for the MAC (RFC 7432 §15).
    public var macMobilitySequence: UInt32
    /// False while a remote route for the MAC wins over ours, or while it is a detected duplicate.
    public var isAdvertised: Bool
    /// The MAC moved too often (RFC 7432 §15.1): not advertised until detached and attached again.
    public var isDuplicate: Bool
}

/// What the dataplane was told about a remote MAC.
public struct RemoteMACSnapshot: Hashable, Sendable {
    public var mac: MACAddress
    public var vtep: IPAddress
    public var vni: UInt32
}

/// A remote neighbour entry (IP → MAC).
public struct NeighbourSnapshot: Hashable, Sendable {
    public var ip: IPAddress
    public var mac: MACAddress
}

/// A flood-list entry (ingress replication towards a remote VTEP).
public struct FloodEntrySnapshot: Hashable, Sendable {
    public var vtep: IPAddress
    public var vni: UInt32
}

/// One EVPN instance with its local and remote routes.
public struct InstanceSnapshot: Hashable, Sendable {
    public var externalID: String
    public var vni: UInt32
    public var isVNIPinned: Bool
    public var routeDistinguisher: RouteDistinguisher
    public var importRouteTargets: [RouteTarget]
    public var exportRouteTargets: [RouteTarget]
    public var linuxBridge: String?
    public var description: String?
    public var endpoints: [EndpointSnapshot]
    /// Routes this instance originates (type 3, type 2 per endpoint).
    public var localRoutes: [RouteSnapshot]
    /// Remote routes imported (their best paths).
    public var remoteRoutes: [RouteSnapshot]
    public var remoteMACs: [RemoteMACSnapshot]
    public var neighbours: [NeighbourSnapshot]
    public var floodList: [FloodEntrySnapshot]
    /// Learned MACs ignored for exceeding the per-port bounds (`LearnedMACPolicy`).
    public var ignoredLearnedMACs: Int
    /// Remote claims on our MACs may still be taken as older than our attachments: the routes of
    /// targets it started importing are coming in (MAC mobility catch-up, docs/evpn.md).
    public var isCatchingUp: Bool
}

/// Counters for the looking-glass summary.
public struct RouterSummary: Hashable, Sendable {
    public var establishedPeers: Int
    public var instances: Int
    /// Routes we originate (EVPN and RT membership).
    public var localRoutes: Int
    /// Paths received from peers (all families).
    public var receivedRoutes: Int
    public var warnings: Int
}
