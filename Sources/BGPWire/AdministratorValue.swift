import NetAddress

/// The `administrator:assigned-number` layout shared by route distinguishers (RFC 4364 §4.2) and
/// route targets (RFC 4360 §4, RFC 5668): 2-byte AS + 4-byte number, IPv4 + 2-byte number, or
/// 4-byte AS + 2-byte number, in the 6 value bytes after the type.
enum AdministratorValue: Equatable {
    case twoOctetAS(UInt16, UInt32)
    case ipv4(IPv4Address, UInt16)
    case fourOctetAS(UInt32, UInt16)

    /// Parses `64512:80`, `198.51.100.11:3` or `4200000000:80`; an AS above 65535 selects the
    /// 4-byte form.
    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if let address = IPv4Address(parts[0]) {
            guard let number = UInt16(parts[1]) else { return nil }
            self = .ipv4(address, number)
        } else if parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let asn = UInt32(parts[0]) {
            if asn <= UInt16.max, let number = UInt32(parts[1]) {
                self = .twoOctetAS(UInt16(asn), number)
            } else if asn > UInt16.max, let number = UInt16(parts[1]) {
                self = .fourOctetAS(asn, number)
            } else {
                return nil
            }
        } else {
            return nil
        }
    }

    /// The text form of the 6 value bytes (`value`, low 48 bits) of a layout `kind` (0, 1, 2).
    static func text(kind: UInt64, value: UInt64) -> String? {
        let value = value & 0xFFFF_FFFF_FFFF
        switch kind {
        case 0: return "\(value >> 32):\(value & 0xFFFF_FFFF)"
        case 1: return "\(IPv4Address(rawValue: UInt32(value >> 16))):\(value & 0xFFFF)"
        case 2: return "\(value >> 16):\(value & 0xFFFF)"
        default: return nil
        }
    }
}
