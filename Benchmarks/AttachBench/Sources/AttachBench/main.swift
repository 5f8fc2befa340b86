import BagpipeAPI
import Dispatch
import EventLoop
import Foundation
import HTTPServer
import Logging

/// Keeps every endpoint, per instance, as a daemon with the dummy dataplane would (no BGP).
final class RecordingService: VPNService {
    var supportedVPNTypes: Set<VPNType> = [.evpn]
    var endpoints: [String: [String: AttachRequest]] = [:]

    func attach(_ request: AttachRequest) throws(APIError) {
        endpoints[request.vpnInstanceID, default: [:]][request.macAddress.description] = request
    }

    func detach(_ request: DetachRequest) throws(APIError) {
        guard endpoints[request.vpnInstanceID]?.removeValue(forKey: request.macAddress.description) != nil else {
            throw .vpnNotFound(request.vpnInstanceID)
        }
    }

    func lookingGlass(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([("summary", .value(["vpn_instances_count": .int(Int64(endpoints.count))]))])
    }
}

/// The body `bagpipe-rest-attach --attach --network-type evpn` sends, for endpoint number `index`.
func attachBody(_ index: Int) -> [UInt8] {
    let mac = String(format: "52:54:%02x:%02x:%02x:%02x", (index >> 24) & 255, (index >> 16) & 255, (index >> 8) & 255, index & 255)
    let ip = "10.\((index >> 16) & 255).\((index >> 8) & 255).\(index & 255)/16"
    let json = #"{"import_rt": ["64512:513"], "export_rt": ["64512:513"], "local_port": {"linuxif": "tap\#(index)"}, "#
        + #""vpn_instance_id": "evpn-\#(index % 100)", "vpn_type": "evpn", "gateway_ip": "10.0.255.254", "#
        + #""mac_address": "\#(mac)", "ip_address": "\#(ip)", "advertise_subnet": false, "readvertise": null, "#
        + #""attract_traffic": {}, "lb_consistent_hash_order": 0, "vni": 0, "direction": "both"}"#
    return Array(json.utf8)
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

/// What the client threads report, under `lock`.
final class Collected: @unchecked Sendable {
    let lock = NSLock()
    var latencies: [Double] = []
    var failure: Error?
}

struct RunResult {
    var seconds: Double
    var latencies: [Double]  // milliseconds
}

/// `clients` threads each send `count / clients` attaches starting at `firstIndex`.
func measure(port: UInt16, firstIndex: Int, count: Int, clients: Int, keepAlive: Bool) throws -> RunResult {
    let perClient = count / clients
    let collected = Collected()
    let group = DispatchGroup()
    let start = DispatchTime.now().uptimeNanoseconds
    for client in 0..<clients {
        group.enter()
        Thread {
            defer { group.leave() }
            var mine: [Double] = []
            mine.reserveCapacity(perClient)
            do {
                var connection = try BlockingHTTPClient(host: "127.0.0.1", port: port)
                for step in 0..<perClient {
                    let index = firstIndex + client * perClient + step
                    if !keepAlive && step > 0 { connection = try BlockingHTTPClient(host: "127.0.0.1", port: port) }
                    let begin = DispatchTime.now().uptimeNanoseconds
                    let response = try connection.request("POST", "/attach_localport",
                                                          headers: ["Content-Type": "application/json"] + (keepAlive ? [:] : ["Connection": "close"]),
                                                          body: attachBody(index))
                    mine.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
                    guard response.status.code == 200 else { throw BenchFailure(description: "status \(response.status): \(response.bodyText)") }
                }
            } catch {
                collected.lock.withLock { collected.failure = error }
            }
            collected.lock.withLock { collected.latencies += mine }
        }.start()
    }
    group.wait()
    if let failure = collected.failure { throw failure }
    return RunResult(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, latencies: collected.latencies.sorted())
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
}

extension HTTPHeaders {
    static func + (lhs: HTTPHeaders, rhs: HTTPHeaders) -> HTTPHeaders {
        var result = lhs
        for (name, value) in rhs { result.add(name, value) }
        return result
    }
}

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000
let loop = try EventLoop(label: "attach-bench")
let service = RecordingService()
let handler = BagpipeAPIHandler(service: service, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
let server = try loop.queue.sync { try HTTPServer(loop: loop, host: "127.0.0.1", port: 0, responder: handler.respond) }

print("AttachBench: \(count) attaches per run, loopback, recording service (BaGPipe 21: 28 attaches/s, p50 23 ms)")
print("mode                              attaches/s     p50 ms   p99 ms  p99.9 ms")
var nextIndex = 0
for (name, clients, keepAlive) in [("1 client, keep-alive", 1, true), ("1 client, new connection each", 1, false),
                                   ("4 clients, keep-alive", 4, true)] {
    _ = try measure(port: server.localPort, firstIndex: nextIndex, count: min(2000, count), clients: clients, keepAlive: keepAlive)  // warm-up
    nextIndex += min(2000, count)
    let result = try measure(port: server.localPort, firstIndex: nextIndex, count: count, clients: clients, keepAlive: keepAlive)
    nextIndex += count
    let rate = Double(result.latencies.count) / result.seconds
    print(name.padding(toLength: 32, withPad: " ", startingAt: 0)
        + String(format: "%12.0f %10.3f %8.3f %9.3f", rate, percentile(result.latencies, 0.5),
                 percentile(result.latencies, 0.99), percentile(result.latencies, 0.999)))
}
// The server's own work per attach, without sockets or threads: parse, validate, record, answer.
let requests = (0..<count).map { index in
    let body = attachBody(nextIndex + index)
    return Array("POST /attach_localport HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
}
let cpuSeconds: Double = loop.queue.sync {
    var machine = HTTPConnectionMachine()
    let begin = DispatchTime.now().uptimeNanoseconds
    for request in requests {
        let output = machine.receive(request, date: nil, respond: handler.respond)
        precondition(output.bytes.count > 0 && !output.close)
    }
    return Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
}
print("in-process, no sockets".padding(toLength: 32, withPad: " ", startingAt: 0)
    + String(format: "%12.0f %10.3f   (mean per attach)", Double(count) / cpuSeconds, cpuSeconds / Double(count) * 1e3))
let stored = loop.queue.sync { service.endpoints.values.reduce(0) { $0 + $1.count } }
print("endpoints held by the service: \(stored)")
loop.queue.sync { server.close() }
