import Foundation
import LinuxDataplane
import NetAddress

/// The `--port netns` plumbing, done by LinuxDataplane's `NetnsPort` (netlink, no shell): a namespace,
/// a veth pair `ns-<netns>` ↔ `tovpn`, the address and default route inside.
enum NetnsPlumbing {
    static func outsideName(namespace: String) -> String { NetnsPort.outsideName(namespace: namespace) }

    /// Creates (or re-creates) the port; returns the MAC of the inside interface.
    static func create(namespace: String, outside: String, inside: String, mac: String?, address: IPPrefix,
                       gateway: String) throws -> MACAddress {
        var wantedMAC: MACAddress?
        if let mac {
            guard let parsed = MACAddress(mac) else { throw CommandFailure("invalid --mac \(mac)") }
            wantedMAC = parsed
        }
        guard let gatewayAddress = IPAddress(gateway) else { throw CommandFailure("invalid gateway address \(gateway)") }
        let port = try NetnsPort.create(namespace: namespace, outsideInterface: outside, insideInterface: inside,
                                        mac: wantedMAC, address: address, gateway: gatewayAddress)
        return port.mac
    }

    /// The MAC of `inside` in `namespace` (for a detach without --mac), read as BaGPipe does.
    static func insideMAC(namespace: String, inside: String) throws -> MACAddress {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, "cat", "/sys/class/net/\(inside)/address"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, let mac = MACAddress(text) else {
            throw CommandFailure("cannot read the MAC address of \(inside) in namespace \(namespace)")
        }
        return mac
    }

    static func interfaceExists(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }
}
