@testable import BagpipeDaemon
@testable import BGPSpeaker
import BGPWire
import Dataplane
import Dispatch
import EVPN
import Foundation
import NetAddress
import Testing

/// The daemon's side of graceful restart (Daemon+BGP.swift): the speaker's session events reach the
/// router with the families to keep, and the restart timer deletes the stale routes when it runs out.
@Suite struct GracefulRestartTimerTests {
    final class Recorder: EVPNOutput {
        var intents: [DataplaneIntent] = []
        func apply(_ intents: [DataplaneIntent]) { self.intents += intents }
        func send(_ updates: [RouteUpdate], to peer: IPAddress) {}
    }

    static let peer = IPAddress("198.51.100.1")!
    static let mac = MACAddress("52:54:00:00:00:0b")!

    /// A daemon with no I/O started: its router (output recorded instead of the dataplane and the
    /// sessions) holds one instance.
    private func makeDaemon() throws -> (Daemon, Recorder) {
        let ini = try INIFile(parsing: """
            [BGP]
            local_address = 198.51.100.11
            peers = 198.51.100.1
            my_as = 64512
            [DATAPLANE_DRIVER_EVPN]
            dataplane_driver = dummy
            """, path: "bgp.conf")
        let configuration = try DaemonConfiguration(ini: ini, interfaceAddress: { _ in nil })
        let daemon = Daemon(configuration: configuration, configurationPath: "/dev/null",
                            logSink: try LogSink(environment: [:], logFile: "/dev/null"), environment: [:])
        let recorder = Recorder()
        try daemon.loop.queue.sync {
            daemon.router = EVPNRouter(configuration: daemon.routerConfiguration(), output: recorder)
            try daemon.router.attach(AttachRequest(instanceID: "red", mac: MACAddress("52:54:00:00:00:01")!,
                                                   importRouteTargets: [RouteTarget("64512:80")!],
                                                   exportRouteTargets: [RouteTarget("64512:80")!], localPort: "tap0"))
        }
        return (daemon, recorder)
    }

    /// An established session with a peer announcing graceful restart for EVPN, `restartTime` seconds.
    private func session(restartTime: UInt16) -> EstablishedSession {
        let capability = GracefulRestartCapability(restartTime: restartTime, families: [
            .init(family: .l2vpnEVPN, forwardingStatePreserved: false)])
        let negotiated = NegotiatedSession(
            peerAS: 64512, peerRouterID: IPv4Address(198, 51, 100, 1), holdTime: 9, families: [.l2vpnEVPN],
            isInternal: true, context: CodecContext(), peerSupportsRouteRefresh: true,
            peerGracefulRestart: capability, peerCapabilities: [.gracefulRestart(capability)])
        return EstablishedSession(peer: Self.peer, localAddress: IPAddress("198.51.100.11")!, negotiated: negotiated)
    }

    private var announcement: UpdateMessage {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        attributes.extendedCommunities = [.encapsulation(.vxlan), .routeTarget(RouteTarget("64512:80")!)]
        let route = MACIPAdvertisementRoute(routeDistinguisher: RouteDistinguisher("198.51.100.12:1")!, esi: .zero,
                                            mac: Self.mac, ip: nil, label1: 5000)
        attributes.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [IPAddress("198.51.100.12")!],
                                     nlri: [.evpn(.macIPAdvertisement(route))])
        return UpdateMessage(attributes: attributes)
    }

    private func removed(_ recorder: Recorder) -> Bool {
        recorder.intents.contains { if case .removeRemoteMAC(_, let mac, _, _) = $0 { mac == Self.mac } else { false } }
    }

    @Test func aLostSessionKeepsTheRoutesUntilTheRestartTimeRunsOut() async throws {
        let (daemon, recorder) = try makeDaemon()
        let ended = session(restartTime: 1)
        daemon.loop.queue.sync {
            daemon.sessionEstablished(ended)
            daemon.received(announcement, from: Self.peer)
            daemon.sessionDown(ended, reason: .connectionLost("connection closed by peer"))
        }
        #expect(daemon.loop.queue.sync { daemon.router.staleRouteCount(of: Self.peer) } == 1)
        #expect(daemon.loop.queue.sync { daemon.staleRouteTimers[Self.peer] != nil })
        #expect(daemon.loop.queue.sync { removed(recorder) } == false)
        let deadline = Date().addingTimeInterval(10)
        while daemon.loop.queue.sync(execute: { daemon.router.staleRouteCount(of: Self.peer) }) > 0 && Date() < deadline {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(daemon.loop.queue.sync { removed(recorder) })
        #expect(daemon.loop.queue.sync { daemon.staleRouteTimers[Self.peer] == nil })
    }

    @Test func aNotificationEndsTheRoutesAtOnce() throws {
        let (daemon, recorder) = try makeDaemon()
        let ended = session(restartTime: 120)
        daemon.loop.queue.sync {
            daemon.sessionEstablished(ended)
            daemon.received(announcement, from: Self.peer)
            daemon.sessionDown(ended, reason: .notificationReceived(.cease(.administrativeReset)))
        }
        #expect(daemon.loop.queue.sync { removed(recorder) })
        #expect(daemon.loop.queue.sync { daemon.staleRouteTimers.isEmpty })
    }

    @Test func aPeerRemovedFromTheConfigurationLosesItsStaleRoutes() throws {
        let (daemon, recorder) = try makeDaemon()
        let ended = session(restartTime: 120)
        daemon.loop.queue.sync {
            daemon.sessionEstablished(ended)
            daemon.received(announcement, from: Self.peer)
            daemon.sessionDown(ended, reason: .holdTimerExpired)
        }
        #expect(daemon.loop.queue.sync { daemon.router.staleRouteCount(of: Self.peer) } == 1)
        daemon.loop.queue.sync {
            daemon.configuration.peers = []
            daemon.dropStaleRoutesOfRemovedPeers()
        }
        #expect(daemon.loop.queue.sync { removed(recorder) })
        #expect(daemon.loop.queue.sync { daemon.staleRouteTimers.isEmpty })
    }
}
