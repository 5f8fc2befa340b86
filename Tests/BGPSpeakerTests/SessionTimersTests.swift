@testable import BGPSpeaker
import Dispatch
import EventLoop
import Testing

/// `SessionTimers` keeps a restarted timer's source and moves only its deadline: these tests check
/// that a timer never expires before its latest deadline, that an earlier deadline takes effect,
/// and that stopped timers stay silent.
@Suite struct SessionTimersTests {
    private final class Recorder: @unchecked Sendable {
        var expired: [(SessionTimer, DispatchTime)] = []
    }

    private func makeTimers(_ loop: EventLoop, _ recorder: Recorder) async throws -> Unchecked<SessionTimers> {
        try await loop.run { Unchecked(SessionTimers(loop: loop) { recorder.expired.append(($0, .now())) }) }
    }

    @Test func restartedTimerExpiresAtItsLatestDeadline() async throws {
        let loop = try EventLoop(label: "timers-restart")
        let recorder = Recorder()
        let timers = try await makeTimers(loop, recorder)
        try await loop.run { timers.value.start(.hold, seconds: 0.15) }
        // Restart it several times while it runs, as received KEEPALIVEs do.
        var latestDeadline = DispatchTime.now()
        for _ in 0..<4 {
            try await Task.sleep(nanoseconds: 50_000_000)
            latestDeadline = try await loop.run { timers.value.start(.hold, seconds: 0.15); return DispatchTime.now() + 0.15 }
        }
        try await loop.waitUntil("hold timer expired", timeout: 5) { !recorder.expired.isEmpty }
        let (kind, at) = try await loop.run { recorder.expired[0] }
        #expect(kind == .hold)
        #expect(at >= latestDeadline - 0.01, "expired \(Double(latestDeadline.uptimeNanoseconds) / 1e9 - Double(at.uptimeNanoseconds) / 1e9) s early")
        #expect(try await loop.run { recorder.expired.count } == 1)
    }

    @Test func earlierDeadlineReplacesALaterOne() async throws {
        let loop = try EventLoop(label: "timers-earlier")
        let recorder = Recorder()
        let timers = try await makeTimers(loop, recorder)
        try await loop.run {
            timers.value.start(.connectRetry, seconds: 3600)
            timers.value.start(.connectRetry, seconds: 0.01)
        }
        try await loop.waitUntil("connect-retry timer expired", timeout: 5) { !recorder.expired.isEmpty }
        #expect(try await loop.run { recorder.expired.map(\.0) } == [.connectRetry])
        #expect(try await loop.run { timers.value.isRunning(.connectRetry) } == false)
    }

    @Test func stoppedTimersDoNotExpire() async throws {
        let loop = try EventLoop(label: "timers-stop")
        let recorder = Recorder()
        let timers = try await makeTimers(loop, recorder)
        try await loop.run {
            timers.value.start(.hold, seconds: 0.02)
            timers.value.start(.keepalive, seconds: 0.02)
            timers.value.start(.idleHold, seconds: 0.05)
            timers.value.stop(.hold)
            timers.value.stopAll()
            timers.value.start(.idleHold, seconds: 0.1)
        }
        try await loop.waitUntil("idle-hold timer expired", timeout: 5) { !recorder.expired.isEmpty }
        // The stopped timers were due well before idle hold; none of them fired.
        #expect(try await loop.run { recorder.expired.map(\.0) } == [.idleHold])
    }
}
