/// Cuts a TCP byte stream into whole BGP messages (RFC 4271 §4.1), validating each header's marker
/// and length as it arrives (RFC 4271 §6.1). Feed it what the socket read; take messages out until
/// it returns nil. After the OPEN exchange, raise `maximumMessageLength` to 65535 if the extended
/// message capability was negotiated (RFC 8654 §4).
public struct MessageFramer: Sendable {
    /// The length of the fixed header: 16-byte marker, 2-byte length, 1-byte type.
    public static let headerLength = 19

    /// Messages longer than this are rejected with Bad Message Length.
    public var maximumMessageLength: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maximumMessageLength: Int = 4096) {
        self.maximumMessageLength = maximumMessageLength
    }

    /// Bytes received but not yet returned as a message.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message, header included, or nil until more bytes arrive. Throws when the
    /// header is invalid; the stream cannot be resynchronised after that, so the session must be reset.
    public mutating func nextMessage() throws(MessageDecodingError) -> [UInt8]? {
        guard let length = try nextMessageLength() else { return nil }
        let message = Array(buffer[readIndex..<readIndex + length])
        readIndex += length
        return message
    }

    /// Gives `body` the next whole message (header included) without copying it, or returns nil
    /// until more bytes arrive. The buffer is only valid inside `body`.
    public mutating func withNextMessage<Value>(
        _ body: (UnsafeRawBufferPointer) throws(MessageDecodingError) -> Value
    ) throws(MessageDecodingError) -> Value? {
        guard let length = try nextMessageLength() else { return nil }
        let start = readIndex
        readIndex += length
        return try buffer.withUnsafeBytesTyped { (all) throws(MessageDecodingError) in
            try body(UnsafeRawBufferPointer(rebasing: all[start..<start + length]))
        }
    }

    /// Decodes the next whole message in place (no copy), or returns nil until more bytes arrive.
    /// Throws for a bad header or a message that resets the session (see `BGPMessage.decode`).
    public mutating func nextMessage(context: CodecContext) throws(MessageDecodingError) -> BGPMessage? {
        try withNextMessage { (bytes) throws(MessageDecodingError) in try BGPMessage.decode(bytes, context: context) }
    }

    private func nextMessageLength() throws(MessageDecodingError) -> Int? {
        guard buffer.count - readIndex >= Self.headerLength else { return nil }
        for index in readIndex..<readIndex + 16 where buffer[index] != 0xFF {
            throw .markerNotSynchronized()
        }
        let length = Int(buffer[readIndex + 16]) << 8 | Int(buffer[readIndex + 17])
        guard length >= Self.headerLength else { throw .badMessageLength(length, "shorter than the header") }
        guard length <= maximumMessageLength else {
            throw .badMessageLength(length, "longer than the maximum of \(maximumMessageLength)")
        }
        guard buffer.count - readIndex >= length else { return nil }
        return length
    }

    /// Drops consumed bytes once they make up most of the buffer, so appends stay amortised O(1).
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 65536 && readIndex > buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
