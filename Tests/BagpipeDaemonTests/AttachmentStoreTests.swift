import BagpipeAPI
import Foundation
import Logging
import NetAddress
import OrderedJSON
import Testing
@testable import BagpipeDaemon

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

        let restored = AttachmentStore(path: path, logger: Logger(label: "test")).load()
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
        #expect(store.load().count == 2)
        store.detached(instanceID: "blue", mac: MACAddress("52:54:00:00:00:01")!, ip: nil)
        store.flush()
        let left = store.load()
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
        #expect(store.load().allSatisfy { $0["import_rt"] == .array(["64512:81"]) })
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
        #expect(store.load().isEmpty)
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
        #expect(store.load().isEmpty)
        turns.queued.removeFirst()()
        store.flush()
        #expect(store.load().count == 9)
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
        #expect(reloaded.load().map(reloaded.storedSequence(in:)) == [3, 3, 0])
        #expect(store.load().first?["mac_mobility_sequence"] == .int(3))
        #expect(store.load().last?["mac_mobility_sequence"] == nil)
        // The REST API ignores the key: the stored body still replays as the request.
        #expect(try AttachRequest(parameters: try #require(store.load().first), supportedTypes: [.evpn])
                == request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))

        // Detaching the MAC forgets its number: attached again later, it starts from what the router says.
        store.detached(instanceID: "blue", mac: mac, ip: nil)
        store.attached(try request("blue", "52:54:00:00:00:01", "203.0.113.10/24"))
        store.flush()
        #expect(store.load().map(store.storedSequence(in:)) == [0, 0])

        // A file from an older version, and one with a value out of range.
        try Data(#"[{"vpn_type":"evpn","vpn_instance_id":"blue","mac_address":"52:54:00:00:00:01","local_port":"tap-01","import_rt":"64512:80","export_rt":"64512:80"}]"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let old = AttachmentStore(path: path, logger: Logger(label: "test"))
        #expect(old.load().count == 1)
        #expect(old.load().map(old.storedSequence(in:)) == [0])
        for bad in ["-1", "4294967296", "\"7\"", "1.5"] {
            try Data(#"[{"vpn_instance_id":"blue","mac_mobility_sequence":\#(bad)}]"#.utf8).write(to: URL(fileURLWithPath: path))
            #expect(old.load().map(old.storedSequence(in:)) == [0], "\(bad)")
        }
    }

    @Test func unreadableStateIsIgnored() throws {
        let path = temporaryPath()
        let directory = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(AttachmentStore(path: path, logger: Logger(label: "test")).load().isEmpty)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(AttachmentStore(path: path, logger: Logger(label: "test")).load().isEmpty)
    }
}
