import Dispatch
import Foundation
import Synchronization

/// Writes the state file durably on a queue of its own: a temporary file beside it, `fsync`,
/// `rename`, then `fsync` of the directory, so that after a crash the file is either the old one
/// or the new one, and the rename itself is on disk. A failed write (a full disk, a read-only
/// directory) is kept and retried with a growing delay, newest content first, until it succeeds;
/// `status` shows it meanwhile.
final class StateFileWriter: Sendable {
    /// What the looking glass and the log say about the file.
    struct Status: Sendable, Equatable {
        /// The last failure while it is not yet written, nil once a write succeeded.
        var lastError: String?
        /// Failed attempts since start.
        var failedWrites = 0
        /// Successful writes since start.
        var writes = 0
    }

    let path: String
    private let queue = DispatchQueue(label: "swift-bagpipe.state")
    /// The content still to write (newest wins) and whether a retry is already scheduled: queue only.
    private let pending = Mutex<(content: String?, retryScheduled: Bool)>((nil, false))
    private let statusBox = Mutex(Status())
    private let retryDelays: [Double]
    private let report: @Sendable (_ error: String?, _ recovered: Bool) -> Void

    /// - Parameters:
    ///   - retryDelays: seconds before each retry; the last one repeats.
    ///   - report: called on the writer queue after a failure (with its text) and after the first
    ///     success that follows failures (`recovered`), to be logged.
    init(path: String, retryDelays: [Double] = [1, 2, 5, 10, 30],
         report: @escaping @Sendable (_ error: String?, _ recovered: Bool) -> Void) {
        self.path = path
        self.retryDelays = retryDelays.isEmpty ? [1] : retryDelays
        self.report = report
    }

    var status: Status { statusBox.withLock { $0 } }

    /// Queues `content` to be written (replacing content not yet written).
    func write(_ content: String) {
        pending.withLock { $0.content = content }
        queue.async { self.attempt() }
    }

    /// Waits until the attempts queued so far have run (a failing write stays queued for retry).
    func waitForAttempts() { queue.sync {} }

    private func attempt() {
        guard let content = pending.withLock({ $0.content }) else { return }
        do {
            try Self.writeDurably(content, to: path)
            pending.withLock { if $0.content == content { $0.content = nil } }
            let recovered = statusBox.withLock { status in
                defer { status.lastError = nil; status.writes += 1 }
                return status.lastError != nil
            }
            if recovered { report(nil, true) }
        } catch {
            let failures = statusBox.withLock { status in
                status.lastError = "\(error)"
                status.failedWrites += 1
                return status.failedWrites
            }
            report("\(error)", false)
            let alreadyScheduled = pending.withLock { state in
                defer { state.retryScheduled = true }
                return state.retryScheduled
            }
            guard !alreadyScheduled else { return }
            let delay = retryDelays[min(failures - 1, retryDelays.count - 1)]
            queue.asyncAfter(deadline: .now() + delay) {
                self.pending.withLock { $0.retryScheduled = false }
                self.attempt()
            }
        }
    }

    /// A write that failed, with what failed (`write /var/lib/…/attachments.json.tmp: No space left on device`).
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Temporary file, fsync, rename over `path`, fsync of the directory (rename(2) is atomic, but
    /// only the directory's fsync makes it durable).
    static func writeDurably(_ content: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteError(description: "create directory \(directory): \(error.localizedDescription)")
        }
        let temporary = path + ".tmp"
        func failure(_ operation: String, _ file: String) -> WriteError {
            WriteError(description: "\(operation) \(file): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("open", temporary) }
        var written = 0
        let bytes = Array(content.utf8)
        var problem: WriteError?
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                problem = failure("write", temporary)
                break
            }
            written += count
        }
        if problem == nil, fsync(fd) != 0 { problem = failure("fsync", temporary) }
        if close(fd) != 0, problem == nil { problem = failure("close", temporary) }
        if problem == nil, rename(temporary, path) != 0 { problem = failure("rename to", path) }
        if let problem {
            unlink(temporary)
            throw problem
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw failure("open directory", directory) }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw failure("fsync directory", directory) }
    }
}
