import Dataplane
import NetAddress

/// Where an `EVPNRouter` sends what it decided. Called synchronously at the end of each call into
/// the router, on the router's own queue: first the dataplane intents of that call (in order), then
/// the route updates per established peer (RT membership before EVPN, withdrawals before
/// announcements, End-of-RIB last), for the session to encode with `RouteUpdate.encoded(context:)`.
public protocol EVPNOutput: AnyObject {
    func send(_ updates: [RouteUpdate], to peer: IPAddress)
    func apply(_ intents: [DataplaneIntent])
    /// The MAC mobility sequence numbers of attached MACs that were set or changed in this call
    /// (before the dataplane intents), to be kept across a restart. Default: ignored.
    func sequencesChanged(_ sequences: [MACSequence])
}

extension EVPNOutput {
    public func sequencesChanged(_ sequences: [MACSequence]) {}
}

/// Our MAC mobility sequence number (RFC 7432 §15) for a MAC attached to an instance.
public struct MACSequence: Hashable, Sendable {
    public var instanceID: String
    public var mac: MACAddress
    public var sequence: UInt32

    public init(instanceID: String, mac: MACAddress, sequence: UInt32) {
        self.instanceID = instanceID
        self.mac = mac
        self.sequence = sequence
    }
}
