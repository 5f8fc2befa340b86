/// Messages sent and received on a peer's sessions, by type.
public struct MessageCounters: Hashable, Sendable {
    public var opens = 0
    public var updates = 0
    public var notifications = 0
    public var keepalives = 0
    public var routeRefreshes = 0

    public init() {}

    public var total: Int { opens + updates + notifications + keepalives + routeRefreshes }

    mutating func count(typeCode: UInt8, times: Int = 1) {
        switch typeCode {
        case 1: opens += times
        case 2: updates += times
        case 3: notifications += times
        case 4: keepalives += times
        case 5: routeRefreshes += times
        default: break
        }
    }
}
