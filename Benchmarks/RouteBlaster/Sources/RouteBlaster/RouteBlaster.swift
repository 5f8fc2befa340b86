import ArgumentParser
import BGPWire
import Foundation
import NetAddress

@main
struct RouteBlaster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send N pre-encoded EVPN type-2 routes to one BGP receiver as fast as TCP allows, then withdraw them.",
        discussion: """
            Prints one JSON line: time from the first UPDATE until the receiver's own count (--count-*) shows \
            every route, and again for the withdrawal; the blaster's own send time; CPU and memory of --pid processes.
            """)

    @Option(help: "our address (TCP source, router id, next hop)") var local: String
    @Option(help: "the receiver's address") var peer: String
    @Option(help: "the receiver's BGP port") var port: UInt16 = 179
    @Option(help: "AS number (iBGP: the receiver's too)") var asn: UInt32 = 64512
    @Option(help: "number of type-2 routes") var routes = 10_000
    @Option(name: .customLong("route-targets"), help: "route targets the routes are spread over") var routeTargets = 1
    @Option(name: .customLong("rt-base"), help: "first route target number (ASN:rt-base)") var rtBase: UInt32 = 1
    @Option(name: .customLong("vni-base"), help: "label (VNI) of the first route target's routes") var vniBase: UInt32 = 1000
    @Flag(name: .customLong("mac-only"), help: "MAC-only routes instead of MAC+IP") var macOnly = false
    @Option(name: .customLong("routes-per-update"), help: "at most this many routes per UPDATE (default: as many as fit)")
    var routesPerUpdate: Int?
    @Flag(name: .customLong("extended-message"), help: "offer RFC 8654 extended messages (UPDATEs up to 65535 bytes)")
    var extendedMessage = false
    @Flag(help: "also offer the route-target constraint family (RFC 4684)") var rtc = false
    @Option(name: .customLong("hold-time"), help: "hold time offered") var holdTime: UInt16 = 180

    @Option(name: .customLong("count-http"), help: "count routes with an HTTP GET of this JSON URL") var countHTTP: String?
    @Option(name: .customLong("count-key"), help: "dotted key of the count in --count-http's JSON")
    var countKey = "route_counts.received_routes_count"
    @Option(name: .customLong("count-command"), help: "count routes with this shell command (last integer printed)")
    var countCommand: String?
    @Option(name: .customLong("count-fdb-netns"), help: "count remote MACs in the kernel FDB of this network namespace")
    var countFDBNetns: String?
    @Option(name: .customLong("poll-interval"), help: "shortest interval between count polls, seconds") var pollInterval = 0.05
    @Option(help: "give up a phase after this many seconds") var timeout = 300.0
    @Option(name: .customLong("pid"), help: "a receiver process to measure (repeatable)") var pids: [Int32] = []
    @Flag(name: .customLong("no-withdraw"), help: "stop after the announcement") var noWithdraw = false
    @Option(name: .customLong("load-for"), help: "instead: announce and withdraw in a loop for this many seconds, no counting")
    var loadFor: Double?
    @Option(help: "copied into the JSON result") var label = ""
    @Option(name: .customLong("instead-command"),
            help: "no BGP: time this shell command (e.g. `bridge -batch`) with the same counters")
    var insteadCommand: String?
    @Option(name: .customLong("instead-withdraw-command"), help: "with --instead-command: the withdrawal command")
    var insteadWithdrawCommand: String?

    func run() throws {
        do {
            try blast()
        } catch let error as BlasterError {
            FileHandle.standardError.write(Data("route-blaster: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func blast() throws {
        guard let localAddress = IPv4Address(local), let peerAddress = IPv4Address(peer) else {
            throw BlasterError.usage("--local and --peer must be IPv4 addresses")
        }
        guard routes > 0, routeTargets > 0, routeTargets <= routes, routeTargets <= 65536 else {
            throw BlasterError.usage("need 0 < --route-targets ≤ --routes and ≤ 65536")
        }
        let set = RouteSet(count: routes, routeTargets: routeTargets, asn: UInt16(truncatingIfNeeded: asn), rtBase: rtBase,
                           vniBase: vniBase, nextHop: localAddress, macOnly: macOnly, routesPerUpdate: routesPerUpdate)
        if let insteadCommand { return try runInstead(insteadCommand, withdraw: insteadWithdrawCommand) }
        let encodeStart = Clock.now
        var context = CodecContext(fourOctetAS: true, extendedMessage: extendedMessage)
        var announce = set.announcements(context: context)
        var withdraw = set.withdrawals(context: context)
        var encodeSeconds = Clock.now - encodeStart

        let connection = try BGPConnection(local: localAddress, peer: peerAddress, port: port, timeout: 30)
        try connection.establish(open(routerID: localAddress), timeout: 30)
        if extendedMessage && !connection.context.extendedMessage {
            FileHandle.standardError.write(Data("route-blaster: the peer did not negotiate extended messages; using 4096\n".utf8))
            let again = Clock.now
            context.extendedMessage = false
            announce = set.announcements(context: context)
            withdraw = set.withdrawals(context: context)
            encodeSeconds = Clock.now - again
        }
        if let loadFor { return try load(announce, withdraw, over: connection, for: loadFor) }

        let counters = try makeCounters()
        var measured: [String: Int] = [:]
        for (name, counter) in counters { measured[name] = try counter.count() }
        let baselines = measured
        let goal = routes
        let sender = StreamSender()
        let announced = try phase(counters: counters, send: { try sender.send(announce.bytes, over: connection) },
                                  service: connection.service) { name, count in count >= baselines[name]! + goal }
        var withdrawn: PhaseResult?
        if announced.seconds != nil && !noWithdraw {
            withdrawn = try phase(counters: counters, send: { try sender.send(withdraw.bytes, over: connection) },
                                  service: connection.service) { name, count in count <= baselines[name]! }
        }
        let grown = announced.receivers.map { max(0, $0.peakRSSKB - $0.rssBeforeKB) }.reduce(0, +)
        let usage = Self.ownCPU()
        let result = RunResult(
            label: label, routes: routes, routeTargets: routeTargets, macOnly: macOnly, routesPerUpdate: routesPerUpdate,
            extendedMessage: connection.context.extendedMessage,
            announceMessages: announce.messageCount, announceBytes: announce.bytes.count,
            withdrawMessages: withdraw.messageCount, withdrawBytes: withdraw.bytes.count, encodeSeconds: encodeSeconds,
            baselineCounts: baselines, announce: announced, withdraw: withdrawn,
            bytesPerRoute: announced.seconds == nil || announced.receivers.isEmpty ? nil : Double(grown * 1024) / Double(routes),
            blasterCPUSeconds: usage.own, pollerCPUSeconds: usage.children)
        connection.cease()
        try Self.printJSON(result)
    }

    private func open(routerID: IPv4Address) -> OpenMessage {
        var capabilities: [Capability] = [.multiprotocol(.l2vpnEVPN)]
        if rtc { capabilities.append(.multiprotocol(.routeTargetConstraint)) }
        capabilities.append(.routeRefresh)
        capabilities.append(.fourOctetAS(asn))
        if extendedMessage { capabilities.append(.extendedMessage) }
        return OpenMessage(myAS: asn <= UInt16.max ? UInt16(asn) : OpenMessage.asTrans, holdTime: holdTime,
                           bgpIdentifier: routerID, capabilities: capabilities)
    }

    /// The counters asked for: the receiver's RIB (`--count-http` or `--count-command`) and/or the kernel FDB.
    private func makeCounters() throws -> [(String, RouteCounter)] {
        guard countHTTP == nil || countCommand == nil else { throw BlasterError.usage("--count-http or --count-command, not both") }
        var counters: [(String, RouteCounter)] = []
        if let countHTTP { counters.append(("rib", try HTTPJSONCounter(url: countHTTP, keyPath: countKey))) }
        if let countCommand { counters.append(("rib", CommandCounter(command: countCommand))) }
        if let countFDBNetns { counters.append(("fdb", try FDBCounter(netns: countFDBNetns))) }
        guard !counters.isEmpty else { throw BlasterError.usage("give --count-http, --count-command and/or --count-fdb-netns") }
        return counters
    }

    /// `--instead-command`: the same counters and timing around a command instead of a BGP session.
    private func runInstead(_ command: String, withdraw: String?) throws {
        let counters = try makeCounters()
        var measured: [String: Int] = [:]
        for (name, counter) in counters { measured[name] = try counter.count() }
        let baselines = measured
        let goal = routes
        let announced = try phase(counters: counters, send: { try Self.time(command) }, service: {}) { name, count in
            count >= baselines[name]! + goal
        }
        var withdrawn: PhaseResult?
        if let withdraw, announced.seconds != nil {
            withdrawn = try phase(counters: counters, send: { try Self.time(withdraw) }, service: {}) { name, count in
                count <= baselines[name]!
            }
        }
        try Self.printJSON(RunResult(
            label: label, routes: routes, routeTargets: routeTargets, macOnly: macOnly, routesPerUpdate: nil,
            extendedMessage: false, announceMessages: 0, announceBytes: 0, withdrawMessages: 0, withdrawBytes: 0,
            encodeSeconds: 0, baselineCounts: baselines, announce: announced, withdraw: withdrawn, bytesPerRoute: nil,
            blasterCPUSeconds: Self.ownCPU().own, pollerCPUSeconds: Self.ownCPU().children))
    }

    /// Runs a shell command to completion; its run time is the "send" time.
    private static func time(_ command: String) throws -> SendTiming {
        let start = Clock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BlasterError.protocolError("`\(command)` failed") }
        return SendTiming(wall: Clock.now - start, blocked: 0)
    }

    /// Sends (`send`) and polls every counter until `goal` holds for each, measuring the receivers around it;
    /// `service` keeps the session alive meanwhile.
    private func phase(counters: [(String, RouteCounter)], send: () throws -> SendTiming, service: () throws -> Void,
                       goal: @escaping @Sendable (String, Int) -> Bool) throws -> PhaseResult {
        let before = try pids.map { try ProcessStats(pid: $0) }
        let machineBefore = MachineCPU.busySeconds()
        let start = Clock.now
        let watchers = counters.map { name, counter in
            (name, CountWatcher(counter: counter, start: start, timeout: timeout, minimumInterval: pollInterval) { goal(name, $0) })
        }
        let timing = try send()
        var outcomes: [(String, CountWatcher.Outcome)] = []
        while outcomes.count < watchers.count {
            outcomes = watchers.compactMap { name, watcher in watcher.result.map { (name, $0) } }
            try service()
            Thread.sleep(forTimeInterval: 0.01)
        }
        let elapsed = Clock.now - start
        let machineBusy = MachineCPU.busySeconds() - machineBefore
        // A receiver that died meanwhile is reported, not measured.
        let after = pids.map { try? ProcessStats(pid: $0) }
        let usage = zip(before, after).compactMap { old, new in
            new.map { ReceiverUsage(pid: $0.pid, cpuSeconds: $0.cpuSeconds - old.cpuSeconds, rssBeforeKB: old.rssKB,
                                    rssAfterKB: $0.rssKB, peakRSSKB: $0.peakRSSKB) }
        }
        let exited = zip(pids, after).filter { $0.1 == nil }.map(\.0)
        let finishes = outcomes.map(\.1.finished)
        let seconds = finishes.contains { $0 == nil } ? nil : finishes.compactMap { $0 }.max()
        return PhaseResult(
            seconds: seconds, timeoutSeconds: timeout, routesPerSecond: seconds.map { Double(routes) / $0 },
            sendWallSeconds: timing.wall, sendBusySeconds: timing.busy,
            injectionBound: seconds.map { timing.busy >= 0.9 * $0 }, receivers: usage, exitedReceivers: exited,
            machineCPUSeconds: machineBusy, machineCPUCount: ProcessInfo.processInfo.activeProcessorCount,
            phaseWallSeconds: elapsed,
            counters: outcomes.map { name, outcome in
                CounterResult(name: name, seconds: outcome.finished, lastCount: outcome.lastCount,
                              resolutionSeconds: outcome.resolution, polls: outcome.samples.count,
                              samples: outcome.samples, error: outcome.error,
                              overflows: counters.first { $0.0 == name }?.1.overflows)
            })
    }

    /// `--load-for`: keeps the receiver busy by announcing and withdrawing in turn.
    private func load(_ announce: EncodedStream, _ withdraw: EncodedStream, over connection: BGPConnection,
                      for duration: Double) throws {
        let start = Clock.now
        var cycles = 0
        while Clock.now - start < duration {
            _ = try StreamSender().send(announce.bytes, over: connection)
            _ = try StreamSender().send(withdraw.bytes, over: connection)
            cycles += 1
        }
        connection.cease()
        try Self.printJSON(LoadResult(label: label, routes: routes, seconds: Clock.now - start, cycles: cycles))
    }

    /// CPU seconds of this process and of the count commands it ran (getrusage(2)).
    private static func ownCPU() -> (own: Double, children: Double) {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(who), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return (seconds(RUSAGE_SELF.rawValue), seconds(RUSAGE_CHILDREN.rawValue))
    }

    private static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
