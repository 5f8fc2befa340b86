import BGPWire
@testable import EVPN
import NetAddress
import Testing

/// A peer whose session cannot take more is paused: its changes wait in its outbox, coalesced,
/// and go out a chunk at a time once it is resumed.
@Suite struct OutputPacingTests {
    let harness = Harness {
        $0.routeReflectorClusterID = IPv4Address("198.51.100.11")
        $0.outboxChunk = 10
    }
    let clientA = "198.51.100.21", clientB = "198.51.100.22"
    let routes = (0..<25).map { Routes.macIP(rd: "198.51.100.21:1", mac: "52:54:00:00:01:\(String($0 + 16, radix: 16))") }

    init() {
        harness.peerUp(clientA, client: true)
        harness.peerUp(clientB, client: true)
        harness.output.forget()
    }

    private func sentToB() -> (announced: [NLRI], withdrawn: [NLRI]) {
        (harness.announced(to: clientB).map(\.nlri), harness.withdrawn(to: clientB))
    }

    @Test func aPausedPeerGetsCoalescedChangesChunkByChunk() {
        harness.router.pauseOutput(to: ip(clientB))
        harness.receive(Routes.announce(routes, nextHop: clientA), from: clientA)
        harness.receive(Routes.withdraw(Array(routes.prefix(5))), from: clientA)
        #expect(harness.updates(to: clientB).isEmpty)
        #expect(harness.announced(to: clientA).isEmpty)   // never reflected back to its source

        // A write queue that fills at every chunk: one chunk per resume.
        harness.output.afterSend = { [router = harness.router] peer in router.pauseOutput(to: peer) }
        harness.router.resumeOutput(to: ip(clientB))
        #expect(sentToB().announced.count + sentToB().withdrawn.count == 10)
        harness.router.resumeOutput(to: ip(clientB))
        #expect(sentToB().announced.count + sentToB().withdrawn.count == 20)
        harness.router.resumeOutput(to: ip(clientB))
        // The five routes withdrawn while B was paused are withdrawn, not announced then withdrawn.
        #expect(Set(sentToB().announced) == Set(routes.dropFirst(5).map(NLRI.evpn)))
        #expect(sentToB().announced.count == 20)
        #expect(Set(sentToB().withdrawn) == Set(routes.prefix(5).map(NLRI.evpn)))
        let sentBefore = harness.updates(to: clientB).count
        harness.router.resumeOutput(to: ip(clientB))
        #expect(harness.updates(to: clientB).count == sentBefore)
    }

    @Test func anUnpausedPeerGetsEverythingAtOnceInChunks() {
        harness.receive(Routes.announce(routes, nextHop: clientA), from: clientA)
        #expect(Set(sentToB().announced) == Set(routes.map(NLRI.evpn)))
        // 25 changes in chunks of 10: three sends, each of one UPDATE group.
        #expect(harness.updates(to: clientB).count == 3)
    }
}
