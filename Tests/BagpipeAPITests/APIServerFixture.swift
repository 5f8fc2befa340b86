import BagpipeAPI
import EventLoop
import Foundation
import HTTPServer
import TestSupport

/// The REST API over a fake VPN service, served on a free loopback port by a real `HTTPServer`.
final class APIServer: @unchecked Sendable {
    let loop: EventLoop
    let service = FakeVPNService()
    private(set) var server: HTTPServer!
    var port: UInt16 { server.localPort }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(configuration: HTTPServerConfiguration = HTTPServerConfiguration()) throws {
        loop = try EventLoop(label: "test.api.\(UUID().uuidString.prefix(8))")
        let handler = BagpipeAPIHandler(service: service, pingSequence: 4242424242)
        try loop.queue.sync {
            server = try HTTPServer(loop: loop, host: "127.0.0.1", port: 0, configuration: configuration, responder: handler.respond)
        }
    }

    /// Runs `body` on the loop (where the service lives) and returns its result.
    func onLoop<T>(_ body: () -> T) -> T { loop.queue.sync(execute: body) }

    func stop() { onLoop { server.close() } }
}

/// Runs a program to completion; returns its exit status, standard output and standard error.
@discardableResult
func run(_ executable: String, _ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: String, error: String) {
    let result = try runCommand(arguments, executable: executable, input: input)
    return (result.status, result.output, result.error)
}

/// `python3 -c <script> <arguments>`.
func python(_ script: String, _ arguments: [String] = [], input: [UInt8]? = nil) throws -> (status: Int32, output: String, error: String) {
    try run("/usr/bin/env", ["python3", "-c", script] + arguments, input: input)
}

/// `curl -s <arguments>`.
func curl(_ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: String, error: String) {
    try run("/usr/bin/env", ["curl", "-sS", "--max-time", "20"] + arguments, input: input)
}
