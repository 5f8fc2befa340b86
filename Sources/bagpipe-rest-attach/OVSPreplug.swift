import Foundation

/// `--ovs-preplug` (ipvpn): moves the port into an OVS bridge with `ovs-vsctl`, as BaGPipe's tool does.
enum OVSPreplug {
    static func plug(port: String, bridge: String) throws {
        _ = try run(["ovs-vsctl", "del-port", bridge, port])
        guard try run(["ovs-vsctl", "add-port", bridge, port]) == 0 else {
            throw CommandFailure("ovs-vsctl add-port \(bridge) \(port) failed")
        }
    }

    private static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
