import Dataplane
import NetAddress

/// Where an `EVPNRouter` sends what it decided. Called synchronously at the end of each call into
/// the router, on the router's own queue: first the dataplane intents of that call (in order), then
/// the route updates per established peer (RT membership before EVPN, withdrawals before
/// announcements, End-of-RIB last), for the session to encode with `RouteUpdate.encoded(context:)`.
public protocol EVPNOutput: AnyObject {
    func send(_ updates: [RouteUpdate], to peer: IPAddress)
    func apply(_ intents: [DataplaneIntent])
}
