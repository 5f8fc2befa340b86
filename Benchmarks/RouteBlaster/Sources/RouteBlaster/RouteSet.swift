import BGPWire
import NetAddress

/// N EVPN MAC/IP advertisement routes (RFC 7432 §7.2) spread evenly over R route targets, and the
/// UPDATE streams that announce and withdraw them, encoded once before the session starts.
///
/// Route `i` belongs to route target group `g = i * R / N` (contiguous groups, so the routes of a
/// group share one attribute set and pack densely). It carries MAC `02:00:ii:ii:ii:ii`, IPv4
/// `10.x.y.z` = 10.0.0.0 + i, RD `nextHop:g`, label (VNI) `vniBase + g`, route target
/// `asn:rtBase + g`, the VXLAN encapsulation extended community (RFC 8365 §5.1.3), ORIGIN IGP,
/// empty AS_PATH and LOCAL_PREF 100 (iBGP), next hop `nextHop` in MP_REACH_NLRI (RFC 4760 §3).
struct RouteSet {
    var count: Int
    var routeTargets: Int
    var asn: UInt16
    var rtBase: UInt32
    var vniBase: UInt32
    var nextHop: IPv4Address
    /// MAC-only routes (no IP) instead of MAC+IP.
    var macOnly = false
    /// At most this many NLRI per UPDATE (BaGPipe sends one); nil packs each message full.
    var routesPerUpdate: Int?

    /// The first route index of group `group` (groups are contiguous index ranges).
    func groupStart(_ group: Int) -> Int { group * count / routeTargets }

    func routeTarget(ofGroup group: Int) -> RouteTarget { .twoOctetAS(asn, rtBase + UInt32(group)) }

    func route(_ index: Int, group: Int) -> NLRI {
        let ip: IPAddress? = macOnly ? nil : .v4(IPv4Address(rawValue: 0x0A00_0000 + UInt32(index)))
        return .evpn(.macIPAdvertisement(MACIPAdvertisementRoute(
            routeDistinguisher: .ipv4(nextHop, UInt16(truncatingIfNeeded: group)),
            mac: MACAddress(rawValue: 0x0200_0000_0000 | UInt64(index)), ip: ip, label1: vniBase + UInt32(group))))
    }

    func attributes(ofGroup group: Int) -> PathAttributes {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        attributes.extendedCommunities = [.routeTarget(routeTarget(ofGroup: group)), .encapsulation(.vxlan)]
        return attributes
    }

    /// The routes of `group`, cut into runs of at most `routesPerUpdate`.
    private func batches(of group: Int) -> [[NLRI]] {
        let indices = groupStart(group)..<groupStart(group + 1)
        let size = max(1, routesPerUpdate ?? indices.count)
        return stride(from: indices.lowerBound, to: indices.upperBound, by: size).map { start in
            (start..<min(start + size, indices.upperBound)).map { route($0, group: group) }
        }
    }

    /// The UPDATE messages announcing every route, back to back, and how many messages there are.
    func announcements(context: CodecContext) -> EncodedStream {
        var stream = EncodedStream()
        for group in 0..<routeTargets {
            for routes in batches(of: group) {
                stream.append(UpdateMessage.packed(reach: routes, family: .l2vpnEVPN, nextHop: .v4(nextHop),
                                                   attributes: attributes(ofGroup: group), context: context))
            }
        }
        return stream
    }

    /// The UPDATE messages withdrawing every route (MP_UNREACH_NLRI, RFC 4760 §4).
    func withdrawals(context: CodecContext) -> EncodedStream {
        var stream = EncodedStream()
        for group in 0..<routeTargets {
            for routes in batches(of: group) {
                stream.append(UpdateMessage.packed(withdraw: routes, family: .l2vpnEVPN, context: context))
            }
        }
        return stream
    }
}

/// Encoded BGP messages laid end to end in one buffer, ready for `write(2)`.
struct EncodedStream {
    private(set) var bytes: [UInt8] = []
    private(set) var messageCount = 0

    mutating func append(_ messages: [[UInt8]]) {
        for message in messages { bytes += message }
        messageCount += messages.count
    }
}
