import NetAddress

extension ExtendedCommunity {
    /// Decodes 8 bytes (big-endian in `value`). A known kind whose reserved bits are not zero is kept
    /// `.raw`, so every community re-encodes to exactly the bytes received.
    public init(wireValue value: UInt64) {
        let type = UInt8(truncatingIfNeeded: value >> 56)
        let subtype = UInt8(truncatingIfNeeded: value >> 48)
        let decoded: ExtendedCommunity? = switch (type, subtype) {
        case (0x00, 0x02), (0x01, 0x02), (0x02, 0x02), (0x40, 0x02), (0x41, 0x02), (0x42, 0x02):
            .routeTarget(RouteTarget(rawValue: value))
        case (0x03, 0x0C): .encapsulation(TunnelType(rawValue: UInt16(truncatingIfNeeded: value)))
        case (0x03, 0x0D): .defaultGateway
        case (0x03, 0x14): .consistentHashSortOrder(UInt32(truncatingIfNeeded: value >> 16))
        case (0x06, 0x00): .macMobility(sequence: UInt32(truncatingIfNeeded: value), sticky: value & 0x0000_0100_0000_0000 != 0)
        case (0x06, 0x01): .esiLabel(singleActive: value & 0x0000_0100_0000_0000 != 0, label: UInt32(truncatingIfNeeded: value) & 0xFF_FFFF)
        case (0x06, 0x02): .esImportRouteTarget(MACAddress(rawValue: value))
        case (0x06, 0x03): .routerMAC(MACAddress(rawValue: value))
        default: nil
        }
        if let decoded, decoded.wireValue == value { self = decoded } else { self = .raw(value) }
    }

    /// The 8 bytes, big-endian.
    public var wireValue: UInt64 {
        switch self {
        case .routeTarget(let target): target.rawValue
        case .encapsulation(let tunnel): 0x030C << 48 | UInt64(tunnel.rawValue)
        case .defaultGateway: 0x030D << 48
        case .consistentHashSortOrder(let order): 0x0314 << 48 | UInt64(order) << 16
        case .macMobility(let sequence, let sticky): 0x0600 << 48 | (sticky ? 1 << 40 : 0) | UInt64(sequence)
        case .esiLabel(let singleActive, let label): 0x0601 << 48 | (singleActive ? 1 << 40 : 0) | UInt64(label & 0xFF_FFFF)
        case .esImportRouteTarget(let mac): 0x0602 << 48 | mac.rawValue
        case .routerMAC(let mac): 0x0603 << 48 | mac.rawValue
        case .raw(let value): value
        }
    }
}
