import BGPWire
import NetAddress

/// The attribute rules for UPDATEs we send, in one place (RFC 4271 §5.1.2, §5.1.3, §5.1.5; RFC 4456 §8).
/// This speaker sends only routes it originates, so no route is passed from one peer to another.
public enum OutboundPolicy {
    /// The LOCAL_PREF sent to iBGP peers when the route carries none.
    public static let defaultLocalPreference: UInt32 = 100

    /// `update` as it must be sent on `session`:
    /// - iBGP: AS_PATH unchanged (empty for our routes), LOCAL_PREF added if missing (100);
    /// - eBGP: our AS prepended to AS_PATH, LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST removed, and the
    ///   next hop set to our session address when the route has none (ours are kept: they are the
    ///   VTEP addresses of this node).
    /// Withdraw-only UPDATEs and End-of-RIB markers are sent as they are.
    public static func prepare(_ update: UpdateMessage, for session: EstablishedSession, localAS: UInt32) -> UpdateMessage {
        let announces = update.attributes.mpReach != nil || !update.nlri.isEmpty
        guard announces else { return update }
        var update = update
        if session.isInternal {
            if update.attributes.localPreference == nil { update.attributes.localPreference = defaultLocalPreference }
        } else {
            update.attributes.asPath = prepending(localAS, to: update.attributes.asPath)
            update.attributes.localPreference = nil
            update.attributes.originatorID = nil
            update.attributes.clusterList = []
            if !update.nlri.isEmpty, update.attributes.nextHop == nil, case .v4(let local) = session.localAddress {
                update.attributes.nextHop = local
            }
            if var reach = update.attributes.mpReach, reach.nextHops.isEmpty {
                reach.nextHops = [session.localAddress]
                update.attributes.mpReach = reach
            }
        }
        return update
    }

    /// AS_PATH with `asn` in front (RFC 4271 §5.1.2): into the leading AS_SEQUENCE if there is room,
    /// else in a new one.
    static func prepending(_ asn: UInt32, to path: [ASPathSegment]) -> [ASPathSegment] {
        var path = path
        if let first = path.first, first.kind == .sequence, first.asns.count < 255 {
            path[0].asns.insert(asn, at: 0)
        } else {
            path.insert(ASPathSegment(kind: .sequence, asns: [asn]), at: 0)
        }
        return path
    }
}
