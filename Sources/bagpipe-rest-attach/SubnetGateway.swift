import NetAddress

/// BaGPipe's default gateway: `netaddr.IPNetwork(ip)[-2]`, the last address of the subnet but one
/// (203.0.113.254 for 203.0.113.10/24).
enum SubnetGateway {
    static func secondToLast(in prefix: IPPrefix) -> IPAddress? {
        guard prefix.length < prefix.address.bitLength else { return nil }  // a single address has no [-2]
        switch prefix.address {
        case .v4(let address):
            let hostMask: UInt32 = prefix.length == 0 ? .max : (1 << (32 - UInt32(prefix.length))) - 1
            return .v4(IPv4Address(rawValue: (address.rawValue | hostMask) - 1))
        case .v6(let address):
            let hostBits = 128 - prefix.length
            let lowMask: UInt64 = hostBits >= 64 ? .max : (1 << UInt64(hostBits)) - 1
            let highMask: UInt64 = hostBits > 64 ? (hostBits == 128 ? .max : (1 << UInt64(hostBits - 64)) - 1) : 0
            let low = address.low | lowMask
            return .v6(IPv6Address(high: address.high | highMask, low: low - 1))
        }
    }
}
