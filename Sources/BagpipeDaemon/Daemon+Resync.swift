import BagpipeAPI
import EVPN
import Logging
import NetAddress
import OrderedJSON

/// After a restart: attachments restored from the state file (kept forwarding, provisional until a
/// client re-posts them, `ClientResync`), those waiting for their interface, and the re-sync window.
extension Daemon {
    /// How often the attachments waiting for their interface look for it.
    static let waitingRetryInterval: Double = 1

    /// Plugs again what the state file remembers. Returns false when the devices the previous run
    /// left must not be reconciled yet: the file was unreadable, so the wanted set is unknown until
    /// clients re-sync.
    func restoreFromStateFile() -> Bool {
        guard let path = configuration.stateFile else { return true }
        let store = AttachmentStore(path: path, logger: Logger(label: "bagpipe-bgp.state")) { [loop] work in
            loop.execute(work)
        }
        attachmentStore = store
        let stored: [JSONObject]
        switch store.load() {
        case .requests(let requests):
            stored = requests
        case .setAside:
            resync.deferReconcile()
            return false
        }
        store.isRestoring = true
        defer { store.isRestoring = false }
        var waiting = 0
        for body in stored {
            do {
                let request = try BagpipeAPI.AttachRequest(parameters: body, supportedTypes: supportedVPNTypes)
                if let port = request.localPort.linuxInterface, !dataplane.driver.portExists(port) {
                    store.keepWaiting(request, sequence: store.storedSequence(in: body))
                    waiting += 1
                } else {
                    try plug(request, restoredSequence: store.storedSequence(in: body))
                }
                resync.restored(AttachmentStore.Key(request))
            } catch {
                logger.error("stored attachment not restored: \(error) (\(JSONValue.object(body).serialized(.compact)))")
            }
        }
        if !stored.isEmpty {
            let provisional = resync.window.map { ", provisional until clients re-post them (re-sync window \(Int($0)) s)" } ?? ""
            logger.notice("restored \(stored.count - waiting) attachment(s) from \(path)\(provisional)")
        }
        if waiting > 0 {
            logger.warning("\(waiting) stored attachment(s) wait for their interface; kept in \(path), plugged when it appears")
            retryWaitingAttachments()
        }
        return true
    }

    /// Plugs the waiting attachments whose interface exists now; polls until none waits.
    private func retryWaitingAttachments() {
        waitingRetryTimer = loop.scheduleTimer(after: Self.waitingRetryInterval, repeating: Self.waitingRetryInterval) { [unowned self] in
            guard let store = attachmentStore else { return }
            for (key, request) in store.waiting.sorted(by: { $0.key.mac < $1.key.mac }) {
                guard let port = request.localPort.linuxInterface, dataplane.driver.portExists(port) else { continue }
                do {
                    try plug(request, restoredSequence: store.sequence(of: key))
                    logger.notice("stored attachment \(key.instanceID) \(key.mac) plugged: interface \(port) appeared")
                } catch {
                    logger.error("stored attachment \(key.instanceID) \(key.mac) dropped: \(error)")
                    store.detached(instanceID: key.instanceID, mac: key.mac, ip: key.ip)
                    resync.forget { $0 == key }
                }
            }
            if store.waiting.isEmpty {
                waitingRetryTimer?.cancel()
                waitingRetryTimer = nil
            }
        }
    }

    /// A client request: after a bad state file, the first one opens the re-sync window.
    func clientRequestArrived() {
        if resync.requestArrived() { openResyncWindow() }
    }

    /// A client re-posted or replaced these attachments: the first such attach of a restored one
    /// opens the re-sync window.
    func clientReposted(_ keys: [AttachmentStore.Key]) {
        if resync.reposted(keys) { openResyncWindow() }
    }

    private func openResyncWindow() {
        guard let window = resync.window else { return }
        logger.notice("clients are re-syncing: attachments restored and not re-posted within \(Int(window)) s will be detached")
        resyncTimer = loop.scheduleTimer(after: window) { [unowned self] in closeResyncWindow() }
    }

    /// Detaches the restored attachments nobody re-posted (routes withdrawn, ports unplugged), then
    /// reconciles the devices if a bad state file had deferred it.
    func closeResyncWindow() {
        resyncTimer = nil
        let (unconfirmed, reconcile) = resync.close()
        for key in unconfirmed {
            do {
                if attachmentStore?.waiting[key] == nil {
                    try router.detach(EVPN.DetachRequest(instanceID: key.instanceID, mac: key.mac, ip: key.ip))
                }
            } catch {
                logger.error("re-sync: detaching \(key.instanceID) \(key.mac) \(key.ip?.description ?? ""): \(error)")
            }
            attachmentStore?.detached(instanceID: key.instanceID, mac: key.mac, ip: key.ip)
        }
        logger.notice("re-sync window closed: \(unconfirmed.count) restored attachment(s) not re-posted, detached")
        if reconcile {
            logger.notice("re-sync window closed: reconciling the devices left by the previous run with the re-posted attachments")
            let wanted = wantedInstances()
            dataplane.perform { $0.reconcile(wanted: wanted) }
            if !wanted.isEmpty { scheduleStaleEntrySweep() }
        }
    }

    /// Forgets a detached endpoint everywhere it is remembered (every IP of the MAC for a nil `ip`).
    func forgetAttachment(instanceID: String, mac: MACAddress, ip: IPPrefix?) {
        attachmentStore?.detached(instanceID: instanceID, mac: mac, ip: ip)
        resync.forget { $0.isDetached(by: instanceID, mac: mac, ip: ip) }
    }

    /// Attaches; when the router refuses because of provisional attachments in the way (the
    /// port was re-created with a new MAC while we were down, …), detaches those and tries again.
    /// Returns the provisional attachments it replaced.
    @discardableResult
    func attachReplacingProvisional(_ attachment: EVPN.AttachRequest) throws -> [AttachmentStore.Key] {
        do {
            try router.attach(attachment)
            return []
        } catch let error as EVPNError {
            let displaced = provisionalEndpoints(inTheWayOf: error, instanceID: attachment.instanceID)
            guard !displaced.isEmpty else { throw error }
            for key in displaced {
                try router.detach(EVPN.DetachRequest(instanceID: key.instanceID, mac: key.mac, ip: key.ip))
                forgetAttachment(instanceID: key.instanceID, mac: key.mac, ip: key.ip)
                let endpoint = "\(key.instanceID) \(key.mac) \(key.ip?.description ?? "(MAC only)")"
                logger.notice("re-sync: provisional \(endpoint) replaced by a conflicting re-attach (\(error))")
            }
            try router.attach(attachment)
            return displaced
        }
    }

    /// The endpoints that cause `error`, if every one of them is provisional (else none: a
    /// confirmed attachment is never displaced).
    private func provisionalEndpoints(inTheWayOf error: EVPNError, instanceID: String) -> [AttachmentStore.Key] {
        let endpoints: [AttachmentStore.Key]
        switch error {
        case .ipBoundToAnotherMAC(let ip, _, let boundMACs):
            endpoints = boundMACs.map { AttachmentStore.Key(instanceID: instanceID, mac: $0, ip: ip) }
        case .macOnAnotherPort(let mac, _, _):
            endpoints = attachedEndpoints(of: instanceID).filter { $0.mac == mac }
        case .duplicateVNI(let vni):
            let holder = router.instanceSnapshots().first { $0.vni == vni }?.externalID
            endpoints = holder.map(attachedEndpoints(of:)) ?? []
        default:
            endpoints = []
        }
        return endpoints.allSatisfy(resync.isProvisional) ? endpoints : []
    }

    private func attachedEndpoints(of instanceID: String) -> [AttachmentStore.Key] {
        (router.instanceSnapshot(instanceID)?.endpoints ?? []).filter { !$0.isLearned }.map {
            AttachmentStore.Key(instanceID: instanceID, mac: $0.mac, ip: $0.ip)
        }
    }
}
