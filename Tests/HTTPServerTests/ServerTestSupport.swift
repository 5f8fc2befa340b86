import Dispatch
import EventLoop
import Foundation
import HTTPServer
import TestSupport

/// An `HTTPServer` on its own event loop, on a free loopback port, for tests.
final class TestServer: @unchecked Sendable {
    let loop: EventLoop
    let server: HTTPServer
    var port: UInt16 { server.localPort }

    init(host: String = "127.0.0.1", configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
         responder: @escaping HTTPServer.Responder = echo) throws {
        loop = try EventLoop(label: "test.http.\(UUID().uuidString.prefix(8))")
        let box = ResponderBox(responder)
        let loop = loop
        server = try loop.queue.sync { try HTTPServer(loop: loop, host: host, port: 0, configuration: configuration, responder: box.responder) }
    }

    /// Runs `body` on the loop and returns its result.
    func onLoop<T>(_ body: () -> T) -> T { loop.queue.sync(execute: body) }

    var connectionCount: Int { onLoop { server.connectionCount } }

    func stop() { onLoop { server.close() } }

    func client(timeout: Double = 10) throws -> BlockingHTTPClient {
        try BlockingHTTPClient(host: "127.0.0.1", port: port, timeout: timeout)
    }
}

private struct ResponderBox: @unchecked Sendable {
    let responder: HTTPServer.Responder
    init(_ responder: @escaping HTTPServer.Responder) { self.responder = responder }
}

/// Answers `METHOD target bodyLength`, and the body itself for `/echo`.
func echo(_ request: HTTPRequest) -> HTTPResponse {
    if request.path == "/echo" { return HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body) }
    return HTTPResponse(status: .ok, contentType: "text/plain", body: "\(request.method) \(request.target) \(request.body.count)")
}

/// Polls `condition` every 5 ms for at most `timeout` seconds.
func waitUntil(_ what: String, timeout: Double = 10, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        guard Date() < deadline else { throw TestFailure("timed out waiting for \(what)") }
        usleep(5_000)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// This process's descriptors (`/proc/self/fd`) that are the server's side of connections from `clientPorts`:
/// sockets on 127.0.0.1:`port` whose peer is one of those ports. Exact while other tests open sockets in
/// parallel (another socket may have the same local port number, but not with those peers).
func serverSocketDescriptors(port: UInt16, clientPorts: Set<UInt16>) -> Int {
    let local = loopbackSocketAddress(port: port)
    let peers = Set(clientPorts.map { loopbackSocketAddress(port: $0) })
    return connectedSocketsOfThisProcess().filter { $0.local == local && peers.contains($0.remote) }.count
}

/// Raises this process's soft descriptor limit to its hard limit (tests with many sockets).
func raiseDescriptorLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
