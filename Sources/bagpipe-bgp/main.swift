import ArgumentParser
import BagpipeDaemon
import Foundation
import Logging

/// `bagpipe-bgp`: the BGP EVPN speaker daemon. Runs in the foreground (systemd's job to daemonize).
struct BagpipeBGP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bagpipe-bgp",
        abstract: "BGP EVPN speaker for Linux (drop-in replacement for BaGPipe BGP).",
        version: swiftBagpipeVersion)

    @Option(name: .customLong("config-file"), help: "INI configuration file.")
    var configFile = "/etc/bagpipe-bgp/bgp.conf"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(name: .customLong("debug"), help: "Same as --log-level debug (oslo.log's flag).")
    var debug = false

    @Option(name: .customLong("log-file"), help: "Append logs to this file instead of stderr.")
    var logFile: String?

    @Flag(name: .customLong("check-config"), help: "Read the configuration, report problems, and exit.")
    var checkConfig = false

    mutating func run() throws {
        guard let level = Logger.Level(rawValue: debug ? "debug" : logLevel.lowercased()) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        let environment = ProcessInfo.processInfo.environment
        let sink = try LogSink(environment: environment, logFile: logFile)
        LoggingSystem.bootstrap { DaemonLogHandler(label: $0, level: level, sink: sink) }
        let logger = Logger(label: "bagpipe-bgp")
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(path: configFile)
        } catch {
            logger.critical("configuration error: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        for warning in configuration.warnings { logger.warning("\(warning)") }
        if checkConfig {
            print("\(configFile): OK (\(configuration.warnings.count) warning(s))")
            return
        }
        let daemon = Daemon(configuration: configuration, configurationPath: configFile, logSink: sink, environment: environment)
        do {
            try daemon.start()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        }
        daemon.runForever()
    }
}

BagpipeBGP.main()
