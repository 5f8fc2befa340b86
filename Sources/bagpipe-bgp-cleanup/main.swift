import ArgumentParser
import BagpipeDaemon
import Foundation
import Logging

/// `bagpipe-bgp-cleanup`: removes every kernel device and entry swift-bagpipe created (and
/// nothing else), as BaGPipe's tool of the same name does. Run it with the daemon stopped.
struct BagpipeBGPCleanup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bagpipe-bgp-cleanup",
        abstract: "Remove swift-bagpipe's bridges, vxlan devices and FDB entries.",
        version: swiftBagpipeVersion)

    @Option(name: .customLong("config-file"), help: "INI configuration file.")
    var configFile = "/etc/bagpipe-bgp/bgp.conf"

    mutating func run() throws {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(path: configFile)
        } catch {
            print("configuration error: \(error)")
            throw ExitCode(78)
        }
        let failures = DataplaneCleanup.removeEverything(configuration: configuration)
        for failure in failures { print("could not remove: \(failure)") }
        if !failures.isEmpty { throw ExitCode.failure }
        print("removed every device and entry of swift-bagpipe")
    }
}

BagpipeBGPCleanup.main()
