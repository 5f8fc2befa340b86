import BGPWire
import Glibc
import NetAddress

/// One BGP session over a plain TCP socket, driven by the blaster alone (no event loop): a blocking
/// OPEN exchange (RFC 4271 §8.2.2), then a non-blocking socket whose incoming bytes are read and
/// dropped, except that a NOTIFICATION ends the run.
final class BGPConnection {
    let fd: Int32
    private var framer = MessageFramer()
    private(set) var context = CodecContext()
    private(set) var peerOpen: OpenMessage?
    private(set) var holdTime: UInt16 = 0
    private var lastKeepalive = Clock.now

    /// Connects from `local` to `peer`:`port`, waiting up to `timeout` seconds for the listener.
    init(local: IPv4Address, peer: IPv4Address, port: UInt16, timeout: Double) throws(BlasterError) {
        let deadline = Clock.now + timeout
        while true {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw .system("socket", errno) }
            var one: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var buffer: Int32 = 4 << 20
            setsockopt(socket, SOL_SOCKET, SO_SNDBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
            var source = Self.address(local, port: 0)
            var destination = Self.address(peer, port: port)
            let bound = withUnsafePointer(to: &source) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { close(socket); throw .system("bind \(local)", errno) }
            let connected = withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 {
                fd = socket
                return
            }
            let error = errno
            close(socket)
            guard error == ECONNREFUSED, Clock.now < deadline else { throw .system("connect \(peer):\(port)", error) }
            usleep(50_000)
        }
    }

    deinit { close(fd) }

    private static func address(_ address: IPv4Address, port: UInt16) -> sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = port.bigEndian
        result.sin_addr.s_addr = address.rawValue.bigEndian
        return result
    }

    /// Sends our OPEN, waits for the peer's OPEN and KEEPALIVE, confirms with a KEEPALIVE
    /// (RFC 4271 §8.2.2 OpenSent → OpenConfirm → Established), and records the negotiated context.
    func establish(_ open: OpenMessage, timeout: Double) throws(BlasterError) {
        try writeAll(BGPMessage.open(open).encoded(context: context))
        let deadline = Clock.now + timeout
        var gotKeepalive = false
        while peerOpen == nil || !gotKeepalive {
            guard Clock.now < deadline else { throw .protocolError("no OPEN/KEEPALIVE from the peer within \(timeout) s") }
            for message in try readMessages(blockingFor: deadline - Clock.now) {
                switch message {
                case .open(let theirs):
                    peerOpen = theirs
                    let both = Set(open.capabilities.map(\.code)).intersection(theirs.capabilities.map(\.code))
                    context = CodecContext(fourOctetAS: both.contains(65), extendedMessage: both.contains(6))
                    framer.maximumMessageLength = context.maximumMessageLength
                    holdTime = min(open.holdTime, theirs.holdTime)
                    try writeAll(BGPMessage.keepalive.encoded(context: context))
                case .keepalive:
                    gotKeepalive = peerOpen != nil
                case .notification(let notification):
                    throw .notification(notification)
                default:
                    break
                }
            }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Writes `bytes` completely on the still-blocking socket (OPEN exchange and teardown only).
    func writeAll(_ bytes: [UInt8]) throws(BlasterError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { waitWritable(timeout: 1); continue }
                throw .system("write", errno)
            }
            offset += written
        }
    }

    /// Blocks until the socket can take more bytes (or `timeout` seconds pass); returns whether
    /// bytes are waiting to be read.
    @discardableResult
    func waitWritable(timeout: Double) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT | POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(timeout * 1000))
        return descriptor.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0
    }

    /// Reads what is there (blocking up to `timeout` for the first bytes) and returns the whole
    /// messages. A closed connection or a NOTIFICATION throws.
    func readMessages(blockingFor timeout: Double) throws(BlasterError) -> [BGPMessage] {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(max(0, timeout) * 1000)) > 0 else { return [] }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return [] }
            throw .system("read", errno)
        }
        guard count > 0 else { throw .protocolError("the peer closed the connection") }
        chunk.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        var messages: [BGPMessage] = []
        do {
            while let bytes = try framer.nextMessage() {
                let message = try BGPMessage.decode(bytes, context: context)
                if case .notification(let notification) = message { throw BlasterError.notification(notification) }
                messages.append(message)
            }
        } catch let error as BlasterError {
            throw error
        } catch {
            throw .protocolError("undecodable message from the peer: \(error)")
        }
        return messages
    }

    /// Reads and drops incoming messages without blocking, and sends a KEEPALIVE every third of
    /// the hold time (RFC 4271 §4.4), so that a session stays up through long waits.
    func service() throws(BlasterError) {
        _ = try readMessages(blockingFor: 0)
        guard holdTime > 0, Clock.now - lastKeepalive >= Double(holdTime) / 3 else { return }
        // Only when the socket has room, so the 19 bytes go out whole between whole UPDATEs.
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, 0) > 0, descriptor.revents & Int16(POLLOUT) != 0 else { return }
        lastKeepalive = Clock.now
        let keepalive = BGPMessage.keepalive.encoded(context: context)
        _ = keepalive.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
    }

    /// Ends the session with Cease / Administrative Shutdown (RFC 4486 §4).
    func cease() {
        let notification = BGPMessage.notification(NotificationMessage(code: 6, subcode: 2)).encoded(context: context)
        _ = notification.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        shutdown(fd, Int32(SHUT_WR))
    }
}
