/// A 48-bit IEEE 802 MAC address, stored in the low 48 bits of a `UInt64`.
///
/// Text form is lower-case colon-separated (`52:54:00:aa:bb:cc`); parsing also accepts
/// upper case and `-` separators.
public struct MACAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    /// Builds an address from six bytes in network order.
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 6, "a MAC address has 6 bytes")
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        self.init(rawValue: value)
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`; one or two hex digits a group); nil on anything else.
    /// Works on the UTF-8 bytes without allocating: the REST API parses one per request.
    public init?(_ text: some StringProtocol) {
        var value: UInt64 = 0, group: UInt64 = 0, digits = 0, groups = 0
        var separator: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-") {
                if separator == 0 { separator = byte }
                guard byte == separator, digits > 0, groups < 5 else { return nil }
                value = value << 8 | group
                group = 0; digits = 0; groups += 1
                continue
            }
            guard digits < 2, let nibble = hexValue(byte) else { return nil }
            group = group << 4 | UInt64(nibble)
            digits += 1
        }
        guard groups == 5, digits > 0 else { return nil }
        self.init(rawValue: value << 8 | group)
    }

    public static let zero = MACAddress(rawValue: 0)

    /// The six bytes in network order.
    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: rawValue >> (40 - 8 * UInt64($0))) } }

    /// True for group (multicast/broadcast) addresses: the I/G bit of the first octet.
    public var isMulticast: Bool { rawValue & 0x0100_0000_0000 != 0 }

    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The value of one ASCII hex digit.
@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
