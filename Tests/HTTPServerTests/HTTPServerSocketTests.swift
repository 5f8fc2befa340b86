import Foundation
import Testing
@testable import HTTPServer

/// The server over real loopback sockets, driven by a raw blocking client.
@Suite struct HTTPServerSocketTests {
    @Test func keepAliveReusesOneConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        for index in 0..<5 {
            let response = try client.request("GET", "/n\(index)")
            #expect(response.status.code == 200)
            #expect(response.bodyText == "GET /n\(index) 0")
        }
        #expect(server.connectionCount == 1)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send(Array("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET /c HTTP/1.1\r\n\r\n".utf8))
        var parser = HTTPResponseParser()
        let bodies = try (0..<3).map { _ in try client.readResponse(&parser).bodyText }
        #expect(bodies == ["GET /a 0", "POST /b 4", "GET /c 0"])
    }

    @Test func chunkedUploadArrivesWhole() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send(Array("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n".utf8))
        try client.send(Array("5;ext=1\r\npedia\r\n0\r\n\r\n".utf8))
        var parser = HTTPResponseParser()
        #expect(try client.readResponse(&parser).bodyText == "Wikipedia")
    }

    @Test func expectContinueGetsAnInterimResponseFirst() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send(Array("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n".utf8))
        #expect(String(decoding: try client.receiveAvailable(), as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        try client.send(Array("hello".utf8))
        var parser = HTTPResponseParser()
        #expect(try client.readResponse(&parser).bodyText == "hello")
    }

    @Test func oversizedBodyGets413AndTheClientCanFinishSending() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        let body = [UInt8](repeating: 0x41, count: 2 << 20)
        try client.send(Array("POST /echo HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
        try client.send(body)  // the server keeps reading (and dropping) until we are done: no reset
        let all = String(decoding: try client.readToEnd(), as: UTF8.self)
        #expect(all.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
        #expect(all.contains("Connection: close\r\n"))
    }

    @Test func oversizedChunkedBodyGets413() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send(Array("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x42, count: 0x10000) + Array("\r\n".utf8)
        for _ in 0..<17 { try client.send(chunk) }
        #expect(String(decoding: try client.readToEnd(), as: UTF8.self).hasPrefix("HTTP/1.1 413 "))
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nX: " + String(repeating: "h", count: 20_000) + "\r\n\r\n", 431),
        ("GET /" + String(repeating: "u", count: 9000) + " HTTP/1.1\r\n\r\n", 414),
        ("BLAH\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
        ("GET / HTTP/3.0\r\n\r\n", 505),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("\u{0}\u{1}\u{2}\u{FF}garbage\r\n\r\n", 400),
    ])
    func malformedOrOversizedRequestGetsItsStatusAndClose(_ request: String, _ status: Int) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send(Array(request.utf8))
        let reply = String(decoding: try client.readToEnd(), as: UTF8.self)
        #expect(reply.hasPrefix("HTTP/1.1 \(status) "), "\(reply.prefix(80))")
        #expect(reply.contains("Connection: close\r\n"))
    }

    @Test func idleConnectionGets408ThenIsClosed() throws {
        // One second, so that a loaded machine still reads the "reused" request well before the deadline.
        let server = try TestServer(configuration: HTTPServerConfiguration(idleTimeout: 1))
        defer { server.stop() }
        let silent = try server.client(), partial = try server.client(), reused = try server.client()
        try partial.send(Array("GET / HTTP/1.1\r\nHo".utf8))
        #expect(try reused.request("GET", "/").status.code == 200)
        #expect(String(decoding: try silent.readToEnd(), as: UTF8.self).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(String(decoding: try partial.readToEnd(), as: UTF8.self).hasPrefix("HTTP/1.1 408 "))
        #expect(try reused.readToEnd().isEmpty, "an idle keep-alive connection is closed without a 408")
        for client in [silent, partial, reused] { client.close() }
        try waitUntil("connections closed") { server.connectionCount == 0 }
    }

    @Test func connectionsBeyondTheLimitGet503() throws {
        let server = try TestServer(configuration: HTTPServerConfiguration(maxConnections: 2))
        defer { server.stop() }
        let first = try server.client(), second = try server.client()
        #expect(try first.request("GET", "/").status.code == 200)
        #expect(try second.request("GET", "/").status.code == 200)
        let third = try server.client()
        #expect(String(decoding: try third.readToEnd(), as: UTF8.self).hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        first.close()
        try waitUntil("a slot frees") { server.connectionCount < 2 }
        #expect(try server.client().request("GET", "/").status.code == 200)
    }

    @Test func clientDisconnectingMidBodyIsCleanedUp() throws {
        let server = try TestServer()
        defer { server.stop() }
        var clientPorts = Set<UInt16>()
        for _ in 0..<20 {
            let client = try server.client()
            try client.send(Array("POST /echo HTTP/1.1\r\nContent-Length: 100000\r\n\r\npartial body".utf8))
            clientPorts.insert(client.localPort)
            client.close()
        }
        // A count of zero alone can come before the last accept or close: wait for the descriptors too.
        try waitUntil("every half-sent connection is dropped and its descriptor closed") {
            server.connectionCount == 0 && serverSocketDescriptors(port: server.port, clientPorts: clientPorts) == 0
        }
        #expect(try server.client().request("POST", "/echo", body: Array("still fine".utf8)).bodyText == "still fine")
    }

    @Test func slowClientThatDoesNotReadIsThrottledNotBuffered() throws {
        let big = [UInt8](repeating: 0x43, count: 512 * 1024)
        let server = try TestServer(configuration: HTTPServerConfiguration(maxPendingWriteBytes: 256 * 1024)) { _ in
            HTTPResponse(status: .ok, headers: [:], body: big)
        }
        defer { server.stop() }
        let client = try server.client()
        let requests = Array(String(repeating: "GET / HTTP/1.1\r\n\r\n", count: 64).utf8)
        try client.send(requests)  // 64 × 512 KiB of answers; the server stops reading while we do not read
        var parser = HTTPResponseParser()
        for _ in 0..<64 { #expect(try client.readResponse(&parser).body.count == big.count) }
    }

    @Test func servesOverIPv6() throws {
        let server = try TestServer(host: "::1")
        defer { server.stop() }
        let client = try BlockingHTTPClient(host: "::1", port: server.port)
        #expect(try client.request("GET", "/v6").bodyText == "GET /v6 0")
    }

    @Test func wildcardHostServesIPv4AndIPv6() throws {
        let server = try TestServer(host: "*")
        defer { server.stop() }
        #expect(try BlockingHTTPClient(host: "127.0.0.1", port: server.port).request("GET", "/").status.code == 200)
        #expect(try BlockingHTTPClient(host: "::1", port: server.port).request("GET", "/").status.code == 200)
    }

    @Test func rejectsAHostThatIsNotAnAddress() throws {
        #expect(throws: HTTPServerError.invalidHost("example.org")) { try HTTPServer.bindAddress("example.org") }
        #expect(try HTTPServer.bindAddress("localhost") == .v4(.init(127, 0, 0, 1)))
        #expect(try HTTPServer.bindAddress("[::1]") == .v6(.init(high: 0, low: 1)))
    }

    @Test func thousandConcurrentConnectionsAllSucceedWithoutLeakingDescriptors() throws {
        raiseDescriptorLimit()
        let server = try TestServer()
        defer { server.stop() }
        let clients = try (0..<1000).map { _ in try server.client(timeout: 30) }
        try waitUntil("all accepted") { server.connectionCount == 1000 }
        for (index, client) in clients.enumerated() {
            try client.send(Array("POST /echo HTTP/1.1\r\nContent-Length: \(String(index).utf8.count)\r\n\r\n\(index)".utf8))
        }
        var failures = 0
        for (index, client) in clients.enumerated() {
            var parser = HTTPResponseParser()
            let response = try client.readResponse(&parser)
            if response.status.code != 200 || response.bodyText != String(index) { failures += 1 }
        }
        #expect(failures == 0)
        let clientPorts = Set(clients.map(\.localPort))
        #expect(clientPorts.count == 1000)
        #expect(serverSocketDescriptors(port: server.port, clientPorts: clientPorts) == 1000)
        for client in clients { client.close() }
        try waitUntil("all closed") { server.connectionCount == 0 }
        #expect(serverSocketDescriptors(port: server.port, clientPorts: clientPorts) == 0)
    }

    @Test func closingTheServerClosesItsConnections() throws {
        let server = try TestServer()
        let client = try server.client()
        #expect(try client.request("GET", "/").status.code == 200)
        server.stop()
        #expect(try client.readToEnd().isEmpty)
        try waitUntil("closed") { server.connectionCount == 0 }
        #expect(throws: BlockingHTTPClient.Failure.self) { try server.client() }
    }
}
