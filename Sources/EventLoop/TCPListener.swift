import CSupport
import Dispatch
import NetAddress
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on an `EventLoop`. Each accepted connection is passed to `onAccept` on the
/// loop, already reading; the callback sets its handlers (or closes it) before returning.
public final class TCPListener: @unchecked Sendable {
    public let loop: EventLoop
    public let localAddress: IPAddress
    public let localPort: UInt16
    private let socketFamily: Int32
    private let onAccept: (TCPConnection) -> Void
    private var sources: SocketSources!
    private var retryTimer: LoopTimer?

    /// Listens on `address`:`port` (`port` 0 picks a free port, see `localPort`). A nil address listens on
    /// every IPv6 and IPv4 address (dual stack; IPv4 peers are reported as IPv4).
    public init(loop: EventLoop, address: IPAddress?, port: UInt16, backlog: Int32 = 128,
                onAccept: @escaping (TCPConnection) -> Void) throws {
        self.loop = loop
        self.onAccept = onAccept
        let bindAddress = address ?? .v6(IPv6Address(high: 0, low: 0))
        socketFamily = bindAddress.isIPv4 ? AF_INET : AF_INET6
        let fd = try loop.makeTCPSocket(family: socketFamily)
        do {
            try SocketOptions.setInt(fd, level: SOL_SOCKET, name: SO_REUSEADDR, 1, "SO_REUSEADDR")
            if socketFamily == AF_INET6 {
                try SocketOptions.setInt(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, address == nil ? 0 : 1, "IPV6_V6ONLY")
            }
            let bound = SocketAddress(bindAddress, port: port).withSockaddr { Glibc.bind(fd, $0, $1) }
            guard bound == 0 else { throw SocketError("bind(\(bindAddress) port \(port))") }
            guard Glibc.listen(fd, backlog) == 0 else { throw SocketError("listen") }
            guard let local = SocketAddress.local(of: fd)?.addressAndPort else { throw SocketError("getsockname") }
            (localAddress, localPort) = local
        } catch {
            Glibc.close(fd)
            throw error
        }
        loop.retain(self)
        sources = SocketSources(fd: fd, queue: loop.queue, readSuspended: false,
                                onReadable: { [unowned self] in acceptPending() })
    }

    /// Installs (or removes, with nil) the TCP MD5 key (RFC 2385) expected from `peer`. Connections from
    /// a peer with a key installed must be signed with it; others are dropped by the kernel.
    public func setMD5Key(_ key: String?, for peer: IPAddress) throws {
        loop.preconditionOnLoop()
        try SocketOptions.setMD5Key(sources.fd, socketFamily: socketFamily, peer: peer, key: key)
    }

    /// Drops connection attempts whose packets arrive with a TTL / hop limit below `ttl` (GTSM, RFC 5082);
    /// nil turns the check off.
    public func setMinimumTTL(_ ttl: UInt8?) throws {
        loop.preconditionOnLoop()
        try SocketOptions.setMinimumTTL(sources.fd, socketFamily: socketFamily, ttl ?? 0)
    }

    /// The TTL / hop limit of packets sent by this socket and the connections it accepts, the SYN-ACK
    /// included (GTSM peers drop a SYN-ACK that arrives with less than 255, RFC 5082 §3).
    public func setTTL(_ ttl: UInt8) throws {
        loop.preconditionOnLoop()
        try SocketOptions.setTTL(sources.fd, socketFamily: socketFamily, ttl)
    }

    /// Stops listening. Idempotent; connections already accepted are not affected.
    public func close() {
        loop.preconditionOnLoop()
        retryTimer?.cancel()
        retryTimer = nil
        sources.cancelAndClose(queue: loop.queue) { [self] in loop.release(self) }
    }

    private func acceptPending() {
        for _ in 0..<64 {
            guard !sources.isClosed else { return }
            var peer = SocketAddress()
            let fd = withUnsafeMutableBytes(of: &peer.storage) { raw in
                csupport_accept_nonblocking(sources.fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &peer.length)
            }
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // The listening socket stays readable: pause instead of spinning on the error.
                    loop.logger.error("accept on port \(localPort): \(SocketError("accept")); pausing 100 ms")
                    sources.suspendReading()
                    retryTimer = loop.scheduleTimer(after: 0.1) { [unowned self] in sources.resumeReading() }
                    return
                default:
                    loop.logger.error("accept on port \(localPort): \(SocketError("accept"))")
                    return
                }
            }
            guard let remote = peer.addressAndPort else {
                Glibc.close(fd)
                continue
            }
            onAccept(TCPConnection.accepted(loop: loop, fd: fd, socketFamily: socketFamily, remote: remote))
        }
    }
}
