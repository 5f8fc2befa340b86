import Foundation

/// Memory and CPU of one receiver process, from /proc (proc(5)): VmRSS and VmHWM (peak resident
/// set) of /proc/PID/status, utime + stime of /proc/PID/stat (all threads).
struct ProcessStats: Codable {
    var pid: Int32
    var rssKB: Int
    var peakRSSKB: Int
    var cpuSeconds: Double

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    init(pid: Int32) throws {
        self.pid = pid
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func kilobytes(_ key: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        rssKB = kilobytes("VmRSS")
        peakRSSKB = kilobytes("VmHWM")
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        guard let close = stat.lastIndex(of: ")") else { throw BlasterError.protocolError("odd /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BlasterError.protocolError("odd /proc/\(pid)/stat")
        }
        cpuSeconds = (user + system) / Self.ticksPerSecond
    }
}
