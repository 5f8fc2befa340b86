import EventLoop
import Testing

@Suite struct LoopTimerTests {
    @Test func oneShotTimerFiresOnceOnTheLoopAndIsReleased() async throws {
        let loop = try EventLoop(label: "test.timer.once")
        let fired = LoopState(0)
        try await loop.run {
            loop.scheduleTimer(after: 0.01) {
                loop.preconditionOnLoop()
                fired.value += 1
            }
        }
        try await loop.waitUntil("timer") { fired.value == 1 && loop.liveObjectCount == 0 }
        #expect(try await loop.run { fired.value } == 1)
    }

    @Test func repeatingTimerRepeatsUntilCancelled() async throws {
        let loop = try EventLoop(label: "test.timer.repeat")
        let fired = LoopState(0)
        let timer = try await loop.run { UncheckedBox(loop.scheduleTimer(after: 0, repeating: 0.005) { fired.value += 1 }) }
        try await loop.waitUntil("three ticks") { fired.value >= 3 }
        let countAtCancel = try await loop.run { timer.value.cancel(); return fired.value }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
        #expect(try await loop.run { fired.value } == countAtCancel)
    }

    @Test func cancelledTimerNeverFires() async throws {
        let loop = try EventLoop(label: "test.timer.cancel")
        let fired = LoopState(false)
        try await loop.run {
            let timer = loop.scheduleTimer(after: 0.02) { fired.value = true }
            timer.cancel()
            #expect(timer.isCancelled)
        }
        // A later timer proves the loop ran past the cancelled one's deadline.
        let later = LoopState(false)
        try await loop.run { loop.scheduleTimer(after: 0.05) { later.value = true } }
        try await loop.waitUntil("later timer") { later.value && loop.liveObjectCount == 0 }
        #expect(try await loop.run { fired.value } == false)
    }
}
