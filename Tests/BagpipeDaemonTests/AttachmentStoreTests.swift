import BagpipeAPI
import Foundation
import Logging
import NetAddress
import OrderedJSON
import Testing
@testable import BagpipeDaemon

extension AttachmentStore {
    /// The stored requests, or none if the file was set aside.
    var requests: [JSONObject] {
        if case .requests(let requests) = load() { return requests }
        return []
    }
}

@Suite struct AttachmentStoreTests {
    private func request(_ instance: String, _ mac: String, _ ip: String?, rt: String = "64512:80", vni: UInt32? = nil) throws -> AttachRequest {
        var body: JSONObject = ["vpn_type": "evpn", "vpn_instance_id": .string(instance), "mac_address": .string(mac),
                                "local_port": .string("tap-\(mac.suffix(2))"), "import_rt": .string(rt), "export_rt": .string(rt)]
        if let ip { body["ip_address"] = .string(ip) }
        if let vni { body["vni"] = .int(Int64(vni)) }
        return try AttachRequest(parameters: body, supportedTypes: [.evpn])
    }

    private func temporaryPath() -> String {
        NSTemporaryDirectory() + "swift-bagpipe-state-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/attachments.json"
    }

    @Test func attachmentsSurviveAReloadAndReplayAsTheSameRequests() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = AttachmentStore(path: path, logger: Logger(label: "test"))
        let first = try request("blue", "52:54:00:00:00:01", "203.0.113.10/24", vni: 5000)
        let second = try request("blue", "52:54:00:00:00:02", nil)
        store.attached(first)
        store.attached(second)
        store.flush()

        let restored = AttachmentStore(path: path, logger: Logger(label: "test")).requests
        #expect(restored.count == 2)
        let replayed = try restored.map { try AttachRequest(parameters: $0, supportedTypes: [.evpn]) }
        #expect(replayed == [first, second])
    }

    @Test func detachForgetsOneIPOrEveryIPOfTheMAC() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = AttachmentStore(path: path, logger: Logger(label: "test"))
        store.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))
        store.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.11/24"))
        store.attached(try request("red", "52:54:00:00:00:03", "203.0.113.30/24"))
        store.detached(instanceID: "blue", mac: MACAddress("52:54:00:00:00:01")!, ip: IPPrefix("203.0.113.11/24"))
        store.flush()
        #expect(store.requests.count == 2)
        store.detached(instanceID: "blue", mac: MACAddress("52:54:00:00:00:01")!, ip: nil)
        store.flush()
        let left = store.requests
        #expect(left.count == 1)
        #expect(left.first?["vpn_instance_id"] == .string("red"))
    }

    @Test func routeTargetChangeRewritesEveryEndpointOfTheInstance() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = AttachmentStore(path: path, logger: Logger(label: "test"))
        store.attached(try request("blue", "52:54:00:00:00:01", nil, rt: "64512:80"))
        store.attached(try request("blue", "52:54:00:00:00:02", nil, rt: "64512:81"))
        store.flush()
        #expect(store.requests.allSatisfy { $0["import_rt"] == .array(["64512:81"]) })
    }

    /// The router replaces a MAC-only endpoint by the MAC's first IP endpoint, so detaching that IP
    /// leaves nothing; a restart must not bring the MAC-only endpoint back.
    @Test func anIPEndpointReplacesTheMACOnlyOne() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = AttachmentStore(path: path, logger: Logger(label: "test"))
        store.attached(try request("blue", "52:54:00:00:00:01", nil))
        store.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))
        store.detached(instanceID: "blue", mac: MACAddress("52:54:00:00:00:01")!, ip: IPPrefix("203.0.113.10/24"))
        store.flush()
        #expect(store.requests.isEmpty)
    }

    /// Many changes in one loop turn are written once, and nothing is written while restoring.
    @Test func writesAreCoalescedPerTurnAndSuppressedWhileRestoring() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        final class Turns: @unchecked Sendable { var queued: [@Sendable () -> Void] = [] }
        let turns = Turns()
        let store = AttachmentStore(path: path, logger: Logger(label: "test")) { turns.queued.append($0) }
        store.isRestoring = true
        store.attached(try request("blue", "52:54:00:00:00:01", nil))
        #expect(turns.queued.isEmpty)
        store.isRestoring = false
        for index in 2...9 { store.attached(try request("blue", "52:54:00:00:00:0\(index)", nil)) }
        #expect(turns.queued.count == 1)
        #expect(store.requests.isEmpty)
        turns.queued.removeFirst()()
        store.flush()
        #expect(store.requests.count == 9)
    }

    /// Our MAC mobility sequence number travels with the MAC's endpoints, so a restart does not
    /// go back to 0; files without it (older versions) load as before.
    @Test func sequenceNumbersAreKeptPerMACAndOlderFilesLoad() throws {
        let path = temporaryPath()
        let directory = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = AttachmentStore(path: path, logger: Logger(label: "test"))
        let mac = MACAddress("52:54:00:00:00:01")!
        store.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))
        store.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.11/24"))
        store.attached(try request("blue", "52:54:00:00:00:02", nil))
        store.sequenceChanged(instanceID: "blue", mac: mac, to: 3)
        store.flush()
        let reloaded = AttachmentStore(path: path, logger: Logger(label: "test"))
        #expect(reloaded.requests.map(reloaded.storedSequence(in:)) == [3, 3, 0])
        #expect(store.requests.first?["mac_mobility_sequence"] == .int(3))
        #expect(store.requests.last?["mac_mobility_sequence"] == nil)
        // The REST API ignores the key: the stored body still replays as the request.
        #expect(try AttachRequest(parameters: try #require(store.requests.first), supportedTypes: [.evpn])
                == request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))

        // Detaching the MAC forgets its number: attached again later, it starts from what the router says.
        store.detached(instanceID: "blue", mac: mac, ip: nil)
        store.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))
        store.flush()
        #expect(store.requests.map(store.storedSequence(in:)) == [0, 0])

        // A file from an older version, and one with a value out of range.
        try Data(#"[{"vpn_type":"evpn","vpn_instance_id":"blue","mac_address":"52:54:00:00:00:01","local_port":"tap-01","import_rt":"64512:80","export_rt":"64512:80"}]"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let old = AttachmentStore(path: path, logger: Logger(label: "test"))
        #expect(old.requests.count == 1)
        #expect(old.requests.map(old.storedSequence(in:)) == [0])
        for bad in ["-1", "4294967296", "\"7\"", "1.5"] {
            try Data(#"[{"vpn_instance_id":"blue","mac_mobility_sequence":\#(bad)}]"#.utf8).write(to: URL(fileURLWithPath: path))
            #expect(old.requests.map(old.storedSequence(in:)) == [0], "\(bad)")
        }
    }

    /// Every way a state file can be bad: it is moved aside (`.corrupt-<time>`, content kept),
    /// reported as such (the daemon then touches no device), and a clear line is logged.
    @Test(arguments: ["truncated", "garbage", "not an array", "unreadable"])
    func aBadStateFileIsMovedAsideAndReported(_ kind: String) throws {
        let path = temporaryPath()
        let directory = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let good = AttachmentStore(path: path, logger: Logger(label: "test"))
        good.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))
        good.flush()
        let content = try String(contentsOfFile: path, encoding: .utf8)
        switch kind {
        case "truncated": try String(content.dropLast(7)).write(toFile: path, atomically: false, encoding: .utf8)
        case "garbage": try Data([0xFF, 0x00, 0x7B, 0x22, 0x80]).write(to: URL(fileURLWithPath: path))
        case "not an array": try "{\"vpn_type\": \"evpn\"}".write(toFile: path, atomically: false, encoding: .utf8)
        default:   // root reads any file: a directory in its place cannot be read
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let logged = LogCapture()
        let outcome = AttachmentStore(path: path, logger: logged.logger).load()
        guard case .setAside(let reason, let movedTo?) = outcome else {
            Issue.record("expected the file to be set aside, got \(outcome)")
            return
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(movedTo.hasPrefix(path + ".corrupt-"))
        #expect(FileManager.default.fileExists(atPath: movedTo))
        if kind == "truncated" { #expect(try String(contentsOfFile: movedTo, encoding: .utf8) == String(content.dropLast(7))) }
        let line = try #require(logged.lines.first)
        #expect(line.contains("state file \(path) \(reason): moved to \(movedTo)"))
        #expect(line.contains("no device is touched until clients re-attach"))
    }

    @Test func aMissingFileMeansNoAttachment() {
        #expect(AttachmentStore(path: temporaryPath(), logger: Logger(label: "test")).load() == .requests([]))
    }

    /// An attachment whose interface is missing at start stays in the file until it is plugged
    /// or detached.
    @Test func waitingAttachmentsStayInTheFile() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = AttachmentStore(path: path, logger: Logger(label: "test"))
        let waiting = try request("blue", "52:54:00:00:00:01", "203.0.113.10/24")
        store.keepWaiting(waiting)
        store.attached(try request("blue", "52:54:00:00:00:02", "203.0.113.11/24"))
        store.flush()
        #expect(store.requests.count == 2)
        #expect(store.waiting.count == 1)
        store.attached(waiting)
        #expect(store.waiting.isEmpty)
        store.keepWaiting(try request("blue", "52:54:00:00:00:03", nil))
        store.detached(instanceID: "blue", mac: MACAddress("52:54:00:00:00:03")!, ip: nil)
        store.flush()
        #expect(store.waiting.isEmpty)
        #expect(store.requests.count == 2)
    }
}
