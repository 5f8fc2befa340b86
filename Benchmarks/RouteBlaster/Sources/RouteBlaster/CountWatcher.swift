import Foundation

/// Polls a receiver's route count on a thread of its own while the main thread sends, until the
/// count reaches its goal or time runs out. The interval grows with the elapsed time (2 % of it,
/// from `minimumInterval` up to 2 s), so polling stays cheap on long runs while the timing error
/// stays a small fraction of the result.
final class CountWatcher: @unchecked Sendable {
    struct Sample: Codable {
        /// Seconds since `start`: when the poll's answer came, or when an event-following counter last changed.
        var t: Double
        var count: Int
    }

    struct Outcome {
        /// Seconds from `start` to the middle of the first poll that saw the goal; nil on timeout or error.
        var finished: Double?
        var samples: [Sample]
        var error: String?
        var lastCount: Int? { samples.last?.count }
        /// The gap between the last two polls: the timing resolution of `finished`.
        var resolution: Double? { samples.count >= 2 ? samples[samples.count - 1].t - samples[samples.count - 2].t : nil }
    }

    private let counter: RouteCounter
    private let start: Double
    private let goal: @Sendable (Int) -> Bool
    private let timeout: Double
    private let minimumInterval: Double
    private let lock = NSLock()
    private var outcome: Outcome?

    init(counter: RouteCounter, start: Double, timeout: Double, minimumInterval: Double, goal: @escaping @Sendable (Int) -> Bool) {
        self.counter = counter
        self.start = start
        self.timeout = timeout
        self.minimumInterval = minimumInterval
        self.goal = goal
        Thread.detachNewThread { [self] in run() }
    }

    /// The outcome once polling has stopped, else nil.
    var result: Outcome? { lock.withLock { outcome } }

    private func run() {
        var samples: [Sample] = []
        while true {
            let count: Int
            let changed: Double?
            do {
                (count, changed) = try counter.countWithTime()
            } catch {
                return finish(Outcome(finished: nil, samples: samples, error: "\(error)"))
            }
            let after = Clock.now
            // An event-following counter knows when its count last changed: that is when the goal was
            // met. Otherwise the answer's arrival is the time (an upper bound: a receiver that serves
            // its API on the loop that ingests answers only between batches of work).
            samples.append(Sample(t: (changed.map { max($0, start) } ?? after) - start, count: count))
            if goal(count) { return finish(Outcome(finished: samples.last!.t, samples: samples)) }
            let elapsed = after - start
            if elapsed >= timeout { return finish(Outcome(finished: nil, samples: samples, error: "timeout")) }
            let interval = min(2, max(minimumInterval, elapsed * 0.02))
            Thread.sleep(forTimeInterval: min(interval, max(0, timeout - elapsed)))
        }
    }

    private func finish(_ result: Outcome) {
        lock.withLock { outcome = result }
    }
}
