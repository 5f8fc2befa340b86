import LinuxDataplane
import Testing

struct DeviceNamingTests {
    @Test func cutsToFifteenCharactersAsBaGPipe() {
        #expect(DeviceNaming.plainName(prefix: "evpn---", id: "bagpipe-test") == "evpn---bagpipe-")
        #expect(DeviceNaming.plainName(prefix: "vxlan--", id: "x") == "vxlan--x")
        #expect(DeviceNaming.plainName(prefix: "vxlan--", id: "a/b c:d") == "vxlan--a_b_c_d")
    }

    @Test func hashedNamesAreStableDistinctAndShort() {
        let a = DeviceNaming.hashedName(prefix: "evpn---", id: "tenant-network-a")
        let b = DeviceNaming.hashedName(prefix: "evpn---", id: "tenant-network-b")
        #expect(a != b)
        #expect(a == DeviceNaming.hashedName(prefix: "evpn---", id: "tenant-network-a"))
        #expect(a.count == 15 && b.count == 15)
        #expect(a.hasPrefix("evpn---te-"))
        #expect(DeviceNaming.hashedName(prefix: "evpn---", id: "x", attempt: 1) != DeviceNaming.hashedName(prefix: "evpn---", id: "x"))
    }

    @Test func takesThePlainNameWhenFreeElseAHashedOne() {
        #expect(DeviceNaming.name(prefix: "vxlan--", id: "tenant-network-b") { _ in false } == "vxlan--tenant-n")
        let taken: Set = ["vxlan--tenant-n"]
        let second = DeviceNaming.name(prefix: "vxlan--", id: "tenant-network-b") { taken.contains($0) }
        #expect(second == DeviceNaming.hashedName(prefix: "vxlan--", id: "tenant-network-b"))
        let third = DeviceNaming.name(prefix: "vxlan--", id: "tenant-network-b") { taken.contains($0) || $0 == second }
        #expect(third == DeviceNaming.hashedName(prefix: "vxlan--", id: "tenant-network-b", attempt: 1))
    }
}
