import BGPWire
import Dataplane
import EVPN
import Glibc
import Logging
import NetAddress

/// Feeds an `EVPNRouter` a million type-2 MAC+IP routes from one peer (a route reflector), as
/// UPDATEs of 100 NLRI from 100 VTEPs, spread over the route targets of N local instances, and
/// reports resident memory per route and time per route for several N. Each N runs in a fresh
/// process, so that memory freed by one run does not hide the next one's growth.
///
/// Usage: EVPNRIBBenchmark [routes] [instances...]   (defaults: 1000000, then 1 100 1000)

/// Counts what the router outputs and keeps nothing.
final class CountingOutput: EVPNOutput {
    var intents = 0
    var updates = 0
    func send(_ updates: [RouteUpdate], to peer: IPAddress) { self.updates += updates.count }
    func apply(_ intents: [DataplaneIntent]) { self.intents += intents.count }
}

func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    withUnsafeMutablePointer(to: &size) { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            _ = withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let routeCount = arguments.first ?? 1_000_000
let instanceCounts = arguments.count > 1 ? Array(arguments.dropFirst()) : [1, 100, 1000]
let perUpdate = 100
let vtepCount = 100

func run(instances: Int) {
    let output = CountingOutput()
    let local = IPAddress("198.51.100.11")!, reflector = IPAddress("198.51.100.1")!
    var logger = Logger(label: "benchmark")
    logger.logLevel = .warning
    let router = EVPNRouter(configuration: EVPNRouterConfiguration(localAS: 64512, routerID: IPv4Address("198.51.100.11")!,
                                                                   bgpLocalAddress: local),
                            output: output, logger: logger)
    let targets = (0..<instances).map { RouteTarget.twoOctetAS(64512, UInt32(1000 + $0)) }
    for (index, target) in targets.enumerated() {
        try! router.attach(AttachRequest(instanceID: "vpn\(index)", mac: MACAddress(rawValue: 0x0200_0000_0000 | UInt64(index)),
                                         importRouteTargets: [target], exportRouteTargets: [target], localPort: "tap\(index)"))
    }
    router.peerUp(reflector, routerID: IPv4Address("198.51.100.1")!, families: [.l2vpnEVPN], peerAS: 64512)

    // One attribute set per (VTEP, target), as a VTEP's routes of one instance share them.
    func attributes(vtep: Int, target: RouteTarget) -> PathAttributes {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        attributes.originatorID = IPv4Address(rawValue: 0x0A00_0000 | UInt32(vtep))
        attributes.clusterList = [IPv4Address("198.51.100.1")!]
        attributes.extendedCommunities = [.encapsulation(.vxlan), .routeTarget(target)]
        return attributes
    }
    func update(batch: Int) -> UpdateMessage {
        // Route r: VTEP r % 100, target (r / 100) % instances; the batch shares both.
        let first = batch * perUpdate
        let vtep = batch % vtepCount
        let target = targets[(batch / vtepCount) % instances]
        let vtepAddress = IPAddress.v4(IPv4Address(rawValue: 0xC633_6400 | UInt32(100 + vtep)))  // 198.51.100.(100+v)
        guard case .v4(let vtepV4) = vtepAddress else { fatalError() }
        var message = attributes(vtep: vtep, target: target)
        let nlri: [NLRI] = (first..<min(first + perUpdate, routeCount)).map { route in
            .evpn(.macIPAdvertisement(MACIPAdvertisementRoute(
                routeDistinguisher: .ipv4(vtepV4, 1), mac: MACAddress(rawValue: 0x5254_0000_0000 | UInt64(route)),
                ip: .v4(IPv4Address(rawValue: 0x0A00_0000 | UInt32(route))), label1: UInt32(5000 + vtep))))
        }
        message.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [vtepAddress], nlri: nlri)
        return UpdateMessage(attributes: message)
    }
    let batches = (routeCount + perUpdate - 1) / perUpdate

    // Time spent building the UPDATEs alone, to subtract.
    var start = now()
    var sink = 0
    for batch in 0..<batches { sink &+= update(batch: batch).attributes.mpReach!.nlri.count }
    let generation = now() - start

    let before = residentBytes()
    start = now()
    for batch in 0..<batches { router.receive(update(batch: batch), from: reflector) }
    let importTime = now() - start - generation
    let after = residentBytes()
    let summary = router.summary()
    let importIntents = output.intents
    precondition(summary.receivedRoutes == routeCount && sink == routeCount, "routes lost")
    precondition(importIntents == 2 * routeCount + 2 * instances, "every route must be imported: FDB and neighbour entries (plus create and plug per instance)")

    start = now()
    router.peerDown(reflector)
    let flushTime = now() - start
    precondition(router.summary().receivedRoutes == 0, "routes left after the peer went down")

    // Twice again: memory must settle at the first load's level (nothing leaks between sessions).
    var afterReload = 0
    for cycle in 0..<2 {
        if cycle > 0 { router.peerDown(reflector) }
        router.peerUp(reflector, routerID: IPv4Address("198.51.100.1")!, families: [.l2vpnEVPN], peerAS: 64512)
        for batch in 0..<batches { router.receive(update(batch: batch), from: reflector) }
        afterReload = residentBytes()
    }

    func format(_ value: Double, _ digits: Int = 2) -> String {
        var factor = 1.0
        for _ in 0..<digits { factor *= 10 }
        let rounded = (value * factor).rounded() / factor
        return "\(rounded)"
    }
    print("instances \(instances): \(routeCount) routes, \(importIntents) intents; "
          + "RSS +\(format(Double(after - before) / 1_048_576, 1)) MiB = \(format(Double(after - before) / Double(routeCount), 1)) B/route; "
          + "import \(format(importTime)) s = \(format(importTime / Double(routeCount) * 1e9, 0)) ns/route "
          + "(\(format(Double(routeCount) / importTime / 1000, 0))k routes/s); "
          + "peer down (withdraw all) \(format(flushTime)) s; after two more loads: RSS +\(format(Double(afterReload - after) / 1_048_576, 1)) MiB")
}

/// Runs this program again for one instance count and waits for it.
func runInChild(instances: Int) {
    let path = CommandLine.arguments[0]
    let words: [String] = [path, "\(routeCount)", "\(instances)"]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, path, nil, nil, argv, environ) == 0 else { fatalError("cannot spawn \(path)") }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
}

if instanceCounts.count == 1 {
    run(instances: instanceCounts[0])
} else {
    print("EVPN RIB benchmark: \(routeCount) type-2 MAC+IP routes from one peer, \(perUpdate) per UPDATE, \(vtepCount) VTEPs")
    fflush(nil)
    for instances in instanceCounts { runInChild(instances: instances) }
}
