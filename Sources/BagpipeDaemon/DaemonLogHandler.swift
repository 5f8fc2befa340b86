#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// Log lines for people and for journald: under systemd (`JOURNAL_STREAM` set) each line starts
/// with its syslog priority (`<4>` …) and no timestamp, since journald adds its own; elsewhere a
/// timestamp and level lead. Warnings and errors are also kept for the looking glass.
public struct DaemonLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        var suffix = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        if let error = event.error { suffix += " error=\(error)" }
        sink.write(level: event.level, label: label, text: "\(event.message)\(suffix)")
    }
}

/// Where log lines go: stderr (or a file), plus the last warnings for the looking glass.
public final class LogSink: @unchecked Sendable {
    /// One remembered warning or error.
    public struct Record: Sendable {
        public var level: Logger.Level
        public var time: Date
        public var name: String
        public var message: String
    }

    private let lock = NSLock()
    private let journald: Bool
    private let logFile: String?
    private var output: UnsafeMutablePointer<FILE>
    private var recent: [Record] = []
    private var warningCount = 0
    private let keep = 100

    /// - Parameter logFile: a path to append to instead of stderr.
    public init(environment: [String: String], logFile: String?) throws {
        journald = environment["JOURNAL_STREAM"] != nil && logFile == nil
        self.logFile = logFile
        if let logFile {
            guard let file = fopen(logFile, "a") else {
                throw ConfigurationError(path: logFile, line: nil, key: nil, message: "cannot open log file: \(String(cString: strerror(errno)))")
            }
            output = file
        } else {
            output = fdopen(STDERR_FILENO, "a")
        }
    }

    func write(level: Logger.Level, label: String, text: String) {
        let line: String
        if journald {
            line = "<\(Self.syslogPriority(level))>\(label): \(text)\n"
        } else {
            line = "\(Self.timestamp()) \(level.rawValue.uppercased()) \(label): \(text)\n"
        }
        lock.lock()
        defer { lock.unlock() }
        fputs(line, output)
        fflush(output)
        if level >= .warning {
            warningCount += 1
            recent.insert(Record(level: level, time: Date(), name: label, message: text), at: 0)
            if recent.count > keep { recent.removeLast() }
        }
    }

    /// Opens the log file again (after logrotate renamed it; called on SIGHUP). Keeps the old one
    /// if the path cannot be opened.
    public func reopen() {
        guard let logFile, let file = fopen(logFile, "a") else { return }
        lock.withLock {
            fclose(output)
            output = file
        }
    }

    /// The last 100 warnings and errors, newest first (BaGPipe's looking-glass `logs`).
    public var recentWarnings: [Record] { lock.withLock { recent } }
    /// How many warnings and errors were logged since start (`warnings_and_errors`).
    public var warningsAndErrors: Int { lock.withLock { warningCount } }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        let millis = now.tv_nsec / 1_000_000
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}
