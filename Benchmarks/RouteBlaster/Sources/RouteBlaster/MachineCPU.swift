import Foundation

/// CPU seconds the whole machine spent busy (all CPUs, /proc/stat "cpu" line: everything but idle
/// and iowait), so a run can say how much of the machine other work took while it ran.
enum MachineCPU {
    static func busySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return 0 }
        return (ticks.reduce(0, +) - ticks[3] - ticks[4]) / ProcessStats.ticksPerSecond
    }
}
