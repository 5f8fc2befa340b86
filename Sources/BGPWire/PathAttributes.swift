import NetAddress

/// ORIGIN (RFC 4271 §5.1.1).
public enum Origin: UInt8, Hashable, Sendable {
    case igp = 0, egp = 1, incomplete = 2
}

/// One AS_PATH segment (RFC 4271 §4.3, RFC 5065 §3). AS numbers are always held as 4 bytes;
/// the codec converts for 2-byte sessions (RFC 6793 §4.2).
public struct ASPathSegment: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable {
        case set = 1, sequence = 2, confedSequence = 3, confedSet = 4
    }

    public var kind: Kind
    public var asns: [UInt32]

    public init(kind: Kind, asns: [UInt32]) {
        self.kind = kind
        self.asns = asns
    }
}

/// AGGREGATOR / AS4_AGGREGATOR (RFC 4271 §5.1.7, RFC 6793 §3).
public struct Aggregator: Hashable, Sendable {
    public var asn: UInt32
    public var address: IPv4Address

    public init(asn: UInt32, address: IPv4Address) {
        self.asn = asn
        self.address = address
    }
}

/// A large community (RFC 8092): three 4-byte values, printed `a:b:c`.
public struct LargeCommunity: Hashable, Sendable, CustomStringConvertible {
    public var globalAdministrator: UInt32
    public var localData1: UInt32
    public var localData2: UInt32

    public init(_ globalAdministrator: UInt32, _ localData1: UInt32, _ localData2: UInt32) {
        self.globalAdministrator = globalAdministrator
        self.localData1 = localData1
        self.localData2 = localData2
    }

    public var description: String { "\(globalAdministrator):\(localData1):\(localData2)" }
}

/// PMSI tunnel attribute (RFC 6514 §5). For EVPN ingress replication (RFC 7432 §11.2) the tunnel type
/// is 6 and the identifier is the originating router's IP address; the label carries the VNI.
public struct PMSITunnel: Hashable, Sendable {
    public var flags: UInt8
    public var tunnelType: UInt8
    /// The 24-bit label field: the VNI with VXLAN (RFC 8365 §5.1.3). With `CodecContext.legacyShiftedVNI`
    /// the codec reads and writes it shifted (`VNI << 4`) as 2016 BaGPipe did; this value stays the VNI.
    public var label: UInt32
    /// The tunnel identifier bytes (4 or 16 for ingress replication).
    public var tunnelIdentifier: [UInt8]

    public init(flags: UInt8 = 0, tunnelType: UInt8, label: UInt32, tunnelIdentifier: [UInt8]) {
        self.flags = flags
        self.tunnelType = tunnelType
        self.label = label
        self.tunnelIdentifier = tunnelIdentifier
    }

    /// Tunnel type 6, ingress replication.
    public static let ingressReplicationType: UInt8 = 6

    /// An ingress replication tunnel to `endpoint` with `label` (the VNI).
    public static func ingressReplication(endpoint: IPAddress, label: UInt32) -> PMSITunnel {
        PMSITunnel(tunnelType: ingressReplicationType, label: label, tunnelIdentifier: endpoint.bytes)
    }

    /// The endpoint of an ingress replication tunnel, when the identifier is an IPv4/IPv6 address.
    public var endpoint: IPAddress? { IPAddress(bytes: tunnelIdentifier) }
}

/// One NLRI of a family this implementation understands.
public enum NLRI: Hashable, Sendable {
    case evpn(EVPNRoute)
    case routeTargetMembership(RouteTargetMembership)
    case ipv4Unicast(IPPrefix)
    case ipv6Unicast(IPPrefix)
}

/// MP_REACH_NLRI (RFC 4760 §3). `nextHops` holds one address, or a global and a link-local IPv6.
public struct MPReach: Hashable, Sendable {
    public var family: AddressFamily
    public var nextHops: [IPAddress]
    public var nlri: [NLRI]
    /// Add-path identifiers, one per NLRI, when add-path is negotiated for `family` (RFC 7911 §3); else empty.
    public var pathIdentifiers: [UInt32] = []

    public init(family: AddressFamily, nextHops: [IPAddress], nlri: [NLRI]) {
        self.family = family
        self.nextHops = nextHops
        self.nlri = nlri
    }
}

/// MP_UNREACH_NLRI (RFC 4760 §4). An empty `nlri` is the End-of-RIB marker (RFC 4724 §2).
public struct MPUnreach: Hashable, Sendable {
    public var family: AddressFamily
    public var nlri: [NLRI]
    /// Add-path identifiers, one per NLRI, when add-path is negotiated for `family` (RFC 7911 §3); else empty.
    public var pathIdentifiers: [UInt32] = []

    public init(family: AddressFamily, nlri: [NLRI]) {
        self.family = family
        self.nlri = nlri
    }
}

/// A path attribute kept as it arrived: unknown optional transitive attributes are passed on
/// byte for byte with the Partial bit set (RFC 4271 §5).
public struct RawPathAttribute: Hashable, Sendable {
    public var flags: UInt8
    public var typeCode: UInt8
    public var value: [UInt8]

    public init(flags: UInt8, typeCode: UInt8, value: [UInt8]) {
        self.flags = flags
        self.typeCode = typeCode
        self.value = value
    }
}

/// The path attributes of an UPDATE, decoded. AS4_PATH and AS4_AGGREGATOR are merged into
/// `asPath` / `aggregator` by the decoder (RFC 6793 §4.2.3) and produced again by the encoder
/// when talking to a 2-byte-AS peer.
public struct PathAttributes: Hashable, Sendable {
    public var origin: Origin?
    public var asPath: [ASPathSegment] = []
    public var nextHop: IPv4Address?
    public var multiExitDiscriminator: UInt32?
    public var localPreference: UInt32?
    public var atomicAggregate = false
    public var aggregator: Aggregator?
    public var communities: [UInt32] = []
    public var originatorID: IPv4Address?
    public var clusterList: [IPv4Address] = []
    public var extendedCommunities: [ExtendedCommunity] = []
    public var pmsiTunnel: PMSITunnel?
    public var largeCommunities: [LargeCommunity] = []
    public var mpReach: MPReach?
    public var mpUnreach: MPUnreach?
    /// Attributes not decoded above (unknown optional transitive ones are re-advertised), and
    /// MP_REACH_NLRI / MP_UNREACH_NLRI of families this codec does not decode.
    public var unrecognized: [RawPathAttribute] = []
    /// The wire order and flags of a decoded UPDATE's attributes; an encoding hint that never
    /// affects equality (see `PathAttributeLayout`).
    public var wireLayout = PathAttributeLayout()

    public init() {}

    /// The route targets among the extended communities.
    public var routeTargets: [RouteTarget] {
        extendedCommunities.compactMap { if case .routeTarget(let target) = $0 { target } else { nil } }
    }
}
