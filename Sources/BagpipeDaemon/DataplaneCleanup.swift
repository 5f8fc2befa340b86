import Dataplane
import LinuxDataplane
import NetAddress

/// What `bagpipe-bgp-cleanup` does: remove every device and entry of ours, nothing else.
public enum DataplaneCleanup {
    /// Opens the configured driver and removes all it ever created. Returns what failed.
    public static func removeEverything(configuration: DaemonConfiguration) -> [String] {
        do {
            let driver = try makeDriver(configuration)
            return driver.removeAll().map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    /// The driver the configuration asks for.
    static func makeDriver(_ configuration: DaemonConfiguration) throws -> DataplaneDriver {
        switch configuration.dataplaneDriver {
        case .dummy:
            return DummyDriver()
        case .linux:
            return try LinuxVXLANDriver(configuration: LinuxVXLANConfiguration(
                localAddress: .v4(configuration.dataplaneLocalAddress),
                vxlanPort: configuration.vxlanDestinationPort,
                mtu: configuration.vxlanMTU.map(UInt32.init)))
        }
    }
}
