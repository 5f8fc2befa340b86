import NetAddress

extension UpdateMessage {
    /// Decodes an UPDATE body (RFC 4271 §4.3) with the error handling of RFC 7606: throws for
    /// session reset; sets `treatAsWithdraw` / `malformedReason` for the softer outcomes.
    static func decode(body: ByteReader, context: CodecContext) throws(MessageDecodingError) -> UpdateMessage {
        var decoder = UpdateDecoder(context: context)
        try decoder.decode(body)
        return decoder.update
    }

    /// Every NLRI this UPDATE withdraws: withdrawn routes, MP_UNREACH_NLRI, and, when treat-as-withdraw
    /// applies (RFC 7606 §2), the reachable NLRI too.
    public var withdrawnNLRI: [NLRI] {
        var result = withdrawnRoutes.map(NLRI.ipv4Unicast) + (attributes.mpUnreach?.nlri ?? [])
        if treatAsWithdraw { result += nlri.map(NLRI.ipv4Unicast) + (attributes.mpReach?.nlri ?? []) }
        return result
    }

    /// Every NLRI this UPDATE makes reachable (none when treat-as-withdraw applies).
    public var announcedNLRI: [NLRI] {
        treatAsWithdraw ? [] : nlri.map(NLRI.ipv4Unicast) + (attributes.mpReach?.nlri ?? [])
    }
}

/// One UPDATE's decoding state: which attributes were seen, the RFC 6793 attributes to merge,
/// and the RFC 7606 outcome so far.
struct UpdateDecoder {
    typealias Types = PathAttributeType

    let context: CodecContext
    var update = UpdateMessage()
    private var seen = AttributeTypeSet()
    private var as4Path: [ASPathSegment]?
    private var as4Aggregator: Aggregator?

    init(context: CodecContext) {
        self.context = context
    }

    mutating func decode(_ body: ByteReader) throws(MessageDecodingError) {
        var reader = body
        guard let withdrawnLength = try? reader.readUInt16(), Int(withdrawnLength) + 2 <= reader.remaining,
              var withdrawn = try? reader.readSubReader(Int(withdrawnLength)),
              let attributesLength = try? reader.readUInt16(), Int(attributesLength) <= reader.remaining,
              var attributes = try? reader.readSubReader(Int(attributesLength)) else {
            throw .update(1, "withdrawn routes or path attribute length exceeds the message")
        }
        let addPath = context.addPathReceive.contains(.ipv4Unicast)
        try decodePrefixes(&withdrawn, addPath: addPath, into: &update.withdrawnRoutes, pathIdentifiers: &update.withdrawnPathIdentifiers)
        try decodeAttributes(&attributes)
        try decodePrefixes(&reader, addPath: addPath, into: &update.nlri, pathIdentifiers: &update.nlriPathIdentifiers)
        if !context.fourOctetAS { mergeFourOctetAttributes() }
        checkMandatoryAttributes()
    }

    // MARK: RFC 7606 outcomes

    private mutating func treatAsWithdraw(_ reason: String) {
        update.treatAsWithdraw = true
        note("treat-as-withdraw: " + reason)
    }

    private mutating func discard(_ reason: String) {
        note("attribute discarded: " + reason)
    }

    private mutating func note(_ reason: String) {
        update.malformedReason = update.malformedReason.map { $0 + "; " + reason } ?? reason
    }

    // MARK: Fields

    /// IPv4 unicast prefixes of the withdrawn routes or NLRI field; a bad one resets the session
    /// (RFC 4271 §6.3 Invalid Network Field, RFC 7606 §5.3).
    private func decodePrefixes(_ reader: inout ByteReader, addPath: Bool, into prefixes: inout [IPPrefix],
                                pathIdentifiers: inout [UInt32]) throws(MessageDecodingError) {
        while !reader.isAtEnd {
            if addPath {
                guard let identifier = try? reader.readUInt32() else { throw .update(10, "path identifier overruns the NLRI field") }
                pathIdentifiers.append(identifier)
            }
            do {
                prefixes.append(try IPPrefix.decode(&reader, addressBytes: 4))
            } catch {
                throw .update(10, error.reason)
            }
        }
    }

    private mutating func decodeAttributes(_ reader: inout ByteReader) throws(MessageDecodingError) {
        while !reader.isAtEnd {
            let start = reader.offset
            guard let flags = try? reader.readUInt8(), let type = try? reader.readUInt8(),
                  let length = flags & Types.extendedLengthFlag != 0 ? (try? reader.readUInt16()).map(Int.init)
                                                                     : (try? reader.readUInt8()).map(Int.init),
                  var value = try? reader.readSubReader(length) else {
                // RFC 7606 §4: an attribute header or length overrunning the attribute field.
                return treatAsWithdraw("path attribute at offset \(start) overruns the path attribute field")
            }
            let attribute = UnsafeRawBufferPointer(rebasing: reader.buffer[start..<reader.offset])
            update.attributes.wireLayout.record(type: type, flags: flags)
            guard seen.insert(type) else {
                // RFC 7606 §3.g
                if type == Types.mpReach || type == Types.mpUnreach {
                    throw .update(1, "MP_REACH_NLRI or MP_UNREACH_NLRI appears twice")
                }
                discard("attribute \(type) repeated")
                continue
            }
            if let expected = Types.categoryFlags(of: type), flags & (Types.optionalFlag | Types.transitiveFlag) != expected {
                // RFC 7606 §3.c; the MP attributes are still parsed so their NLRI can be withdrawn.
                treatAsWithdraw("attribute \(type) has flags 0x\(String(flags, radix: 16))")
                guard type == Types.mpReach || type == Types.mpUnreach else { continue }
            }
            try decodeAttribute(type: type, flags: flags, value: &value, attribute: attribute)
        }
    }

    private mutating func decodeAttribute(type: UInt8, flags: UInt8, value: inout ByteReader,
                                          attribute: UnsafeRawBufferPointer) throws(MessageDecodingError) {
        let length = value.remaining
        switch type {
        case Types.origin:
            guard length == 1, let origin = Origin(rawValue: value.buffer[value.offset]) else {
                return treatAsWithdraw("ORIGIN malformed")  // RFC 7606 §7.1
            }
            update.attributes.origin = origin
        case Types.asPath:
            guard let path = Self.decodeASPath(&value, asnSize: context.fourOctetAS ? 4 : 2) else {
                return treatAsWithdraw("AS_PATH malformed")  // RFC 7606 §7.2
            }
            update.attributes.asPath = path
        case Types.nextHop:
            guard length == 4, let address = try? value.readUInt32() else { return treatAsWithdraw("NEXT_HOP length \(length)") }
            update.attributes.nextHop = IPv4Address(rawValue: address)  // RFC 7606 §7.3
        case Types.multiExitDiscriminator:
            guard length == 4, let med = try? value.readUInt32() else { return treatAsWithdraw("MULTI_EXIT_DISC length \(length)") }
            update.attributes.multiExitDiscriminator = med  // RFC 7606 §7.4
        case Types.localPreference:
            guard length == 4, let preference = try? value.readUInt32() else { return treatAsWithdraw("LOCAL_PREF length \(length)") }
            update.attributes.localPreference = preference  // RFC 7606 §7.5
        case Types.atomicAggregate:
            guard length == 0 else { return discard("ATOMIC_AGGREGATE length \(length)") }  // RFC 7606 §7.6
            update.attributes.atomicAggregate = true
        case Types.aggregator:
            guard let aggregator = Self.decodeAggregator(&value, asnSize: context.fourOctetAS ? 4 : 2) else {
                return discard("AGGREGATOR length \(length)")  // RFC 7606 §7.7
            }
            update.attributes.aggregator = aggregator
        case Types.communities:
            guard length > 0, length % 4 == 0 else { return treatAsWithdraw("COMMUNITIES length \(length)") }  // RFC 7606 §7.8
            update.attributes.communities.reserveCapacity(length / 4)
            while let community = try? value.readUInt32() { update.attributes.communities.append(community) }
        case Types.originatorID:
            guard length == 4, let id = try? value.readUInt32() else { return treatAsWithdraw("ORIGINATOR_ID length \(length)") }
            update.attributes.originatorID = IPv4Address(rawValue: id)  // RFC 7606 §7.9
        case Types.clusterList:
            guard length > 0, length % 4 == 0 else { return treatAsWithdraw("CLUSTER_LIST length \(length)") }  // RFC 7606 §7.10
            while let id = try? value.readUInt32() { update.attributes.clusterList.append(IPv4Address(rawValue: id)) }
        case Types.mpReach:
            try decodeMPReach(&value, flags: flags, attribute: attribute)
        case Types.mpUnreach:
            try decodeMPUnreach(&value, flags: flags, attribute: attribute)
        case Types.extendedCommunities:
            guard length > 0, length % 8 == 0 else { return treatAsWithdraw("EXTENDED_COMMUNITIES length \(length)") }  // RFC 7606 §7.14
            update.attributes.extendedCommunities.reserveCapacity(length / 8)
            while let community = try? value.readUInt64() {
                update.attributes.extendedCommunities.append(ExtendedCommunity(wireValue: community))
            }
        case Types.as4Path:
            // RFC 6793 §6: malformed AS4_PATH is discarded; a 4-octet peer must not send one.
            guard !context.fourOctetAS else { return discard("AS4_PATH from a 4-octet AS peer") }
            guard let path = Self.decodeASPath(&value, asnSize: 4),
                  !path.contains(where: { $0.kind == .confedSet || $0.kind == .confedSequence }) else {
                return discard("AS4_PATH malformed")
            }
            as4Path = path
        case Types.as4Aggregator:
            guard !context.fourOctetAS else { return discard("AS4_AGGREGATOR from a 4-octet AS peer") }
            guard let aggregator = Self.decodeAggregator(&value, asnSize: 4) else { return discard("AS4_AGGREGATOR length \(length)") }
            as4Aggregator = aggregator
        case Types.pmsiTunnel:
            guard length >= 5, let tunnelFlags = try? value.readUInt8(), let tunnelType = try? value.readUInt8(),
                  let label = try? value.readUInt24() else { return treatAsWithdraw("PMSI_TUNNEL length \(length)") }
            update.attributes.pmsiTunnel = PMSITunnel(flags: tunnelFlags, tunnelType: tunnelType,
                                                      label: context.legacyShiftedVNI ? label >> 4 : label,
                                                      tunnelIdentifier: value.readRemainingBytes())
        case Types.largeCommunities:
            guard length > 0, length % 12 == 0 else { return treatAsWithdraw("LARGE_COMMUNITY length \(length)") }  // RFC 8092 §6
            while let global = try? value.readUInt32(), let first = try? value.readUInt32(), let second = try? value.readUInt32() {
                update.attributes.largeCommunities.append(LargeCommunity(global, first, second))
            }
        default:
            guard flags & Types.optionalFlag != 0 else {
                throw .update(2, data: Array(attribute), "unrecognized well-known attribute \(type)")  // RFC 4271 §6.3
            }
            update.attributes.unrecognized.append(RawPathAttribute(flags: flags, typeCode: type, value: value.readRemainingBytes()))
        }
    }

    // MARK: Multiprotocol attributes (RFC 4760 §3–4, RFC 7606 §5.3 and §7.11)

    private mutating func decodeMPReach(_ value: inout ByteReader, flags: UInt8, attribute: UnsafeRawBufferPointer) throws(MessageDecodingError) {
        var original = value
        guard let afi = try? value.readUInt16(), let safi = try? value.readUInt8(), let nextHopLength = try? value.readUInt8(),
              var nextHop = try? value.readSubReader(Int(nextHopLength)), (try? value.readUInt8()) != nil else {
            throw .update(9, data: Array(attribute), "MP_REACH_NLRI truncated")
        }
        let family = AddressFamily(afi: afi, safi: safi)
        guard family.isDecodable else {
            update.attributes.unrecognized.append(RawPathAttribute(flags: flags, typeCode: Types.mpReach, value: original.readRemainingBytes()))
            return
        }
        var nextHops: [IPAddress] = []
        switch nextHopLength {
        case 4, 16, 32:
            while let address = try? nextHop.readIPAddress(byteCount: nextHopLength == 4 ? 4 : 16) { nextHops.append(address) }
        default:
            treatAsWithdraw("MP_REACH_NLRI next hop length \(nextHopLength)")
        }
        var reach = MPReach(family: family, nextHops: nextHops, nlri: [])
        var malformed: String?
        do {
            try NLRI.decodeList(family: family, reader: &value, addPath: context.addPathReceive.contains(family),
                                legacyShiftedVNI: context.legacyShiftedVNI, into: &reach.nlri,
                                pathIdentifiers: &reach.pathIdentifiers, malformed: &malformed)
        } catch {
            throw .update(9, data: Array(attribute), "MP_REACH_NLRI: \(error.reason)")
        }
        if let malformed { treatAsWithdraw(malformed) }
        update.attributes.mpReach = reach
    }

    private mutating func decodeMPUnreach(_ value: inout ByteReader, flags: UInt8, attribute: UnsafeRawBufferPointer) throws(MessageDecodingError) {
        var original = value
        guard let afi = try? value.readUInt16(), let safi = try? value.readUInt8() else {
            throw .update(9, data: Array(attribute), "MP_UNREACH_NLRI truncated")
        }
        let family = AddressFamily(afi: afi, safi: safi)
        guard family.isDecodable else {
            update.attributes.unrecognized.append(RawPathAttribute(flags: flags, typeCode: Types.mpUnreach, value: original.readRemainingBytes()))
            return
        }
        var unreach = MPUnreach(family: family, nlri: [])
        var malformed: String?
        do {
            try NLRI.decodeList(family: family, reader: &value, addPath: context.addPathReceive.contains(family),
                                legacyShiftedVNI: context.legacyShiftedVNI, into: &unreach.nlri,
                                pathIdentifiers: &unreach.pathIdentifiers, malformed: &malformed)
        } catch {
            throw .update(9, data: Array(attribute), "MP_UNREACH_NLRI: \(error.reason)")
        }
        if let malformed { note("withdrawn " + malformed) }
        update.attributes.mpUnreach = unreach
    }

    // MARK: AS numbers (RFC 4271 §4.3, RFC 6793)

    /// Segments of 2- or 4-byte AS numbers; nil when a segment type is unknown, a segment is empty
    /// or overruns the attribute (RFC 7606 §7.2).
    static func decodeASPath(_ value: inout ByteReader, asnSize: Int) -> [ASPathSegment]? {
        var segments: [ASPathSegment] = []
        while !value.isAtEnd {
            guard let kindValue = try? value.readUInt8(), let kind = ASPathSegment.Kind(rawValue: kindValue),
                  let count = try? value.readUInt8(), count > 0, value.remaining >= Int(count) * asnSize else { return nil }
            var asns: [UInt32] = []
            asns.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let asn = asnSize == 4 ? try? value.readUInt32() : (try? value.readUInt16()).map(UInt32.init) else { return nil }
                asns.append(asn)
            }
            segments.append(ASPathSegment(kind: kind, asns: asns))
        }
        return segments
    }

    static func decodeAggregator(_ value: inout ByteReader, asnSize: Int) -> Aggregator? {
        guard value.remaining == asnSize + 4,
              let asn = asnSize == 4 ? try? value.readUInt32() : (try? value.readUInt16()).map(UInt32.init),
              let address = try? value.readUInt32() else { return nil }
        return Aggregator(asn: asn, address: IPv4Address(rawValue: address))
    }

    /// RFC 6793 §4.2.3: rebuild the real AS path and aggregator from a 2-octet peer's attributes.
    private mutating func mergeFourOctetAttributes() {
        if let aggregator = update.attributes.aggregator, aggregator.asn != UInt32(OpenMessage.asTrans) {
            return  // AS4_AGGREGATOR and AS4_PATH are ignored
        }
        if let as4Aggregator { update.attributes.aggregator = as4Aggregator }
        guard let as4Path else { return }
        let path = update.attributes.asPath
        let surplus = path.pathLength - as4Path.pathLength
        guard surplus >= 0 else { return }
        // Keep the confederation segments and the first `surplus` AS numbers of AS_PATH, then AS4_PATH.
        var merged: [ASPathSegment] = []
        var remaining = surplus
        for segment in path {
            switch segment.kind {
            case .sequence where remaining > 0:
                let taken = min(remaining, segment.asns.count)
                merged.append(ASPathSegment(kind: .sequence, asns: Array(segment.asns.prefix(taken))))
                remaining -= taken
            case .set where remaining > 0:
                merged.append(segment)
                remaining -= 1
            case .confedSequence, .confedSet:
                merged.append(segment)
            case .sequence, .set:
                break
            }
        }
        // Where the kept prefix and AS4_PATH meet, two AS_SEQUENCEs form one path: join them.
        var tail = as4Path
        if let last = merged.last, last.kind == .sequence, let first = tail.first, first.kind == .sequence,
           last.asns.count + first.asns.count <= 255 {
            merged[merged.count - 1].asns += first.asns
            tail.removeFirst()
        }
        update.attributes.asPath = merged + tail
    }

    // MARK: RFC 7606 §3.d

    private mutating func checkMandatoryAttributes() {
        let reachable = !update.nlri.isEmpty || !(update.attributes.mpReach?.nlri.isEmpty ?? true)
        guard reachable, !update.treatAsWithdraw else { return }
        var missing: [String] = []
        if !seen.contains(Types.origin) { missing.append("ORIGIN") }
        if !seen.contains(Types.asPath) { missing.append("AS_PATH") }
        if !update.nlri.isEmpty && !seen.contains(Types.nextHop) { missing.append("NEXT_HOP") }
        if !missing.isEmpty { treatAsWithdraw("missing " + missing.joined(separator: ", ")) }
    }
}

extension [ASPathSegment] {
    /// The path length for best-path and RFC 6793 purposes: a set counts one, confederation segments none.
    var pathLength: Int {
        reduce(0) { total, segment in
            switch segment.kind {
            case .sequence: total + segment.asns.count
            case .set: total + 1
            case .confedSequence, .confedSet: total
            }
        }
    }
}
