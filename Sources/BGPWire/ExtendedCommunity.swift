import NetAddress

/// Tunnel types of the encapsulation extended community (RFC 9012 §4.1; IANA "BGP Tunnel Encapsulation Attribute Tunnel Types").
public struct TunnelType: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let vxlan = TunnelType(rawValue: 8)
    public static let nvgre = TunnelType(rawValue: 9)
    public static let mpls = TunnelType(rawValue: 10)
    public static let geneve = TunnelType(rawValue: 19)

    public var description: String {
        switch self {
        case .vxlan: "VXLAN"
        case .nvgre: "NVGRE"
        case .mpls: "MPLS"
        case .geneve: "GENEVE"
        default: "\(rawValue)"
        }
    }
}

/// An extended community (RFC 4360) of one of the kinds an EVPN speaker acts on; anything else
/// is kept as its 8 raw bytes.
public enum ExtendedCommunity: Hashable, Sendable, CustomStringConvertible {
    /// Route target (RFC 4360 §4, RFC 5668).
    case routeTarget(RouteTarget)
    /// Encapsulation (RFC 9012 §4.1, type 0x03 subtype 0x0c).
    case encapsulation(TunnelType)
    /// MAC mobility (RFC 7432 §7.7, type 0x06 subtype 0x00).
    case macMobility(sequence: UInt32, sticky: Bool)
    /// ESI label (RFC 7432 §7.5, type 0x06 subtype 0x01).
    case esiLabel(singleActive: Bool, label: UInt32)
    /// ES-import route target (RFC 7432 §7.6, type 0x06 subtype 0x02).
    case esImportRouteTarget(MACAddress)
    /// EVPN router's MAC (RFC 9135 §8.1, type 0x06 subtype 0x03).
    case routerMAC(MACAddress)
    /// Default gateway (RFC 7432 §7.8, type 0x03 subtype 0x0d).
    case defaultGateway
    /// BaGPipe's consistent-hash sort order (type 0x03 subtype 0x14, 4-byte order, 2 bytes zero).
    case consistentHashSortOrder(UInt32)
    /// Any other extended community, as its 8 bytes big-endian.
    case raw(UInt64)

    /// Text forms as GoBGP and BaGPipe print them: `target:64512:80`, `encap:VXLAN`, `mac-mobility:5`,
    /// `mac-mobility:5:sticky`, `router-mac:52:54:00:aa:bb:cc`, `default-gateway`, …
    public var description: String {
        switch self {
        case .routeTarget(let target): "target:\(target)"
        case .encapsulation(let tunnel): "encap:\(tunnel)"
        case .macMobility(let sequence, let sticky): sticky ? "mac-mobility:\(sequence):sticky" : "mac-mobility:\(sequence)"
        case .esiLabel(let singleActive, let label): "esi-label:\(label)\(singleActive ? ":single-active" : "")"
        case .esImportRouteTarget(let mac): "es-import:\(mac)"
        case .routerMAC(let mac): "router-mac:\(mac)"
        case .defaultGateway: "default-gateway"
        case .consistentHashSortOrder(let order): "consistentHashSortOrder:\(order)"
        case .raw(let value): "0x" + String(value, radix: 16)
        }
    }
}
