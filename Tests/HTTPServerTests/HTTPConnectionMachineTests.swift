import Testing
@testable import HTTPServer

private func summarize(_ request: HTTPRequest) -> HTTPResponse {
    HTTPResponse(status: .ok, contentType: "text/plain", body: "\(request.method) \(request.target) \(request.body.count)")
}

private func text(_ output: HTTPConnectionMachine.Output) -> String { String(decoding: output.bytes, as: UTF8.self) }

@Suite struct HTTPConnectionMachineTests {
    @Test func answersPipelinedRequestsInOrderAndKeepsAlive() {
        var machine = HTTPConnectionMachine()
        let output = machine.receive(Array("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi".utf8),
                                     date: "Mon, 01 Jan 2024 00:00:00 GMT", respond: summarize)
        #expect(!output.close)
        #expect(text(output) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n"
            + "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: swift-bagpipe\r\n\r\nGET /a 0"
            + "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
            + "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: swift-bagpipe\r\n\r\nPOST /b 2")
        #expect(machine.completedRequests == 2)
        #expect(machine.isIdle)
    }

    @Test func closesAfterConnectionCloseAndIgnoresTheRest() {
        var machine = HTTPConnectionMachine()
        let output = machine.receive(Array("GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n".utf8),
                                     date: nil, respond: summarize)
        #expect(output.close)
        #expect(text(output).contains("Connection: close\r\n"))
        #expect(!text(output).contains("/b"))
        #expect(machine.receive(Array("GET /c HTTP/1.1\r\n\r\n".utf8), date: nil, respond: summarize).bytes.isEmpty)
    }

    @Test func http10KeepsAliveOnlyWhenAsked() {
        var plain = HTTPConnectionMachine()
        let closed = plain.receive(Array("GET / HTTP/1.0\r\n\r\n".utf8), date: nil, respond: summarize)
        #expect(closed.close)
        var asking = HTTPConnectionMachine()
        let kept = asking.receive(Array("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n".utf8), date: nil, respond: summarize)
        #expect(!kept.close)
        #expect(text(kept).contains("Connection: keep-alive\r\n"))
    }

    @Test func headGetsHeadersWithoutBody() {
        var machine = HTTPConnectionMachine()
        let output = machine.receive(Array("HEAD /a HTTP/1.1\r\n\r\n".utf8), date: nil, respond: summarize)
        #expect(text(output).hasSuffix("Content-Length: 9\r\nServer: swift-bagpipe\r\n\r\n"))
    }

    @Test func sendsContinueBeforeTheBody() {
        var machine = HTTPConnectionMachine()
        let first = machine.receive(Array("POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8),
                                    date: nil, respond: summarize)
        #expect(text(first) == "HTTP/1.1 100 Continue\r\n\r\n")
        let second = machine.receive(Array("abc".utf8), date: nil, respond: summarize)
        #expect(text(second).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text(second).hasSuffix("POST /a 3"))
    }

    @Test func answersAParseErrorWithItsStatusAndCloses() {
        var machine = HTTPConnectionMachine()
        let output = machine.receive(Array("GET / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n".utf8), date: nil, respond: summarize)
        #expect(output.close)
        #expect(text(output).hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
        #expect(text(output).contains("Connection: close\r\n"))
        #expect(text(output).hasSuffix("413 Content Too Large\n\nThe request body is too large.\n"))
        #expect(machine.isClosing)
    }

    @Test func idleTimeoutSends408UnlessBetweenKeepAliveRequests() {
        var fresh = HTTPConnectionMachine()
        let freshOutput = fresh.idleTimeout(date: nil)
        #expect(freshOutput.close)
        #expect(text(freshOutput).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))

        var partial = HTTPConnectionMachine()
        _ = partial.receive(Array("GET / HTTP/1.1\r\nHost:".utf8), date: nil, respond: summarize)
        #expect(text(partial.idleTimeout(date: nil)).hasPrefix("HTTP/1.1 408 "))

        var reused = HTTPConnectionMachine()
        _ = reused.receive(Array("GET / HTTP/1.1\r\n\r\n".utf8), date: nil, respond: summarize)
        let silent = reused.idleTimeout(date: nil)
        #expect(silent.close)
        #expect(silent.bytes.isEmpty)
    }

    @Test func outputLimitLeavesPipelinedRequestsBufferedUntilAskedAgain() {
        var machine = HTTPConnectionMachine()
        var answered = 0
        let respond: (HTTPRequest) -> HTTPResponse = { _ in
            answered += 1
            return HTTPResponse(status: .ok, headers: [:], body: [UInt8](repeating: 0x41, count: 100))
        }
        let ten = Array(String(repeating: "GET / HTTP/1.1\r\n\r\n", count: 10).utf8)
        let first = machine.receive(ten, date: nil, outputLimit: 250, respond: respond)
        #expect(answered == 2, "two answers reach the limit")
        #expect(first.mayHaveMore)
        #expect(!first.close)
        let none = machine.receive([], date: nil, outputLimit: 0, respond: respond)
        #expect(answered == 2)
        #expect(none.mayHaveMore && none.bytes.isEmpty)
        let rest = machine.receive([], date: nil, respond: respond)
        #expect(answered == 10)
        #expect(!rest.mayHaveMore)
        #expect(machine.isIdle)
    }

    @Test func passesTheServerAddressToRequests() {
        var machine = HTTPConnectionMachine(serverAddress: "[::1]:8082")
        let output = machine.receive(Array("GET / HTTP/1.0\r\n\r\n".utf8), date: nil) { request in
            HTTPResponse(status: .ok, contentType: "text/plain", body: request.host)
        }
        #expect(text(output).hasSuffix("[::1]:8082"))
    }

    @Test func handlerHeadersManagedByTheServerAreReplaced() {
        var machine = HTTPConnectionMachine()
        let output = machine.receive(Array("GET / HTTP/1.1\r\n\r\n".utf8), date: nil) { _ in
            HTTPResponse(status: .ok, headers: ["Content-Length": "999", "X-Own": "1"], body: [0x41])
        }
        #expect(text(output) == "HTTP/1.1 200 OK\r\nX-Own: 1\r\nContent-Length: 1\r\nServer: swift-bagpipe\r\n\r\nA")
    }
}

@Suite struct HTTPRouterTests {
    private func router() -> HTTPRouter {
        var router = HTTPRouter()
        router.add("GET", .exact("/ping")) { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "ping") }
        router.add("POST", .exact("/attach")) { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "posted") }
        router.add("GET", .subtree("/looking-glass")) { request in
            HTTPResponse(status: .ok, contentType: "text/plain", body: request.pathSegments.joined(separator: ","))
        }
        return router
    }

    private func body(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func routesByPathAndMethod() {
        let router = router()
        #expect(body(router.respond(to: HTTPRequest(method: "GET", target: "/ping"))) == "ping")
        #expect(body(router.respond(to: HTTPRequest(method: "GET", target: "/ping/"))) == "ping")
        #expect(body(router.respond(to: HTTPRequest(method: "HEAD", target: "/ping"))) == "ping")
        #expect(body(router.respond(to: HTTPRequest(method: "POST", target: "/attach?x=1"))) == "posted")
        #expect(body(router.respond(to: HTTPRequest(method: "GET", target: "/looking-glass"))) == "looking-glass")
        #expect(body(router.respond(to: HTTPRequest(method: "GET", target: "/looking-glass/a/b"))) == "looking-glass,a,b")
    }

    @Test func unknownPathIs404() {
        let router = router()
        #expect(router.respond(to: HTTPRequest(method: "GET", target: "/nope")).status == .notFound)
        #expect(router.respond(to: HTTPRequest(method: "GET", target: "/looking-glassy")).status == .notFound)
        #expect(router.respond(to: HTTPRequest(method: "GET", target: "/pingx")).status == .notFound)
    }

    @Test func wrongMethodIs405WithAllow() {
        let router = router()
        let put = router.respond(to: HTTPRequest(method: "PUT", target: "/ping"))
        #expect(put.status == .methodNotAllowed)
        #expect(put.headers["Allow"] == "GET, HEAD")
        let get = router.respond(to: HTTPRequest(method: "GET", target: "/attach"))
        #expect(get.status == .methodNotAllowed)
        #expect(get.headers["Allow"] == "POST")
    }

    @Test func anyMethodRouteTakesEveryMethod() {
        var router = HTTPRouter()
        router.add(HTTPRouter.anyMethod, .exact("/any")) { request in HTTPResponse(status: .ok, contentType: "text/plain", body: request.method) }
        for method in ["GET", "POST", "DELETE", "PATCH"] {
            #expect(body(router.respond(to: HTTPRequest(method: method, target: "/any"))) == method)
        }
    }
}
