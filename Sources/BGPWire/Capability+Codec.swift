extension Capability {
    /// Decodes one capability value (RFC 5492 §4). A known code whose value does not re-encode to the
    /// same bytes (bad length, reserved bits set) is kept as `.unknown`, so nothing is lost or rejected.
    static func decode(code: UInt8, value: UnsafeRawBufferPointer) -> Capability {
        let raw = Capability.unknown(code: code, value: Array(value))
        guard let decoded = decodeKnown(code: code, value: value), decoded.encodedValue() == Array(value) else { return raw }
        return decoded
    }

    private static func decodeKnown(code: UInt8, value: UnsafeRawBufferPointer) -> Capability? {
        var reader = ByteReader(value)
        do {
            switch code {
            case 1:
                let afi = try reader.readUInt16()
                _ = try reader.readUInt8()
                return .multiprotocol(AddressFamily(afi: afi, safi: try reader.readUInt8()))
            case 2: return .routeRefresh
            case 6: return .extendedMessage
            case 64:
                let header = try reader.readUInt16()
                var families: [GracefulRestartCapability.FamilyFlags] = []
                while !reader.isAtEnd {
                    let family = AddressFamily(afi: try reader.readUInt16(), safi: try reader.readUInt8())
                    families.append(.init(family: family, forwardingStatePreserved: try reader.readUInt8() & 0x80 != 0))
                }
                return .gracefulRestart(GracefulRestartCapability(
                    restartState: header & 0x8000 != 0, notificationSupport: header & 0x4000 != 0,
                    restartTime: header & 0x0FFF, families: families))
            case 65: return .fourOctetAS(try reader.readUInt32())
            case 69:
                var entries: [AddPathEntry] = []
                while !reader.isAtEnd {
                    let family = AddressFamily(afi: try reader.readUInt16(), safi: try reader.readUInt8())
                    entries.append(AddPathEntry(family: family, mode: AddPathEntry.Mode(rawValue: try reader.readUInt8())))
                }
                return .addPath(entries)
            case 70: return .enhancedRouteRefresh
            case 71:
                var entries: [LongLivedGracefulRestartEntry] = []
                while !reader.isAtEnd {
                    let family = AddressFamily(afi: try reader.readUInt16(), safi: try reader.readUInt8())
                    let flags = try reader.readUInt8()
                    entries.append(LongLivedGracefulRestartEntry(family: family, forwardingStatePreserved: flags & 0x80 != 0,
                                                                 staleTime: try reader.readUInt24()))
                }
                return .longLivedGracefulRestart(entries)
            case 73:
                let hostName = try reader.readBytes(Int(try reader.readUInt8()))
                let domainName = try reader.readBytes(Int(try reader.readUInt8()))
                guard let host = String(validating: hostName, as: UTF8.self),
                      let domain = String(validating: domainName, as: UTF8.self) else { return nil }
                return .fqdn(hostName: host, domainName: domain)
            default: return nil
            }
        } catch {
            return nil
        }
    }

    /// The capability value bytes (without code and length).
    func encodedValue() -> [UInt8] {
        var bytes: [UInt8] = []
        switch self {
        case .multiprotocol(let family):
            bytes.appendUInt16(family.afi)
            bytes.append(0)
            bytes.append(family.safi)
        case .routeRefresh, .extendedMessage, .enhancedRouteRefresh:
            break
        case .gracefulRestart(let restart):
            var header = restart.restartTime & 0x0FFF
            if restart.restartState { header |= 0x8000 }
            if restart.notificationSupport { header |= 0x4000 }
            bytes.appendUInt16(header)
            for entry in restart.families {
                bytes.appendUInt16(entry.family.afi)
                bytes.append(entry.family.safi)
                bytes.append(entry.forwardingStatePreserved ? 0x80 : 0)
            }
        case .fourOctetAS(let asn):
            bytes.appendUInt32(asn)
        case .addPath(let entries):
            for entry in entries {
                bytes.appendUInt16(entry.family.afi)
                bytes.append(entry.family.safi)
                bytes.append(entry.mode.rawValue)
            }
        case .longLivedGracefulRestart(let entries):
            for entry in entries {
                bytes.appendUInt16(entry.family.afi)
                bytes.append(entry.family.safi)
                bytes.append(entry.forwardingStatePreserved ? 0x80 : 0)
                bytes.appendUInt24(entry.staleTime & 0xFF_FFFF)
            }
        case .fqdn(let hostName, let domainName):
            for name in [hostName, domainName] {
                let utf8 = Array(name.utf8.prefix(255))
                bytes.append(UInt8(utf8.count))
                bytes += utf8
            }
        case .unknown(_, let value):
            bytes = value
        }
        return bytes
    }
}
