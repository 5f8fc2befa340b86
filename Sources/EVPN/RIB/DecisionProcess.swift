import BGPWire
import NetAddress

/// What the decision process needs to know about the source of a path.
struct SourceFacts {
    var isLocal: Bool
    var isExternal: Bool
    /// The peer's BGP identifier (ours for local paths).
    var routerID: IPv4Address
    /// The peer's address (ours for local paths).
    var address: IPAddress
    /// The peer's session ended and graceful restart keeps its paths (RFC 4724 §4.2).
    var isStale = false
}

/// The BGP decision process, phase 2 (RFC 4271 §9.1.2.2) with the route-reflection rules of
/// RFC 4456 §9, as successive eliminations over the candidates:
///
/// - a path kept by graceful restart (stale, RFC 4724 §4.2) loses against any other (common
///   practice: a peer whose session is up knows better);
/// 0. a path we originate wins (the usual "locally originated" preference; only a peer reusing
///    our route distinguisher can compete with it);
/// 1. highest LOCAL_PREF (missing, or learned over eBGP: the default);
/// 2. shortest AS_PATH; 3. lowest ORIGIN;
/// 4. lowest MED among paths from the same neighbouring AS (missing MED counts as 0);
/// 5. eBGP over iBGP; (IGP cost to the next hop is not known here and skipped)
/// 6. lowest BGP identifier, the ORIGINATOR_ID standing for it when present (RFC 4456 §9);
/// 7. shortest CLUSTER_LIST (RFC 4456 §9, inserted between steps f and g);
/// 8. lowest peer address.
struct DecisionProcess {
    var localAS: UInt32
    var defaultLocalPreference: UInt32
    var facts: (SourceID) -> SourceFacts

    /// The index of the best of `paths` (not empty).
    func best(of paths: [Path]) -> Int {
        if paths.count == 1 { return 0 }
        var candidates = Array(paths.indices)
        let facts = paths.map { self.facts($0.source) }

        func keep(_ isBetter: (Int) -> Bool) {
            let kept = candidates.filter(isBetter)
            if !kept.isEmpty { candidates = kept }
        }
        func keepMinimum<T: Comparable>(_ value: (Int) -> T) {
            guard let minimum = candidates.map(value).min() else { return }
            candidates = candidates.filter { value($0) == minimum }
        }

        keep { !facts[$0].isStale }
        keep { facts[$0].isLocal }
        if candidates.count > 1 {
            let preferences = candidates.map { localPreference(paths[$0], facts[$0]) }
            let highest = preferences.max()!
            candidates = zip(candidates, preferences).filter { $0.1 == highest }.map(\.0)
        }
        keepMinimum { paths[$0].attributes.asPathLength }
        keepMinimum { paths[$0].attributes.attributes.origin?.rawValue ?? Origin.incomplete.rawValue }
        if candidates.count > 1 {
            // RFC 4271 §9.1.2.2 c: a path loses if another from the same neighbouring AS has a lower MED.
            let neighbor = { (index: Int) in paths[index].attributes.neighborAS ?? self.localAS }
            let med = { (index: Int) in paths[index].attributes.attributes.multiExitDiscriminator ?? 0 }
            candidates = candidates.filter { index in
                !candidates.contains { neighbor($0) == neighbor(index) && med($0) < med(index) }
            }
        }
        keep { facts[$0].isExternal }
        keepMinimum { paths[$0].attributes.attributes.originatorID ?? facts[$0].routerID }
        keepMinimum { paths[$0].attributes.attributes.clusterList.count }
        keepMinimum { facts[$0].address }
        return candidates[0]
    }

    func localPreference(_ path: Path, _ facts: SourceFacts) -> UInt32 {
        if facts.isExternal { return defaultLocalPreference }
        return path.attributes.attributes.localPreference ?? defaultLocalPreference
    }
}
