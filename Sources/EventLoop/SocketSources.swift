import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The Dispatch read and (optional) write sources of one socket, with the libdispatch traps
/// (swift-on-linux.md §2) handled in this one place:
/// 1. sources are activated at once, and a suspended source is resumed before it is cancelled,
///    so no inactive or suspended source is ever released;
/// 3. suspension is tracked in our own flags, so suspend/resume stay balanced;
/// 4. the descriptor is closed only after every source on it has been cancelled.
/// (Trap 2, strong references, is handled by `EventLoop.retain`.)
/// Two more traps, found by the hostile-peer tests (libdispatch `event_epoll.c`, SR-9033 and issue #833):
/// when epoll reports EPOLLHUP (the peer reset, or both directions are shut), libdispatch gives each
/// registered source one last event and removes the descriptor from epoll; a source registered after
/// that never fires. Hence `TCPConnection` reads until EAGAIN, EOF or an error on every read event,
/// looks again after resuming a paused reader, never suspends the reader while connecting (a refused
/// connect may reach only the reader), and the read source is always registered first.
/// Used on the loop's queue only.
final class SocketSources {
    let fd: Int32
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite?
    private let cancelled = DispatchGroup()
    private(set) var isReadSuspended = false
    private(set) var isWriteSuspended = false
    private(set) var isClosed = false

    /// A write source is made only when `onWritable` is given.
    init(fd: Int32, queue: DispatchQueue, readSuspended: Bool, onReadable: @escaping () -> Void,
         writeSuspended: Bool = true, onWritable: (() -> Void)? = nil) {
        self.fd = fd
        readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let readHandler = UncheckedSendable(onReadable)
        readSource.setEventHandler { readHandler.value() }
        Self.install(readSource, cancelled)
        if let onWritable {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            let writeHandler = UncheckedSendable(onWritable)
            source.setEventHandler { writeHandler.value() }
            Self.install(source, cancelled)
            writeSource = source
        } else {
            writeSource = nil
        }
        if readSuspended { suspendReading() }
        if onWritable != nil && writeSuspended { suspendWriting() }
    }

    /// Counts `source` in `group` until its cancel handler runs, and activates it.
    private static func install(_ source: DispatchSourceProtocol, _ group: DispatchGroup) {
        group.enter()
        source.setCancelHandler { group.leave() }
        source.activate()
    }

    /// The peer hung up or the socket has an error (poll reports POLLHUP, POLLRDHUP or POLLERR).
    var isHungUp: Bool {
        let readHangUp: Int16 = 0x2000   // POLLRDHUP (Linux; hidden behind _GNU_SOURCE in Glibc)
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN) | readHangUp, revents: 0)
        guard poll(&descriptor, 1, 0) == 1 else { return false }
        return descriptor.revents & (Int16(POLLHUP) | readHangUp | Int16(POLLERR)) != 0
    }

    func suspendReading() {
        guard !isReadSuspended, !isClosed else { return }
        readSource.suspend()
        isReadSuspended = true
    }

    func resumeReading() {
        guard isReadSuspended, !isClosed else { return }
        readSource.resume()
        isReadSuspended = false
    }

    func suspendWriting() {
        guard let writeSource, !isWriteSuspended, !isClosed else { return }
        writeSource.suspend()
        isWriteSuspended = true
    }

    func resumeWriting() {
        guard let writeSource, isWriteSuspended, !isClosed else { return }
        writeSource.resume()
        isWriteSuspended = false
    }

    /// Cancels every source, then (on `queue`, once all cancel handlers ran) closes the descriptor
    /// and calls `completion`. Idempotent: later calls do nothing.
    func cancelAndClose(queue: DispatchQueue, completion: @escaping () -> Void) {
        guard !isClosed else { return }
        if isReadSuspended { readSource.resume(); isReadSuspended = false }
        if isWriteSuspended { writeSource?.resume(); isWriteSuspended = false }
        isClosed = true
        readSource.cancel()
        writeSource?.cancel()
        let fd = self.fd
        let done = UncheckedSendable(completion)
        cancelled.notify(queue: queue) {
            Glibc.close(fd)
            done.value()
        }
    }
}
