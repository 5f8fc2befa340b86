import Dispatch
import NetAddress
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP connection on an `EventLoop` (IPv4 or IPv6). Reads are delivered to `onRead`
/// as they arrive; `write` never blocks: what the kernel does not take at once is queued and sent
/// when the socket becomes writable. All methods and callbacks run on the loop.
///
/// Lifecycle: `onClose` is called exactly once, on the loop, after the descriptor is closed — when the
/// peer closes (nil), on a socket error, or after `close()` (nil). A connection that never got
/// connected reports through the `connect` completion instead and never calls `onClose`.
public final class TCPConnection: @unchecked Sendable {
    public let loop: EventLoop
    public let remoteAddress: IPAddress
    public let remotePort: UInt16
    public private(set) var localAddress: IPAddress
    public private(set) var localPort: UInt16

    /// Bytes received; the buffer is valid only during the call.
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    public var onClose: ((Error?) -> Void)?
    /// Called when `pendingWriteBytes` falls to `writeLowWaterMark` or below after having been above it:
    /// the moment for a producer that stopped on backpressure to write again.
    public var onWritable: (() -> Void)?
    public var writeLowWaterMark = 64 * 1024

    private enum State {
        case connecting((Result<TCPConnection, Error>) -> Void)
        case open
        /// `close(flushing: true)`: writing what is queued, then FIN, then waiting for the peer's FIN.
        case flushing
        case closed
    }

    private var state: State
    private var sources: SocketSources!
    private var writeQueue = WriteQueue()
    private var wasAboveLowWaterMark = false
    private var timer: LoopTimer?
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
    private let socketFamily: Int32

    /// Bytes accepted by `write` that the kernel has not taken yet.
    public var pendingWriteBytes: Int { writeQueue.byteCount }

    /// True until the connection starts closing.
    public var isOpen: Bool { if case .open = state { true } else { false } }

    private init(loop: EventLoop, fd: Int32, socketFamily: Int32, remote: (IPAddress, UInt16), state: State) {
        self.loop = loop
        self.socketFamily = socketFamily
        self.state = state
        (remoteAddress, remotePort) = remote
        (localAddress, localPort) = SocketAddress.local(of: fd)?.addressAndPort ?? (remote.0.isIPv4 ? .v4(.any) : .v6(IPv6Address(high: 0, low: 0)), 0)
        let connecting = if case .connecting = state { true } else { false }
        loop.retain(self)
        // Reading is never suspended while connecting: a refused connect may be reported to the read
        // source only (see SocketSources), so either source's event completes the connect.
        sources = SocketSources(fd: fd, queue: loop.queue, readSuspended: false,
                                onReadable: { [unowned self] in readable() },
                                writeSuspended: !connecting, onWritable: { [unowned self] in writable() })
    }

    deinit { readBuffer.deallocate() }

    /// An accepted connection (see `TCPListener`).
    static func accepted(loop: EventLoop, fd: Int32, socketFamily: Int32, remote: (IPAddress, UInt16)) -> TCPConnection {
        _ = try? SocketOptions.setNoDelay(fd)
        return TCPConnection(loop: loop, fd: fd, socketFamily: socketFamily, remote: remote, state: .open)
    }

    /// Connects to `address`:`port`, from `localAddress` if given. `md5Key` installs an RFC 2385 key for
    /// the peer before the SYN; `ttl` sets the outgoing TTL / hop limit and `minimumTTL` drops packets
    /// that arrive with less (GTSM, RFC 5082). `completion` is called exactly once on the loop, with the
    /// connection or with a `SocketError` (`ETIMEDOUT` after `timeout` seconds, `ECANCELED` when the
    /// returned connection is closed first). Setup errors (socket, bind, options) are thrown.
    @discardableResult
    public static func connect(loop: EventLoop, to address: IPAddress, port: UInt16, from localAddress: IPAddress? = nil,
                               md5Key: String? = nil, ttl: UInt8? = nil, minimumTTL: UInt8? = nil, timeout: Double = 30,
                               completion: @escaping (Result<TCPConnection, Error>) -> Void) throws -> TCPConnection {
        let family = address.isIPv4 ? AF_INET : AF_INET6
        let fd = try loop.makeTCPSocket(family: family)
        do {
            if let md5Key { try SocketOptions.setMD5Key(fd, socketFamily: family, peer: address, key: md5Key) }
            if let ttl { try SocketOptions.setTTL(fd, socketFamily: family, ttl) }
            if let minimumTTL { try SocketOptions.setMinimumTTL(fd, socketFamily: family, minimumTTL) }
            try SocketOptions.setNoDelay(fd)
            if let localAddress {
                guard localAddress.isIPv4 == address.isIPv4 else {
                    throw SocketError("bind \(localAddress) to reach \(address)", code: EAFNOSUPPORT)
                }
                // The port is chosen at connect time, knowing the destination (no needless EADDRINUSE).
                _ = try? SocketOptions.setInt(fd, level: Int32(IPPROTO_IP), name: IP_BIND_ADDRESS_NO_PORT, 1, "IP_BIND_ADDRESS_NO_PORT")
                let result = SocketAddress(localAddress, port: 0).withSockaddr { Glibc.bind(fd, $0, $1) }
                guard result == 0 else { throw SocketError("bind(\(localAddress))") }
            }
            let result = SocketAddress(address, port: port).withSockaddr { Glibc.connect(fd, $0, $1) }
            guard result == 0 || errno == EINPROGRESS else { throw SocketError("connect(\(address) port \(port))") }
        } catch {
            Glibc.close(fd)
            throw error
        }
        let connection = TCPConnection(loop: loop, fd: fd, socketFamily: family, remote: (address, port),
                                       state: .connecting(completion))
        connection.timer = loop.scheduleTimer(after: timeout) { [unowned connection] in
            connection.teardown(SocketError.timedOut("connect(\(address) port \(port))"))
        }
        return connection
    }

    /// Queues `bytes` for sending and sends what the kernel takes at once. Ignored once closing.
    public func write(_ bytes: [UInt8]) {
        loop.preconditionOnLoop()
        guard case .open = state, !bytes.isEmpty else { return }
        writeQueue.append(bytes)
        if writeQueue.byteCount == bytes.count { flush() }
        if writeQueue.byteCount > writeLowWaterMark { wasAboveLowWaterMark = true }
    }

    /// Stops delivering reads (the kernel buffers, then TCP flow control slows the peer).
    public func pauseReading() {
        loop.preconditionOnLoop()
        sources.suspendReading()
    }

    public func resumeReading() {
        loop.preconditionOnLoop()
        guard case .open = state, sources.isReadSuspended else { return }
        sources.resumeReading()
        // A hang-up reported while reading was paused is not reported again: look now.
        loop.queue.async { [self] in readable() }
    }

    /// Closes the connection. With `flushing`, queued writes are sent first, then a FIN, and the
    /// descriptor is closed when the peer closes too or after `flushTimeout` seconds; reads are
    /// discarded meanwhile. Idempotent. `onClose(nil)` follows.
    public func close(flushing: Bool = false, flushTimeout: Double = 5) {
        loop.preconditionOnLoop()
        switch state {
        case .closed, .flushing:
            return
        case .connecting:
            teardown(SocketError.cancelled("connect(\(remoteAddress) port \(remotePort))"))
        case .open where flushing:
            state = .flushing
            timer = loop.scheduleTimer(after: flushTimeout) { [unowned self] in teardown(nil) }
            sources.resumeReading()
            flush()
        case .open:
            teardown(nil)
        }
    }

    /// The TTL / hop limit of packets sent from now on (GTSM on an accepted connection, RFC 5082).
    public func setTTL(_ ttl: UInt8) throws {
        try SocketOptions.setTTL(sources.fd, socketFamily: socketFamily, ttl)
    }

    /// Drops packets arriving with a lower TTL / hop limit from now on (GTSM, RFC 5082 §3).
    public func setMinimumTTL(_ ttl: UInt8) throws {
        try SocketOptions.setMinimumTTL(sources.fd, socketFamily: socketFamily, ttl)
    }

    private func readable() {
        switch state {
        case .open, .flushing: break
        case .connecting(let completion):
            finishConnecting(completion)
            guard case .open = state else { return }
        case .closed: return
        }
        // Read until EAGAIN: libdispatch reports an EPOLLHUP once and then stops watching the descriptor,
        // so data followed by a FIN or RST in one event must be consumed to the end now (see SocketSources).
        // After 256 KiB (about 6,000 EVPN routes, a few ms of work), a peer that is still connected
        // waits for the next event, so one peer's bulk transfer delays the others' UPDATEs little.
        var budget = 256 << 10
        while true {
            let count = Glibc.read(sources.fd, readBuffer.baseAddress, readBuffer.count)
            if count > 0 {
                if case .open = state { onRead?(UnsafeRawBufferPointer(rebasing: readBuffer[..<count])) }
                switch state {
                case .open, .flushing: break
                case .connecting, .closed: return
                }
                budget -= count
                if budget <= 0 && !sources.isHungUp { return }
            } else if count == 0 {
                return teardown(nil)
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                return teardown(SocketError("read from \(remoteAddress)"))
            }
        }
    }

    private func writable() {
        switch state {
        case .connecting(let completion): finishConnecting(completion)
        case .open, .flushing: flush()
        case .closed: break
        }
    }

    private func finishConnecting(_ completion: (Result<TCPConnection, Error>) -> Void) {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(sources.fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else {
            return teardown(SocketError("getsockopt(SO_ERROR)"))
        }
        guard code == 0 else { return teardown(SocketError("connect(\(remoteAddress) port \(remotePort))", code: code)) }
        guard SocketAddress.remote(of: sources.fd) != nil else { return }   // not connected yet: wait
        timer?.cancel()
        timer = nil
        if let local = SocketAddress.local(of: sources.fd)?.addressAndPort { (localAddress, localPort) = local }
        state = .open
        sources.suspendWriting()
        completion(.success(self))
    }

    /// Sends queued bytes until the kernel buffer is full (then waits for writability) or the queue is empty.
    private func flush() {
        let fd = sources.fd
        let result = writeQueue.drain { buffer in
            while true {
                let sent = Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                if sent >= 0 || errno != EINTR { return sent }
            }
        }
        if result < 0 && errno != EAGAIN && errno != EWOULDBLOCK {
            return teardown(SocketError("send to \(remoteAddress)"))
        }
        if writeQueue.isEmpty {
            sources.suspendWriting()
            if case .flushing = state { Glibc.shutdown(fd, Int32(SHUT_WR)) }
        } else {
            sources.resumeWriting()
        }
        if wasAboveLowWaterMark && writeQueue.byteCount <= writeLowWaterMark, case .open = state {
            wasAboveLowWaterMark = false
            onWritable?()
        }
    }

    /// The one way a connection ends: cancel the sources, close the descriptor once they are
    /// cancelled, then report (completion or `onClose`) and let the loop drop its reference.
    private func teardown(_ error: Error?) {
        let previous = state
        if case .closed = previous { return }
        state = .closed
        timer?.cancel()
        timer = nil
        writeQueue.removeAll()
        sources.cancelAndClose(queue: loop.queue) { [self] in
            if case .connecting(let completion) = previous {
                completion(.failure(error ?? SocketError.cancelled("connect")))
            } else {
                let onClose = self.onClose
                self.onClose = nil
                onClose?(error)
            }
            onRead = nil
            onWritable = nil
            loop.release(self)
        }
    }
}
