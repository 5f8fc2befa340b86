import NetAddress

/// Bounds-checked big-endian reads from a borrowed byte buffer. Every read checks the remaining length
/// and throws `Truncated` instead of trapping, so no input can crash the decoder.
struct ByteReader {
    /// A read went past the end of the readable range.
    struct Truncated: Error {}

    let buffer: UnsafeRawBufferPointer
    private(set) var offset: Int
    let end: Int

    init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
        offset = 0
        end = buffer.count
    }

    private init(_ buffer: UnsafeRawBufferPointer, offset: Int, end: Int) {
        self.buffer = buffer
        self.offset = offset
        self.end = end
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    mutating func readUInt8() throws(Truncated) -> UInt8 {
        guard offset < end else { throw Truncated() }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func readUInt16() throws(Truncated) -> UInt16 {
        guard end - offset >= 2 else { throw Truncated() }
        defer { offset += 2 }
        return UInt16(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func readUInt24() throws(Truncated) -> UInt32 {
        guard end - offset >= 3 else { throw Truncated() }
        defer { offset += 3 }
        return UInt32(buffer[offset]) << 16 | UInt32(buffer[offset + 1]) << 8 | UInt32(buffer[offset + 2])
    }

    mutating func readUInt32() throws(Truncated) -> UInt32 {
        guard end - offset >= 4 else { throw Truncated() }
        defer { offset += 4 }
        return UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func readUInt48() throws(Truncated) -> UInt64 {
        guard end - offset >= 6 else { throw Truncated() }
        defer { offset += 6 }
        let high = UInt64(UInt16(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        let low = UInt64(UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 2, as: UInt32.self)))
        return high << 32 | low
    }

    mutating func readUInt64() throws(Truncated) -> UInt64 {
        guard end - offset >= 8 else { throw Truncated() }
        defer { offset += 8 }
        return UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Copies the next `count` bytes out.
    mutating func readBytes(_ count: Int) throws(Truncated) -> [UInt8] {
        guard count >= 0, end - offset >= count else { throw Truncated() }
        defer { offset += count }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count]))
    }

    /// Reads the rest of the range.
    mutating func readRemainingBytes() -> [UInt8] {
        let count = max(0, remaining)
        return (try? readBytes(count)) ?? []
    }

    /// A reader limited to the next `count` bytes; this reader moves past them.
    mutating func readSubReader(_ count: Int) throws(Truncated) -> ByteReader {
        guard count >= 0, end - offset >= count else { throw Truncated() }
        defer { offset += count }
        return ByteReader(buffer, offset: offset, end: offset + count)
    }

    mutating func skip(_ count: Int) throws(Truncated) {
        guard count >= 0, end - offset >= count else { throw Truncated() }
        offset += count
    }

    /// The bytes from `start` to the current offset.
    func bytes(from start: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: buffer[start..<offset]))
    }

    /// Reads an IPv4 (4 bytes) or IPv6 (16 bytes) address.
    mutating func readIPAddress(byteCount: Int) throws(Truncated) -> IPAddress? {
        switch byteCount {
        case 4: return .v4(IPv4Address(rawValue: try readUInt32()))
        case 16: return .v6(IPv6Address(high: try readUInt64(), low: try readUInt64()))
        default: return nil
        }
    }
}
