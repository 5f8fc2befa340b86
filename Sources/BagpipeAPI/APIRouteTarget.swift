/// A route target as the API spells it, `ASN:NN` (RFC 4360 §4; BaGPipe's `convert_route_targets`).
///
/// A 2-byte AS takes a 4-byte number (type 0x0002); a 4-byte AS takes a 2-byte number (RFC 5668, type 0x0202).
public struct APIRouteTarget: Sendable, Hashable, CustomStringConvertible {
    public let asn: UInt32
    public let number: UInt32

    public init?(asn: UInt32, number: UInt32) {
        guard asn <= UInt16.max || number <= UInt16.max else { return nil }
        self.asn = asn
        self.number = number
    }

    /// Parses `64512:80`; spaces around either part are allowed, as Python's `int()` allows them.
    public init?(_ text: some StringProtocol) {
        var parts: [UInt64] = []
        var value: UInt64 = 0
        var digits = 0
        var afterDigits = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard !afterDigits else { return nil }
                value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
                guard value <= UInt32.max else { return nil }
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                afterDigits = digits > 0
            case UInt8(ascii: ":"):
                guard digits > 0, parts.isEmpty else { return nil }
                parts.append(value)
                (value, digits, afterDigits) = (0, 0, false)
            default:
                return nil
            }
        }
        guard digits > 0, parts.count == 1 else { return nil }
        self.init(asn: UInt32(parts[0]), number: UInt32(value))
    }

    /// True when the AS needs 4 bytes, so the RT is of the 4-byte-AS type.
    public var hasFourByteASN: Bool { asn > UInt16.max }

    public var description: String { "\(asn):\(number)" }
}
