import BGPWire
import NetAddress

/// Graceful restart, receiving speaker (RFC 4724 §4.2): the routes of a peer whose session ended
/// are kept, marked stale, while it restarts. The stale paths stay under the ended session's
/// source (a `PeerState` no longer established), so a new session's paths sit beside them until
/// they replace them; the decision process prefers any other path over a stale one. The router
/// keeps no clock: the caller runs the restart and stale-path timers and calls `dropStaleRoutes`.
extension EVPNRouter {
    /// Routes still held, marked stale, from `address`'s ended session.
    public func staleRouteCount(of address: IPAddress) -> Int {
        stalePeers[address]?.receivedRouteCounts.values.reduce(0, +) ?? 0
    }

    /// Deletes every stale route of `address` (restart timer or stale-path timer expired, peer
    /// removed). Returns how many were deleted.
    @discardableResult
    public func dropStaleRoutes(of address: IPAddress) -> Int {
        defer { flush() }
        guard let stale = stalePeers[address] else { return 0 }
        return dropStale(stale, families: stale.staleFamilies)
    }

    /// Ends `peer`'s session keeping its routes of `families` as stale; its other routes are withdrawn.
    /// Returns how many routes are kept.
    func keepStale(_ peer: PeerState, families: Set<AddressFamily>) -> Int {
        peers[peer.address] = nil
        peer.outbox.removeAll()
        peer.pendingEndOfRIB.removeAll()
        peer.staleFamilies = families
        stalePeers[peer.address] = peer
        // Every other path of the session goes, in both tables: also those it holds without having
        // negotiated the family (a reflector's stand-in default membership for a client without rtc).
        for family in Self.ribFamilies.subtracting(families) {
            removePaths(of: peer.source, family: family)
            peer.receivedRouteCounts[family] = nil
        }
        // Chosen again: a stale path now loses against any other.
        if families.contains(.routeTargetConstraint) {
            for entry in membershipTable.entries where entry.paths.path(from: peer.source) != nil {
                updateMembership(entry) { _ in }
            }
        }
        if families.contains(.l2vpnEVPN) {
            for entry in evpnTable.entries where entry.paths.path(from: peer.source) != nil {
                update(entry) { _ in }
            }
        }
        let kept = peer.receivedRouteCounts.values.reduce(0, +)
        if kept == 0 { dropStale(peer, families: families) }
        return kept
    }

    /// A new session with a peer whose previous one left stale routes: those of the families whose
    /// forwarding state the peer did not preserve (no graceful restart, family missing, F bit clear)
    /// are deleted at once; the others wait for End-of-RIB (RFC 4724 §4.2).
    func resumeStale(of address: IPAddress, preservedFamilies: Set<AddressFamily>) {
        guard let stale = stalePeers[address] else { return }
        let dropped = stale.staleFamilies.subtracting(preservedFamilies)
        guard !dropped.isEmpty else { return }
        let count = dropStale(stale, families: dropped)
        logger.notice("peer \(address) is back without preserved forwarding state for \(Self.names(dropped)): deleted \(count) stale route(s)")
    }

    /// End-of-RIB for `family` from the new session: stale routes not announced again are deleted.
    func endOfRIBEndsStale(of address: IPAddress, family: AddressFamily) {
        guard let stale = stalePeers[address], stale.staleFamilies.contains(family) else { return }
        let count = dropStale(stale, families: [family])
        logger.notice("End-of-RIB \(family) from \(address): deleted \(count) stale route(s) not announced again (graceful restart)")
    }

    /// The source of `address`'s stale paths of `family`, if any: a new path from the peer replaces it.
    func staleSource(of address: IPAddress, family: AddressFamily) -> SourceID? {
        guard let stale = stalePeers[address], stale.staleFamilies.contains(family) else { return nil }
        return stale.source
    }

    /// Counts the stale path of `family` that a new announcement or withdrawal just removed.
    func staleReplaced(of address: IPAddress, family: AddressFamily) {
        guard let stale = stalePeers[address] else { return }
        stale.receivedRouteCounts[family, default: 1] -= 1
    }

    /// Deletes `stale`'s paths of `families`; releases its source once no family is left.
    @discardableResult
    func dropStale(_ stale: PeerState, families: Set<AddressFamily>) -> Int {
        var count = 0
        for family in families.intersection(stale.staleFamilies) {
            count += stale.receivedRouteCounts[family] ?? 0
            removePaths(of: stale.source, family: family)
            stale.receivedRouteCounts[family] = nil
        }
        stale.staleFamilies.subtract(families)
        if stale.staleFamilies.isEmpty {
            // No path may outlive its source: a released source id is handed to the next peer.
            for family in Self.ribFamilies { removePaths(of: stale.source, family: family) }
            stalePeers[stale.address] = nil
            releaseSource(stale.source)
        }
        return count
    }

    /// Removes every path of `source` in `family`'s table.
    func removePaths(of source: SourceID, family: AddressFamily) {
        switch family {
        case .routeTargetConstraint:
            for entry in membershipTable.entries where entry.paths.path(from: source) != nil {
                updateMembership(entry) { $0.remove(source: source) }
            }
        case .l2vpnEVPN:
            for entry in evpnTable.entries where entry.paths.path(from: source) != nil {
                update(entry) { $0.remove(source: source) }
            }
        default:
            break
        }
    }

    /// The families the RIB keeps tables for.
    static let ribFamilies: Set<AddressFamily> = [.routeTargetConstraint, .l2vpnEVPN]

    static func names(_ families: Set<AddressFamily>) -> String {
        families.sorted().map(\.description).joined(separator: ", ")
    }
}
