import BGPWire
import Dataplane
import NetAddress

/// Where an `EVPNRouter` sends what it decided. Called synchronously at the end of each call into
/// the router, on the router's own queue: first the dataplane intents of that call (in order), then
/// the UPDATEs per peer (RT membership before EVPN, withdrawals before announcements, End-of-RIB last).
public protocol EVPNOutput: AnyObject {
    /// UPDATEs for one established peer, in order.
    func send(_ updates: [UpdateMessage], to peer: IPAddress)
    /// Dataplane changes, in order.
    func apply(_ intents: [DataplaneIntent])
}
