import NetAddress

/// An EVPN NLRI (RFC 7432 §7, AFI 25 / SAFI 70). Labels are 24-bit values as carried on the wire;
/// with VXLAN they are the VNI (RFC 8365 §5.1.3). Whether the old BaGPipe shifted form (`VNI<<4|1`)
/// is used is a `CodecContext`/encoding option, not part of the value.
public enum EVPNRoute: Hashable, Sendable {
    case ethernetAutoDiscovery(EthernetAutoDiscoveryRoute)
    case macIPAdvertisement(MACIPAdvertisementRoute)
    case inclusiveMulticast(InclusiveMulticastRoute)
    case ethernetSegment(EthernetSegmentRoute)
    case ipPrefix(IPPrefixRoute)
    /// A route type this implementation does not know, kept as its raw value (RFC 7432 §7: never fatal).
    case unknown(type: UInt8, value: [UInt8])

    /// The route type octet.
    public var routeType: UInt8 {
        switch self {
        case .ethernetAutoDiscovery: 1
        case .macIPAdvertisement: 2
        case .inclusiveMulticast: 3
        case .ethernetSegment: 4
        case .ipPrefix: 5
        case .unknown(let type, _): type
        }
    }

    /// The route distinguisher, for every known type.
    public var routeDistinguisher: RouteDistinguisher? {
        switch self {
        case .ethernetAutoDiscovery(let route): route.routeDistinguisher
        case .macIPAdvertisement(let route): route.routeDistinguisher
        case .inclusiveMulticast(let route): route.routeDistinguisher
        case .ethernetSegment(let route): route.routeDistinguisher
        case .ipPrefix(let route): route.routeDistinguisher
        case .unknown: nil
        }
    }
}

/// Type 1 (RFC 7432 §7.1).
public struct EthernetAutoDiscoveryRoute: Hashable, Sendable {
    public var routeDistinguisher: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var ethernetTag: UInt32
    public var label: UInt32

    public init(routeDistinguisher: RouteDistinguisher, esi: EthernetSegmentIdentifier, ethernetTag: UInt32, label: UInt32) {
        self.routeDistinguisher = routeDistinguisher
        self.esi = esi
        self.ethernetTag = ethernetTag
        self.label = label
    }
}

/// Type 2, MAC/IP advertisement (RFC 7432 §7.2). `ip` is nil for a MAC-only route.
/// `label2` is the optional second label (RFC 9135 §5: the L3 VNI).
public struct MACIPAdvertisementRoute: Hashable, Sendable {
    public var routeDistinguisher: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var ethernetTag: UInt32
    public var mac: MACAddress
    public var ip: IPAddress?
    public var label1: UInt32
    public var label2: UInt32?

    public init(routeDistinguisher: RouteDistinguisher, esi: EthernetSegmentIdentifier = .zero, ethernetTag: UInt32 = 0,
                mac: MACAddress, ip: IPAddress?, label1: UInt32, label2: UInt32? = nil) {
        self.routeDistinguisher = routeDistinguisher
        self.esi = esi
        self.ethernetTag = ethernetTag
        self.mac = mac
        self.ip = ip
        self.label1 = label1
        self.label2 = label2
    }
}

/// Type 3, inclusive multicast Ethernet tag (RFC 7432 §7.3); travels with a PMSI tunnel attribute.
public struct InclusiveMulticastRoute: Hashable, Sendable {
    public var routeDistinguisher: RouteDistinguisher
    public var ethernetTag: UInt32
    public var originator: IPAddress

    public init(routeDistinguisher: RouteDistinguisher, ethernetTag: UInt32 = 0, originator: IPAddress) {
        self.routeDistinguisher = routeDistinguisher
        self.ethernetTag = ethernetTag
        self.originator = originator
    }
}

/// Type 4, Ethernet segment (RFC 7432 §7.4).
public struct EthernetSegmentRoute: Hashable, Sendable {
    public var routeDistinguisher: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var originator: IPAddress

    public init(routeDistinguisher: RouteDistinguisher, esi: EthernetSegmentIdentifier, originator: IPAddress) {
        self.routeDistinguisher = routeDistinguisher
        self.esi = esi
        self.originator = originator
    }
}

/// Type 5, IP prefix (RFC 9136 §3). Prefix and gateway are of the same family.
public struct IPPrefixRoute: Hashable, Sendable {
    public var routeDistinguisher: RouteDistinguisher
    public var esi: EthernetSegmentIdentifier
    public var ethernetTag: UInt32
    public var prefix: IPPrefix
    public var gateway: IPAddress
    public var label: UInt32

    public init(routeDistinguisher: RouteDistinguisher, esi: EthernetSegmentIdentifier = .zero, ethernetTag: UInt32 = 0,
                prefix: IPPrefix, gateway: IPAddress, label: UInt32) {
        self.routeDistinguisher = routeDistinguisher
        self.esi = esi
        self.ethernetTag = ethernetTag
        self.prefix = prefix
        self.gateway = gateway
        self.label = label
    }
}
