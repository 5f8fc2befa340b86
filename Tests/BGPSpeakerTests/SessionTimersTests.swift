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
        // Restarted every ~50 ms, as received KEEPALIVEs do. Under load a gap may exceed the
        // 150 ms, so the check is per expiry: never before the deadline of the last start before it.
        var starts: [(at: DispatchTime, deadline: DispatchTime)] = []
        for _ in 0..<5 {
            starts.append(try await loop.run {
                let at = DispatchTime.now()
                timers.value.start(.hold, seconds: 0.15)
                return (at, at + 0.15)
            })
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        try await loop.waitUntil("hold timer expired", timeout: 5) {
            recorder.expired.contains { $0.1 > starts.last!.at }
        }
        let expiries = try await loop.run { recorder.expired }
        for (kind, at) in expiries {
            #expect(kind == .hold)
            let last = try #require(starts.last { $0.at < at })
            #expect(at >= last.deadline, "expired \(Double(last.deadline.uptimeNanoseconds - min(at.uptimeNanoseconds, last.deadline.uptimeNanoseconds)) / 1e9) s early")
        }
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
