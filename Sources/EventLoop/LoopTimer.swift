import Dispatch

/// A one-shot or repeating timer on an `EventLoop` (a Dispatch timer source, activated at once
/// and held by the loop until it fires for the last time or is cancelled).
public final class LoopTimer: @unchecked Sendable {
    private let loop: EventLoop
    private let source: DispatchSourceTimer
    private let isRepeating: Bool
    private var handler: (() -> Void)?

    init(loop: EventLoop, after seconds: Double, repeating: Double?, handler: @escaping () -> Void) {
        self.loop = loop
        self.handler = handler
        self.isRepeating = repeating != nil
        source = DispatchSource.makeTimerSource(queue: loop.queue)
        let leeway = DispatchTimeInterval.milliseconds(Int(min(max(seconds, 0) * 10, 100)))
        if let repeating {
            source.schedule(deadline: .now() + max(seconds, 0), repeating: max(repeating, 0.001), leeway: leeway)
        } else {
            source.schedule(deadline: .now() + max(seconds, 0), leeway: leeway)
        }
        loop.retain(self)
        source.setEventHandler { [unowned self] in fire() }
        source.setCancelHandler { [unowned self] in
            self.handler = nil
            self.loop.release(self)
        }
        source.activate()
    }

    /// Stops the timer. After `cancel()` returns on the loop, the handler is not called again.
    /// Idempotent; callable from any thread (from elsewhere, a call already under way may finish).
    public func cancel() {
        source.cancel()
    }

    /// True once cancelled or, for a one-shot timer, fired.
    public var isCancelled: Bool { source.isCancelled }

    private func fire() {
        guard !source.isCancelled, let handler else { return }
        if !isRepeating { source.cancel() }
        handler()
    }
}
