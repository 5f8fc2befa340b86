import Dispatch
import EventLoop

/// The running timers of one session (RFC 4271 §8.1.3), on the speaker's loop.
///
/// The hold timer is restarted on every KEEPALIVE and UPDATE received (§8.2.2), so a restart must
/// be cheap: a running timer whose fire time is not later than the new deadline is kept and only
/// the deadline moves; when it fires before the deadline it re-arms for the remainder. A busy
/// session therefore re-arms its hold timer about once per hold time instead of once per message.
final class SessionTimers {
    private struct Running {
        var timer: LoopTimer
        /// When `timer` fires.
        var firesAt: DispatchTime
        /// When the FSM's timer expires (at or after `firesAt`).
        var deadline: DispatchTime
    }

    private let loop: EventLoop
    private let expired: (SessionTimer) -> Void
    private var running: [SessionTimer: Running] = [:]

    /// `expired` is called on the loop when a timer reaches its deadline without being stopped.
    init(loop: EventLoop, expired: @escaping (SessionTimer) -> Void) {
        self.loop = loop
        self.expired = expired
    }

    /// True while `kind` is running.
    func isRunning(_ kind: SessionTimer) -> Bool { running[kind] != nil }

    /// Starts `kind` to expire `seconds` from now, replacing any earlier start.
    func start(_ kind: SessionTimer, seconds: Double) {
        let deadline = DispatchTime.now() + max(seconds, 0)
        if var current = running[kind], current.firesAt <= deadline {
            current.deadline = deadline
            running[kind] = current
            return
        }
        running[kind]?.timer.cancel()
        arm(kind, at: deadline, deadline: deadline)
    }

    /// Stops `kind` if it runs.
    func stop(_ kind: SessionTimer) {
        running.removeValue(forKey: kind)?.timer.cancel()
    }

    /// Stops every timer.
    func stopAll() {
        for entry in running.values { entry.timer.cancel() }
        running.removeAll()
    }

    private func arm(_ kind: SessionTimer, at firesAt: DispatchTime, deadline: DispatchTime) {
        let now = DispatchTime.now().uptimeNanoseconds
        let seconds = Double(firesAt.uptimeNanoseconds > now ? firesAt.uptimeNanoseconds - now : 0) / 1e9
        let timer = loop.scheduleTimer(after: seconds) { [weak self] in self?.fired(kind) }
        running[kind] = Running(timer: timer, firesAt: firesAt, deadline: deadline)
    }

    private func fired(_ kind: SessionTimer) {
        guard let entry = running[kind] else { return }
        if DispatchTime.now() < entry.deadline {
            arm(kind, at: entry.deadline, deadline: entry.deadline)
            return
        }
        running[kind] = nil
        expired(kind)
    }
}
