import NetAddress

/// An NLRI list that cannot be parsed (RFC 7606 §5.3: the session must be reset).
struct NLRIError: Error {
    var reason: String
}

/// The families whose NLRI this codec decodes.
extension AddressFamily {
    var isDecodable: Bool {
        self == .l2vpnEVPN || self == .routeTargetConstraint || self == .ipv4Unicast || self == .ipv6Unicast
    }
}

extension NLRI {
    /// Decodes every NLRI of `family` until the reader is exhausted, with a 4-byte path identifier before
    /// each when add-path is in use (RFC 7911 §3). `malformed` is set when a known EVPN route type is
    /// inconsistent (the caller applies treat-as-withdraw).
    static func decodeList(family: AddressFamily, reader: inout ByteReader, addPath: Bool, legacyShiftedVNI: Bool,
                           into nlri: inout [NLRI], pathIdentifiers: inout [UInt32], malformed: inout String?) throws(NLRIError) {
        do {
            if family == .l2vpnEVPN { nlri.reserveCapacity(nlri.count + reader.remaining / 36) }
            while !reader.isAtEnd {
                if addPath { pathIdentifiers.append(try reader.readUInt32()) }
                switch family {
                case .l2vpnEVPN:
                    let (route, wellFormed) = try EVPNRoute.decode(&reader, legacyShiftedVNI: legacyShiftedVNI)
                    if !wellFormed, malformed == nil { malformed = "malformed EVPN route type \(route.routeType)" }
                    nlri.append(.evpn(route))
                case .routeTargetConstraint:
                    nlri.append(.routeTargetMembership(try RouteTargetMembership.decode(&reader)))
                case .ipv4Unicast:
                    nlri.append(.ipv4Unicast(try IPPrefix.decode(&reader, addressBytes: 4)))
                case .ipv6Unicast:
                    nlri.append(.ipv6Unicast(try IPPrefix.decode(&reader, addressBytes: 16)))
                default:
                    throw NLRIError(reason: "family \(family) is not decoded")
                }
            }
        } catch let error as NLRIError {
            throw error
        } catch {
            throw NLRIError(reason: "\(family) NLRI overruns its field")
        }
    }

    /// Appends the NLRI encoding (without path identifier).
    func encode(into bytes: inout [UInt8], legacyShiftedVNI: Bool) {
        switch self {
        case .evpn(let route): route.encode(into: &bytes, legacyShiftedVNI: legacyShiftedVNI)
        case .routeTargetMembership(let membership): membership.encode(into: &bytes)
        case .ipv4Unicast(let prefix), .ipv6Unicast(let prefix): prefix.encode(into: &bytes)
        }
    }

    /// The family this NLRI belongs to.
    public var family: AddressFamily {
        switch self {
        case .evpn: .l2vpnEVPN
        case .routeTargetMembership: .routeTargetConstraint
        case .ipv4Unicast: .ipv4Unicast
        case .ipv6Unicast: .ipv6Unicast
        }
    }
}

extension IPPrefix {
    /// Length in bits, then the minimum number of address bytes (RFC 4271 §4.3, RFC 4760 §5).
    /// Bits past the length are kept as received.
    static func decode(_ reader: inout ByteReader, addressBytes: Int) throws(NLRIError) -> IPPrefix {
        guard let length = try? reader.readUInt8(), Int(length) <= addressBytes * 8 else {
            throw NLRIError(reason: "prefix length over \(addressBytes * 8)")
        }
        let count = (Int(length) + 7) / 8
        var high: UInt64 = 0, low: UInt64 = 0
        for index in 0..<count {
            guard let byte = try? reader.readUInt8() else { throw NLRIError(reason: "prefix overruns the NLRI field") }
            if index < 8 { high |= UInt64(byte) << (56 - 8 * UInt64(index)) } else { low |= UInt64(byte) << (56 - 8 * UInt64(index - 8)) }
        }
        let address: IPAddress = addressBytes == 4 ? .v4(IPv4Address(rawValue: UInt32(high >> 32))) : .v6(IPv6Address(high: high, low: low))
        guard let prefix = IPPrefix(address: address, length: Int(length)) else { throw NLRIError(reason: "bad prefix") }
        return prefix
    }

    func encode(into bytes: inout [UInt8]) {
        bytes.append(UInt8(length))
        let count = (length + 7) / 8
        switch address {
        case .v4(let v4):
            for index in 0..<count { bytes.append(UInt8(truncatingIfNeeded: v4.rawValue >> (24 - 8 * UInt32(index)))) }
        case .v6(let v6):
            for index in 0..<count {
                let word = index < 8 ? v6.high : v6.low
                bytes.append(UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(index % 8))))
            }
        }
    }
}

extension RouteTargetMembership {
    /// RFC 4684 §4: length in bits (0 or up to 96), then that prefix of origin AS (4 bytes) and route
    /// target (8 bytes). Lengths over 96 cannot be parsed.
    static func decode(_ reader: inout ByteReader) throws(NLRIError) -> RouteTargetMembership {
        guard let length = try? reader.readUInt8(), length <= 96 else {
            throw NLRIError(reason: "route-target membership prefix length over 96")
        }
        var origin: UInt32 = 0, target: UInt64 = 0
        for index in 0..<(Int(length) + 7) / 8 {
            guard let byte = try? reader.readUInt8() else { throw NLRIError(reason: "route-target membership overruns the NLRI field") }
            if index < 4 { origin |= UInt32(byte) << (24 - 8 * UInt32(index)) } else { target |= UInt64(byte) << (56 - 8 * UInt64(index - 4)) }
        }
        return RouteTargetMembership(prefixLength: length, originAS: origin, routeTarget: RouteTarget(rawValue: target))
    }

    func encode(into bytes: inout [UInt8]) {
        bytes.append(prefixLength)
        for index in 0..<(Int(prefixLength) + 7) / 8 {
            bytes.append(index < 4 ? UInt8(truncatingIfNeeded: originAS >> (24 - 8 * UInt32(index)))
                                   : UInt8(truncatingIfNeeded: routeTarget.rawValue >> (56 - 8 * UInt64(index - 4))))
        }
    }
}
