import Foundation
import Logging

/// Collects what a `Logger` logs (level and message), for tests that check a log line.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [(level: Logger.Level, message: String)] = []

    var lines: [String] { lock.withLock { records.map(\.message) } }

    var logger: Logger {
        Logger(label: "capture") { [self] _ in Handler(capture: self) }
    }

    private func append(_ level: Logger.Level, _ message: String) {
        lock.withLock { records.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { capture.append(event.level, "\(event.message)") }
    }
}
