import BagpipeAPI
import BGPSpeaker
import BGPWire
import Dataplane
import Dispatch
import EVPN
import EventLoop
import Foundation
import HTTPServer
import Logging
import NetAddress
import OrderedJSON

/// The assembled product: BGP speaker, EVPN router, dataplane driver and REST API on one event
/// loop, plus the process lifecycle (signals, sd_notify, watchdog). See docs/architecture.md.
public final class Daemon: @unchecked Sendable {
    /// The configuration in force (replaced on SIGHUP; loop only).
    var configuration: DaemonConfiguration
    let configurationPath: String
    let logSink: LogSink
    let logger = Logger(label: "bagpipe-bgp")
    let notifier: SystemdNotifier
    let loop: EventLoop
    let startTime = Date()

    // Built by `start()`, then used on the loop only.
    var speaker: BGPSpeaker!
    var router: EVPNRouter!
    var dataplane: DataplaneExecutor!
    var httpServer: HTTPServer!
    var apiHandler: BagpipeAPIHandler!
    var attachmentStore: AttachmentStore?
    /// Restored attachments awaiting their clients' re-post (loop only; `Daemon+Resync`).
    var resync = ClientResync(window: nil)
    var resyncTimer: LoopTimer?
    var waitingRetryTimer: LoopTimer?
    private var signalSources: [DispatchSourceSignal] = []
    /// Set by SIGTERM/SIGINT: from then on the kernel state is left as it is (sessions going down
    /// must not empty the FDB, so that a restart does not cut traffic).
    private(set) var shuttingDown = false
    /// Peers that announced no graceful restart (so may send no End-of-RIB), with the time from
    /// which their current session counts as synchronised (loop only).
    var settledWithoutEndOfRIB: [IPAddress: DispatchTime] = [:]
    /// Every restored instance was found in the kernel at start-up: the F bit of our graceful
    /// restart capability (RFC 4724 §3).
    private(set) var forwardingStatePreserved = false
    /// Per peer with stale routes (graceful restart): the restart or stale-path timer (loop only).
    var staleRouteTimers: [IPAddress: LoopTimer] = [:]

    public init(configuration: DaemonConfiguration, configurationPath: String, logSink: LogSink,
                environment: [String: String]) {
        self.configuration = configuration
        self.configurationPath = configurationPath
        self.logSink = logSink
        notifier = SystemdNotifier(environment: environment)
        // The label names the loop in logs; creating a loop in the process's namespace cannot fail.
        loop = try! EventLoop(label: "swift-bagpipe.loop")
    }

    /// Builds and starts every part; throws if the dataplane, the BGP listener or the REST API
    /// cannot be set up. Returns once the API accepts requests.
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        raiseFileDescriptorLimit()
        let driver = try DataplaneCleanup.makeDriver(configuration)
        var startError: Error?
        loop.queue.sync {
            do { try startOnLoop(driver: driver) } catch { startError = error }
        }
        if let startError { throw startError }
    }

    private func startOnLoop(driver: DataplaneDriver) throws {
        dataplane = DataplaneExecutor(driver: driver, loop: loop, logger: Logger(label: "bagpipe-bgp.dataplane"))
        router = EVPNRouter(configuration: routerConfiguration(), output: self, logger: Logger(label: "bagpipe-bgp.evpn"))
        if let linux = driver as? LocalMACSource {
            linux.setLocalMACHandler { [loop] event in
                loop.execute { self.router.handle(event) }
            }
            let dataplaneLogger = Logger(label: "bagpipe-bgp.dataplane")
            linux.setLocalMACWarningHandler { dataplaneLogger.warning("\($0)") }
        }
        restoreAttachments()
        speaker = BGPSpeaker(loop: loop, configuration: speakerConfiguration(), delegate: self,
                             logger: Logger(label: "bagpipe-bgp.bgp"))
        apiHandler = BagpipeAPIHandler(service: self, logger: Logger(label: "bagpipe-bgp.api"))
        httpServer = try HTTPServer(loop: loop, host: configuration.apiHost, port: configuration.apiPort) { [apiHandler] request in
            apiHandler!.respond(to: request)
        }
        try speaker.start(peers: peerConfigurations())
        installSignalHandlers()
        startWatchdog()
        let status = "REST API on \(configuration.apiHost):\(configuration.apiPort), \(configuration.peers.count) peer(s)"
        logger.info("swift-bagpipe \(swiftBagpipeVersion) started: \(status), dataplane \(driver.name)")
        notifier.notify("READY=1\nSTATUS=\(status)")
    }

    /// The REST API accepts up to 2048 connections besides the BGP sessions and netlink sockets:
    /// lift the soft descriptor limit (often 1024) to the hard one.
    private func raiseFileDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.warning("cannot raise the open file limit: \(String(cString: strerror(errno)))")
        }
    }

    /// Runs the event loop until a signal ends the process.
    public func runForever() -> Never {
        dispatchMain()
    }

    /// Plugs again what the state file remembers, then lets the driver adopt the devices a
    /// previous run left for those instances (and remove only its leftovers of others), so that
    /// traffic keeps flowing across a restart. A state file that could not be read leaves every
    /// device alone until clients have re-synced.
    private func restoreAttachments() {
        resync = ClientResync(window: configuration.resyncWindow)
        let reconcileNow = restoreFromStateFile()
        let wanted = wantedInstances()
        let leftInPlace = dataplane.synchronously { $0.instancesLeftByPreviousRun() }
        forwardingStatePreserved = !wanted.isEmpty && wanted.allSatisfy { leftInPlace.contains($0.externalID) }
        if configuration.gracefulRestartTime != nil {
            let state = forwardingStatePreserved ? "preserved" : "not preserved"
            logger.notice("graceful restart: forwarding state \(state) (\(leftInPlace.count) instance(s) left by the previous run, \(wanted.count) restored)")
        }
        if reconcileNow {
            reconcileDataplane()
        } else {
            logger.warning("\(leftInPlace.count) instance(s) left by the previous run kept as they are until clients re-sync")
        }
    }

    func wantedInstances() -> [InstanceSpec] {
        router.instanceSnapshots().map {
            InstanceSpec(externalID: $0.externalID, vni: $0.vni, existingBridge: $0.linuxBridge)
        }
    }

    /// Lets the driver adopt the devices of the instances we have and remove our other ones (before
    /// the API and the sessions start); then sweeps the stale entries once peers have sent their
    /// routes again.
    private func reconcileDataplane() {
        for failure in dataplane.synchronously({ [wanted = wantedInstances()] in $0.reconcile(wanted: wanted) }) {
            logger.error("dataplane reconcile: \(failure)")
        }
        if router.summary().instances > 0 { scheduleStaleEntrySweep() }
    }

    /// After a restart the adopted devices still hold the remote entries of the previous run. Once
    /// every configured peer has sent its EVPN End-of-RIB (RFC 4724 §2) — a peer that did not
    /// announce graceful restart may never send one (GoBGP without GR does not), so for it
    /// `settleTimeWithoutEndOfRIB` seconds of session count instead — or at the latest after
    /// `staleEntryDeadline` seconds, what the routes no longer ask for is removed.
    func scheduleStaleEntrySweep() {
        let deadline = DispatchTime.now() + Self.staleEntryDeadline
        var timer: LoopTimer?
        timer = loop.scheduleTimer(after: 1, repeating: 1) { [unowned self] in
            let now = DispatchTime.now()
            let synced = router.peerSnapshots().filter { peer in
                peer.receivedEndOfRIB.contains(.l2vpnEVPN) || settledWithoutEndOfRIB[peer.address].map { now >= $0 } == true
            }.count
            guard synced >= configuration.peers.count || DispatchTime.now() >= deadline else { return }
            timer?.cancel()
            timer = nil
            logger.info("initial sync done (\(synced) of \(configuration.peers.count) peers): removing stale dataplane entries")
            for instance in router.instanceSnapshots() {
                let id = instance.externalID
                let wanted: [DataplaneIntent] =
                    instance.floodList.map { .addFloodEntry(externalID: id, vtep: $0.vtep, vni: $0.vni) }
                    + instance.remoteMACs.map { .setRemoteMAC(externalID: id, mac: $0.mac, vtep: $0.vtep, vni: $0.vni) }
                    + instance.neighbours.map { .setNeighbour(externalID: id, ip: $0.ip, mac: $0.mac) }
                dataplane.perform { $0.removeStaleEntries(externalID: id, keeping: wanted) }
            }
        }
    }

    /// How long after start the stale-entry sweep waits at most for End-of-RIB from every peer.
    static let staleEntryDeadline: Double = 120
    /// How long a session with a peer that announced no graceful restart must have lasted for its
    /// routes to count as learnt.
    static let settleTimeWithoutEndOfRIB: Double = 10

    func routerConfiguration() -> EVPNRouterConfiguration {
        var router = EVPNRouterConfiguration(localAS: configuration.myAS, routerID: configuration.routerID,
                                             bgpLocalAddress: .v4(configuration.localAddress),
                                             dataplaneLocalAddress: .v4(configuration.dataplaneLocalAddress),
                                             enableRTC: configuration.enableRTC,
                                             routeReflectorClusterID: configuration.routeReflectorClusterID,
                                             macMoveLimit: configuration.duplicateMACMaxMoves == 0 ? nil
                                                 : (configuration.duplicateMACMaxMoves, Double(configuration.duplicateMACTime)))
        if configuration.advertiseLearnedMACs {
            router.learnedMACs = LearnedMACPolicy(perPort: configuration.learnedMACsPerPort,
                                                  perSecond: configuration.learnedMACsPerSecond)
        }
        return router
    }

    func speakerConfiguration() -> SpeakerConfiguration {
        SpeakerConfiguration(localAS: configuration.myAS, routerID: configuration.routerID,
                             listenAddress: configuration.listenAddress,
                             listenPort: configuration.listenAddress == nil ? nil : configuration.listenPort,
                             legacyShiftedVNI: configuration.legacyShiftedVNI,
                             gracefulRestart: configuration.gracefulRestartTime.map {
                                 LocalGracefulRestart(restartTime: $0, forwardingStatePreserved: forwardingStatePreserved)
                             })
    }

    func peerConfigurations() -> [PeerConfiguration] {
        let families: Set<AddressFamily> = configuration.enableRTC ? [.l2vpnEVPN, .routeTargetConstraint] : [.l2vpnEVPN]
        return configuration.peers.map { peer in
            PeerConfiguration(address: peer.address, port: peer.port, localAddress: .v4(configuration.localAddress),
                              peerAS: peer.peerAS, holdTime: peer.holdTime, md5Key: peer.md5Key,
                              ttlSecurityHops: peer.ttlSecurityHops, passive: peer.passive, families: families)
        }
    }

    // MARK: signals

    private func installSignalHandlers() {
        for (number, handler) in [(SIGTERM, shutdown), (SIGINT, shutdown), (SIGHUP, reload)] as [(Int32, () -> Void)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: loop.queue)
            source.setEventHandler(handler: handler)
            source.activate()
            signalSources.append(source)
        }
    }

    /// SIGTERM/SIGINT: tell every peer we are going (Cease, Administrative Shutdown, RFC 8203),
    /// wait for the dataplane to settle, remove our devices if configured, exit 0. With graceful
    /// restart, the sessions just close instead (no withdrawal, no NOTIFICATION): the peers keep
    /// our routes, stale, for the restart time (RFC 4724 §4.2), and traffic to our endpoints goes
    /// on while we restart.
    func shutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        notifier.notify("STOPPING=1\nSTATUS=shutting down")
        httpServer.close()
        if let restartTime = configuration.gracefulRestartTime {
            logger.notice("shutting down for a graceful restart: peers keep our routes for \(restartTime) s")
            dataplane.whenIdle { [self] in
                attachmentStore?.flush()
                logger.notice("stopped")
                exit(0)
            }
            return
        }
        logger.notice("shutting down")
        withdrawEverything()
        speaker.shutdown(communication: "swift-bagpipe shutting down") { [self] in
            dataplane.whenIdle { [self] in
                if configuration.cleanupDataplaneOnShutdown {
                    let failures = dataplane.synchronously { $0.removeAll() }
                    for failure in failures { logger.error("cleanup: \(failure)") }
                }
                attachmentStore?.flush()
                logger.notice("stopped")
                exit(0)
            }
        }
    }

    /// Withdraws every route each established peer has from us (EVPN first, then RT membership)
    /// so that the network forgets them at once, whatever the peer does with the Cease that follows.
    private func withdrawEverything() {
        for peer in router.peerSnapshots() {
            let updates = router.withdrawalOfEverything(to: peer.address)
            send(updates, to: peer.address)
            let count = updates.reduce(0) { count, update in
                if case .withdraw(_, let nlri) = update { count + nlri.count } else { count }
            }
            logger.info("withdrew \(count) route(s) from \(peer.address)")
        }
    }

    /// SIGHUP: reopen the log file (logrotate), re-read the configuration file and apply the new
    /// peer list without a restart.
    /// Other changes need a restart and are reported as such.
    func reload() {
        logSink.reopen()
        logger.notice("SIGHUP: reloading peers from \(configurationPath)")
        do {
            let fresh = try DaemonConfiguration.load(path: configurationPath)
            for warning in fresh.warnings { logger.warning("\(warning)") }
            var comparable = fresh
            comparable.peers = configuration.peers
            comparable.warnings = configuration.warnings
            if comparable != configuration {
                logger.warning("SIGHUP applies the peer list only; restart to apply the other changes")
            }
            let clientsBefore = Dictionary(configuration.peers.map { ($0.address, $0.routeReflectorClient) }) { $1 }
            for peer in fresh.peers where clientsBefore[peer.address].map({ $0 != peer.routeReflectorClient }) == true {
                logger.warning("SIGHUP: route_reflector_clients change for \(peer.address) applies when its session restarts")
            }
            configuration.peers = fresh.peers
        } catch {
            logger.error("SIGHUP: configuration not reloaded: \(error)")
            return
        }
        do {
            try speaker.setPeers(peerConfigurations())
            dropStaleRoutesOfRemovedPeers()
            logger.notice("peers now: \(configuration.peers.map { $0.address.description }.joined(separator: ", "))")
        } catch {
            logger.error("SIGHUP: new peer list applied, but: \(error)")
        }
    }

    private func startWatchdog() {
        guard let interval = notifier.watchdogInterval else { return }
        loop.scheduleTimer(after: interval, repeating: interval) { [notifier] in
            notifier.notify("WATCHDOG=1")
        }
    }
}

/// A driver that learns MACs on local ports (the Linux driver).
protocol LocalMACSource: AnyObject {
    func setLocalMACHandler(_ handler: @escaping @Sendable (LocalMACEvent) -> Void)
    /// Lost neighbour events (and how the resynchronisation went), to be logged.
    func setLocalMACWarningHandler(_ handler: @escaping @Sendable (String) -> Void)
}
