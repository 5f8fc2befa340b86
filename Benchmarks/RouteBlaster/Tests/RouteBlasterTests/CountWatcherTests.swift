import Foundation
import Testing
@testable import RouteBlaster

/// A counter that climbs by `step` on every poll.
final class ClimbingCounter: RouteCounter, @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    let step: Int
    init(step: Int) { self.step = step }
    func count() throws -> Int { lock.withLock { value += step; return value } }
}

struct CountWatcherTests {
    private func wait(_ watcher: CountWatcher) -> CountWatcher.Outcome {
        while true {
            if let outcome = watcher.result { return outcome }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    @Test func stopsAtTheFirstPollThatReachesTheGoal() {
        let watcher = CountWatcher(counter: ClimbingCounter(step: 10), start: Clock.now, timeout: 10, minimumInterval: 0.001) { $0 >= 50 }
        let outcome = wait(watcher)
        #expect(outcome.finished != nil)
        #expect(outcome.samples.map(\.count) == [10, 20, 30, 40, 50])
        #expect(outcome.error == nil)
    }

    @Test func reportsATimeoutWithTheLastCount() {
        let watcher = CountWatcher(counter: ClimbingCounter(step: 1), start: Clock.now, timeout: 0.05, minimumInterval: 0.01) { $0 < 0 }
        let outcome = wait(watcher)
        #expect(outcome.finished == nil)
        #expect(outcome.error == "timeout")
        #expect((outcome.lastCount ?? 0) >= 1)
    }
}
