#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client connection, for the command-line tools and tests: send requests, read
/// responses, keep the connection for the next request. Not for use on an event loop.
public final class BlockingHTTPClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let host: String
    public let port: UInt16
    private var fd: Int32 = -1

    /// Connects to `host` (an IP literal or a name resolved with getaddrinfo) and `port`; `timeout` bounds
    /// every read and write.
    public init(host: String, port: UInt16, timeout: Double = 10) throws {
        self.host = host
        self.port = port
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(literal, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let socketFD = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            if socketFD >= 0 {
                Self.setTimeout(socketFD, timeout)
                var one: Int32 = 1
                setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                if connect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    fd = socketFD
                    return
                }
                lastError = errno
                Glibc.close(socketFD)
            }
            candidate = info.pointee.ai_next
        }
        throw Failure(description: "cannot connect to \(host) port \(port): \(String(cString: strerror(lastError)))")
    }

    /// Connects to the Unix stream socket at `path`; requests name `localhost` as their host.
    public init(unixSocketPath path: String, timeout: Double = 10) throws {
        host = "localhost"
        port = 0
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw Failure(description: "socket path longer than \(capacity - 1) bytes: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
        }
        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        Self.setTimeout(socketFD, timeout)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(socketFD)
            throw Failure(description: "cannot connect to \(path): \(reason)")
        }
        fd = socketFD
    }

    private static func setTimeout(_ fd: Int32, _ timeout: Double) {
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// The local port of the connection (0 once closed).
    public var localPort: UInt16 {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard fd >= 0, result == 0 else { return 0 }
        return withUnsafeBytes(of: address) { raw in
            UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self))  // sin_port and sin6_port sit at offset 2
        }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
    }

    /// Sends one request (with `Host` and `Content-Length`) and reads its response.
    public func request(_ method: String, _ target: String, headers: HTTPHeaders = [:], body: [UInt8] = []) throws -> HTTPClientResponse {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        if !headers.contains("Host") {
            let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            head += port == 0 ? "Host: \(name)\r\n" : "Host: \(name):\(port)\r\n"   // port 0: a Unix socket
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + body)
        var parser = HTTPResponseParser(headRequest: method == "HEAD")
        return try readResponse(&parser)
    }

    /// Reads the next complete response with `parser` (which keeps bytes of later responses).
    public func readResponse(_ parser: inout HTTPResponseParser) throws -> HTTPClientResponse {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let response = try parser.next() { return response }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: errno == EAGAIN ? "timed out waiting for the response" : "recv: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                if let response = try parser.next(atEnd: true) { return response }
                throw Failure(description: "connection closed before a response")
            }
            parser.append(chunk[..<count])
        }
    }

    /// Waits for bytes and returns what one read gives (empty when the server closed).
    public func receiveAvailable(maxBytes: Int = 64 * 1024) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: maxBytes)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(chunk[..<count]) }
            if errno != EINTR { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
        }
    }

    /// Reads until the server closes the connection (or `timeout` passes); returns everything read.
    public func readToEnd() throws -> [UInt8] {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return all }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET { return all }
                throw Failure(description: errno == EAGAIN ? "timed out; read so far: \(all.count) bytes" : "recv: \(String(cString: strerror(errno)))")
            }
            all += chunk[..<count]
        }
    }
}
