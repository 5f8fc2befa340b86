import Dispatch
import Logging

/// One serial Dispatch queue that owns all I/O state: sockets, timers and whatever protocol state
/// their callbacks touch. Every callback of `TCPListener`, `TCPConnection` and `LoopTimer` runs on
/// `queue`; their methods must be called there too (checked by `preconditionOnLoop()`).
///
/// The libdispatch traps (swift-on-linux.md §2) are designed out here and in `SocketSources`:
/// sources are activated at once; the loop keeps a strong reference to every live listener,
/// connection and timer until its sources are cancelled; suspended sources are resumed before
/// they are cancelled; a file descriptor is closed only after every source on it is cancelled.
public final class EventLoop: @unchecked Sendable {
    public let label: String
    public let queue: DispatchQueue
    public let logger: Logger
    /// Sockets of this loop are created in this network namespace (a name under /run/netns or a
    /// path), nil for the namespace of the process. Used by tests that run peers in namespaces.
    public let networkNamespace: NetworkNamespace?

    private let onLoopKey = DispatchSpecificKey<ObjectIdentifier>()
    /// Strong references to live I/O objects, touched on `queue` only.
    private var liveObjects: [ObjectIdentifier: AnyObject] = [:]

    public init(label: String, networkNamespace: String? = nil, logger: Logger? = nil) throws {
        self.label = label
        self.queue = DispatchQueue(label: label)
        self.logger = logger ?? Logger(label: label)
        self.networkNamespace = try networkNamespace.map { try NetworkNamespace(nameOrPath: $0) }
        queue.setSpecific(key: onLoopKey, value: ObjectIdentifier(self))
    }

    /// True when the caller runs on this loop's queue.
    public var isOnLoop: Bool { DispatchQueue.getSpecific(key: onLoopKey) == ObjectIdentifier(self) }

    /// Runs `work` on the loop, asynchronously.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    /// Traps unless called on the loop's queue.
    public func preconditionOnLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(isOnLoop, "must run on event loop \(label)", file: file, line: line)
    }

    /// Calls `handler` on the loop after `seconds`, then every `repeating` seconds if given, until
    /// the returned timer is cancelled. The loop keeps the timer alive: dropping it does not stop it.
    @discardableResult
    public func scheduleTimer(after seconds: Double, repeating: Double? = nil,
                              _ handler: @escaping () -> Void) -> LoopTimer {
        LoopTimer(loop: self, after: seconds, repeating: repeating, handler: handler)
    }

    /// How many listeners, connections and timers are alive on this loop (for leak tests).
    public var liveObjectCount: Int {
        preconditionOnLoop()
        return liveObjects.count
    }

    /// Keeps `object` alive until `release(_:)`. Callable from any thread.
    func retain(_ object: AnyObject) {
        if isOnLoop {
            liveObjects[ObjectIdentifier(object)] = object
        } else {
            let box = UncheckedSendable(object)
            queue.async { self.liveObjects[ObjectIdentifier(box.value)] = box.value }
        }
    }

    /// Drops the reference taken by `retain(_:)`. On the loop only.
    func release(_ object: AnyObject) {
        preconditionOnLoop()
        liveObjects[ObjectIdentifier(object)] = nil
    }
}

/// Carries a value confined to the event loop across a `@Sendable` boundary into the loop's queue.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
