import BGPWire
import NetAddress

/// Who may receive a path, and with which attributes: iBGP split horizon (RFC 4271 §9.2.1),
/// route reflection (RFC 4456 §6, §8) and the eBGP rules this speaker applies.
struct ExportPolicy {
    var localAS: UInt32
    var defaultLocalPreference: UInt32
    /// Set when this router reflects routes between its iBGP peers (RFC 4456).
    var clusterID: IPv4Address?

    /// May a path learned from `source` (nil: our own) be advertised to `peer`?
    func mayAdvertise(_ path: Path, from source: PeerState?, to peer: PeerState) -> Bool {
        guard let source else { return true }
        // By address: the session a stale path (RFC 4724 §4.2) came from has been replaced by a new one.
        if source.address == peer.address { return false }
        // RFC 4456 §8: the originator drops it anyway; do not send it back.
        if let originator = path.attributes.attributes.originatorID, originator == peer.routerID { return false }
        if source.isExternal || peer.isExternal { return true }
        guard clusterID != nil else { return false }
        // RFC 4456 §6: from a client to every peer; from a non-client to clients only.
        return source.isRouteReflectorClient || peer.isRouteReflectorClient
    }

    /// The attributes to send `path` (learned from `source`, nil for our own) to `peer` with;
    /// `nextHopSelf` replaces the next hop (RT membership routes).
    func outgoingAttributes(_ path: Path, from source: PeerState?, to peer: PeerState,
                            nextHopSelf: IPAddress?) -> (attributes: PathAttributes, nextHop: IPAddress?) {
        var attributes = path.attributes.attributes
        // Unknown optional transitive attributes travel on with the Partial bit (RFC 4271 §5);
        // unknown non-transitive ones stop here.
        attributes.unrecognized = attributes.unrecognized.compactMap { raw in
            guard raw.flags & 0x40 != 0 else { return nil }
            var passed = raw
            if source != nil { passed.flags |= 0x20 }
            return passed
        }
        if peer.isExternal {
            prepend(localAS, to: &attributes.asPath)
            attributes.localPreference = nil
            attributes.originatorID = nil
            attributes.clusterList = []
            if source != nil { attributes.multiExitDiscriminator = nil }
        } else if let source {
            if source.isExternal {
                // LOCAL_PREF is not accepted from eBGP (RFC 4271 §5.1.5): ours is the default.
                attributes.localPreference = defaultLocalPreference
            } else if let clusterID {
                // RFC 4456 §8: reflected routes carry their originator and our cluster.
                attributes.originatorID = attributes.originatorID ?? source.routerID
                attributes.clusterList.insert(clusterID, at: 0)
            }
        } else {
            attributes.localPreference = attributes.localPreference ?? defaultLocalPreference
        }
        return (attributes, nextHopSelf ?? path.attributes.nextHop)
    }

    private func prepend(_ asn: UInt32, to path: inout [ASPathSegment]) {
        if let first = path.first, first.kind == .sequence, first.asns.count < 255 {
            path[0].asns.insert(asn, at: 0)
        } else {
            path.insert(ASPathSegment(kind: .sequence, asns: [asn]), at: 0)
        }
    }
}
