import NetAddress

/// What an `EVPNRouter` is told once, at start (BaGPipe's `[BGP]` and `[DATAPLANE_DRIVER_EVPN]`).
public struct EVPNRouterConfiguration: Sendable {
    /// Our AS (4 bytes, RFC 6793); origin AS of our RT membership routes.
    public var localAS: UInt32
    /// Our BGP identifier; routes carrying it as ORIGINATOR_ID are ours and are dropped (RFC 4456 §8).
    public var routerID: IPv4Address
    /// BaGPipe's `local_address`: administrator of our route distinguishers (`<address>:<n>`, type 1;
    /// the router id is used instead when this is IPv6), originator and next hop of type-3 routes,
    /// next hop of RT membership routes.
    public var bgpLocalAddress: IPAddress
    /// BaGPipe's `dataplane_local_address`: next hop of type-2 routes and PMSI tunnel endpoint of
    /// type-3 routes; never programmed as a remote VTEP.
    public var dataplaneLocalAddress: IPAddress
    /// Originate RT membership routes and honour peers' ones (RFC 4684), for peers that negotiated rtc.
    public var enableRTC: Bool
    /// Set to reflect routes between iBGP peers (RFC 4456) with this cluster id; nil for a plain speaker.
    public var routeReflectorClusterID: IPv4Address?
    /// LOCAL_PREF of our routes when the attachment gives none, and of eBGP-learned routes.
    public var defaultLocalPreference: UInt32
    /// Import routes that carry no encapsulation extended community as VXLAN. RFC 8365 §5.1.3 says
    /// such routes use MPLS unless configured otherwise; this is that configuration. Default false.
    public var assumeVXLANWhenEncapsulationMissing: Bool
    /// VNIs handed out when an attachment asks for none (BaGPipe's label allocator range).
    public var allocatedVNIs: ClosedRange<UInt32>
    /// MAC duplicate detection (RFC 7432 §15.1): a local MAC that moves more than `moves` times in
    /// `seconds` stops being advertised until detached. nil disables it.
    public var macMoveLimit: (moves: Int, seconds: Double)?
    /// How many route changes are encoded and handed to a session at a time. While a peer's
    /// session is paused (its write queue is full), the rest wait in its outbox, where later
    /// changes of the same route replace earlier ones.
    public var outboxChunk = 20_000
    /// Advertise the MACs the dataplane learns on plugged ports (`LocalMACEvent`), within these
    /// bounds; nil (the default, BaGPipe's behaviour): advertise exactly what was attached.
    public var learnedMACs: LearnedMACPolicy?
    /// MAC mobility catch-up (docs/evpn.md): with RT constraint (RFC 4684) the routes of a target
    /// we start importing arrive only once our membership reached the reflector. Until then, and
    /// for `mobilityCatchUpBurst` seconds after the first of them, a remote claim on a MAC attached
    /// here is taken as older than the attachment; `mobilityCatchUpTime` bounds the wait for the
    /// first one. 0 turns the catch-up off.
    public var mobilityCatchUpTime: Double = 5
    public var mobilityCatchUpBurst: Double = 1

    public init(localAS: UInt32, routerID: IPv4Address, bgpLocalAddress: IPAddress,
                dataplaneLocalAddress: IPAddress? = nil, enableRTC: Bool = true,
                routeReflectorClusterID: IPv4Address? = nil, defaultLocalPreference: UInt32 = 100,
                assumeVXLANWhenEncapsulationMissing: Bool = false, allocatedVNIs: ClosedRange<UInt32> = 16...1_048_575,
                macMoveLimit: (moves: Int, seconds: Double)? = (5, 180)) {
        self.localAS = localAS
        self.routerID = routerID
        self.bgpLocalAddress = bgpLocalAddress
        self.dataplaneLocalAddress = dataplaneLocalAddress ?? bgpLocalAddress
        self.enableRTC = enableRTC
        self.routeReflectorClusterID = routeReflectorClusterID
        self.defaultLocalPreference = defaultLocalPreference
        self.assumeVXLANWhenEncapsulationMissing = assumeVXLANWhenEncapsulationMissing
        self.allocatedVNIs = allocatedVNIs
        self.macMoveLimit = macMoveLimit
    }
}

/// Bounds on the MACs learned on one plugged port (every input is hostile until bounded): a guest
/// that sends from many source MACs gets at most `perPort` of them advertised, and at most
/// `perSecond` new ones a second; the others are ignored and counted.
public struct LearnedMACPolicy: Hashable, Sendable {
    public var perPort: Int
    public var perSecond: Int

    public init(perPort: Int = 16, perSecond: Int = 10) {
        self.perPort = perPort
        self.perSecond = perSecond
    }
}
