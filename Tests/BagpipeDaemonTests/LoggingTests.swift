import Foundation
import Logging
import Testing
@testable import BagpipeDaemon

@Suite struct LoggingTests {
    @Test func lookingGlassTimesAreBaGPipesUTCForm() {
        #expect(Daemon.timeText(Date(timeIntervalSince1970: 1_795_939_272)) == "2026-11-29 08:01:12")
    }

    /// logrotate renames the file, then SIGHUP makes the daemon write to a fresh one.
    @Test func reopenFollowsARotatedLogFile() throws {
        let directory = NSTemporaryDirectory() + "swift-bagpipe-log-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bagpipe-bgp.log"
        let sink = try LogSink(environment: [:], logFile: path)
        let logger = Logger(label: "test") { DaemonLogHandler(label: $0, level: .info, sink: sink) }
        logger.warning("before rotation")
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        sink.reopen()
        logger.info("after rotation")
        let rotated = try String(contentsOfFile: path + ".1", encoding: .utf8)
        let fresh = try String(contentsOfFile: path, encoding: .utf8)
        #expect(rotated.contains("WARNING test: before rotation") && !rotated.contains("after rotation"))
        #expect(fresh.contains("INFO test: after rotation"))
        #expect(sink.warningsAndErrors == 1)
        #expect(sink.recentWarnings.map(\.message) == ["before rotation"])
    }
}
