/// The client re-sync after a restart, as graceful restart treats stale routes (RFC 4724 §4.2):
/// attachments restored from the state file keep forwarding but are *provisional* until a client
/// re-posts them. BaGPipe's clients re-post every attachment when `/ping` changes; the first
/// attach that re-posts or replaces a restored attachment shows that a client re-syncs and opens
/// the re-sync window, and when it closes the provisional attachments nobody re-posted are
/// detached. Other requests open nothing: on a node whose clients never re-post (a CNI plugin),
/// new attachments and detaches after a restart leave the other restored ones alone. A re-post
/// that conflicts with a provisional attachment (same IP with a new MAC, same MAC on a new port,
/// its pinned VNI) replaces it.
///
/// A pure state holder; the daemon (`Daemon+Resync`) does the detaching and owns the timer.
struct ClientResync {
    enum Phase: Equatable {
        /// No client has re-posted a restored attachment since start: provisional attachments wait
        /// (for ever if no client ever re-syncs, e.g. a node whose clients never re-post).
        case waitingForClients
        /// A client is re-syncing; the window closes `seconds` after it opened.
        case open
        /// Over (or there was nothing to re-sync).
        case closed
    }

    /// Seconds from the first request to the end of the window; nil: restored attachments are
    /// confirmed at once (no re-sync).
    let window: Double?
    private(set) var phase: Phase
    private(set) var provisional: Set<AttachmentStore.Key> = []
    /// The state file was set aside: the devices of the previous run are reconciled only once
    /// clients have re-synced.
    private(set) var reconcileDeferred = false

    init(window: Double?) {
        self.window = window
        phase = window == nil ? .closed : .waitingForClients
    }

    /// An attachment restored from the state file (plugged or waiting for its interface).
    mutating func restored(_ key: AttachmentStore.Key) {
        guard window != nil else { return }
        provisional.insert(key)
    }

    /// The previous run's devices must not be touched before clients re-sync (bad state file).
    mutating func deferReconcile() {
        guard window != nil else { return }
        reconcileDeferred = true
    }

    /// A request arrived from a client. Only after a bad state file (nothing is known to be
    /// provisional) does any request show that clients re-sync: true when it opens the window (the
    /// caller starts the timer).
    mutating func requestArrived() -> Bool {
        reconcileDeferred && openIfWaiting()
    }

    func isProvisional(_ key: AttachmentStore.Key) -> Bool { provisional.contains(key) }

    /// A client re-posted or replaced these attachments: those restored are no longer provisional (a MAC-only endpoint also when an IP endpoint of the same MAC replaced it in the
    /// router). True when this opens the window: the first sign that a client re-syncs.
    mutating func reposted(_ keys: [AttachmentStore.Key]) -> Bool {
        var touchedRestored = false
        for key in keys {
            if provisional.remove(key) != nil { touchedRestored = true }
            if key.ip != nil,
               provisional.remove(AttachmentStore.Key(instanceID: key.instanceID, mac: key.mac, ip: nil)) != nil {
                touchedRestored = true
            }
        }
        return touchedRestored && openIfWaiting()
    }

    private mutating func openIfWaiting() -> Bool {
        guard phase == .waitingForClients else { return false }
        phase = .open
        return true
    }

    /// Forgets keys that were detached.
    mutating func forget(where detached: (AttachmentStore.Key) -> Bool) {
        provisional = provisional.filter { !detached($0) }
    }

    /// Closes the window: returns what is still provisional (to detach) and whether the deferred
    /// reconciliation is due now.
    mutating func close() -> (unconfirmed: [AttachmentStore.Key], reconcile: Bool) {
        defer {
            phase = .closed
            provisional = []
            reconcileDeferred = false
        }
        let unconfirmed = provisional.sorted {
            ($0.instanceID, $0.mac, $0.ip?.description ?? "") < ($1.instanceID, $1.mac, $1.ip?.description ?? "")
        }
        return (unconfirmed, reconcileDeferred)
    }
}
