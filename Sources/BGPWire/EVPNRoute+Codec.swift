import NetAddress

extension EVPNRoute {
    /// Decodes one EVPN NLRI: route type, length, value (RFC 7432 §7, RFC 9136 §3). Throws only when
    /// the length overruns its container (the NLRI list cannot be parsed: session reset, RFC 7606 §5.3).
    /// A known type whose value is inconsistent comes back as `.unknown` with `wellFormed == false`,
    /// so the caller can apply treat-as-withdraw; an unknown type is kept raw and is well formed.
    static func decode(_ reader: inout ByteReader, legacyShiftedVNI: Bool) throws(ByteReader.Truncated) -> (route: EVPNRoute, wellFormed: Bool) {
        let type = try reader.readUInt8()
        let length = Int(try reader.readUInt8())
        var value = try reader.readSubReader(length)
        var original = value
        let decoded: EVPNRoute?
        do {
            decoded = switch type {
            case 1: try decodeEthernetAutoDiscovery(&value, legacyShiftedVNI: legacyShiftedVNI)
            case 2: try decodeMACIPAdvertisement(&value, legacyShiftedVNI: legacyShiftedVNI)
            case 3: try decodeInclusiveMulticast(&value)
            case 4: try decodeEthernetSegment(&value)
            case 5: try decodeIPPrefix(&value, legacyShiftedVNI: legacyShiftedVNI)
            default: nil
            }
        } catch {
            decoded = nil
        }
        if let decoded, value.isAtEnd { return (decoded, true) }
        return (.unknown(type: type, value: original.readRemainingBytes()), type > 5 || type == 0)
    }

    private static func readLabel(_ value: inout ByteReader, legacyShiftedVNI: Bool) throws(ByteReader.Truncated) -> UInt32 {
        let label = try value.readUInt24()
        return legacyShiftedVNI ? label >> 4 : label
    }

    private static func readESI(_ value: inout ByteReader) throws(ByteReader.Truncated) -> EthernetSegmentIdentifier {
        EthernetSegmentIdentifier(high: try value.readUInt16(), low: try value.readUInt64())
    }

    /// An IP length octet in bits (0, 32 or 128) followed by the address: `.some(nil)` for length 0,
    /// nil for any other length.
    private static func readLengthPrefixedAddress(_ value: inout ByteReader) throws(ByteReader.Truncated) -> IPAddress?? {
        switch try value.readUInt8() {
        case 0: return .some(nil)
        case 32: return .some(try value.readIPAddress(byteCount: 4))
        case 128: return .some(try value.readIPAddress(byteCount: 16))
        default: return nil
        }
    }

    private static func decodeEthernetAutoDiscovery(_ value: inout ByteReader, legacyShiftedVNI: Bool) throws(ByteReader.Truncated) -> EVPNRoute? {
        let rd = RouteDistinguisher(rawValue: try value.readUInt64())
        let esi = try readESI(&value)
        let tag = try value.readUInt32()
        let label = try readLabel(&value, legacyShiftedVNI: legacyShiftedVNI)
        return .ethernetAutoDiscovery(EthernetAutoDiscoveryRoute(routeDistinguisher: rd, esi: esi, ethernetTag: tag, label: label))
    }

    private static func decodeMACIPAdvertisement(_ value: inout ByteReader, legacyShiftedVNI: Bool) throws(ByteReader.Truncated) -> EVPNRoute? {
        let rd = RouteDistinguisher(rawValue: try value.readUInt64())
        let esi = try readESI(&value)
        let tag = try value.readUInt32()
        guard try value.readUInt8() == 48 else { return nil }
        let mac = MACAddress(rawValue: try value.readUInt48())
        guard let ip = try readLengthPrefixedAddress(&value) else { return nil }
        let label1 = try readLabel(&value, legacyShiftedVNI: legacyShiftedVNI)
        let label2 = value.isAtEnd ? nil : try readLabel(&value, legacyShiftedVNI: legacyShiftedVNI)
        return .macIPAdvertisement(MACIPAdvertisementRoute(routeDistinguisher: rd, esi: esi, ethernetTag: tag, mac: mac, ip: ip,
                                                           label1: label1, label2: label2))
    }

    private static func decodeInclusiveMulticast(_ value: inout ByteReader) throws(ByteReader.Truncated) -> EVPNRoute? {
        let rd = RouteDistinguisher(rawValue: try value.readUInt64())
        let tag = try value.readUInt32()
        guard let originator = try readLengthPrefixedAddress(&value) ?? nil else { return nil }
        return .inclusiveMulticast(InclusiveMulticastRoute(routeDistinguisher: rd, ethernetTag: tag, originator: originator))
    }

    private static func decodeEthernetSegment(_ value: inout ByteReader) throws(ByteReader.Truncated) -> EVPNRoute? {
        let rd = RouteDistinguisher(rawValue: try value.readUInt64())
        let esi = try readESI(&value)
        guard let originator = try readLengthPrefixedAddress(&value) ?? nil else { return nil }
        return .ethernetSegment(EthernetSegmentRoute(routeDistinguisher: rd, esi: esi, originator: originator))
    }

    /// RFC 9136 §3.1: the address family follows from the NLRI length (34 IPv4, 58 IPv6).
    private static func decodeIPPrefix(_ value: inout ByteReader, legacyShiftedVNI: Bool) throws(ByteReader.Truncated) -> EVPNRoute? {
        let addressLength: Int
        switch value.remaining {
        case 34: addressLength = 4
        case 58: addressLength = 16
        default: return nil
        }
        let rd = RouteDistinguisher(rawValue: try value.readUInt64())
        let esi = try readESI(&value)
        let tag = try value.readUInt32()
        let prefixLength = Int(try value.readUInt8())
        guard let address = try value.readIPAddress(byteCount: addressLength),
              let prefix = IPPrefix(address: address, length: prefixLength),
              let gateway = try value.readIPAddress(byteCount: addressLength) else { return nil }
        let label = try readLabel(&value, legacyShiftedVNI: legacyShiftedVNI)
        return .ipPrefix(IPPrefixRoute(routeDistinguisher: rd, esi: esi, ethernetTag: tag, prefix: prefix, gateway: gateway, label: label))
    }

    /// Appends type, length and value.
    func encode(into bytes: inout [UInt8], legacyShiftedVNI: Bool) {
        bytes.append(routeType)
        let lengthIndex = bytes.count
        bytes.append(0)
        func appendLabel(_ label: UInt32) {
            bytes.appendUInt24(legacyShiftedVNI ? (label << 4 | 1) & 0xFF_FFFF : label & 0xFF_FFFF)
        }
        func appendESI(_ esi: EthernetSegmentIdentifier) {
            bytes.appendUInt16(esi.high)
            bytes.appendUInt64(esi.low)
        }
        func appendLengthPrefixed(_ address: IPAddress?) {
            guard let address else { return bytes.append(0) }
            bytes.append(UInt8(address.bitLength))
            bytes.appendIPAddress(address)
        }
        switch self {
        case .ethernetAutoDiscovery(let route):
            bytes.appendUInt64(route.routeDistinguisher.rawValue)
            appendESI(route.esi)
            bytes.appendUInt32(route.ethernetTag)
            appendLabel(route.label)
        case .macIPAdvertisement(let route):
            bytes.appendUInt64(route.routeDistinguisher.rawValue)
            appendESI(route.esi)
            bytes.appendUInt32(route.ethernetTag)
            bytes.append(48)
            bytes.appendUInt48(route.mac.rawValue)
            appendLengthPrefixed(route.ip)
            appendLabel(route.label1)
            if let label2 = route.label2 { appendLabel(label2) }
        case .inclusiveMulticast(let route):
            bytes.appendUInt64(route.routeDistinguisher.rawValue)
            bytes.appendUInt32(route.ethernetTag)
            appendLengthPrefixed(route.originator)
        case .ethernetSegment(let route):
            bytes.appendUInt64(route.routeDistinguisher.rawValue)
            appendESI(route.esi)
            appendLengthPrefixed(route.originator)
        case .ipPrefix(let route):
            bytes.appendUInt64(route.routeDistinguisher.rawValue)
            appendESI(route.esi)
            bytes.appendUInt32(route.ethernetTag)
            bytes.append(UInt8(route.prefix.length))
            bytes.appendIPAddress(route.prefix.address)
            // The gateway must be of the prefix's family (RFC 9136 §3.1); another one is sent as zero.
            switch (route.prefix.address, route.gateway) {
            case (.v4, .v4), (.v6, .v6): bytes.appendIPAddress(route.gateway)
            case (.v4, .v6): bytes.append(contentsOf: [0, 0, 0, 0])
            case (.v6, .v4): bytes.append(contentsOf: [UInt8](repeating: 0, count: 16))
            }
            appendLabel(route.label)
        case .unknown(_, let value):
            bytes += value.prefix(255)
        }
        bytes[lengthIndex] = UInt8(truncatingIfNeeded: bytes.count - lengthIndex - 1)
    }
}
