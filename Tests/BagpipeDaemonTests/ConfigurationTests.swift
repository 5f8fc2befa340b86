import Testing
import NetAddress
@testable import BagpipeDaemon

private func load(_ text: String, interfaces: [String: IPv4Address] = [:]) throws -> DaemonConfiguration {
    let ini = try INIFile(parsing: text, path: "bgp.conf")
    return try DaemonConfiguration(ini: ini, interfaceAddress: { interfaces[$0] })
}

private func loadError(_ text: String) -> ConfigurationError? {
    do { _ = try load(text); return nil } catch let error as ConfigurationError { return error } catch { return nil }
}

@Suite struct ConfigurationTests {
    /// networking-bagpipe's template (oslo.config format) as the seed topology uses it.
    @Test func networkingBagpipeFormat() throws {
        let config = try load("""
        [BGP]
        local_address = 198.51.100.11
        peers = 198.51.100.1
        my_as = 64512
        enable_rtc = True

        [API]
        host = localhost
        port = 8082

        [DATAPLANE_DRIVER_EVPN]
        dataplane_driver = linux
        """)
        #expect(config.localAddress == IPv4Address("198.51.100.11"))
        #expect(config.myAS == 64512)
        #expect(config.peers.map(\.address) == [IPAddress("198.51.100.1")!])
        #expect(config.peers.first?.peerAS == 64512)
        #expect(config.peers.first?.holdTime == 180)
        #expect(config.peers.first?.port == 179)
        #expect(config.enableRTC)
        #expect(config.apiHost == "127.0.0.1")
        #expect(config.apiPort == 8082)
        #expect(config.dataplaneDriver == .linux)
        #expect(config.dataplaneLocalAddress == config.localAddress)
        #expect(config.vxlanDestinationPort == 4789)
        #expect(config.listenAddress == IPAddress("198.51.100.11"))
        #expect(config.warnings.isEmpty)
    }

    /// The 2016 standalone format: api_host/api_port, dotted driver class path, ConfigParser booleans.
    @Test func standalone2016Format() throws {
        let config = try load("""
        [BGP]
        local_address=198.51.100.12
        peers=198.51.100.1, 198.51.100.2
        my_as=64512
        enable_rtc=yes

        [API]
        api_host=127.0.0.1
        api_port=9082

        [DATAPLANE_DRIVER_EVPN]
        dataplane_driver = linux_vxlan.LinuxVXLANDataplaneDriver
        dataplane_local_address = 198.51.100.112
        vxlan_dst_port = 8472
        """)
        #expect(config.peers.count == 2)
        #expect(config.apiPort == 9082)
        #expect(config.dataplaneDriver == .linux)
        #expect(config.dataplaneLocalAddress == IPv4Address("198.51.100.112"))
        #expect(config.vxlanDestinationPort == 8472)
    }

    @Test func legacyDriverNames() throws {
        for name in ["dummy", "DummyDataplaneDriver", "bagpipe.bgp.vpn.evpn.DummyDataplaneDriver"] {
            let config = try load("[BGP]\nlocal_address=198.51.100.11\nmy_as=1\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver=\(name)\n")
            #expect(config.dataplaneDriver == .dummy, "\(name)")
        }
        let linux = try load("[BGP]\nlocal_address=198.51.100.11\nmy_as=1\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver=bagpipe.bgp.vpn.evpn.linux_vxlan.LinuxVXLANDataplaneDriver\n")
        #expect(linux.dataplaneDriver == .linux)
    }

    @Test func fourByteASAndInterfaceName() throws {
        let config = try load("[BGP]\nlocal_address = ul0\nmy_as = 4200000000\n",
                              interfaces: ["ul0": IPv4Address("198.51.100.11")!])
        #expect(config.myAS == 4_200_000_000)
        #expect(config.localAddress == IPv4Address("198.51.100.11"))
    }

    @Test func errorsNameFileLineAndKey() throws {
        let badAS = try #require(loadError("[BGP]\nlocal_address = 198.51.100.11\nmy_as = 70000000000\n"))
        #expect(badAS.description == "bgp.conf:3: [BGP] my_as: must be an integer from 1 to 4294967295, not '70000000000'")
        let missing = try #require(loadError("[BGP]\nmy_as = 1\n"))
        #expect(missing.description.hasPrefix("bgp.conf:1: [BGP] local_address: required"))
        let badAddress = try #require(loadError("[BGP]\nlocal_address = eth9\nmy_as = 1\n"))
        #expect(badAddress.description.contains("eth9"))
        let badBool = try #require(loadError("[BGP]\nlocal_address = 198.51.100.11\nmy_as = 1\nenable_rtc = maybe\n"))
        #expect(badBool.line == 4)
        #expect(badBool.key == "[BGP] enable_rtc")
        let badHold = try #require(loadError("[BGP]\nlocal_address = 198.51.100.11\nmy_as = 1\nhold_time = 2\n"))
        #expect(badHold.description.contains("RFC 4271"))
        let badDriver = try #require(loadError("[BGP]\nlocal_address=198.51.100.11\nmy_as=1\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver=ovs\n"))
        #expect(badDriver.description.contains("OVS"))
        let syntax = try #require(loadError("[BGP]\nthis line has no separator\n"))
        #expect(syntax.line == 2)
    }

    @Test func gracefulRestartIsOffUnlessAskedFor() throws {
        let base = "[BGP]\nlocal_address = 198.51.100.11\nmy_as = 64512\n"
        #expect(try load(base).gracefulRestartTime == nil)
        #expect(try load(base + "graceful_restart = True\n").gracefulRestartTime == 120)
        #expect(try load(base + "graceful_restart = True\ngraceful_restart_time = 30\n").gracefulRestartTime == 30)
        #expect(try load(base + "graceful_restart = False\ngraceful_restart_time = 30\n").gracefulRestartTime == nil)
        let tooLong = try #require(loadError(base + "graceful_restart = True\ngraceful_restart_time = 5000\n"))
        #expect(tooLong.key == "[BGP] graceful_restart_time")
        let cleanup = try #require(loadError(base + "graceful_restart = True\n[DATAPLANE_DRIVER_EVPN]\ncleanup_on_shutdown = True\n"))
        #expect(cleanup.key == "[DATAPLANE_DRIVER_EVPN] cleanup_on_shutdown")
        #expect(cleanup.description.contains("graceful_restart"))
        let reflector = try #require(loadError(base + "graceful_restart = True\nroute_reflector_cluster_id = 198.51.100.1\n"))
        #expect(reflector.key == "[BGP] graceful_restart")
    }

    @Test func resyncWindowAndLearnedMACs() throws {
        let base = "[BGP]\nlocal_address = 198.51.100.11\nmy_as = 64512\n"
        let defaults = try load(base)
        #expect(defaults.resyncWindow == 120)
        #expect(!defaults.advertiseLearnedMACs)
        #expect(defaults.learnedMACsPerPort == 16 && defaults.learnedMACsPerSecond == 10)
        #expect(try load(base + "graceful_restart = True\ngraceful_restart_time = 40\n").resyncWindow == 40)
        #expect(try load(base + "[COMMON]\nresync_window = 0\n").resyncWindow == nil)
        #expect(try load(base + "[COMMON]\nresync_window = 15\n").resyncWindow == 15)
        let learning = try load(base + "[DATAPLANE_DRIVER_EVPN]\nadvertise_learned_macs = True\nlearned_macs_per_port = 2\nlearned_macs_per_second = 5\n")
        #expect(learning.advertiseLearnedMACs && learning.learnedMACsPerPort == 2 && learning.learnedMACsPerSecond == 5)
        let bad = try #require(loadError(base + "[DATAPLANE_DRIVER_EVPN]\nlearned_macs_per_port = 0\n"))
        #expect(bad.key == "[DATAPLANE_DRIVER_EVPN] learned_macs_per_port")
        #expect(try #require(loadError(base + "[COMMON]\nresync_window = soon\n")).key == "[COMMON] resync_window")
    }

    /// RFC 7432 §15.1 duplicate MAC detection: FRR's defaults, tunable, 0 moves turns it off.
    @Test func duplicateMACDetection() throws {
        let base = "[BGP]\nlocal_address = 198.51.100.11\nmy_as = 64512\n"
        let defaults = try load(base)
        #expect(defaults.duplicateMACMaxMoves == 5)
        #expect(defaults.duplicateMACTime == 180)
        let tuned = try load(base + "duplicate_mac_max_moves = 3\nduplicate_mac_time = 30\n")
        #expect(tuned.duplicateMACMaxMoves == 3)
        #expect(tuned.duplicateMACTime == 30)
        #expect(tuned.warnings.isEmpty)
        #expect(try load(base + "duplicate_mac_max_moves = 0\n").duplicateMACMaxMoves == 0)
        let badTime = try #require(loadError(base + "duplicate_mac_time = 1\n"))
        #expect(badTime.description == "bgp.conf:4: [BGP] duplicate_mac_time: must be an integer from 2 to 1800, not '1'")
        let badMoves = try #require(loadError(base + "duplicate_mac_max_moves = many\n"))
        #expect(badMoves.key == "[BGP] duplicate_mac_max_moves")
    }

    @Test func unknownAndLegacyKeysWarn() throws {
        let config = try load("""
        [BGP]
        local_address = 198.51.100.11
        my_as = 64512
        colour = blue
        [COMMON]
        root_helper = sudo
        [DATAPLANE_DRIVER]
        dataplane_driver = dummy
        """)
        #expect(config.warnings.count == 3)
        #expect(config.warnings.contains("bgp.conf:4: [BGP] colour: unknown key, ignored"))
        #expect(config.warnings.contains { $0.hasPrefix("bgp.conf:6: [COMMON] root_helper:") })
        #expect(config.warnings.contains { $0.hasPrefix("bgp.conf:7: [DATAPLANE_DRIVER]: obsolete") })
    }

    @Test func ourAdditions() throws {
        let config = try load("""
        [BGP]
        local_address = 198.51.100.1
        my_as = 64512
        peers = 198.51.100.11
        passive_peers = 198.51.100.12
        md5_password = s3cret
        hold_time = 9
        ttl_security_hops = 1
        route_reflector_cluster_id = 198.51.100.1
        route_reflector_clients = *
        listen_port = 1179
        [DATAPLANE_DRIVER_EVPN]
        mtu = 1400
        legacy_vni_encoding = true
        cleanup_on_shutdown = true
        """)
        #expect(config.peers.count == 2)
        #expect(config.peers[1].passive)
        #expect(!config.peers[0].passive)
        #expect(config.peers.allSatisfy { $0.md5Key == "s3cret" && $0.holdTime == 9 && $0.ttlSecurityHops == 1 })
        #expect(config.peers.allSatisfy { $0.routeReflectorClient })
        #expect(config.routeReflectorClusterID == IPv4Address("198.51.100.1"))
        #expect(config.listenPort == 1179)
        #expect(config.vxlanMTU == 1400)
        #expect(config.legacyShiftedVNI)
        #expect(config.cleanupDataplaneOnShutdown)
    }

    @Test func continuationLinesAndComments() throws {
        let ini = try INIFile(parsing: "# top\n[BGP]\npeers = 198.51.100.1,\n  198.51.100.2\n; note\nmy_as: 5 # inline\n", path: "x.conf")
        let section = try #require(ini.section("BGP"))
        #expect(section.entry("peers")?.value == "198.51.100.1,\n198.51.100.2")
        #expect(section.entry("my_as")?.value == "5")
        #expect(section.entry("my_as")?.line == 6)
    }
}
