import BagpipeAPI
import Foundation
import Logging
import OrderedJSON
import Testing
import TestSupport
@testable import BagpipeDaemon

/// A full disk (a 64 KiB tmpfs, as root; CI is root): the write fails, is logged and shown, kept in
/// memory and retried, and lands once there is room again. Nothing accepted is lost.
@Suite(.enabled(if: getuid() == 0, "mounts a tmpfs (root only)"))
struct StateFileDiskFullTests {
    @Test func aFailedWriteIsRetriedUntilItLands() throws {
        let directory = NSTemporaryDirectory() + "swift-bagpipe-full-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mount = try runCommand(["mount", "-t", "tmpfs", "-o", "size=64k", "swift-bagpipe-test", directory])
        try #require(mount.status == 0, "mount: \(mount.error)")
        defer {
            _ = try? runCommand(["umount", directory])
            try? FileManager.default.removeItem(atPath: directory)
        }
        let path = directory + "/attachments.json"
        let logged = LogCapture()
        let store = AttachmentStore(path: path, logger: logged.logger, retryDelays: [0.05])
        store.attached(try attach("52:54:00:00:00:01"))
        store.flush()
        #expect(store.writeStatus.lastError == nil)

        let filler = directory + "/filler"
        _ = try runCommand(["dd", "if=/dev/zero", "of=\(filler)", "bs=4k"])   // until "No space left on device"
        store.attached(try attach("52:54:00:00:00:02"))
        store.flush()
        let error = try #require(store.writeStatus.lastError)
        #expect(error.contains("No space left on device"))
        #expect(logged.lines.contains { $0.contains("cannot write state file \(path) (kept in memory, retrying)") })
        #expect(store.requests.count == 1)   // the previous file is intact

        try FileManager.default.removeItem(atPath: filler)
        let deadline = Date().addingTimeInterval(10)
        while store.writeStatus.lastError != nil && Date() < deadline { usleep(20_000) }
        store.flush()
        #expect(store.writeStatus.lastError == nil)
        #expect(store.writeStatus.failedWrites >= 1)
        #expect(store.requests.map { $0["mac_address"] } == [.string("52:54:00:00:00:01"), .string("52:54:00:00:00:02")])
        #expect(logged.lines.contains { $0.contains("written again after failures") })
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    private func attach(_ mac: String) throws -> AttachRequest {
        try AttachRequest(parameters: ["vpn_type": "evpn", "vpn_instance_id": "blue", "mac_address": .string(mac),
                                       "local_port": "tap1", "import_rt": "64512:80", "export_rt": "64512:80"],
                          supportedTypes: [.evpn])
    }
}
