import BGPWire
import Dataplane
@testable import EVPN
import NetAddress

func rt(_ text: String) -> RouteTarget { RouteTarget(text)! }
func mac(_ text: String) -> MACAddress { MACAddress(text)! }
func ip(_ text: String) -> IPAddress { IPAddress(text)! }
func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }

let red = rt("64512:80")
let blue = rt("64512:90")

func attachRequest(_ instance: String, mac text: String, ip address: String? = nil, targets: [RouteTarget] = [red],
                   port: String = "tap0", vni: UInt32 = 0) -> AttachRequest {
    AttachRequest(instanceID: instance, vni: vni, mac: mac(text), ip: address.map(prefix),
                  importRouteTargets: targets, exportRouteTargets: targets, localPort: port)
}

extension Array where Element == DataplaneIntent {
    /// The intents about one instance.
    func about(_ instance: String) -> [DataplaneIntent] { filter { $0.externalID == instance } }
}
