extension BGPMessage {
    /// Decodes one whole message, header included (RFC 4271 §4), as returned by `MessageFramer`.
    /// Throws when the session must be reset; RFC 7606 treat-as-withdraw and attribute-discard
    /// outcomes are reported on the returned `UpdateMessage` instead.
    public static func decode(_ bytes: [UInt8], context: CodecContext) throws(MessageDecodingError) -> BGPMessage {
        try bytes.withUnsafeBytesTyped { (buffer) throws(MessageDecodingError) in try decode(buffer, context: context) }
    }

    /// Decodes one whole message from borrowed bytes without copying them.
    public static func decode(_ buffer: UnsafeRawBufferPointer, context: CodecContext) throws(MessageDecodingError) -> BGPMessage {
        var reader = ByteReader(buffer)
        let type = try decodeHeader(&reader, context: context)
        let length = buffer.count
        switch type {
        case 1:
            return .open(try OpenMessage.decode(body: &reader, messageLength: length))
        case 2:
            guard length >= 23 else { throw .badMessageLength(length, "UPDATE shorter than 23 bytes") }
            return .update(try UpdateMessage.decode(body: reader, context: context))
        case 3:
            guard length >= 21 else { throw .badMessageLength(length, "NOTIFICATION shorter than 21 bytes") }
            return .notification(NotificationMessage.decode(body: &reader))
        case 4:
            guard length == 19 else { throw .badMessageLength(length, "KEEPALIVE must be 19 bytes") }
            return .keepalive
        case 5:
            return .routeRefresh(try RouteRefreshMessage.decode(body: &reader, message: buffer))
        default:
            throw .badMessageType(type)
        }
    }

    /// Checks marker, length and the negotiated maximum (RFC 4271 §6.1, RFC 8654 §5); returns the type.
    private static func decodeHeader(_ reader: inout ByteReader, context: CodecContext) throws(MessageDecodingError) -> UInt8 {
        let count = reader.remaining
        guard count >= MessageFramer.headerLength else { throw .badMessageLength(count, "shorter than the 19-byte header") }
        do {
            for _ in 0..<16 where try reader.readUInt8() != 0xFF { throw MessageDecodingError.markerNotSynchronized() }
            let length = Int(try reader.readUInt16())
            guard length == count else { throw MessageDecodingError.badMessageLength(length, "header says \(length), message has \(count) bytes") }
            guard length <= context.maximumMessageLength else {
                throw MessageDecodingError.badMessageLength(length, "longer than the maximum of \(context.maximumMessageLength)")
            }
            return try reader.readUInt8()
        } catch let error as MessageDecodingError {
            throw error
        } catch {
            throw .badMessageLength(count, "truncated header")
        }
    }

    /// Encodes the message with its header. An UPDATE must fit the session's maximum message length;
    /// use `UpdateMessage.packed` to split many NLRI.
    public func encoded(context: CodecContext) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(estimatedEncodedSize)
        bytes.append(contentsOf: repeatElement(0xFF, count: 16))
        bytes.appendUInt16(0)
        bytes.append(typeCode)
        switch self {
        case .open(let open): open.encodeBody(into: &bytes)
        case .update(let update): update.encodeBody(into: &bytes, context: context)
        case .notification(let notification): notification.encodeBody(into: &bytes)
        case .keepalive: break
        case .routeRefresh(let refresh): refresh.encodeBody(into: &bytes)
        }
        precondition(bytes.count <= 65535, "a BGP message cannot exceed 65535 bytes; pack UPDATEs with UpdateMessage.packed")
        bytes.setUInt16(UInt16(bytes.count), at: 16)
        return bytes
    }
}

extension BGPMessage {
    /// Enough capacity for most messages in one allocation (an EVPN route takes at most 60 bytes).
    var estimatedEncodedSize: Int {
        guard case .update(let update) = self else { return 128 }
        let attributes = update.attributes
        let routes = (attributes.mpReach?.nlri.count ?? 0) + (attributes.mpUnreach?.nlri.count ?? 0)
        return 128 + routes * 60 + (update.nlri.count + update.withdrawnRoutes.count) * 9 + attributes.extendedCommunities.count * 8
            + attributes.unrecognized.reduce(0) { $0 + 4 + $1.value.count }
    }
}

extension NotificationMessage {
    static func decode(body: inout ByteReader) -> NotificationMessage {
        let code = (try? body.readUInt8()) ?? 0
        let subcode = (try? body.readUInt8()) ?? 0
        return NotificationMessage(code: code, subcode: subcode, data: body.readRemainingBytes())
    }

    func encodeBody(into bytes: inout [UInt8]) {
        bytes.append(code)
        bytes.append(subcode)
        bytes += data
    }
}

extension RouteRefreshMessage {
    /// RFC 2918 §3 body; a wrong length is ROUTE-REFRESH Message Error / Invalid Message Length with
    /// the whole message as data (RFC 7313 §5).
    static func decode(body: inout ByteReader, message: UnsafeRawBufferPointer) throws(MessageDecodingError) -> RouteRefreshMessage {
        guard body.remaining == 4, let afi = try? body.readUInt16(), let subtype = try? body.readUInt8(),
              let safi = try? body.readUInt8() else {
            throw MessageDecodingError(notification: NotificationMessage(code: 7, subcode: 1, data: Array(message)),
                                       reason: "ROUTE-REFRESH must be 23 bytes, got \(message.count)")
        }
        return RouteRefreshMessage(family: AddressFamily(afi: afi, safi: safi), subtype: subtype)
    }

    func encodeBody(into bytes: inout [UInt8]) {
        bytes.appendUInt16(family.afi)
        bytes.append(subtype)
        bytes.append(family.safi)
    }
}
