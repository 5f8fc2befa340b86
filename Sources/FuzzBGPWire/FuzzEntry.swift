import BGPWire

/// libFuzzer entry point over message framing and decoding (scripts/test.d/50-fuzz-bgp-wire).
///
/// The first input byte chooses the session: bit 0 a 2-octet AS peer, bit 1 add-path for every
/// family, bit 2 extended messages, bit 3 BaGPipe's shifted VNI labels. The rest is a TCP byte stream,
/// cut by `MessageFramer`; each message is decoded, and also the whole rest as one message.
/// Invariants beyond "no crash, no hang": a message decoded cleanly (no RFC 7606 outcome) re-encodes
/// to bytes that decode to the same value. That is checked for 4-octet AS sessions; with 2-octet AS
/// peers AS4_PATH is rebuilt and may legitimately grow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let options = data[0]
    let everyFamily: Set<AddressFamily> = options & 2 != 0 ? [.l2vpnEVPN, .routeTargetConstraint, .ipv4Unicast, .ipv6Unicast] : []
    let context = CodecContext(fourOctetAS: options & 1 == 0, addPathReceive: everyFamily, extendedMessage: options & 4 != 0,
                               legacyShiftedVNI: options & 8 != 0, addPathSend: everyFamily)
    let stream = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    var framer = MessageFramer(maximumMessageLength: context.maximumMessageLength)
    framer.append(stream)
    while let message = try? framer.nextMessage() {
        checkRoundTrip(message, context: context)
    }
    checkRoundTrip(Array(stream), context: context)
    return 0
}

private func checkRoundTrip(_ message: [UInt8], context: CodecContext) {
    guard let decoded = try? BGPMessage.decode(message, context: context), context.fourOctetAS else { return }
    if case .update(let update) = decoded, update.malformedReason != nil { return }
    let reencoded = decoded.encoded(context: context)
    do {
        let again = try BGPMessage.decode(reencoded, context: context)
        precondition(again == decoded, "decode(encode(decode(x))) differs from decode(x)")
    } catch {
        preconditionFailure("re-encoded message does not decode: \(error)")
    }
}
