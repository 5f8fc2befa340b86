import BGPWire
import NetAddress

/// What the router wants one peer told, before encoding: the session packs it into UPDATE
/// messages with its own negotiated `CodecContext` (`encoded(context:)`).
public enum RouteUpdate: Hashable, Sendable {
    /// Routes of `family` sharing `attributes` (no MP_REACH/MP_UNREACH) and `nextHop`.
    case announce(family: AddressFamily, nextHop: IPAddress, attributes: PathAttributes, nlri: [NLRI])
    /// Routes of `family` withdrawn (MP_UNREACH_NLRI, no other attribute).
    case withdraw(family: AddressFamily, nlri: [NLRI])
    /// The End-of-RIB marker (RFC 4724 §2).
    case endOfRIB(AddressFamily)

    public var family: AddressFamily {
        switch self {
        case .announce(let family, _, _, _), .withdraw(let family, _): family
        case .endOfRIB(let family): family
        }
    }

    /// The NLRI announced or withdrawn (none for End-of-RIB).
    public var nlri: [NLRI] {
        switch self {
        case .announce(_, _, _, let nlri), .withdraw(_, let nlri): nlri
        case .endOfRIB: []
        }
    }

    /// Complete UPDATE messages, split to the session's maximum message length (BGPWire's packer).
    public func encoded(context: CodecContext) -> [[UInt8]] {
        switch self {
        case .announce(let family, let nextHop, let attributes, let nlri):
            UpdateMessage.packed(reach: nlri, family: family, nextHop: nextHop, attributes: attributes, context: context)
        case .withdraw(let family, let nlri):
            UpdateMessage.packed(withdraw: nlri, family: family, context: context)
        case .endOfRIB(let family):
            [BGPMessage.update(UpdateMessage.endOfRIB(family)).encoded(context: context)]
        }
    }
}
