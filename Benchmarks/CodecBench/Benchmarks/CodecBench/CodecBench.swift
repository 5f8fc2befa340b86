import Benchmark
import BGPWire
import NetAddress

/// UPDATEs of `count` EVPN type-2 MAC/IP routes as BaGPipe would send them (RT, VXLAN encapsulation).
func type2Update(routes count: Int) -> UpdateMessage {
    var attributes = PathAttributes()
    attributes.origin = .igp
    attributes.localPreference = 100
    attributes.extendedCommunities = [.encapsulation(.vxlan), .routeTarget(.twoOctetAS(64512, 80))]
    let routes = (0..<count).map { index in
        NLRI.evpn(.macIPAdvertisement(MACIPAdvertisementRoute(
            routeDistinguisher: .ipv4(IPv4Address(198, 51, 100, 11), 1), mac: MACAddress(rawValue: 0x5254_0000_0000 + UInt64(index)),
            ip: .v4(IPv4Address(rawValue: 0xCB00_7100 + UInt32(index))), label1: 5010)))
    }
    attributes.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [.v4(IPv4Address(198, 51, 100, 11))], nlri: routes)
    return UpdateMessage(attributes: attributes)
}

let benchmarks: @Sendable () -> Void = {
    let context = CodecContext()
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(2))
    for count in [1, 100] {
        let message = BGPMessage.update(type2Update(routes: count))
        let bytes = message.encoded(context: context)
        precondition(bytes.count <= 4096)

        Benchmark("decode UPDATE of \(count) type-2 route(s)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? BGPMessage.decode(bytes, context: context))
            }
        }
        Benchmark("decode UPDATE of \(count) type-2 route(s), borrowed buffer", configuration: configuration) { benchmark in
            bytes.withUnsafeBytes { buffer in
                for _ in benchmark.scaledIterations {
                    blackHole(try? BGPMessage.decode(buffer, context: context))
                }
            }
        }
        Benchmark("encode UPDATE of \(count) type-2 route(s)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(message.encoded(context: context))
            }
        }
    }
    let routes = type2Update(routes: 100).attributes.mpReach!.nlri
    var shared = type2Update(routes: 0).attributes
    shared.mpReach = nil
    Benchmark("pack 100 type-2 routes", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(UpdateMessage.packed(reach: routes, family: .l2vpnEVPN, nextHop: .v4(IPv4Address(198, 51, 100, 11)),
                                           attributes: shared, context: context))
        }
    }
}
