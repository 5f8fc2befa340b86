import Foundation
import HTTPServer
import OrderedJSON
import TestSupport
import Testing
@testable import BagpipeAPI

/// The API over loopback with the clients BaGPipe users have: curl and Python's urllib / http.client.
@Suite struct RealClientTests {
    /// `curl -w` appends the status on a last line.
    private func curlCall(_ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int, body: String) {
        let result = try curl(["-w", "\n%{http_code}"] + arguments, input: input)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
    }

    @Test func everyEndpointWithCurl() throws {
        let server = try APIServer()
        defer { server.stop() }
        let url = server.baseURL
        #expect(try curlCall([url + "/ping"]) == (200, "4242424242"))
        #expect(try curl(["-o", "/dev/null", "-w", "%{content_type}", url + "/ping"]).output == "application/json")
        #expect(try curlCall([url + "/"]) == (200, "{}"))
        #expect(try curlCall([url + "/attach_localport"]) == (200, "{}"))
        #expect(try curlCall([url + "/detach_localport"]) == (200, "{}"))
        let body = JSONValue.object(attachBody()).serialized()
        #expect(try curlCall(["-H", "Content-Type: application/json", "-d", body, url + "/attach_localport"]) == (200, "null"))
        #expect(try curlCall([url + "/looking-glass/summary/vpn_instances_count"]) == (200, "1"))
        #expect(try curlCall([url + "/looking-glass/vpns/instances/evpn-bagpipe-test/instance_dataplane_id"]) == (200, "1"))
        let allow = try curl(["-X", "PUT", "-D", "-", "-o", "/dev/null", url + "/attach_localport"]).output
        #expect(allow.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(allow.contains("Allow: GET, HEAD, POST\r\n"))
        #expect(try curlCall(["-X", "DELETE", url + "/detach_localport"]).status == 405)
        #expect(try curlCall(["-X", "POST", url + "/looking-glass"]).status == 405)
        #expect(try curlCall([url + "/no/such/path"]).status == 404)
        #expect(try curlCall(["-I", url + "/ping"]).status == 200)
        #expect(try curlCall(["-H", "Content-Type: application/json", "-d", body, url + "/detach_localport"]) == (200, "null"))
        #expect(try curlCall([url + "/looking-glass/summary/vpn_instances_count"]) == (200, "0"))
    }

    @Test func everyValidationErrorThroughPythonUrllib() throws {
        let server = try APIServer()
        defer { server.stop() }
        var bodies: [JSONValue] = []
        for (index, (changes, _)) in attachValidationCases.enumerated() {
            var body = attachBody(changes)
            body["vpn_instance_id"] = changes.keys.contains("vpn_instance_id") ? body["vpn_instance_id"] : .string("v\(index)")
            bodies.append(.object(body))
        }
        // Every other request asks for JSON errors, the rest get WebOb's plain text.
        let script = #"""
        import json, sys, urllib.request, urllib.error
        url, cases = sys.argv[1], json.load(sys.stdin)
        results = []
        for index, body in enumerate(cases):
            headers = {"Content-Type": "application/json"}
            if index % 2 == 0:
                headers["Accept"] = "application/json"
            request = urllib.request.Request(url, json.dumps(body).encode(), headers)
            try:
                response = urllib.request.urlopen(request)
                results.append([response.getcode(), response.headers["Content-Type"], response.read().decode()])
            except urllib.error.HTTPError as error:
                results.append([error.code, error.headers["Content-Type"], error.read().decode()])
        print(json.dumps(results))
        """#
        let run = try python(script, [server.baseURL + "/attach_localport"], input: JSONValue.array(bodies).serializedBytes())
        #expect(run.status == 0, "\(run.error)")
        let results = try #require(try JSONValue(parsing: run.output).arrayValue)
        #expect(results.count == attachValidationCases.count)
        for (index, (result, (_, message))) in zip(results, attachValidationCases).enumerated() {
            let fields = result.arrayValue ?? []
            #expect(fields.first == 400, "\(message): \(result)")
            let text = fields.last?.stringValue ?? ""
            if index % 2 == 0 {
                #expect(fields[1] == "application/json")
                #expect(try JSONValue(parsing: text) == ["code": 400, "title": "Bad Request", "description": .string(message)])
            } else {
                #expect(fields[1] == "text/plain; charset=UTF-8")
                #expect(text.hasPrefix("400 Bad Request\n\n"))
                #expect(text.hasSuffix("\n\n \(message)  "), "\(text)")
            }
        }
        #expect(server.onLoop { server.service.instances.isEmpty })
    }

    @Test func keepAliveReusesTheConnection() throws {
        let server = try APIServer()
        defer { server.stop() }
        let script = #"""
        import http.client, sys
        connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
        ports = set()
        for _ in range(5):
            connection.request("GET", "/ping")
            response = connection.getresponse()
            assert response.status == 200 and response.read() == b"4242424242"
            ports.add(connection.sock.getsockname()[1])
        print(len(ports))
        """#
        let run = try python(script, [String(server.port)])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output == "1\n")
        let verbose = try curl(["-v", "-o", "/dev/null", "-o", "/dev/null", server.baseURL + "/ping", server.baseURL + "/looking-glass"])
        #expect(verbose.error.contains("Re-using existing connection") || verbose.error.contains("Reusing existing"), "\(verbose.error)")
    }

    @Test func chunkedUploadWithCurl() throws {
        let server = try APIServer()
        defer { server.stop() }
        let body = JSONValue.object(attachBody()).serializedBytes()
        let result = try curlCall(["-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/json",
                                   "--data-binary", "@-", server.baseURL + "/attach_localport"], input: body)
        #expect(result == (200, "null"))
        #expect(server.onLoop { server.service.instances["evpn-bagpipe-test"]?.endpoints.count } == 1)
    }

    @Test func oversizedBodyIs413ForCurlAndUrllib() throws {
        let server = try APIServer()
        defer { server.stop() }
        let big = [UInt8](repeating: 0x20, count: 2 << 20)
        // curl announces a big body with Expect: 100-continue and gets the 413 before sending it.
        #expect(try curlCall(["-H", "Content-Type: application/json", "--data-binary", "@-", server.baseURL + "/attach_localport"],
                             input: big).status == 413)
        // urllib sends the whole body without asking first; the server reads and drops it, then answers.
        let script = #"""
        import sys, urllib.request, urllib.error
        try:
            urllib.request.urlopen(urllib.request.Request(sys.argv[1], b" " * (2 << 20), {"Content-Type": "application/json"}))
            print("accepted")
        except urllib.error.HTTPError as error:
            print(error.code)
        """#
        let run = try python(script, [server.baseURL + "/attach_localport"])
        #expect(run.output == "413\n", "\(run.error)")
    }

    @Test func malformedRequestsFromAPythonSocket() throws {
        let server = try APIServer()
        defer { server.stop() }
        let script = #"""
        import socket, sys
        for raw in [b"NOT HTTP AT ALL\r\n\r\n", b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
                    b"POST /attach_localport HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"\xff\xfe\x00\r\n\r\n"]:
            with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
                s.sendall(raw)
                reply = b""
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    reply += data
                print(reply.split(b"\r\n")[0].decode())
        """#
        let run = try python(script, [String(server.port)])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output == String(repeating: "HTTP/1.1 400 Bad Request\n", count: 4))
    }

    @Test func clientDisconnectingMidBodyLeavesNothingBehind() throws {
        let server = try APIServer()
        defer { server.stop() }
        let script = #"""
        import socket, sys
        for _ in range(10):
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            s.sendall(b"POST /attach_localport HTTP/1.1\r\nContent-Length: 5000\r\nContent-Type: application/json\r\n\r\n{\"vpn_type\": ")
            s.close()
        """#
        #expect(try python(script, [String(server.port)]).status == 0)
        try waitUntil { server.onLoop { server.server.connectionCount } == 0 }
        #expect(serverSocketCount(port: server.port) == 0)
        #expect(try curlCall([server.baseURL + "/ping"]) == (200, "4242424242"))
        #expect(server.onLoop { server.service.attachCount } == 0)
    }

    @Test func thousandConcurrentAttachesFromPython() throws {
        raiseDescriptorLimit()
        let server = try APIServer()
        defer { server.stop() }
        let script = #"""
        import http.client, json, resource, sys
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        port = int(sys.argv[1])
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(1000)]
        for connection in connections:
            connection.connect()
        for index, connection in enumerate(connections):
            body = {"vpn_type": "evpn", "vpn_instance_id": "vpn%d" % (index % 10), "mac_address": "52:54:00:00:%02x:%02x" % (index >> 8, index & 255),
                    "ip_address": "10.%d.%d.%d" % (index % 10, index >> 8, index & 255), "local_port": "tap%d" % index,
                    "import_rt": ["64512:%d" % (index % 10)], "export_rt": ["64512:%d" % (index % 10)]}
            connection.request("POST", "/attach_localport", json.dumps(body), {"Content-Type": "application/json"})
        statuses = {}
        for connection in connections:
            response = connection.getresponse()
            key = "%d %s" % (response.status, response.read().decode())
            statuses[key] = statuses.get(key, 0) + 1
        print(json.dumps(statuses))
        for connection in connections:
            connection.close()
        """#
        let run = try python(script, [String(server.port)])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output == "{\"200 null\": 1000}\n")
        #expect(server.onLoop { server.service.attachCount } == 1000)
        #expect(try curlCall([server.baseURL + "/looking-glass/summary/vpn_instances_count"]) == (200, "10"))
        try waitUntil { server.onLoop { server.server.connectionCount } == 0 }
        #expect(serverSocketCount(port: server.port) == 0)
    }
}

/// Polls `condition` every 5 ms for at most 10 seconds.
func waitUntil(_ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(10)
    while !condition() {
        guard Date() < deadline else { throw CancellationError() }
        usleep(5_000)
    }
}

/// Descriptors of this process (`/proc/self/fd`) that are the server's side of connections from other
/// processes (curl, Python): sockets on 127.0.0.1:`port` whose peer socket is not in this process. (Another
/// test's client may use the same local port number, but its peer, a test server, is in this process.)
func serverSocketCount(port: UInt16) -> Int {
    let sockets = connectedSocketsOfThisProcess()
    let ends = Set(sockets.map { "\($0.local)>\($0.remote)" })
    let local = loopbackSocketAddress(port: port)
    return sockets.filter { $0.local == local && !ends.contains("\($0.remote)>\($0.local)") }.count
}

func raiseDescriptorLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
