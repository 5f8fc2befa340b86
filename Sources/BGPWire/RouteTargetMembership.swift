/// A route-target membership NLRI (RFC 4684 §4, AFI 1 / SAFI 132): origin AS plus a route target,
/// or a prefix of those 96 bits. `prefixLength` 0 is the default route ("send me everything");
/// 96 is a full membership; 32 < n < 96 is a partial route target.
public struct RouteTargetMembership: Hashable, Sendable, CustomStringConvertible {
    public var prefixLength: UInt8
    public var originAS: UInt32
    /// The route target bits (masked to `prefixLength − 32` bits, normalized per §4).
    public var routeTarget: RouteTarget

    public init(originAS: UInt32, routeTarget: RouteTarget) {
        prefixLength = 96
        self.originAS = originAS
        self.routeTarget = routeTarget.normalized
    }

    public init(prefixLength: UInt8, originAS: UInt32, routeTarget: RouteTarget) {
        self.prefixLength = prefixLength
        self.originAS = originAS
        self.routeTarget = routeTarget
    }

    /// The default membership (length 0): the peer wants every VPN route.
    public static let `default` = RouteTargetMembership(prefixLength: 0, originAS: 0, routeTarget: RouteTarget(rawValue: 0))

    /// True when a VPN route carrying `target` falls under this membership.
    public func covers(_ target: RouteTarget) -> Bool {
        guard prefixLength > 32 else { return true }
        let bits = UInt64(prefixLength - 32)
        let mask: UInt64 = bits >= 64 ? .max : ~(UInt64.max >> bits)
        return target.normalized.rawValue & mask == routeTarget.normalized.rawValue & mask
    }

    /// `rtc 64512:target:64512:80` as BaGPipe prints it; `default` for length 0.
    public var description: String {
        switch prefixLength {
        case 0: "default"
        case 96: "\(originAS):target:\(routeTarget)"
        default: "\(originAS):target:\(routeTarget)/\(prefixLength)"
        }
    }
}
