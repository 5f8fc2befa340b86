import BagpipeAPI
import HTTPServer
import Logging
import OrderedJSON

/// libFuzzer entry point over the HTTP request parser and everything a request reaches: the connection
/// state machine, the router, JSON, attach/detach validation and the looking glass. Built and run by
/// scripts/test.d/55-fuzz-http (`--sanitize=fuzzer` plus explicit `-sanitize-coverage` kinds).
///
/// Besides crashes, it checks two invariants and traps when they break: splitting the input anywhere
/// yields the same parser events, and every JSON value parsed re-serializes to text that parses back equal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let pieceSize = Int(input[0] % 17) + 1
    let bytes = Array(input.dropFirst())

    let whole = events(bytes, pieceSize: bytes.count)
    let pieces = events(bytes, pieceSize: pieceSize)
    precondition(whole == pieces, "events depend on how the input is split")

    var machine = HTTPConnectionMachine(limits: FuzzLimits.limits, serverAddress: "127.0.0.1:8082")
    for start in stride(from: 0, to: bytes.count, by: pieceSize) {
        let output = machine.receive(Array(bytes[start..<min(bytes.count, start + pieceSize)]), date: nil) { request in
            checkJSONRoundTrip(request.body)
            return handler.respond(to: request)
        }
        if output.close { break }
    }
    return 0
}

private enum FuzzLimits {
    /// Small limits so the fuzzer reaches them.
    static let limits = HTTPLimits(maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 4096)
}

private func events(_ bytes: [UInt8], pieceSize: Int) -> [HTTPRequestParser.Event] {
    var parser = HTTPRequestParser(limits: FuzzLimits.limits)
    var result: [HTTPRequestParser.Event] = []
    var start = 0
    repeat {
        parser.append(Array(bytes[start..<min(bytes.count, start + max(pieceSize, 1))]))
        start += max(pieceSize, 1)
        while let event = parser.next() { result.append(event) }
    } while start < bytes.count
    // Whether 100 Continue is announced depends on what had arrived; everything else must not.
    return result.filter { $0 != .continueExpected }
}

private func checkJSONRoundTrip(_ body: [UInt8]) {
    guard let value = try? JSONValue(parsing: body) else { return }
    for style in [JSONValue.Style.python, .compact] {
        let again = try? JSONValue(parsing: value.serialized(style))
        precondition(again == value, "JSON does not survive serialization: \(value)")
    }
}

/// Accepts every valid attach and detach, and shows a small looking glass.
private final class FuzzService: VPNService {
    var supportedVPNTypes: Set<VPNType> = [.evpn]
    var attached: [String: AttachRequest] = [:]

    func attach(_ request: AttachRequest) throws(APIError) {
        if attached.count > 64 { attached = [:] }
        attached[request.vpnInstanceID] = request
    }

    func detach(_ request: DetachRequest) throws(APIError) {
        guard attached.removeValue(forKey: request.vpnInstanceID) != nil else { throw .vpnNotFound(request.vpnInstanceID) }
    }

    func lookingGlass(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("summary", .value(["vpn_instances_count": .int(Int64(attached.count))])),
            ("vpns", .node { [unowned self] in
                LookingGlassNode([("instances", .collection(
                    list: { self.attached.keys.sorted().map { ["id": .string($0)] } },
                    member: { id in self.attached[id].map { LookingGlassNode([("mac", .value(.string($0.macAddress.description))),
                                                                             ("self", .value(context.link(["vpns", "instances", id])))]) } }))])
            }),
        ])
    }
}

nonisolated(unsafe) private let service = FuzzService()
nonisolated(unsafe) private let handler = BagpipeAPIHandler(service: service, pingSequence: 1_000_000_001,
                                                             logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() })
