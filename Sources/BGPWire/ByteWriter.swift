import NetAddress

/// Big-endian appends used by every encoder.
extension Array where Element == UInt8 {
    @inline(__always) mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always) mutating func appendUInt24(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always) mutating func appendUInt32(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    @inline(__always) mutating func appendUInt48(_ value: UInt64) {
        appendUInt16(UInt16(truncatingIfNeeded: value >> 32))
        appendUInt32(UInt32(truncatingIfNeeded: value))
    }

    @inline(__always) mutating func appendUInt64(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    mutating func appendIPAddress(_ address: IPAddress) {
        switch address {
        case .v4(let v4): appendUInt32(v4.rawValue)
        case .v6(let v6):
            appendUInt64(v6.high)
            appendUInt64(v6.low)
        }
    }

    /// Overwrites two bytes at `index` with `value`, big-endian (length fields written after their content).
    mutating func setUInt16(_ value: UInt16, at index: Int) {
        self[index] = UInt8(truncatingIfNeeded: value >> 8)
        self[index + 1] = UInt8(truncatingIfNeeded: value)
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` preserving a typed error (the standard library's version rethrows `any Error`).
    func withUnsafeBytesTyped<Value, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        let result: Result<Value, Failure> = withUnsafeBytes { buffer in
            Result { () throws(Failure) -> Value in try body(buffer) }
        }
        return try result.get()
    }
}
