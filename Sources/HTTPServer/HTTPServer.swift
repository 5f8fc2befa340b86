import Dispatch
import EventLoop
import NetAddress

/// An HTTP/1.1 server (RFC 9112) on an `EventLoop`: every request is answered by `responder`, on the loop,
/// in arrival order per connection. Keep-alive, pipelining, chunked bodies and `Expect: 100-continue` are
/// handled by `HTTPConnectionMachine`; this class adds sockets, the connection limit and the idle timeout.
public final class HTTPServer: @unchecked Sendable {
    public typealias Responder = (HTTPRequest) -> HTTPResponse

    public let loop: EventLoop
    public let configuration: HTTPServerConfiguration
    /// The port listened on (useful when asked for port 0).
    public let localPort: UInt16
    private let responder: Responder
    private var listener: TCPListener?
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private var sweepTimer: LoopTimer?
    private var dateCache = HTTPDateCache()

    /// Listens on `host`:`port` and starts serving. Call on the loop.
    ///
    /// `host` is an IPv4 or IPv6 literal, `localhost` (127.0.0.1), or `""`/`*` for every address (IPv6 and
    /// IPv4). Port 0 picks a free port (see `localPort`).
    public init(loop: EventLoop, host: String, port: UInt16, configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
                responder: @escaping Responder) throws {
        loop.preconditionOnLoop()
        self.loop = loop
        self.configuration = configuration
        self.responder = responder
        let address = try Self.bindAddress(host)
        let acceptor = Acceptor()
        let listener = try TCPListener(loop: loop, address: address, port: port, backlog: 1024) { [acceptor] tcp in
            if let server = acceptor.server { server.accept(tcp) } else { tcp.close() }
        }
        localPort = listener.localPort
        self.listener = listener
        acceptor.server = self  // on the loop, so no connection is accepted before this
        let sweepInterval = max(0.01, min(1, configuration.idleTimeout / 4))
        sweepTimer = loop.scheduleTimer(after: sweepInterval, repeating: sweepInterval) { [weak self] in self?.closeIdleConnections() }
    }

    /// Connections currently open (including ones finishing a last response).
    public var connectionCount: Int {
        loop.preconditionOnLoop()
        return connections.count
    }

    /// Stops listening and closes every connection at once. Idempotent. Callbacks hold the server weakly, so
    /// dropping it without `close()` leaves the port open but closes each connection once accepted or heard.
    public func close() {
        loop.preconditionOnLoop()
        sweepTimer?.cancel()
        sweepTimer = nil
        listener?.close()
        listener = nil
        for connection in connections.values { connection.tcp.close() }
    }

    /// The address to bind for a configured `[API] host`.
    static func bindAddress(_ host: String) throws(HTTPServerError) -> IPAddress? {
        switch host {
        case "", "*": return nil
        case "localhost": return .v4(IPv4Address(127, 0, 0, 1))
        default:
            let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            guard let address = IPAddress(literal) else { throw .invalidHost(host) }
            return address
        }
    }

    private func accept(_ tcp: TCPConnection) {
        guard connections.count < configuration.maxConnections else {
            tcp.write(HTTPConnectionMachine.overloadedResponse(date: dateCache.current()))
            tcp.close(flushing: true, flushTimeout: configuration.lingerTimeout)
            return
        }
        let serverAddress = tcp.localAddress.isIPv4 ? "\(tcp.localAddress):\(tcp.localPort)" : "[\(tcp.localAddress)]:\(tcp.localPort)"
        let connection = ServerConnection(tcp: tcp, machine: HTTPConnectionMachine(limits: configuration.limits, serverAddress: serverAddress))
        let id = ObjectIdentifier(tcp)
        connections[id] = connection
        tcp.writeLowWaterMark = min(tcp.writeLowWaterMark, configuration.maxPendingWriteBytes / 2)
        tcp.onRead = { [weak self, weak connection, unowned tcp] bytes in
            guard let self, let connection else { return tcp.close() }
            connection.lastActivity = DispatchTime.now().uptimeNanoseconds
            serve(bytes, on: connection)
        }
        tcp.onWritable = { [weak self, weak connection] in
            guard let self, let connection else { return }
            connection.lastActivity = DispatchTime.now().uptimeNanoseconds  // a client draining answers is not idle
            if connection.readingPaused { serve(UnsafeRawBufferPointer(start: nil, count: 0), on: connection) }
        }
        tcp.onClose = { [weak self] _ in self?.connections[id] = nil }
    }

    /// Answers what `bytes` complete, keeping at most about `maxPendingWriteBytes` of answers queued: beyond
    /// that, reading stops and buffered pipelined requests wait until the client has read (`onWritable`).
    private func serve(_ bytes: UnsafeRawBufferPointer, on connection: ServerConnection) {
        let tcp = connection.tcp
        let limit = configuration.maxPendingWriteBytes
        var input = bytes
        var waiting = false
        repeat {
            let output = connection.machine.receive(input, date: dateCache.current(),
                                                    outputLimit: max(0, limit - tcp.pendingWriteBytes), respond: responder)
            input = UnsafeRawBufferPointer(start: nil, count: 0)
            if !output.bytes.isEmpty { tcp.write(output.bytes) }
            if output.close {
                tcp.close(flushing: true, flushTimeout: configuration.lingerTimeout)
                return
            }
            waiting = output.mayHaveMore
        } while waiting && tcp.pendingWriteBytes < limit
        waiting = waiting || tcp.pendingWriteBytes >= limit
        if waiting && !connection.readingPaused {
            connection.readingPaused = true
            tcp.pauseReading()
        } else if !waiting && connection.readingPaused {
            connection.readingPaused = false
            tcp.resumeReading()
        }
    }

    private func closeIdle(_ connection: ServerConnection) {
        let output = connection.machine.idleTimeout(date: dateCache.current())
        if !output.bytes.isEmpty { connection.tcp.write(output.bytes) }
        connection.tcp.close(flushing: true, flushTimeout: configuration.lingerTimeout)
    }

    private func closeIdleConnections() {
        let now = DispatchTime.now().uptimeNanoseconds
        let limit = UInt64(configuration.idleTimeout * 1e9)
        for connection in connections.values
        where !connection.machine.isClosing && now > connection.lastActivity && now - connection.lastActivity > limit {
            closeIdle(connection)
        }
    }
}

/// Lets the listener reach the server without keeping it alive.
private final class Acceptor {
    weak var server: HTTPServer?
}

/// One accepted connection and its HTTP state, confined to the loop.
private final class ServerConnection {
    let tcp: TCPConnection
    var machine: HTTPConnectionMachine
    var lastActivity = DispatchTime.now().uptimeNanoseconds
    var readingPaused = false

    init(tcp: TCPConnection, machine: HTTPConnectionMachine) {
        self.tcp = tcp
        self.machine = machine
    }
}

/// A server that cannot start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidHost(String)

    public var description: String {
        switch self {
        case .invalidHost(let host): "'\(host)' is not an IP address, 'localhost' or '*'"
        }
    }
}
