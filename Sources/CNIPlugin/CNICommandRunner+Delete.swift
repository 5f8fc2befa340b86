/// DEL and GC: detach from the daemon, delete the veth, release the IPAM lease.
extension CNICommandRunner {
    /// Idempotent: works when the namespace is gone, when the daemon no longer has the attachment,
    /// and a second time. The attachment is found in the daemon's looking glass by its key, not
    /// through the namespace; also among the restored attachments that wait for their interface,
    /// by the host end's name (a DEL retried after the daemon restarted without the veth). When the
    /// daemon does not answer, the veth is still deleted but the lease is kept (its addresses may
    /// still be advertised) and error 11 asks for a retry.
    func delete() throws(CNIError) {
        let endpoints: [(key: AttachmentKey, endpoint: DaemonEndpoint)]
        let waiting: [DaemonEndpoint]
        do {
            endpoints = try networkEndpoints()
            waiting = try daemonCall("looking glass") { () throws(DaemonClient.Failure) in
                try daemon.waitingEndpoints(instance: config.instanceID)
            }.filter { $0.port == key.hostInterfaceName }
        } catch {
            try deleteVeth(of: key)
            throw error
        }
        let ours = endpoints.filter { $0.key == key }.map(\.endpoint) + waiting
        try release(key, endpoints: ours, overrides: [:])
    }

    /// GC (spec 1.1): releases every attachment of this network the plugin made (found by the
    /// description of its endpoints) whose key is not in `cni.dev/valid-attachments`. The IPAM
    /// plugin is asked to DEL each one's lease, and to GC as well when it speaks 1.1.0.
    func collectGarbage() throws(CNIError) {
        guard let valid = config.validAttachments else {
            throw CNIError.config("cni.dev/valid-attachments", "missing (GC needs the attachments to keep)")
        }
        let keep = Set(valid)
        let endpoints = try networkEndpoints()
        var stale: [AttachmentKey] = []
        for (key, _) in endpoints where !keep.contains(key) && !stale.contains(key) { stale.append(key) }
        var firstFailure: CNIError?
        for key in stale {
            do {
                try release(key, endpoints: endpoints.filter { $0.key == key }.map(\.endpoint),
                            overrides: ["CNI_CONTAINERID": key.containerID, "CNI_IFNAME": key.interfaceName, "CNI_NETNS": ""])
            } catch {
                firstFailure = firstFailure ?? error
            }
        }
        if let firstFailure { throw firstFailure }
        if let ipam = try ipamPlugin(), try ipam.supportedVersions(environment: variables).contains(CNIVersion.v1_1_0.rawValue) {
            try ipam.run(.gc, config: config, environment: variables)
        }
    }

    /// Detaches `endpoints`, deletes `key`'s veth, then releases the lease (with the IPAM plugin's
    /// environment changed by `overrides`) — only once the daemon has let go of the addresses.
    private func release(_ key: AttachmentKey, endpoints: [DaemonEndpoint], overrides: [String: String]) throws(CNIError) {
        var daemonFailure: CNIError?
        do {
            try detach(endpoints)
        } catch {
            daemonFailure = error
        }
        try deleteVeth(of: key)
        if let daemonFailure { throw daemonFailure }
        try ipamPlugin()?.run(.del, config: config, environment: variables, overrides: overrides)
    }
}
