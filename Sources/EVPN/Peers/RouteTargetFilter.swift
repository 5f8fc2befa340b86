import BGPWire

/// The route targets a peer asked for with RT membership routes (RFC 4684 §4): the peer gets a
/// VPN route only when one of these covers one of the route's targets.
struct RouteTargetFilter: Equatable, Sendable {
    /// The membership NLRI the peer currently announces.
    private(set) var memberships: Set<RouteTargetMembership> = []
    /// Full (96-bit) memberships by route target, counting origin ASes.
    private var exact: [RouteTarget: Int] = [:]
    /// Memberships of 33 to 95 bits.
    private var partial: [RouteTargetMembership] = []
    /// Memberships of 32 bits or fewer (length 0 is the default route): they cover every target.
    private var wildcards = 0

    mutating func add(_ membership: RouteTargetMembership) {
        guard memberships.insert(membership).inserted else { return }
        switch membership.prefixLength {
        case 96: exact[membership.routeTarget.normalized, default: 0] += 1
        case 33..<96: partial.append(membership)
        default: wildcards += 1
        }
    }

    mutating func remove(_ membership: RouteTargetMembership) {
        guard memberships.remove(membership) != nil else { return }
        switch membership.prefixLength {
        case 96:
            let target = membership.routeTarget.normalized
            exact[target, default: 1] -= 1
            if exact[target] == 0 { exact[target] = nil }
        case 33..<96: partial.removeAll { $0 == membership }
        default: wildcards -= 1
        }
    }

    /// True when a route carrying `targets` (normalized) may be sent.
    func covers(_ targets: [RouteTarget]) -> Bool {
        if wildcards > 0 { return true }
        for target in targets {
            if exact[target] != nil { return true }
            if partial.contains(where: { $0.covers(target) }) { return true }
        }
        return false
    }

    static func == (lhs: RouteTargetFilter, rhs: RouteTargetFilter) -> Bool { lhs.memberships == rhs.memberships }
}
