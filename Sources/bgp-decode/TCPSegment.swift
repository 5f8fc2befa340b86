import NetAddress

/// One side of a TCP connection.
struct Endpoint: Hashable, CustomStringConvertible {
    var address: IPAddress
    var port: UInt16

    var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }
}

/// The TCP part of a captured frame.
struct TCPSegment {
    var source: Endpoint
    var destination: Endpoint
    var sequence: UInt32
    var syn: Bool
    var payload: ArraySlice<UInt8>

    /// Parses link layer (Ethernet with VLAN tags, Linux cooked v1/v2, raw IP, BSD loopback), IPv4 or IPv6,
    /// then TCP. Nil for anything else, fragments included.
    init?(frame: CapturedFrame) {
        let data = frame.data
        var offset = data.startIndex
        var etherType: UInt16
        func u16(_ at: Int) -> UInt16 { UInt16(data[at]) << 8 | UInt16(data[at + 1]) }
        switch frame.linkType {
        case 1:  // Ethernet
            guard data.count >= 14 else { return nil }
            etherType = u16(offset + 12)
            offset += 14
            while etherType == 0x8100 || etherType == 0x88A8 {
                guard data.endIndex - offset >= 4 else { return nil }
                etherType = u16(offset + 2)
                offset += 4
            }
        case 113:  // Linux cooked capture v1
            guard data.count >= 16 else { return nil }
            etherType = u16(offset + 14)
            offset += 16
        case 276:  // Linux cooked capture v2
            guard data.count >= 20 else { return nil }
            etherType = u16(offset)
            offset += 20
        case 101, 12, 14:  // raw IP
            guard let first = data.first else { return nil }
            etherType = first >> 4 == 6 ? 0x86DD : 0x0800
        case 228: etherType = 0x0800
        case 229: etherType = 0x86DD
        case 0, 108:  // BSD loopback: a 4-byte address family, then the IP packet
            guard data.count >= 5 else { return nil }
            offset += 4
            etherType = data[offset] >> 4 == 6 ? 0x86DD : 0x0800
        default:
            return nil
        }
        guard let (source, destination, tcpOffset, end) = Self.ipHeader(data, at: offset, etherType: etherType) else { return nil }
        guard end - tcpOffset >= 20 else { return nil }
        let headerLength = Int(data[tcpOffset + 12] >> 4) * 4
        guard headerLength >= 20, end - tcpOffset >= headerLength else { return nil }
        self.source = Endpoint(address: source, port: u16(tcpOffset))
        self.destination = Endpoint(address: destination, port: u16(tcpOffset + 2))
        sequence = UInt32(u16(tcpOffset + 4)) << 16 | UInt32(u16(tcpOffset + 6))
        syn = data[tcpOffset + 13] & 0x02 != 0
        payload = data[(tcpOffset + headerLength)..<end]
    }

    /// Source, destination, offset of the TCP header and end of the IP payload.
    private static func ipHeader(_ data: ArraySlice<UInt8>, at offset: Int, etherType: UInt16) -> (IPAddress, IPAddress, Int, Int)? {
        switch etherType {
        case 0x0800:
            guard data.endIndex - offset >= 20, data[offset] >> 4 == 4 else { return nil }
            let headerLength = Int(data[offset] & 0x0F) * 4
            let totalLength = Int(data[offset + 2]) << 8 | Int(data[offset + 3])
            let fragment = (UInt16(data[offset + 6]) << 8 | UInt16(data[offset + 7])) & 0x3FFF
            guard data[offset + 9] == 6, fragment == 0, headerLength >= 20, totalLength >= headerLength,
                  offset + totalLength <= data.endIndex else { return nil }
            return (.v4(IPv4Address(bytes: data[offset + 12..<offset + 16])), .v4(IPv4Address(bytes: data[offset + 16..<offset + 20])),
                    offset + headerLength, offset + totalLength)
        case 0x86DD:
            guard data.endIndex - offset >= 40, data[offset] >> 4 == 6 else { return nil }
            let payloadLength = Int(data[offset + 4]) << 8 | Int(data[offset + 5])
            var next = data[offset + 6]
            var header = offset + 40
            let end = offset + 40 + payloadLength
            guard end <= data.endIndex else { return nil }
            while [0, 43, 60].contains(next) {  // hop-by-hop, routing, destination options
                guard end - header >= 8 else { return nil }
                next = data[header]
                header += (Int(data[header + 1]) + 1) * 8
            }
            guard next == 6, header <= end else { return nil }
            return (.v6(IPv6Address(bytes: data[offset + 8..<offset + 24])), .v6(IPv6Address(bytes: data[offset + 24..<offset + 40])), header, end)
        default:
            return nil
        }
    }
}
