// Remote MAC entries programmed per second: LinuxVXLANDriver (batched libmnl) vs `bridge -batch`
// with the very same entries (self + master + extern_learn, replace, per-entry VNI, 100 VTEPs), in
// a fresh network namespace, each measurement on a freshly created instance. Prints a table.
import Dataplane
import Foundation
import LinuxDataplane
import NetAddress

@discardableResult
func run(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw NSError(domain: arguments.joined(separator: " "), code: Int(process.terminationStatus)) }
    return String(decoding: data, as: UTF8.self)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let counts = CommandLine.arguments.dropFirst().compactMap { Int($0) }.nonEmpty ?? [1_000, 10_000, 100_000]
let repetitions = 3
let namespace = "fdbbench-\(getpid())"
try run(["ip", "netns", "add", namespace])
defer { _ = try? run(["ip", "netns", "del", namespace]) }
let local = IPAddress("198.51.100.11")!
let driver = try LinuxVXLANDriver(configuration: .init(localAddress: local, networkNamespacePath: "/var/run/netns/\(namespace)"))
let spec = InstanceSpec(externalID: "bench", vni: 5010)
let vteps = (0..<100).map { IPAddress.v4(IPv4Address(198, 51, 100, UInt8(100 + $0))) }

@MainActor func entries(_ count: Int) -> [(MACAddress, IPAddress, UInt32)] {
    (0..<count).map { (MACAddress(rawValue: 0x5254_0000_0000 | UInt64($0 + 1)), vteps[$0 % vteps.count], UInt32(5010 + $0 % 7)) }
}

@MainActor func freshInstance() throws {
    let failures = driver.apply([.deleteInstance(externalID: "bench"), .createInstance(spec)])
    guard failures.isEmpty else { throw NSError(domain: "\(failures)", code: 1) }
}

@MainActor func countEntries() throws -> Int {
    try run(["ip", "netns", "exec", namespace, "bridge", "fdb", "show", "dev", "vxlan--bench"])
        .split(separator: "\n").filter { $0.contains("self extern_learn") }.count
}

print("entries  | driver s (median) | driver entries/s | bridge -batch s | bridge entries/s | ratio")
for count in counts {
    let list = entries(count)
    let intents = list.map { DataplaneIntent.setRemoteMAC(externalID: "bench", mac: $0.0, vtep: $0.1, vni: $0.2) }
    let batchFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(namespace)-\(count).batch")
    try list.map { "fdb replace \($0.0) dev vxlan--bench dst \($0.1) vni \($0.2) self master extern_learn permanent" }
        .joined(separator: "\n").appending("\n").write(to: batchFile, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: batchFile) }
    var driverTimes: [Double] = [], bridgeTimes: [Double] = []
    for _ in 0..<repetitions {
        try freshInstance()
        var failures: [DataplaneFailure] = []
        driverTimes.append(seconds { failures = driver.apply(intents) })
        guard failures.isEmpty, try countEntries() == count else { fatalError("driver: \(failures.prefix(3))") }
        try freshInstance()
        bridgeTimes.append(try seconds { try run(["ip", "netns", "exec", namespace, "bridge", "-batch", batchFile.path]) })
        guard try countEntries() == count else { fatalError("bridge -batch did not program \(count) entries") }
    }
    let d = driverTimes.sorted()[repetitions / 2], b = bridgeTimes.sorted()[repetitions / 2]
    print(String(format: "%8d | %17.3f | %16.0f | %15.3f | %16.0f | %5.2f", count, d, Double(count) / d, b, Double(count) / b, b / d))
}
_ = driver.removeAll()

extension Array { var nonEmpty: Self? { isEmpty ? nil : self } }
