import NetAddress

extension UpdateMessage {
    /// Encodes `reach` — NLRI of `family` sharing `attributes` and `nextHop` — into as few UPDATE
    /// messages as `context.maximumMessageLength` allows, ready to send (RFC 4271 §9.2, RFC 4760 §3).
    /// IPv4 unicast with an IPv4 next hop uses the NEXT_HOP attribute and the NLRI field; every other
    /// family travels in MP_REACH_NLRI, placed last. `attributes.mpReach`/`mpUnreach` are ignored.
    /// `pathIdentifiers` (one per NLRI) are sent when add-path send is negotiated for `family`.
    public static func packed(reach: [NLRI], family: AddressFamily, nextHop: IPAddress, attributes: PathAttributes,
                              context: CodecContext, pathIdentifiers: [UInt32] = []) -> [[UInt8]] {
        precondition(reach.allSatisfy { $0.family == family }, "every NLRI must be of family \(family)")
        guard !reach.isEmpty else { return [] }
        var base = attributes
        base.mpReach = nil
        base.mpUnreach = nil
        let classic = family == .ipv4Unicast && nextHop.isIPv4
        if classic, case .v4(let address) = nextHop { base.nextHop = address }

        var template = [UInt8](repeating: 0xFF, count: 16)
        template += [0, 0, 2, 0, 0, 0, 0]  // length, type UPDATE, withdrawn length 0, attribute length
        base.encode(into: &template, context: context, includeMPReach: false)
        var mpLengthIndex: Int?
        if !classic {
            template += [PathAttributeType.optionalFlag | PathAttributeType.extendedLengthFlag, PathAttributeType.mpReach, 0, 0]
            mpLengthIndex = template.count - 2
            MPReach(family: family, nextHops: [nextHop], nlri: []).encodeHeader(into: &template)
        }
        let addPath = context.addPathSend.contains(family)
        return pack(reach, template: template, attributesEnd: classic ? template.count : nil, mpLengthIndex: mpLengthIndex,
                    context: context) { index, bytes in
            if addPath { bytes.appendUInt32(index < pathIdentifiers.count ? pathIdentifiers[index] : 0) }
            reach[index].encode(into: &bytes, legacyShiftedVNI: context.legacyShiftedVNI)
        }
    }

    /// Encodes withdrawals of `withdraw` (NLRI of `family`) into as few UPDATEs as fit: the withdrawn
    /// routes field for IPv4 unicast, MP_UNREACH_NLRI otherwise (RFC 4760 §4).
    public static func packed(withdraw: [NLRI], family: AddressFamily, context: CodecContext,
                              pathIdentifiers: [UInt32] = []) -> [[UInt8]] {
        precondition(withdraw.allSatisfy { $0.family == family }, "every NLRI must be of family \(family)")
        guard !withdraw.isEmpty else { return [] }
        var template = [UInt8](repeating: 0xFF, count: 16)
        template += [0, 0, 2, 0, 0]
        var mpLengthIndex: Int?
        if family != .ipv4Unicast {
            template += [0, 0, PathAttributeType.optionalFlag | PathAttributeType.extendedLengthFlag, PathAttributeType.mpUnreach, 0, 0]
            mpLengthIndex = template.count - 2
            template.appendUInt16(family.afi)
            template.append(family.safi)
        }
        let addPath = context.addPathSend.contains(family)
        return pack(withdraw, template: template, attributesEnd: nil, mpLengthIndex: mpLengthIndex, context: context,
                    withdrawnField: family == .ipv4Unicast) { index, bytes in
            if addPath { bytes.appendUInt32(index < pathIdentifiers.count ? pathIdentifiers[index] : 0) }
            withdraw[index].encode(into: &bytes, legacyShiftedVNI: context.legacyShiftedVNI)
        }
    }

    /// Appends NLRI after `template` until the next would overflow, then starts a new message.
    /// `attributesEnd` is set when NLRI go in the NLRI field (after the attributes); `mpLengthIndex`
    /// when they go in a trailing MP attribute whose 2-byte length sits there; `withdrawnField` when
    /// they are IPv4 withdrawn routes (the attribute length then follows them).
    private static func pack(_ nlri: [NLRI], template: [UInt8], attributesEnd: Int?, mpLengthIndex: Int?, context: CodecContext,
                             withdrawnField: Bool = false, encode: (Int, inout [UInt8]) -> Void) -> [[UInt8]] {
        let maximum = context.maximumMessageLength
        var messages: [[UInt8]] = []
        var current = template
        var scratch: [UInt8] = []
        var countInCurrent = 0
        func finish() {
            if withdrawnField {
                current.setUInt16(UInt16(current.count - 21), at: 19)
                current += [0, 0]
            } else {
                let attributesEndIndex = attributesEnd ?? current.count
                current.setUInt16(UInt16(attributesEndIndex - 23), at: 21)
                if let mpLengthIndex { current.setUInt16(UInt16(current.count - mpLengthIndex - 2), at: mpLengthIndex) }
            }
            current.setUInt16(UInt16(current.count), at: 16)
            messages.append(current)
        }
        let trailer = withdrawnField ? 2 : 0
        for index in nlri.indices {
            scratch.removeAll(keepingCapacity: true)
            encode(index, &scratch)
            if countInCurrent > 0 && current.count + scratch.count + trailer > maximum {
                finish()
                current = template
                countInCurrent = 0
            }
            current += scratch
            countInCurrent += 1
        }
        finish()
        return messages
    }

    /// The End-of-RIB marker for `family` (RFC 4724 §2): an empty UPDATE for IPv4 unicast, else an
    /// UPDATE whose only attribute is an empty MP_UNREACH_NLRI.
    public static func endOfRIB(_ family: AddressFamily) -> UpdateMessage {
        var update = UpdateMessage()
        if family != .ipv4Unicast { update.attributes.mpUnreach = MPUnreach(family: family, nlri: []) }
        return update
    }

    /// The family whose End-of-RIB this UPDATE is, or nil (RFC 4724 §2).
    public var endOfRIBFamily: AddressFamily? {
        guard withdrawnRoutes.isEmpty, nlri.isEmpty, attributes.mpReach == nil else { return nil }
        if let unreach = attributes.mpUnreach { return unreach.nlri.isEmpty ? unreach.family : nil }
        let rawUnreach = attributes.unrecognized.filter { $0.typeCode == PathAttributeType.mpUnreach }
        if rawUnreach.count == 1, rawUnreach[0].value.count == 3 {
            let value = rawUnreach[0].value
            return AddressFamily(afi: UInt16(value[0]) << 8 | UInt16(value[1]), safi: value[2])
        }
        return attributes == PathAttributes() ? .ipv4Unicast : nil
    }
}
