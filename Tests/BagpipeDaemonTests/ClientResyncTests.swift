@testable import BagpipeDaemon
import NetAddress
import Testing

/// The re-sync after a restart: restored attachments stay provisional until a client re-posts
/// them; the window opens with the first re-post of a restored attachment and what is still
/// provisional when it closes is to be detached.
@Suite struct ClientResyncTests {
    private func key(_ mac: String, _ ip: String? = nil) -> AttachmentStore.Key {
        AttachmentStore.Key(instanceID: "blue", mac: MACAddress(mac)!, ip: ip.map { IPPrefix($0)! })
    }

    @Test func theWindowOpensWithTheFirstRepostOfARestoredAttachmentAndListsTheUnconfirmed() {
        var resync = ClientResync(window: 30)
        resync.restored(key("52:54:00:00:00:01", "203.0.113.10/24"))
        resync.restored(key("52:54:00:00:00:02", "203.0.113.11/24"))
        #expect(resync.phase == .waitingForClients)
        let opened1 = resync.reposted([key("52:54:00:00:00:01", "203.0.113.10/24")])
        #expect(opened1)
        #expect(resync.phase == .open)
        #expect(!resync.isProvisional(key("52:54:00:00:00:01", "203.0.113.10/24")))
        #expect(resync.isProvisional(key("52:54:00:00:00:02", "203.0.113.11/24")))
        let opened2 = resync.reposted([key("52:54:00:00:00:01", "203.0.113.10/24")])
        #expect(!opened2)   // opened once
        let (unconfirmed, reconcile) = resync.close()
        #expect(unconfirmed == [key("52:54:00:00:00:02", "203.0.113.11/24")])
        #expect(!reconcile)
        #expect(resync.phase == .closed)
        #expect(resync.provisional.isEmpty)
    }

    /// A node whose clients never re-post (a CNI plugin) but attach new ports after a restart:
    /// the restored attachments are left alone.
    @Test func requestsAboutOtherAttachmentsOpenNoWindow() {
        var resync = ClientResync(window: 30)
        resync.restored(key("52:54:00:00:00:01", "203.0.113.10/24"))
        let opened1 = resync.requestArrived()
        let opened2 = resync.reposted([key("52:54:00:00:00:03", "203.0.113.12/24")])
        #expect(!opened1 && !opened2)
        #expect(resync.phase == .waitingForClients)
        #expect(resync.isProvisional(key("52:54:00:00:00:01", "203.0.113.10/24")))
    }

    @Test func withoutAnythingRestoredNoWindowOpens() {
        var resync = ClientResync(window: 30)
        let opened3 = resync.requestArrived()
        let opened4 = resync.reposted([key("52:54:00:00:00:01")])
        #expect(!opened3 && !opened4)
    }

    @Test func aBadStateFileDefersReconciliationToTheEndOfTheWindow() {
        var resync = ClientResync(window: 30)
        resync.deferReconcile()
        #expect(resync.reconcileDeferred)
        let opened4 = resync.requestArrived()
        #expect(opened4)
        let closed = resync.close()
        #expect(closed.reconcile)
    }

    @Test func anIPEndpointConfirmsTheMACOnlyOneItReplaced() {
        var resync = ClientResync(window: 30)
        resync.restored(key("52:54:00:00:00:01"))
        let opened = resync.reposted([key("52:54:00:00:00:01", "203.0.113.10/24")])
        #expect(opened)
        #expect(resync.provisional.isEmpty)
    }

    @Test func aWindowOfZeroMeansRestoredAttachmentsAreConfirmed() {
        var resync = ClientResync(window: nil)
        resync.restored(key("52:54:00:00:00:01"))
        resync.deferReconcile()
        #expect(!resync.isProvisional(key("52:54:00:00:00:01")))
        let opened5 = resync.requestArrived()
        let opened6 = resync.reposted([key("52:54:00:00:00:01")])
        #expect(!opened5 && !opened6)
        #expect(resync.phase == .closed)
    }

    @Test func detachedEndpointsAreForgotten() {
        var resync = ClientResync(window: 30)
        resync.restored(key("52:54:00:00:00:01", "203.0.113.10/24"))
        resync.restored(key("52:54:00:00:00:01", "203.0.113.11/24"))
        resync.forget { $0.mac == MACAddress("52:54:00:00:00:01")! }
        #expect(resync.provisional.isEmpty)
    }
}
