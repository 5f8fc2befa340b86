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
