/// A 10-byte Ethernet segment identifier (RFC 7432 §5): type octet (0–5) plus 9 value octets.
/// Held as the first two bytes in `high` and the last eight in `low`.
public struct EthernetSegmentIdentifier: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt16
    public let low: UInt64

    public init(high: UInt16, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Builds an ESI from its 10 bytes in network order.
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 10, "an ESI has 10 bytes")
        var high: UInt16 = 0, low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 2 { high = high << 8 | UInt16(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// The single-homed ESI (all zero).
    public static let zero = EthernetSegmentIdentifier(high: 0, low: 0)

    /// The ESI type (RFC 7432 §5: 0 arbitrary, 1 LACP, 2 bridge, 3 MAC, 4 router id, 5 AS).
    public var type: UInt8 { UInt8(high >> 8) }

    public var bytes: [UInt8] {
        [UInt8(high >> 8), UInt8(truncatingIfNeeded: high)] + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }

    /// Colon-separated hex, as GoBGP prints it (`00:00:00:00:00:00:00:00:00:00`); `0` for the zero ESI.
    public var description: String {
        self == .zero ? "0" : bytes.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}
