import NetAddress

extension UpdateMessage {
    /// Appends the UPDATE body (RFC 4271 §4.3): withdrawn routes, path attributes, NLRI.
    func encodeBody(into bytes: inout [UInt8], context: CodecContext) {
        let addPath = context.addPathSend.contains(.ipv4Unicast)
        let withdrawnStart = bytes.count
        bytes.appendUInt16(0)
        Self.encodePrefixes(withdrawnRoutes, pathIdentifiers: withdrawnPathIdentifiers, addPath: addPath, into: &bytes)
        bytes.setUInt16(UInt16(truncatingIfNeeded: bytes.count - withdrawnStart - 2), at: withdrawnStart)
        let attributesStart = bytes.count
        bytes.appendUInt16(0)
        attributes.encode(into: &bytes, context: context)
        bytes.setUInt16(UInt16(truncatingIfNeeded: bytes.count - attributesStart - 2), at: attributesStart)
        Self.encodePrefixes(nlri, pathIdentifiers: nlriPathIdentifiers, addPath: addPath, into: &bytes)
    }

    static func encodePrefixes(_ prefixes: [IPPrefix], pathIdentifiers: [UInt32], addPath: Bool, into bytes: inout [UInt8]) {
        for (index, prefix) in prefixes.enumerated() {
            if addPath { bytes.appendUInt32(index < pathIdentifiers.count ? pathIdentifiers[index] : 0) }
            prefix.encode(into: &bytes)
        }
    }
}

extension PathAttributes {
    typealias Types = PathAttributeType

    /// The order used without a recorded layout: by type code, unknown attributes after the known
    /// ones, then MP_UNREACH_NLRI and MP_REACH_NLRI last (as BaGPipe sends them, and so that NLRI
    /// can be appended when packing).
    static let canonicalOrder: [UInt8] = [
        Types.origin, Types.asPath, Types.nextHop, Types.multiExitDiscriminator, Types.localPreference,
        Types.atomicAggregate, Types.aggregator, Types.communities, Types.originatorID, Types.clusterList,
        Types.extendedCommunities, Types.as4Path, Types.as4Aggregator, Types.pmsiTunnel, Types.largeCommunities,
    ]

    /// Appends every attribute: first in the recorded wire layout's order (with its Extended Length and
    /// Partial bits), then the rest in canonical order.
    func encode(into bytes: inout [UInt8], context: CodecContext, includeMPReach: Bool = true) {
        var written = AttributeTypeSet()
        var writtenUnrecognized = 0
        for entry in wireLayout.entries {
            guard written.insert(entry.type) else { continue }
            if entry.type == Types.mpReach && !includeMPReach { continue }
            _ = encodeKnown(entry.type, hint: entry.flags, into: &bytes, context: context)
            // Unknown attributes, and MP_REACH/MP_UNREACH_NLRI of families not decoded, kept raw.
            for raw in unrecognized where raw.typeCode == entry.type {
                Self.appendRaw(raw, into: &bytes)
                writtenUnrecognized += 1
            }
        }
        for type in Self.canonicalOrder where written.insert(type) {
            _ = encodeKnown(type, hint: nil, into: &bytes, context: context)
        }
        if writtenUnrecognized < unrecognized.count {
            for raw in unrecognized where !written.contains(raw.typeCode) { Self.appendRaw(raw, into: &bytes) }
        }
        if written.insert(Types.mpUnreach) { _ = encodeKnown(Types.mpUnreach, hint: nil, into: &bytes, context: context) }
        if includeMPReach, written.insert(Types.mpReach) { _ = encodeKnown(Types.mpReach, hint: nil, into: &bytes, context: context) }
    }

    private static func appendRaw(_ raw: RawPathAttribute, into bytes: inout [UInt8]) {
        let extended = raw.flags & Types.extendedLengthFlag != 0 || raw.value.count > 255
        bytes.append(extended ? raw.flags | Types.extendedLengthFlag : raw.flags)
        bytes.append(raw.typeCode)
        if extended { bytes.appendUInt16(UInt16(clamping: raw.value.count)) } else { bytes.append(UInt8(raw.value.count)) }
        bytes += raw.value.prefix(65535)
    }

    /// Writes the flags, type and a length placeholder, runs `value`, then fills in the length,
    /// switching to a 2-byte length when the value outgrows one byte.
    @inline(__always)
    static func appendAttribute(_ type: UInt8, hint: UInt8?, into bytes: inout [UInt8], value: (inout [UInt8]) -> Void) {
        guard let category = Types.categoryFlags(of: type) else { return }
        var flags = category | ((hint ?? 0) & Types.extendedLengthFlag)
        if category == Types.optionalFlag | Types.transitiveFlag { flags |= (hint ?? 0) & Types.partialFlag }
        let flagsIndex = bytes.count
        bytes.append(flags)
        bytes.append(type)
        let extended = flags & Types.extendedLengthFlag != 0
        let lengthIndex = bytes.count
        if extended { bytes.appendUInt16(0) } else { bytes.append(0) }
        let valueStart = bytes.count
        value(&bytes)
        let length = bytes.count - valueStart
        if extended {
            bytes.setUInt16(UInt16(truncatingIfNeeded: length), at: lengthIndex)
        } else if length > 255 {
            bytes[flagsIndex] |= Types.extendedLengthFlag
            bytes.insert(UInt8(truncatingIfNeeded: length >> 8), at: lengthIndex)
            bytes[lengthIndex + 1] = UInt8(truncatingIfNeeded: length)
        } else {
            bytes[lengthIndex] = UInt8(length)
        }
    }

    /// Encodes the known attribute `type` if present; returns false for a type it does not know.
    private func encodeKnown(_ type: UInt8, hint: UInt8?, into bytes: inout [UInt8], context: CodecContext) -> Bool {
        let twoOctet = !context.fourOctetAS
        switch type {
        case Types.origin:
            if let origin { Self.appendAttribute(type, hint: hint, into: &bytes) { $0.append(origin.rawValue) } }
        case Types.asPath:
            if origin != nil || !asPath.isEmpty {
                Self.appendAttribute(type, hint: hint, into: &bytes) { Self.encodeASPath(asPath, twoOctet: twoOctet, into: &$0) }
            }
        case Types.nextHop:
            if let nextHop { Self.appendAttribute(type, hint: hint, into: &bytes) { $0.appendUInt32(nextHop.rawValue) } }
        case Types.multiExitDiscriminator:
            if let multiExitDiscriminator { Self.appendAttribute(type, hint: hint, into: &bytes) { $0.appendUInt32(multiExitDiscriminator) } }
        case Types.localPreference:
            if let localPreference { Self.appendAttribute(type, hint: hint, into: &bytes) { $0.appendUInt32(localPreference) } }
        case Types.atomicAggregate:
            if atomicAggregate { Self.appendAttribute(type, hint: hint, into: &bytes) { _ in } }
        case Types.aggregator:
            if let aggregator {
                Self.appendAttribute(type, hint: hint, into: &bytes) {
                    if twoOctet { $0.appendUInt16(Self.twoOctetASN(aggregator.asn)) } else { $0.appendUInt32(aggregator.asn) }
                    $0.appendUInt32(aggregator.address.rawValue)
                }
            }
        case Types.communities:
            if !communities.isEmpty { Self.appendAttribute(type, hint: hint, into: &bytes) { for c in communities { $0.appendUInt32(c) } } }
        case Types.originatorID:
            if let originatorID { Self.appendAttribute(type, hint: hint, into: &bytes) { $0.appendUInt32(originatorID.rawValue) } }
        case Types.clusterList:
            if !clusterList.isEmpty { Self.appendAttribute(type, hint: hint, into: &bytes) { for id in clusterList { $0.appendUInt32(id.rawValue) } } }
        case Types.mpReach:
            if let mpReach { Self.appendAttribute(type, hint: hint, into: &bytes) { mpReach.encodeValue(into: &$0, context: context) } }
        case Types.mpUnreach:
            if let mpUnreach { Self.appendAttribute(type, hint: hint, into: &bytes) { mpUnreach.encodeValue(into: &$0, context: context) } }
        case Types.extendedCommunities:
            if !extendedCommunities.isEmpty {
                Self.appendAttribute(type, hint: hint, into: &bytes) { for c in extendedCommunities { $0.appendUInt64(c.wireValue) } }
            }
        case Types.as4Path:
            // RFC 6793 §4.2.2: only towards a 2-octet peer, only when some AS number needs 4 bytes.
            let path = asPath.filter { $0.kind == .sequence || $0.kind == .set }
            if twoOctet, path.contains(where: { $0.asns.contains { $0 > UInt16.max } }) {
                Self.appendAttribute(type, hint: hint, into: &bytes) { Self.encodeASPath(path, twoOctet: false, into: &$0) }
            }
        case Types.as4Aggregator:
            if twoOctet, let aggregator, aggregator.asn > UInt16.max {
                Self.appendAttribute(type, hint: hint, into: &bytes) {
                    $0.appendUInt32(aggregator.asn)
                    $0.appendUInt32(aggregator.address.rawValue)
                }
            }
        case Types.pmsiTunnel:
            if let pmsiTunnel {
                Self.appendAttribute(type, hint: hint, into: &bytes) {
                    $0.append(pmsiTunnel.flags)
                    $0.append(pmsiTunnel.tunnelType)
                    $0.appendUInt24((context.legacyShiftedVNI ? pmsiTunnel.label << 4 : pmsiTunnel.label) & 0xFF_FFFF)
                    $0 += pmsiTunnel.tunnelIdentifier
                }
            }
        case Types.largeCommunities:
            if !largeCommunities.isEmpty {
                Self.appendAttribute(type, hint: hint, into: &bytes) {
                    for community in largeCommunities {
                        $0.appendUInt32(community.globalAdministrator)
                        $0.appendUInt32(community.localData1)
                        $0.appendUInt32(community.localData2)
                    }
                }
            }
        default:
            return false
        }
        return true
    }

    static func twoOctetASN(_ asn: UInt32) -> UInt16 {
        asn > UInt16.max ? OpenMessage.asTrans : UInt16(asn)
    }

    /// Segments of at most 255 AS numbers, 2-byte ones mapped to AS_TRANS when too large (RFC 6793 §4.2.2).
    static func encodeASPath(_ path: [ASPathSegment], twoOctet: Bool, into bytes: inout [UInt8]) {
        for segment in path {
            var start = 0
            repeat {
                let end = min(start + 255, segment.asns.count)
                bytes.append(segment.kind.rawValue)
                bytes.append(UInt8(end - start))
                for asn in segment.asns[start..<end] {
                    if twoOctet { bytes.appendUInt16(twoOctetASN(asn)) } else { bytes.appendUInt32(asn) }
                }
                start = end
            } while start < segment.asns.count
        }
    }
}

extension MPReach {
    /// AFI, SAFI, next hop length and addresses, reserved octet, NLRI (RFC 4760 §3).
    func encodeValue(into bytes: inout [UInt8], context: CodecContext) {
        encodeHeader(into: &bytes)
        NLRI.encodeList(nlri, pathIdentifiers: pathIdentifiers, addPath: context.addPathSend.contains(family),
                        legacyShiftedVNI: context.legacyShiftedVNI, into: &bytes)
    }

    /// Everything before the NLRI.
    func encodeHeader(into bytes: inout [UInt8]) {
        bytes.appendUInt16(family.afi)
        bytes.append(family.safi)
        bytes.append(UInt8(truncatingIfNeeded: nextHops.reduce(0) { $0 + ($1.isIPv4 ? 4 : 16) }))
        for nextHop in nextHops { bytes.appendIPAddress(nextHop) }
        bytes.append(0)
    }
}

extension MPUnreach {
    /// AFI, SAFI, withdrawn NLRI (RFC 4760 §4).
    func encodeValue(into bytes: inout [UInt8], context: CodecContext) {
        bytes.appendUInt16(family.afi)
        bytes.append(family.safi)
        NLRI.encodeList(nlri, pathIdentifiers: pathIdentifiers, addPath: context.addPathSend.contains(family),
                        legacyShiftedVNI: context.legacyShiftedVNI, into: &bytes)
    }
}

extension NLRI {
    static func encodeList(_ nlri: [NLRI], pathIdentifiers: [UInt32], addPath: Bool, legacyShiftedVNI: Bool, into bytes: inout [UInt8]) {
        for index in nlri.indices {
            if addPath { bytes.appendUInt32(index < pathIdentifiers.count ? pathIdentifiers[index] : 0) }
            nlri[index].encode(into: &bytes, legacyShiftedVNI: legacyShiftedVNI)
        }
    }
}
