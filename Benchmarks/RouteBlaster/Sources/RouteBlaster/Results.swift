/// The JSON line a run prints (keys in snake_case; scripts/bench collects them).
struct RunResult: Codable {
    var label: String
    var routes: Int
    var routeTargets: Int
    var macOnly: Bool
    var routesPerUpdate: Int?
    var extendedMessage: Bool
    var announceMessages: Int
    var announceBytes: Int
    var withdrawMessages: Int
    var withdrawBytes: Int
    /// Building and encoding every UPDATE, before the session starts.
    var encodeSeconds: Double
    /// What each counter showed before the announce (its goals are relative to it).
    var baselineCounts: [String: Int]
    var announce: PhaseResult
    var withdraw: PhaseResult?
    /// (peak RSS after the announce − RSS before it) / routes, summed over the receiver processes.
    var bytesPerRoute: Double?
    var blasterCPUSeconds: Double
    var pollerCPUSeconds: Double
}

/// One direction (announce or withdraw) of a run.
struct PhaseResult: Codable {
    /// From the first UPDATE written until every counter reached its goal; nil if one did not.
    var seconds: Double?
    var timeoutSeconds: Double
    var routesPerSecond: Double?
    var sendWallSeconds: Double
    /// The blaster's own sending time (not waiting for the socket).
    var sendBusySeconds: Double
    /// `sendBusySeconds ≥ 0.9 × seconds`: the receiver waited for the blaster.
    var injectionBound: Bool?
    var receivers: [ReceiverUsage]
    /// Receiver processes (--pid) that were gone at the end of the phase.
    var exitedReceivers: [Int32]
    /// CPU seconds the whole machine was busy during the phase (receivers, blaster and anything
    /// else), against `machineCPUCount × phaseWallSeconds` available: how contended the run was.
    var machineCPUSeconds: Double
    var machineCPUCount: Int
    var phaseWallSeconds: Double
    var counters: [CounterResult]
}

/// What one counter (RIB or kernel FDB) saw during a phase.
struct CounterResult: Codable {
    var name: String
    var seconds: Double?
    var lastCount: Int?
    /// Gap between the last two polls.
    var resolutionSeconds: Double?
    var polls: Int
    var samples: [CountWatcher.Sample]
    var error: String?
    /// Lost kernel notifications (FDB counter), each followed by a full re-dump.
    var overflows: Int?
}

/// What one receiver process used during a phase.
struct ReceiverUsage: Codable {
    var pid: Int32
    var cpuSeconds: Double
    var rssBeforeKB: Int
    var rssAfterKB: Int
    var peakRSSKB: Int
}

/// The JSON line of `--load-for`.
struct LoadResult: Codable {
    var label: String
    var routes: Int
    var seconds: Double
    var cycles: Int
}
