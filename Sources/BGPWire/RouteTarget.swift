import NetAddress

/// A route target extended community (RFC 4360 §4), held as its 8 bytes in a big-endian `UInt64`
/// (type, subtype 0x02, 6-byte value). Only the transitive form is produced.
///
/// Text forms: `64512:80` (type 0x00, 2-byte AS), `198.51.100.11:3` (type 0x01, IPv4),
/// `4200000000:80` (type 0x02, 4-byte AS, RFC 5668). `target:` prefixes are accepted.
public struct RouteTarget: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    /// Wraps 8 bytes of an extended community whose subtype is 0x02.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static func twoOctetAS(_ asn: UInt16, _ number: UInt32) -> RouteTarget {
        RouteTarget(rawValue: 0x0002 << 48 | UInt64(asn) << 32 | UInt64(number))
    }

    public static func ipv4(_ address: IPv4Address, _ number: UInt16) -> RouteTarget {
        RouteTarget(rawValue: 0x0102 << 48 | UInt64(address.rawValue) << 16 | UInt64(number))
    }

    public static func fourOctetAS(_ asn: UInt32, _ number: UInt16) -> RouteTarget {
        RouteTarget(rawValue: 0x0202 << 48 | UInt64(asn) << 16 | UInt64(number))
    }

    /// The high-order type octet (0x00, 0x01, 0x02).
    public var type: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 56) & 0x3F }

    /// The same route target with the type octet's transitive/IANA flag bits cleared; route-target
    /// membership NLRI (RFC 4684 §4) and matching compare this form.
    public var normalized: RouteTarget { RouteTarget(rawValue: rawValue & 0x3FFF_FFFF_FFFF_FFFF) }

    public init?(_ text: some StringProtocol) {
        var body = Substring(text)
        if body.hasPrefix("target:") { body = body.dropFirst("target:".count) }
        switch AdministratorValue(body) {
        case .twoOctetAS(let asn, let number): self = .twoOctetAS(asn, number)
        case .ipv4(let address, let number): self = .ipv4(address, number)
        case .fourOctetAS(let asn, let number): self = .fourOctetAS(asn, number)
        case nil: return nil
        }
    }

    /// `64512:80`, `198.51.100.11:3` or `4200000000:80`.
    public var description: String {
        AdministratorValue.text(kind: UInt64(type), value: rawValue) ?? "0x" + String(rawValue, radix: 16)
    }

    public static func < (lhs: RouteTarget, rhs: RouteTarget) -> Bool { lhs.rawValue < rhs.rawValue }
}
