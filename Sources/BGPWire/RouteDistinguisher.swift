import NetAddress

/// An 8-byte route distinguisher (RFC 4364 §4.2): a 2-byte type and a 6-byte value,
/// held big-endian in a `UInt64`.
///
/// Text forms: type 0 `65000:7` (2-byte AS : 4-byte number), type 1 `198.51.100.11:3`
/// (IPv4 : 2-byte number), type 2 `4200000000:7` (4-byte AS : 2-byte number).
public struct RouteDistinguisher: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Type 0: 2-byte administrator (AS), 4-byte assigned number.
    public static func twoOctetAS(_ asn: UInt16, _ number: UInt32) -> RouteDistinguisher {
        RouteDistinguisher(rawValue: UInt64(asn) << 32 | UInt64(number))
    }

    /// Type 1: IPv4 administrator, 2-byte assigned number.
    public static func ipv4(_ address: IPv4Address, _ number: UInt16) -> RouteDistinguisher {
        RouteDistinguisher(rawValue: 1 << 48 | UInt64(address.rawValue) << 16 | UInt64(number))
    }

    /// Type 2: 4-byte administrator (AS), 2-byte assigned number.
    public static func fourOctetAS(_ asn: UInt32, _ number: UInt16) -> RouteDistinguisher {
        RouteDistinguisher(rawValue: 2 << 48 | UInt64(asn) << 16 | UInt64(number))
    }

    /// The RD type (0, 1, 2; others are kept but print as raw hex).
    public var type: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 48) }

    /// Parses the three text forms above; an AS above 65535 selects type 2.
    public init?(_ text: some StringProtocol) {
        switch AdministratorValue(text) {
        case .twoOctetAS(let asn, let number): self = .twoOctetAS(asn, number)
        case .ipv4(let address, let number): self = .ipv4(address, number)
        case .fourOctetAS(let asn, let number): self = .fourOctetAS(asn, number)
        case nil: return nil
        }
    }

    public var description: String {
        AdministratorValue.text(kind: UInt64(type), value: rawValue) ?? "0x" + String(rawValue, radix: 16)
    }

    public static func < (lhs: RouteDistinguisher, rhs: RouteDistinguisher) -> Bool { lhs.rawValue < rhs.rawValue }
}
