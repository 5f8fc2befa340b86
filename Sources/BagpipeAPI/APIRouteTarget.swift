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
        let parts = String(text).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let asn = Self.decimal(parts[0]), let number = Self.decimal(parts[1]) else { return nil }
        self.init(asn: asn, number: number)
    }

    /// True when the AS needs 4 bytes, so the RT is of the 4-byte-AS type.
    public var hasFourByteASN: Bool { asn > UInt16.max }

    public var description: String { "\(asn):\(number)" }

    private static func decimal(_ text: Substring) -> UInt32? {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt32(String(trimmed))
    }
}
