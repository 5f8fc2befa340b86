import NetAddress

/// A MAC seen (or no longer seen) on a port plugged into an instance; drivers that learn
/// local MACs report these so the EVPN layer can advertise them (RFC 7432 §7.2).
public struct LocalMACEvent: Hashable, Sendable {
    public var externalID: String
    public var interface: String
    public var mac: MACAddress
    public var appeared: Bool

    public init(externalID: String, interface: String, mac: MACAddress, appeared: Bool) {
        self.externalID = externalID
        self.interface = interface
        self.mac = mac
        self.appeared = appeared
    }
}

/// A dataplane that programs what the EVPN layer asks for.
///
/// Calls are synchronous and made from one serial queue that the caller owns (the daemon's
/// dataplane queue), never from the protocol event loop.
public protocol DataplaneDriver: AnyObject {
    /// A short name for logs and the looking glass (`linux`, `dummy`).
    var name: String { get }

    /// Carries out the intents in order, batching where it can. Returns one failure per
    /// intent that could not be carried out; the others took effect.
    func apply(_ intents: [DataplaneIntent]) -> [DataplaneFailure]

    /// Called once at start-up with the instances that should exist; a driver adopts what a
    /// previous run left for them and removes only its own leftovers for other instances.
    func reconcile(wanted: [InstanceSpec]) -> [DataplaneFailure]

    /// The instances (external ids) whose forwarding state a previous run left in place, asked
    /// before `reconcile`: what tells a graceful restart that forwarding went on (RFC 4724 F bit).
    func instancesLeftByPreviousRun() -> Set<String>

    /// Removes the remote entries of an instance (flood list, remote MACs, neighbours) that are not
    /// among `wanted` (`addFloodEntry`, `setRemoteMAC`, `setNeighbour` intents): after a restart,
    /// once the routes have been learnt again, this drops what was withdrawn while we were away.
    func removeStaleEntries(externalID: String, keeping wanted: [DataplaneIntent]) -> [DataplaneFailure]

    /// Removes everything this driver ever created, and nothing else.
    func removeAll() -> [DataplaneFailure]

    /// Device names and other facts about an instance, for the looking glass.
    func describe(externalID: String) -> [String: String]

    /// False when no interface called `interface` exists where ports are plugged, so an attach
    /// can be refused before anything is advertised. Unlike the other calls, callable from any
    /// thread. When it cannot tell, it answers true and `plugPort` reports the failure.
    func portExists(_ interface: String) -> Bool
}
