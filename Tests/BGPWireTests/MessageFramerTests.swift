import Testing
@testable import BGPWire

@Suite struct MessageFramerTests {
    static let keepalive = message("0013 04")

    @Test func returnsWholeMessagesFedByteByByte() throws {
        let stream = Self.keepalive + BaGPipeCapturedTests.type3 + Self.keepalive
        var framer = MessageFramer()
        var messages: [[UInt8]] = []
        for byte in stream {
            framer.append([byte])
            while let message = try framer.nextMessage() { messages.append(message) }
        }
        #expect(messages == [Self.keepalive, BaGPipeCapturedTests.type3, Self.keepalive])
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func returnsSeveralMessagesFromOneRead() throws {
        var framer = MessageFramer()
        framer.append(Self.keepalive + Self.keepalive + Array(Self.keepalive.prefix(5)))
        #expect(try framer.nextMessage() == Self.keepalive)
        let decoded = try framer.withNextMessage { (buffer) throws(MessageDecodingError) in try BGPMessage.decode(buffer, context: CodecContext()) }
        #expect(decoded == .keepalive)
        #expect(try framer.nextMessage() == nil)
        #expect(framer.bufferedByteCount == 5)
    }

    @Test func rejectsBadMarker() {
        var framer = MessageFramer()
        var bad = Self.keepalive
        bad[3] = 0
        framer.append(bad)
        #expect(throws: MessageDecodingError.markerNotSynchronized()) { try framer.nextMessage() }
    }

    @Test(arguments: [18, 4097, 65535])
    func rejectsBadLengthWithTheLengthAsData(length: Int) {
        var framer = MessageFramer()
        framer.append([UInt8](repeating: 0xFF, count: 16) + [UInt8(length >> 8), UInt8(length & 0xFF), 4])
        do {
            _ = try framer.nextMessage()
            Issue.record("accepted length \(length)")
        } catch {
            #expect(error.notification == NotificationMessage(code: 1, subcode: 2, data: [UInt8(length >> 8), UInt8(length & 0xFF)]))
        }
    }

    @Test func acceptsLongMessagesAfterExtendedMessageNegotiation() throws {
        var framer = MessageFramer()
        framer.maximumMessageLength = 65535
        let long = [UInt8](repeating: 0xFF, count: 16) + [0x20, 0x00, 3] + [UInt8](repeating: 0, count: 0x2000 - 19)
        framer.append(long)
        #expect(try framer.nextMessage() == long)
    }
}

@Suite struct NegotiationTests {
    @Test func contextFromTwoOpens() throws {
        guard case .open(let frr) = try BGPMessage.decode(OpenMessageTests.frr, context: CodecContext()),
              case .open(let gobgp) = try BGPMessage.decode(OpenMessageTests.gobgp, context: CodecContext()),
              case .open(let bagpipe) = try BGPMessage.decode(BaGPipeCapturedTests.open, context: CodecContext()) else {
            Issue.record("not OPENs"); return
        }
        // FRR announces add-path receive for EVPN; a peer that announces send gets path identifiers from us.
        var sender = gobgp
        sender.capabilities += [.addPath([AddPathEntry(family: .l2vpnEVPN, mode: .send)]), .extendedMessage]
        let towardsFRR = CodecContext(local: sender, remote: frr)
        #expect(towardsFRR.fourOctetAS)
        #expect(towardsFRR.extendedMessage)
        #expect(towardsFRR.addPathSend == [.l2vpnEVPN])
        #expect(towardsFRR.addPathReceive.isEmpty)
        #expect(CodecContext(local: frr, remote: sender).addPathReceive == [.l2vpnEVPN])
        // 2021 BaGPipe sends no 4-octet AS capability: AS_PATH is 2-byte.
        #expect(!CodecContext(local: gobgp, remote: bagpipe).fourOctetAS)
        #expect(bagpipe.families == [.l2vpnEVPN, .routeTargetConstraint, AddressFamily(afi: 1, safi: 128), AddressFamily(afi: 1, safi: 134)])
    }

    @Test func framerDecodesInPlace() throws {
        var framer = MessageFramer()
        framer.append(BaGPipeCapturedTests.type3 + MessageFramerTests.keepalive)
        guard case .update(let update) = try framer.nextMessage(context: CodecContext()) else { Issue.record("not an UPDATE"); return }
        #expect(update.attributes.pmsiTunnel?.label == 5010)
        #expect(try framer.nextMessage(context: CodecContext()) == .keepalive)
        #expect(try framer.nextMessage(context: CodecContext()) == nil)
    }
}
