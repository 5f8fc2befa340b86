import NetAddress

/// A BGP message (RFC 4271 §4).
public enum BGPMessage: Hashable, Sendable {
    case open(OpenMessage)
    case update(UpdateMessage)
    case notification(NotificationMessage)
    case keepalive
    case routeRefresh(RouteRefreshMessage)

    /// The header type code (RFC 4271 §4.1, RFC 2918 §3).
    public var typeCode: UInt8 {
        switch self {
        case .open: 1
        case .update: 2
        case .notification: 3
        case .keepalive: 4
        case .routeRefresh: 5
        }
    }
}

/// OPEN (RFC 4271 §4.2) with capabilities (RFC 5492) and extended optional parameters (RFC 9072).
public struct OpenMessage: Hashable, Sendable {
    public var version: UInt8 = 4
    /// The 2-byte My Autonomous System field (AS_TRANS 23456 when the real AS needs 4 bytes).
    public var myAS: UInt16
    public var holdTime: UInt16
    public var bgpIdentifier: IPv4Address
    public var capabilities: [Capability]
    /// Optional parameters other than capabilities (type, value), kept raw.
    public var otherParameters: [RawOptionalParameter] = []
    /// How the capabilities are packed into optional parameters (kept from the wire for byte-exact re-encoding).
    public var capabilityGrouping: CapabilityGrouping = .onePerParameter
    /// Whether the optional parameters use the RFC 9072 extended length format even when short.
    public var usesExtendedParameters = false

    public init(myAS: UInt16, holdTime: UInt16, bgpIdentifier: IPv4Address, capabilities: [Capability]) {
        self.myAS = myAS
        self.holdTime = holdTime
        self.bgpIdentifier = bgpIdentifier
        self.capabilities = capabilities
    }

    /// The sender's AS: the 4-octet AS capability's value if present (RFC 6793 §3), else `myAS`.
    public var autonomousSystem: UInt32 {
        for case .fourOctetAS(let asn) in capabilities { return asn }
        return UInt32(myAS)
    }

    /// AS_TRANS (RFC 6793 §9).
    public static let asTrans: UInt16 = 23456
}

/// An optional parameter other than capabilities (RFC 4271 §4.2).
public struct RawOptionalParameter: Hashable, Sendable {
    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

/// Graceful restart capability (RFC 4724 §3).
public struct GracefulRestartCapability: Hashable, Sendable {
    public struct FamilyFlags: Hashable, Sendable {
        public var family: AddressFamily
        public var forwardingStatePreserved: Bool

        public init(family: AddressFamily, forwardingStatePreserved: Bool) {
            self.family = family
            self.forwardingStatePreserved = forwardingStatePreserved
        }
    }

    public var restartState: Bool
    public var notificationSupport: Bool
    /// 12 bits, in seconds.
    public var restartTime: UInt16
    public var families: [FamilyFlags]

    public init(restartState: Bool = false, notificationSupport: Bool = false, restartTime: UInt16, families: [FamilyFlags]) {
        self.restartState = restartState
        self.notificationSupport = notificationSupport
        self.restartTime = restartTime
        self.families = families
    }
}

/// Add-path capability entry (RFC 7911 §4).
public struct AddPathEntry: Hashable, Sendable {
    public struct Mode: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let receive = Mode(rawValue: 1)
        public static let send = Mode(rawValue: 2)
    }

    public var family: AddressFamily
    public var mode: Mode

    public init(family: AddressFamily, mode: Mode) {
        self.family = family
        self.mode = mode
    }
}

/// Long-lived graceful restart capability entry (RFC 9494 §2).
public struct LongLivedGracefulRestartEntry: Hashable, Sendable {
    public var family: AddressFamily
    public var forwardingStatePreserved: Bool
    /// 24 bits, in seconds.
    public var staleTime: UInt32

    public init(family: AddressFamily, forwardingStatePreserved: Bool, staleTime: UInt32) {
        self.family = family
        self.forwardingStatePreserved = forwardingStatePreserved
        self.staleTime = staleTime
    }
}

/// A capability (RFC 5492; IANA "Capability Codes"). Unknown ones are kept raw.
public enum Capability: Hashable, Sendable {
    /// Code 1 (RFC 4760 §8).
    case multiprotocol(AddressFamily)
    /// Code 2 (RFC 2918).
    case routeRefresh
    /// Code 6 (RFC 8654).
    case extendedMessage
    /// Code 64 (RFC 4724).
    case gracefulRestart(GracefulRestartCapability)
    /// Code 65 (RFC 6793).
    case fourOctetAS(UInt32)
    /// Code 69 (RFC 7911).
    case addPath([AddPathEntry])
    /// Code 70 (RFC 7313).
    case enhancedRouteRefresh
    /// Code 71 (RFC 9494).
    case longLivedGracefulRestart([LongLivedGracefulRestartEntry])
    /// Code 73 (draft-walton-bgp-hostname-capability), sent by FRR.
    case fqdn(hostName: String, domainName: String)
    case unknown(code: UInt8, value: [UInt8])

    public var code: UInt8 {
        switch self {
        case .multiprotocol: 1
        case .routeRefresh: 2
        case .extendedMessage: 6
        case .gracefulRestart: 64
        case .fourOctetAS: 65
        case .addPath: 69
        case .enhancedRouteRefresh: 70
        case .longLivedGracefulRestart: 71
        case .fqdn: 73
        case .unknown(let code, _): code
        }
    }
}

/// UPDATE (RFC 4271 §4.3). IPv4 unicast withdrawn routes and NLRI are in the body; other
/// families travel in `attributes.mpReach` / `mpUnreach`.
public struct UpdateMessage: Hashable, Sendable {
    public var withdrawnRoutes: [IPPrefix]
    public var attributes: PathAttributes
    public var nlri: [IPPrefix]
    /// Add-path identifiers for `withdrawnRoutes` and `nlri` (RFC 7911 §3), when negotiated for IPv4 unicast; else empty.
    public var withdrawnPathIdentifiers: [UInt32] = []
    public var nlriPathIdentifiers: [UInt32] = []
    /// Set by the decoder when RFC 7606 §2 requires "treat-as-withdraw": every NLRI carried by this
    /// UPDATE (reachable or not) must be handled as withdrawn. `malformedReason` says why.
    public var treatAsWithdraw = false
    /// Why the decoder applied treat-as-withdraw or attribute-discard, for logs (nil when clean).
    public var malformedReason: String?

    public init(withdrawnRoutes: [IPPrefix] = [], attributes: PathAttributes = PathAttributes(), nlri: [IPPrefix] = []) {
        self.withdrawnRoutes = withdrawnRoutes
        self.attributes = attributes
        self.nlri = nlri
    }
}

/// ROUTE-REFRESH (RFC 2918 §3) with the RFC 7313 §3.2 subtype (0 normal, 1 BoRR, 2 EoRR).
public struct RouteRefreshMessage: Hashable, Sendable {
    public var family: AddressFamily
    public var subtype: UInt8

    public init(family: AddressFamily, subtype: UInt8 = 0) {
        self.family = family
        self.subtype = subtype
    }
}

/// NOTIFICATION (RFC 4271 §4.5). Names of codes and subcodes, and the RFC 8203/9003 shutdown
/// communication, are provided by the codec.
public struct NotificationMessage: Hashable, Sendable, Error {
    public var code: UInt8
    public var subcode: UInt8
    public var data: [UInt8]

    public init(code: UInt8, subcode: UInt8, data: [UInt8] = []) {
        self.code = code
        self.subcode = subcode
        self.data = data
    }
}

/// What the decoder and encoder need to know about the session (RFC 7606 §3, RFC 6793, RFC 7911, RFC 8654).
public struct CodecContext: Hashable, Sendable {
    /// Both sides announced the 4-octet AS capability: AS_PATH carries 4-byte ASNs.
    public var fourOctetAS: Bool
    /// Families for which we receive path identifiers (add-path negotiated with receive on our side).
    public var addPathReceive: Set<AddressFamily>
    /// Extended messages negotiated: up to 65535 bytes.
    public var extendedMessage: Bool
    /// Read and write EVPN labels in 2016 BaGPipe's shifted form (`VNI << 4 | 1`) instead of RFC 8365's raw VNI.
    public var legacyShiftedVNI: Bool
    /// Families for which we send path identifiers (add-path negotiated with send on our side, RFC 7911 §4).
    public var addPathSend: Set<AddressFamily>

    public init(fourOctetAS: Bool = true, addPathReceive: Set<AddressFamily> = [], extendedMessage: Bool = false,
                legacyShiftedVNI: Bool = false, addPathSend: Set<AddressFamily> = []) {
        self.fourOctetAS = fourOctetAS
        self.addPathReceive = addPathReceive
        self.extendedMessage = extendedMessage
        self.legacyShiftedVNI = legacyShiftedVNI
        self.addPathSend = addPathSend
    }

    /// The largest message allowed (RFC 4271 §4.1, RFC 8654 §4).
    public var maximumMessageLength: Int { extendedMessage ? 65535 : 4096 }
}
