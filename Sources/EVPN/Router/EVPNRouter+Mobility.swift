import NetAddress

/// MAC mobility (RFC 7432 §15) around attachments: sequence numbers of local MACs, and the
/// catch-up that lets an attach in a new instance win over the routes it could not see yet.
///
/// An attach is the orchestrator saying the MAC is here now, so it must be advertised with a
/// sequence number above every remote claim that existed when it was attached (§15.1). With RT
/// constraint (RFC 4684) the routes of a target this node starts importing arrive only after our
/// membership route reached the reflector, which then sends them in one burst — usually after our
/// own advertisement went out. So from the attach until `mobilityCatchUpBurst` seconds after the
/// first route of the instance came in (`mobilityCatchUpTime` at most if none comes), the first
/// claim from each remote VTEP that beats ours is taken as older than our attachment: our sequence
/// number goes one above it. A later claim from the same VTEP may answer ours; it is judged by the
/// plain §15.1 rules, so two nodes that really claim a MAC at the same time end as the RFC says
/// (the higher sequence number, then the lower VTEP address, wins).
extension EVPNRouter {
    /// The instance starts importing a target we announced no membership for: opens its catch-up
    /// window when routes come through membership. With no peer up yet the window opens with the
    /// first one (`startPendingCatchUpWindows`); peers without rtc sent everything already.
    func openCatchUpWindow(for instance: MACVRF) {
        guard configuration.mobilityCatchUpTime > 0 else { return }
        if peers.isEmpty {
            instance.catchUp = CatchUpWindow(until: .infinity)
        } else if peers.values.contains(where: \.constrainsRouteTargets) {
            instance.catchUp = CatchUpWindow(until: now() + configuration.mobilityCatchUpTime)
        }
    }

    /// A session came up: the windows of instances created while none was up start now.
    func startPendingCatchUpWindows() {
        var start: Double?
        for instance in instances.values where instance.catchUp?.until == .infinity {
            start = start ?? now()
            instance.catchUp!.until = start! + configuration.mobilityCatchUpTime
        }
    }

    /// The first route of the instance came in: the rest of the reflector's burst follows within
    /// `mobilityCatchUpBurst` seconds, after which a new claim is news, not history. (Late for
    /// the window: the window is over.)
    func noteCatchUpAnswer(in instance: MACVRF) {
        guard instance.catchUp!.until != .infinity else { return }
        let time = now()
        if time >= instance.catchUp!.until {
            instance.catchUp = nil
        } else {
            instance.catchUp!.isAnswered = true
            instance.catchUp!.until = time + configuration.mobilityCatchUpBurst
        }
    }

    /// `remote` beats our claim on local `mac`. Inside the instance's catch-up window, and the
    /// first time for that VTEP, it is taken as older than our attachment: our sequence number
    /// becomes one above it (not above a sticky MAC, nor for a frozen duplicate). Returns the new
    /// sequence number, or nil when the claim stands.
    func catchUpSequence(for mac: MACAddress, over remote: MACClaim, in instance: MACVRF) -> UInt32? {
        guard var window = instance.catchUp else { return nil }
        guard now() < window.until else {
            instance.catchUp = nil
            return nil
        }
        guard !remote.sticky, let local = instance.localMACs[mac], !local.isDuplicate,
              window.overtaken.insert(.init(mac: mac, vtep: remote.vtep)).inserted else { return nil }
        instance.catchUp = window
        let sequence = remote.sequence &+ 1
        setSequence(sequence, of: mac, in: instance)
        logger.info("""
            MAC \(mac) of instance \(instance.externalID): the route of \(remote.vtep) (sequence number \
            \(remote.sequence)) came in after our attachment, with the instance's first routes: older; \
            advertising sequence number \(sequence)
            """)
        return sequence
    }

    /// The sequence number for a MAC that appears here: one above every remote claim on it
    /// (RFC 7432 §15.1), 0 when none.
    func freshSequence(for mac: MACAddress, in instance: MACVRF) -> UInt32 {
        var highest: UInt32?
        for entry in instance.remoteMACs[mac]?.entries.entries ?? [] {
            guard let claim = claim(of: entry) else { continue }
            highest = max(highest ?? 0, claim.sequence)
        }
        return highest.map { $0 &+ 1 } ?? 0
    }

    /// Sets our sequence number for local `mac`; an attached MAC's is handed to the output, to be
    /// kept across a restart.
    func setSequence(_ sequence: UInt32, of mac: MACAddress, in instance: MACVRF) {
        instance.localMACs[mac]!.sequence = sequence
        reportSequence(of: mac, in: instance)
    }

    /// Hands our sequence number for `mac` to the output if the MAC is attached.
    func reportSequence(of mac: MACAddress, in instance: MACVRF) {
        guard let local = instance.localMACs[mac], !local.isLearned else { return }
        pendingSequences.append(MACSequence(instanceID: instance.externalID, mac: mac, sequence: local.sequence))
    }
}
