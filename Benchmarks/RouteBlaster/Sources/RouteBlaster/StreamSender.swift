import Glibc

/// What sending one encoded stream cost the blaster.
struct SendTiming {
    /// Wall time from the first byte written until the kernel took the last one.
    var wall: Double
    /// The part of `wall` spent waiting for the socket to take more bytes (the receiver was the limit).
    var blocked: Double
    /// The blaster's own sending time: `wall - blocked`. When it is close to the whole measured
    /// interval, the receiver was waiting for the blaster, and the run is injection-bound.
    var busy: Double { wall - blocked }
}

/// Pushes an encoded stream into the non-blocking socket as fast as the kernel takes it, in large
/// writes, timing how long it waits for room; incoming bytes are read and dropped meanwhile.
struct StreamSender {
    /// Bytes per write(2): large enough that system call overhead does not matter.
    var chunk = 1 << 20

    func send(_ bytes: [UInt8], over connection: BGPConnection) throws -> SendTiming {
        let start = Clock.now
        var blocked = 0.0
        var offset = 0
        try bytes.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let written = write(connection.fd, buffer.baseAddress! + offset, min(chunk, buffer.count - offset))
                if written > 0 {
                    offset += written
                    continue
                }
                guard written < 0, errno == EAGAIN || errno == EINTR else { throw BlasterError.system("write", errno) }
                let waitStart = Clock.now
                let readable = connection.waitWritable(timeout: 1)
                blocked += Clock.now - waitStart
                if readable { _ = try connection.readMessages(blockingFor: 0) }
            }
        }
        return SendTiming(wall: Clock.now - start, blocked: blocked)
    }
}
