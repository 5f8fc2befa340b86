import BGPWire
import NetAddress

/// Packs routes that share attributes into as few UPDATEs as fit in a message (RFC 4271 §4.3,
/// 4096 bytes unless extended messages were negotiated, RFC 8654). Sizes are upper bounds of
/// the encoding (every attribute counted with a 4-byte header, AS_PATH counted twice in case the
/// codec adds AS4_PATH), so a packed UPDATE always fits.
struct UpdatePacker {
    var maximumMessageLength = 4096

    /// UPDATE header: 19 (message header) + 2 (withdrawn length) + 2 (attributes length).
    private let fixedOverhead = 23

    func announcements(family: AddressFamily, attributes: PathAttributes, nextHop: IPAddress?,
                       nlri: [NLRI]) -> [UpdateMessage] {
        let nextHops = nextHop.map { [$0] } ?? []
        // MP_REACH_NLRI: header 4, AFI 2, SAFI 1, next-hop length 1, next hop, reserved 1.
        let overhead = fixedOverhead + Self.estimatedLength(of: attributes) + 9 + (nextHop?.bytes.count ?? 0)
        return chunks(of: nlri, budget: maximumMessageLength - overhead).map { chunk in
            var message = attributes
            message.mpReach = MPReach(family: family, nextHops: nextHops, nlri: chunk)
            message.mpUnreach = nil
            return UpdateMessage(attributes: message)
        }
    }

    func withdrawals(family: AddressFamily, nlri: [NLRI]) -> [UpdateMessage] {
        // MP_UNREACH_NLRI: header 4, AFI 2, SAFI 1.
        chunks(of: nlri, budget: maximumMessageLength - fixedOverhead - 7).map { chunk in
            var attributes = PathAttributes()
            attributes.mpUnreach = MPUnreach(family: family, nlri: chunk)
            return UpdateMessage(attributes: attributes)
        }
    }

    /// The End-of-RIB marker (RFC 4724 §2): an empty MP_UNREACH_NLRI for the family.
    static func endOfRIB(_ family: AddressFamily) -> UpdateMessage {
        var attributes = PathAttributes()
        attributes.mpUnreach = MPUnreach(family: family, nlri: [])
        return UpdateMessage(attributes: attributes)
    }

    /// The family whose End-of-RIB `update` is, if it is one (RFC 4724 §2).
    static func endOfRIBFamily(_ update: UpdateMessage) -> AddressFamily? {
        var bare = update.attributes
        guard update.nlri.isEmpty, update.withdrawnRoutes.isEmpty else { return nil }
        if bare == PathAttributes() { return .ipv4Unicast }
        guard let unreach = bare.mpUnreach, unreach.nlri.isEmpty else { return nil }
        bare.mpUnreach = nil
        return bare == PathAttributes() ? unreach.family : nil
    }

    private func chunks(of nlri: [NLRI], budget: Int) -> [[NLRI]] {
        var result: [[NLRI]] = []
        var current: [NLRI] = []
        var used = 0
        for item in nlri {
            let length = Self.encodedLength(of: item)
            if !current.isEmpty && used + length > budget {
                result.append(current)
                current = []
                used = 0
            }
            current.append(item)
            used += length
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Encoded length of one NLRI (RFC 7432 §7, RFC 9136 §3, RFC 4684 §4, RFC 4271 §4.3).
    static func encodedLength(of nlri: NLRI) -> Int {
        switch nlri {
        case .evpn(let route):
            let body: Int
            switch route {
            case .ethernetAutoDiscovery: body = 25
            case .macIPAdvertisement(let mac): body = 33 + (mac.ip?.bytes.count ?? 0) + (mac.label2 == nil ? 0 : 3)
            case .inclusiveMulticast(let multicast): body = 13 + multicast.originator.bytes.count
            case .ethernetSegment(let segment): body = 19 + segment.originator.bytes.count
            case .ipPrefix(let prefix): body = 26 + 2 * prefix.prefix.address.bytes.count
            case .unknown(_, let value): body = value.count
            }
            return 2 + body
        case .routeTargetMembership(let membership):
            return 1 + (Int(membership.prefixLength) + 7) / 8
        case .ipv4Unicast(let prefix), .ipv6Unicast(let prefix):
            return 1 + (prefix.length + 7) / 8
        }
    }

    /// An upper bound of the encoded length of every attribute but MP_REACH/MP_UNREACH.
    static func estimatedLength(of attributes: PathAttributes) -> Int {
        let header = 4
        var length = 0
        if attributes.origin != nil { length += header + 1 }
        length += 2 * (header + attributes.asPath.reduce(0) { $0 + 2 + 4 * $1.asns.count })
        if attributes.nextHop != nil { length += header + 4 }
        if attributes.multiExitDiscriminator != nil { length += header + 4 }
        if attributes.localPreference != nil { length += header + 4 }
        if attributes.atomicAggregate { length += header }
        if attributes.aggregator != nil { length += 2 * (header + 8) }
        if !attributes.communities.isEmpty { length += header + 4 * attributes.communities.count }
        if attributes.originatorID != nil { length += header + 4 }
        if !attributes.clusterList.isEmpty { length += header + 4 * attributes.clusterList.count }
        if !attributes.extendedCommunities.isEmpty { length += header + 8 * attributes.extendedCommunities.count }
        if let tunnel = attributes.pmsiTunnel { length += header + 5 + tunnel.tunnelIdentifier.count }
        if !attributes.largeCommunities.isEmpty { length += header + 12 * attributes.largeCommunities.count }
        length += attributes.unrecognized.reduce(0) { $0 + header + $1.value.count }
        return length
    }
}
