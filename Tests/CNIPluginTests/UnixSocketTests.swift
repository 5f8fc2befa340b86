import Foundation
import TestSupport
import Testing

/// The plugin's client for a daemon API on a Unix socket (`"api": "/path"`), against a one-shot
/// HTTP responder of the test's own (the daemon itself listens on TCP only so far).
@Suite struct UnixSocketTests {
    /// Listens on `path`, answers one request with `response`, and hands back the request's head.
    final class OneShotServer: @unchecked Sendable {
        let path: String
        private let listener: Int32
        private let done = DispatchSemaphore(value: 0)
        private var request = ""   // written by the server thread before `done` is signalled

        init(response: String) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("cni-\(getpid())-\(UUID().uuidString.prefix(8)).sock").path
            listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0, listen(listener, 1) == 0 else { throw CommandFailed(description: "cannot listen on \(path)") }
            Thread { [self] in serve(response) }.start()
        }

        private func serve(_ response: String) {
            let connection = accept(listener, nil, nil)
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: bytes, as: UTF8.self).contains("\r\n\r\n") {
                let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                bytes += chunk[..<count]
            }
            _ = Array(response.utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(connection)
            request = String(decoding: bytes, as: UTF8.self)
            done.signal()
        }

        /// The request received (waits for it, at most 10 s).
        func receivedRequest() -> String? {
            done.wait(timeout: .now() + 10) == .success ? request : nil
        }

        deinit {
            close(listener)
            unlink(path)
        }
    }

    private func status(api: String) throws -> PluginAnswer {
        let config = #"{"cniVersion": "1.1.0", "name": "n", "type": "bagpipe-cni", "routeTargets": ["64512:80"], "api": "\#(api)"}"#
        let result = try runCommand(["-i", "CNI_COMMAND=STATUS", builtTool("bagpipe-cni")], input: Array(config.utf8))
        return PluginAnswer(status: result.status, output: result.output, error: result.error)
    }

    @Test func statusPingsTheDaemonOverItsUnixSocket() throws {
        let server = try OneShotServer(response: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n1234567890")
        let answer = try status(api: "unix://" + server.path)
        #expect(answer.status == 0 && answer.output.isEmpty, "\(answer.output)")
        let request = try #require(server.receivedRequest())
        #expect(request.hasPrefix("GET /ping HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: localhost\r\n"))
    }

    @Test func statusReportsASocketNobodyListensOn() throws {
        let answer = try status(api: "/nonexistent/bagpipe-\(getpid()).sock")
        #expect(answer.code == 50, "\(answer.output)")
        #expect(answer.message.hasPrefix("no bagpipe-bgp REST API at unix:/nonexistent/bagpipe-\(getpid()).sock: cannot connect"))
    }

    @Test func statusReportsAnErrorStatus() throws {
        let server = try OneShotServer(response: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
        let answer = try status(api: server.path)
        #expect(answer.code == 50 && answer.message.contains("answered /ping with 503: busy"), "\(answer.output)")
    }
}
