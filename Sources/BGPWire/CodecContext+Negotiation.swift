extension CodecContext {
    /// What two OPENs agree on (RFC 6793 §4, RFC 7911 §4, RFC 8654 §3), seen from the side that sent
    /// `local`: 4-octet AS and extended messages when both announce them; path identifiers received for
    /// families where we announced receive and the peer send, and sent where the reverse holds.
    public init(local: OpenMessage, remote: OpenMessage, legacyShiftedVNI: Bool = false) {
        let remoteModes = remote.addPathModes
        var receive = Set<AddressFamily>(), send = Set<AddressFamily>()
        for (family, mode) in local.addPathModes {
            let theirs = remoteModes[family] ?? []
            if mode.contains(.receive) && theirs.contains(.send) { receive.insert(family) }
            if mode.contains(.send) && theirs.contains(.receive) { send.insert(family) }
        }
        let extendedMessage = local.announcesExtendedMessage && remote.announcesExtendedMessage
        self = CodecContext(fourOctetAS: local.announcesFourOctetAS && remote.announcesFourOctetAS, addPathReceive: receive,
                            extendedMessage: extendedMessage, legacyShiftedVNI: legacyShiftedVNI, addPathSend: send)
    }
}

extension OpenMessage {
    /// The families of the multiprotocol capabilities (RFC 4760 §8).
    public var families: Set<AddressFamily> {
        Set(capabilities.compactMap { if case .multiprotocol(let family) = $0 { family } else { nil } })
    }

    /// Whether the extended message capability is present (RFC 8654 §3).
    /// (Not `capabilities.contains(.extendedMessage)`: with `-O` that crashes swift-frontend 6.3.1's
    /// ownership verifier in CopyPropagation.)
    public var announcesExtendedMessage: Bool {
        capabilities.contains { if case .extendedMessage = $0 { true } else { false } }
    }

    /// Whether the 4-octet AS capability is present (RFC 6793 §3).
    public var announcesFourOctetAS: Bool {
        capabilities.contains { if case .fourOctetAS = $0 { true } else { false } }
    }

    /// The add-path mode announced for each family (RFC 7911 §4).
    public var addPathModes: [AddressFamily: AddPathEntry.Mode] {
        var modes: [AddressFamily: AddPathEntry.Mode] = [:]
        for case .addPath(let entries) in capabilities {
            for entry in entries { modes[entry.family] = entry.mode }
        }
        return modes
    }
}
