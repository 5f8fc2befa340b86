import Glibc

/// After a restart, bagpipe-bgp holds the attachments of its state file as provisional: the first
/// request that detaches or re-posts one opens its re-sync window, and those nobody re-posted when
/// it closes are detached (docs/rest-api.md "After a restart"). The plugin never re-posts on its
/// own, so until it touches a restored attachment they all stay; but its DEL and GC detach
/// restored ones, which opens the window. Then they re-post every other restored attachment the
/// plugin made on the node, in every network — rebuilt from the looking glass (the instance's
/// route targets and pinned VNI, the endpoint, its description) — so the containers still there
/// stay attached.
extension CNICommandRunner {
    /// Best effort: what cannot be re-posted is reported on standard error (runtimes log it) and
    /// the window's end detaches it.
    func repostRestoredAttachments() {
        let instances: [String]
        do {
            instances = try daemon.instanceIDs()
        } catch {
            return report("cannot list the instances to re-post restored attachments: \(error)")
        }
        for id in instances {
            let restored: [(network: String, key: AttachmentKey, endpoint: DaemonEndpoint)]
            let target: InstanceTarget?
            do {
                restored = try daemon.endpoints(instance: id).compactMap { endpoint in
                    guard endpoint.isProvisional,
                          let (network, key) = endpoint.description.flatMap(AttachmentKey.parse(endpointDescription:)) else { return nil }
                    return (network, key, endpoint)
                }
                target = restored.isEmpty ? nil : try daemon.instanceTarget(id)
            } catch {
                report("cannot read instance \(id) to re-post its restored attachments: \(error)")
                continue
            }
            guard let target else { continue }
            for (network, key, endpoint) in restored {
                do {
                    try daemon.attach(attachBody(target, network: network, key: key, mac: endpoint.mac, port: endpoint.port,
                                                 ip: endpoint.ip, gateway: nil))
                } catch {
                    report("restored attachment \(network)/\(key.containerID)/\(key.interfaceName) \(endpoint.mac) not re-posted: \(error)")
                }
            }
        }
    }

    private func report(_ message: String) {
        let line = "bagpipe-cni: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
