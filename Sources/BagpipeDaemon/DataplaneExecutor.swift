import Dataplane
import Dispatch
import EventLoop
import Logging

/// Runs the dataplane driver on its own serial queue, off the event loop.
///
/// The loop hands over intents as the EVPN layer emits them; they are coalesced into one batch
/// per loop turn (so many FDB entries go to the kernel in one netlink round trip) and applied in
/// order. Failures come back to the loop through `onFailures`.
final class DataplaneExecutor: @unchecked Sendable {
    let driver: DataplaneDriver
    private let queue = DispatchQueue(label: "swift-bagpipe.dataplane")
    private let loop: EventLoop
    private let logger: Logger
    /// Intents waiting for the end of the current loop turn (loop only).
    private var pending: [DataplaneIntent] = []
    /// Called on the loop with every failure the driver reported.
    var onFailures: (([DataplaneFailure]) -> Void)?
    /// Batches applied and intents carried out, for the looking glass (loop only).
    private(set) var batchesApplied = 0
    private(set) var intentsApplied = 0
    private(set) var failureCount = 0
    /// The driver's `describe` of each instance, refreshed after every batch that touched it, so the
    /// looking glass never waits for netlink (loop only).
    private(set) var descriptions: [String: [String: String]] = [:]

    init(driver: DataplaneDriver, loop: EventLoop, logger: Logger) {
        self.driver = driver
        self.loop = loop
        self.logger = logger
    }

    /// Queues intents; they are applied after the current loop turn. Loop only.
    func submit(_ intents: [DataplaneIntent]) {
        loop.preconditionOnLoop()
        guard !intents.isEmpty else { return }
        let first = pending.isEmpty
        pending.append(contentsOf: intents)
        if first { loop.execute { self.flush() } }
    }

    private func flush() {
        let batch = pending
        pending = []
        guard !batch.isEmpty else { return }
        batchesApplied += 1
        intentsApplied += batch.count
        let touched = Set(batch.map(\.externalID))
        queue.async {
            let failures = self.driver.apply(batch)
            let described = touched.map { ($0, self.driver.describe(externalID: $0)) }
            self.loop.execute {
                for (id, description) in described { self.descriptions[id] = description.isEmpty ? nil : description }
            }
            self.report(failures)
        }
    }

    /// Runs `work` with the driver on the dataplane queue and waits for it (start-up and shutdown only).
    func synchronously<T>(_ work: (DataplaneDriver) -> T) -> T {
        queue.sync { work(driver) }
    }

    /// Runs `work` with the driver on the dataplane queue after every intent submitted so far;
    /// its failures are reported like those of `submit`. Loop only.
    func perform(_ work: @escaping @Sendable (DataplaneDriver) -> [DataplaneFailure]) {
        loop.preconditionOnLoop()
        flush()
        queue.async { self.report(work(self.driver)) }
    }

    /// Hands failures (found on the dataplane queue) to the loop.
    private func report(_ failures: [DataplaneFailure]) {
        guard !failures.isEmpty else { return }
        loop.execute {
            self.failureCount += failures.count
            for failure in failures { self.logger.error("dataplane: \(failure)") }
            self.onFailures?(failures)
        }
    }

    /// Calls `completion` on the loop once every intent submitted so far has been applied.
    func whenIdle(_ completion: @escaping () -> Void) {
        loop.preconditionOnLoop()
        flush()
        let box = UncheckedSendable(completion)
        queue.async { self.loop.execute { box.value() } }
    }
}

