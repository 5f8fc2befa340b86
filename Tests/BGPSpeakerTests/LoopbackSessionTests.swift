@testable import BGPSpeaker
import BGPWire
import EventLoop
import NetAddress
import Testing

/// Two in-process speakers over loopback (each on its own event loop unless stated).
@Suite struct LoopbackSessionTests {
    @Test func twoSpeakersEstablishExchangeEVPNRoutesAndKeepalives() async throws {
        let a = try await TestSpeaker("a", address: "127.0.0.1", routerID: IPv4Address(10, 0, 0, 1))
        let b = try await TestSpeaker("b", address: "127.0.0.2", routerID: IPv4Address(10, 0, 0, 2))
        try await a.setPeers([b.asPeer(from: a)])
        try await b.setPeers([a.asPeer(from: b, passive: true)])
        try await a.waitEstablished(with: b)
        try await b.waitEstablished(with: a)

        let session = try await a.loop.run { a.delegate.established[0] }
        #expect(session.families == [.l2vpnEVPN, .routeTargetConstraint])
        #expect(session.isInternal && session.peerAS == 64512 && session.peerRouterID == IPv4Address(10, 0, 0, 2))
        #expect(session.negotiated.holdTime == 3 && session.context.fourOctetAS && session.context.extendedMessage)
        #expect(session.localAddress == a.address)

        // Routes both ways, exactly as sent.
        let macIP = Routes.macIP(1, nextHop: "127.0.0.1")
        #expect(try await a.loop.run { a.speaker.send([macIP], to: b.address) && a.speaker.sendEndOfRIB(.l2vpnEVPN, to: b.address) })
        let multicast = Routes.inclusiveMulticast(nextHop: "127.0.0.2")
        #expect(try await b.loop.run { b.speaker.send([multicast], to: a.address) })
        try await b.loop.waitUntil("route at b") { b.delegate.updates.count == 2 }
        try await a.loop.waitUntil("route at a") { a.delegate.updates.count == 1 }
        let atB = try await b.loop.run { b.delegate.updates.map(\.update) }
        #expect(atB[0] == macIP)
        #expect(atB[1].endOfRIBFamily == .l2vpnEVPN)
        #expect(try await a.loop.run { a.delegate.updates[0].update.attributes.pmsiTunnel } == multicast.attributes.pmsiTunnel)

        // Keepalives every hold/3 = 1 s keep the 3 s session up.
        try await b.loop.waitUntil("keepalives", timeout: 8) {
            (b.speaker.peerSnapshots.first?.messagesReceived.keepalives ?? 0) >= 4
        }
        let snapshot = try #require(try await b.snapshot(a.address))
        #expect(snapshot.state == .established && snapshot.previousState == .openConfirm)
        #expect(snapshot.establishedTransitions == 1 && (snapshot.uptime ?? 0) >= 2)
        #expect(snapshot.messagesReceived.updates == 2 && snapshot.messagesSent.updates == 1)
        #expect(snapshot.negotiatedHoldTime == 3 && snapshot.families == [.routeTargetConstraint, .l2vpnEVPN].sorted())
        #expect(try await a.loop.run { a.delegate.downs.isEmpty })

        // Route refresh (RFC 2918) for a negotiated family reaches the other RIB; others are refused.
        #expect(try await a.loop.run { a.speaker.requestRouteRefresh(.l2vpnEVPN, from: b.address) })
        #expect(try await a.loop.run { !a.speaker.requestRouteRefresh(.ipv4Unicast, from: b.address) })
        try await b.loop.waitUntil("route refresh at b") { b.delegate.refreshes.count == 1 }
        #expect(try await b.loop.run { b.delegate.refreshes[0].family } == .l2vpnEVPN)

        try await a.shutdown("maintenance window")
        try await b.loop.waitUntil("b sees the shutdown") { !b.delegate.downs.isEmpty }
        let reason = try await b.loop.run { b.delegate.downs[0].reason }
        #expect(reason.contains("Administrative Shutdown") && reason.contains("maintenance window"))
        try await b.shutdown()
    }

    @Test func ipv6PeersEstablish() async throws {
        let a = try await TestSpeaker("a6", address: "::1", routerID: IPv4Address(10, 0, 0, 1))
        let b = try await TestSpeaker("b6", address: "::1", routerID: IPv4Address(10, 0, 0, 2))
        try await a.setPeers([b.asPeer(from: a)])
        try await b.setPeers([a.asPeer(from: b, passive: true)])
        try await a.waitEstablished(with: b)
        try await b.waitEstablished(with: a)
        try await a.shutdown()
        try await b.shutdown()
    }

    @Test func silentPeerIsDroppedByTheHoldTimer() async throws {
        let a = try await TestSpeaker("hold", address: "127.0.0.4", routerID: IPv4Address(10, 0, 0, 4))
        let peerLoop = try EventLoop(label: "test.silent")
        let silent = RawPeer(loop: peerLoop)
        // The silent peer listens; the speaker connects to it.
        let listener = try await peerLoop.run {
            try TCPListener(loop: peerLoop, address: IPAddress("127.0.0.5"), port: 0) { connection in
                silent.attach(connection)
                silent.send(.open(OpenMessage(myAS: 64512, holdTime: 3, bgpIdentifier: IPv4Address(10, 0, 0, 5),
                                              capabilities: [.multiprotocol(.l2vpnEVPN), .fourOctetAS(64512)])))
                silent.send(.keepalive)   // confirms the speaker's OPEN, then nothing more
            }
        }
        let peer = PeerConfiguration(address: IPAddress("127.0.0.5")!, port: listener.localPort, localAddress: a.address,
                                     peerAS: 64512, holdTime: 3)
        try await a.setPeers([peer])
        try await a.loop.waitUntil("established") { a.delegate.established.count == 1 }
        try await a.loop.waitUntil("hold timer", timeout: 8) { !a.delegate.downs.isEmpty }
        #expect(try await a.loop.run { a.delegate.downs[0].reason }.contains("hold timer expired"))
        try await peerLoop.waitUntil("NOTIFICATION at the silent peer") { !silent.notifications.isEmpty }
        #expect(try await peerLoop.run { silent.notifications } == [NotificationMessage(code: 4, subcode: 0)])
        try await peerLoop.run { listener.close() }
        try await a.shutdown()
    }

    @Test func reconnectsAfterThePeerRestarts() async throws {
        let a = try await TestSpeaker("r-a", address: "127.0.0.6", routerID: IPv4Address(10, 0, 0, 6))
        var b = try await TestSpeaker("r-b", address: "127.0.0.7", routerID: IPv4Address(10, 0, 0, 7))
        let port = b.port
        try await a.setPeers([b.asPeer(from: a)])
        try await b.setPeers([a.asPeer(from: b, passive: true)])
        try await a.waitEstablished(with: b)

        try await b.shutdown("restarting")
        try await a.loop.waitUntil("down") { a.delegate.downs.count == 1 }
        #expect(try await a.loop.run { a.delegate.downs[0].reason }.contains("restarting"))

        // A new process on the same address and port: the speaker finds it again by itself.
        b = try await TestSpeaker("r-b2", address: "127.0.0.7", routerID: IPv4Address(10, 0, 0, 7), port: port)
        try await b.setPeers([a.asPeer(from: b, passive: true)])
        try await a.waitEstablished(with: b, count: 2)
        #expect(try await a.snapshot(b.address)?.establishedTransitions == 2)
        try await a.shutdown()
        try await b.shutdown()
    }

    @Test func collisionWhenBothConnectAtOnceLeavesOneSession() async throws {
        let loop = try EventLoop(label: "test.collision")
        let a = try await TestSpeaker("c-a", address: "127.0.0.8", routerID: IPv4Address(10, 0, 0, 8), loop: loop)
        let b = try await TestSpeaker("c-b", address: "127.0.0.9", routerID: IPv4Address(10, 0, 0, 9), loop: loop)
        let peerOfA = b.asPeer(from: a), peerOfB = a.asPeer(from: b)
        // Both start in the same turn of the loop: both connect before either accepts.
        try await loop.run {
            try a.speaker.setPeers([peerOfA])
            try b.speaker.setPeers([peerOfB])
        }
        try await a.waitEstablished(with: b)
        try await b.waitEstablished(with: a)
        // Stays up across keepalives, on one and the same connection.
        try await loop.waitUntil("keepalives") { (a.speaker.peerSnapshots[0].messagesReceived.keepalives) >= 3 }
        let atA = try #require(try await a.snapshot(b.address)), atB = try #require(try await b.snapshot(a.address))
        #expect(atA.state == .established && atB.state == .established)
        #expect(atA.establishedTransitions == 1 && atB.establishedTransitions == 1)
        #expect(atA.localPort == atB.remotePort && atA.remotePort == atB.localPort)
        // RFC 4271 §6.8: the connection opened by the higher BGP identifier (b) survives, the other
        // was closed with Cease / Connection Collision Resolution.
        #expect(atA.localPort == a.port)
        #expect(atA.messagesSent.notifications + atB.messagesSent.notifications >= 1)
        try await a.shutdown(loopIsShared: true)
        try await b.shutdown()
    }

    @Test func gtsmPeersEstablishAndAPeerSendingTTL64IsDropped() async throws {
        let a = try await TestSpeaker("gtsm-a", address: "127.0.0.16", routerID: IPv4Address(10, 0, 0, 16))
        let b = try await TestSpeaker("gtsm-b", address: "127.0.0.17", routerID: IPv4Address(10, 0, 0, 17))
        let c = try await TestSpeaker("gtsm-c", address: "127.0.0.18", routerID: IPv4Address(10, 0, 0, 18))
        var bAtA = b.asPeer(from: a, passive: true), cAtA = c.asPeer(from: a, passive: true), aAtB = a.asPeer(from: b)
        bAtA.ttlSecurityHops = 1
        cAtA.ttlSecurityHops = 1
        aAtB.ttlSecurityHops = 1
        try await a.setPeers([bAtA, cAtA])
        try await b.setPeers([aAtB])
        try await c.setPeers([a.asPeer(from: c)])   // c sends with the default TTL 64
        try await a.waitEstablished(with: b)
        try await c.loop.waitUntil("c gave up one attempt", timeout: 15) {
            (c.speaker.peerSnapshots.first?.lastError ?? "").contains("no connection within")
        }
        #expect(try await a.snapshot(c.address)?.state == .active)
        for speaker in [a, b, c] { try await speaker.shutdown() }
    }

    @Test func onlyConfiguredPeersAreAccepted() async throws {
        let a = try await TestSpeaker("acl", address: "127.0.0.10", routerID: IPv4Address(10, 0, 0, 10))
        try await a.setPeers([PeerConfiguration(address: IPAddress("127.0.0.11")!, peerAS: 64512, passive: true)])
        let loop = try EventLoop(label: "test.stranger")
        let stranger = RawPeer(loop: loop)
        try await loop.run { try stranger.connect(from: IPAddress("127.0.0.12")!, to: a.address, port: a.port) }
        try await loop.waitUntil("closed at once") { stranger.closed }
        #expect(try await loop.run { stranger.messages.isEmpty && stranger.connectError == nil })
        #expect(try await a.snapshot(IPAddress("127.0.0.11")!)?.state == .active)
        try await a.shutdown()
    }

    @Test func md5RightKeyEstablishesWrongKeyDoesNotAndTheSpeakerKeepsRunning() async throws {
        let a = try await TestSpeaker("md5-a", address: "127.0.0.13", routerID: IPv4Address(10, 0, 0, 13))
        let b = try await TestSpeaker("md5-b", address: "127.0.0.14", routerID: IPv4Address(10, 0, 0, 14))
        let c = try await TestSpeaker("md5-c", address: "127.0.0.15", routerID: IPv4Address(10, 0, 0, 15))
        try await a.setPeers([b.asPeer(from: a, passive: true, md5Key: "right"), c.asPeer(from: a, passive: true, md5Key: "right")])
        try await b.setPeers([a.asPeer(from: b, md5Key: "right")])
        try await c.setPeers([a.asPeer(from: c, md5Key: "wrong")])
        try await a.waitEstablished(with: b)
        // c's SYNs are dropped by the kernel: it keeps trying (Connect) and never gets a session.
        try await c.loop.waitUntil("c retried", timeout: 15) {
            (c.speaker.peerSnapshots.first?.lastError ?? "").contains("no connection within")
        }
        #expect(try await a.snapshot(c.address)?.state == .active)
        #expect(try await a.loop.run { a.delegate.established.map(\.peer) } == [b.address])
        #expect(try await a.snapshot(b.address)?.state == .established)
        for speaker in [a, b, c] { try await speaker.shutdown() }
    }
}
