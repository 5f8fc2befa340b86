import BGPWire
import Dataplane
import Logging
import NetAddress

/// The EVPN control plane of one node: RIB, MAC-VRFs, route-target constraint, MAC mobility and
/// (optionally) route reflection. A pure, single-threaded core: the daemon calls it from its event
/// loop with local events (`attach`, `detach`, `handle(_:)`) and BGP events (`peerUp`, `receive`,
/// `peerDown`, `routeRefresh`, `dropStaleRoutes`); each call ends by handing what it decided to `output`: dataplane
/// intents, then UPDATEs per peer. It does no I/O and keeps no clock.
///
/// Not thread-safe: confine it to one queue.
public final class EVPNRouter {
    public let configuration: EVPNRouterConfiguration
    public var output: (any EVPNOutput)?
    /// Monotonic seconds, for MAC mobility only (duplicate detection, catch-up windows); tests
    /// replace it with a fake clock.
    public var now: () -> Double
    let logger: Logger

    // The RIB.
    var evpnTable = EntryTable<EVPNRouteKey>()
    var membershipTable = EntryTable<RouteTargetMembership>()
    var interner = AttributeInterner()

    // Peers: established ones by address; every source (departing ones until their paths are gone).
    var peers: [IPAddress: PeerState] = [:] { didSet { sortedPeers = nil } }
    /// `establishedPeers`, computed again only after a peer came or went.
    private var sortedPeers: [PeerState]?
    var sources: [UInt32: PeerState] = [:]
    /// Ended sessions whose routes graceful restart keeps as stale, by peer address (RFC 4724 §4.2).
    var stalePeers: [IPAddress: PeerState] = [:]
    private var freeSourceIDs: [UInt32] = []
    private var nextSourceID: UInt32 = 1
    /// Ever had an eBGP peer: then iBGP peers may be sent routes learned from other peers.
    var hasHadExternalPeer = false

    // Instances.
    var instances: [String: MACVRF] = [:]
    var instancesByVNI: [UInt32: MACVRF] = [:]
    /// Import route target → instances importing it: import is O(route targets of a route).
    var importers: [RouteTarget: [MACVRF]] = [:]
    /// Import route target → number of local instances importing it (RFC 4684 membership).
    var localMemberships: [RouteTarget: Int] = [:]
    var vniAllocator: IdentifierAllocator
    var rdAllocator = IdentifierAllocator(range: 0...65535)
    var vteps = VTEPTable()

    // Outputs of the current call.
    var pendingIntents: [DataplaneIntent] = []
    var pendingSequences: [MACSequence] = []

    /// Recent warnings for the looking glass (newest last, at most 100) and their total count.
    public private(set) var recentWarnings: [String] = []
    public private(set) var warningCount = 0

    let policy: ExportPolicy
    lazy var decision = DecisionProcess(localAS: configuration.localAS,
                                        defaultLocalPreference: configuration.defaultLocalPreference,
                                        facts: { [unowned self] in self.facts(of: $0) })

    public init(configuration: EVPNRouterConfiguration, output: (any EVPNOutput)? = nil,
                logger: Logger = Logger(label: "swift-bagpipe.evpn")) {
        self.configuration = configuration
        self.output = output
        self.logger = logger
        let origin = ContinuousClock.now
        now = {
            let elapsed = ContinuousClock.now - origin
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        vniAllocator = IdentifierAllocator(range: configuration.allocatedVNIs)
        policy = ExportPolicy(localAS: configuration.localAS, defaultLocalPreference: configuration.defaultLocalPreference,
                              clusterID: configuration.routeReflectorClusterID)
    }

    var isRouteReflector: Bool { configuration.routeReflectorClusterID != nil }

    /// The administrator of our route distinguishers (type 1 needs an IPv4 address).
    var routeDistinguisherAdministrator: IPv4Address {
        if case .v4(let address) = configuration.bgpLocalAddress { return address }
        return configuration.routerID
    }

    func warn(_ message: String) {
        logger.warning("\(message)")
        warningCount += 1
        recentWarnings.append(message)
        if recentWarnings.count > 100 { recentWarnings.removeFirst() }
    }

    // MARK: Sources

    func facts(of source: SourceID) -> SourceFacts {
        guard let peer = peer(of: source) else {
            return SourceFacts(isLocal: true, isExternal: false, routerID: configuration.routerID,
                               address: configuration.bgpLocalAddress)
        }
        return SourceFacts(isLocal: false, isExternal: peer.isExternal, routerID: peer.routerID, address: peer.address,
                           isStale: !peer.staleFamilies.isEmpty)
    }

    func peer(of source: SourceID) -> PeerState? {
        source.isLocal ? nil : sources[source.rawValue]
    }

    func allocateSource() -> SourceID {
        if let reused = freeSourceIDs.popLast() { return SourceID(rawValue: reused) }
        defer { nextSourceID += 1 }
        return SourceID(rawValue: nextSourceID)
    }

    func releaseSource(_ source: SourceID) {
        sources[source.rawValue] = nil
        freeSourceIDs.append(source.rawValue)
    }

    /// Established peers in address order (deterministic output order).
    var establishedPeers: [PeerState] {
        if let sortedPeers { return sortedPeers }
        let sorted = peers.values.sorted { $0.address < $1.address }
        sortedPeers = sorted
        return sorted
    }

    // MARK: Changing a route

    /// Applies `mutate` to the paths of an EVPN route, runs the decision process, and when the
    /// best path changed tells peers (export) and instances (import) about it.
    func update(_ entry: EVPNEntry, _ mutate: (inout PathList) -> Void) {
        let old = entry.paths.best
        mutate(&entry.paths)
        entry.paths.select(decision.best(of:))
        let new = entry.paths.best
        if entry.paths.isEmpty { evpnTable.remove(entry.key) }
        if Self.same(old, new) { return }
        for peer in peers.values {
            exportChange(of: entry, from: old, to: new, peer: peer)
        }
        importChange(of: entry, from: old, to: new)
    }

    static func same(_ lhs: Path?, _ rhs: Path?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): true
        case (let lhs?, let rhs?): lhs.isSame(as: rhs)
        default: false
        }
    }

    /// Sets (or with nil removes) our own path for an EVPN route.
    func originate(_ key: EVPNRouteKey, _ path: Path?) {
        if let path {
            let entry = evpnTable.findOrInsert(key)
            if let current = entry.paths.path(from: .local), current.isSame(as: path) { return }
            update(entry) { $0.upsert(path) }
        } else if let entry = evpnTable.find(key), entry.paths.path(from: .local) != nil {
            update(entry) { $0.remove(source: .local) }
        }
    }

    // MARK: Flushing outputs

    /// Hands the sequence numbers, intents and UPDATEs decided during this call to `output`.
    func flush() {
        if !pendingSequences.isEmpty {
            let sequences = pendingSequences
            pendingSequences = []
            output?.sequencesChanged(sequences)
        }
        if !pendingIntents.isEmpty {
            let intents = pendingIntents
            pendingIntents = []
            output?.apply(intents)
        }
        for peer in establishedPeers {
            while !peer.isOutputPaused, !peer.outbox.isEmpty || !peer.pendingEndOfRIB.isEmpty {
                let updates = drainOutbox(of: peer, limit: max(configuration.outboxChunk, 1))
                if !updates.isEmpty { output?.send(updates, to: peer.address) }
            }
        }
    }

    /// Stops handing route updates to `peer` (its session's write queue is full, RFC 4271 §9.2
    /// leaves pacing to the implementation); what changes meanwhile waits, coalesced, in its outbox.
    public func pauseOutput(to peer: IPAddress) {
        if let state = peers[peer] { state.isOutputPaused = true }
    }

    /// Hands `peer` what waited in its outbox, chunk by chunk until paused again.
    public func resumeOutput(to peer: IPAddress) {
        guard let state = peers[peer], state.isOutputPaused else { return }
        state.isOutputPaused = false
        flush()
    }
}
