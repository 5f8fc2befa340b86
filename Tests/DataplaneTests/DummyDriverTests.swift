import Dataplane
import NetAddress
import Testing

struct DummyDriverTests {
    let spec = InstanceSpec(externalID: "evpn-test", vni: 5010)
    let flood = DataplaneIntent.addFloodEntry(externalID: "evpn-test", vtep: IPAddress("198.51.100.12")!, vni: 5010)

    @Test func recordsEveryIntentInOrder() {
        let driver = DummyDriver()
        let intents: [DataplaneIntent] = [.createInstance(spec), flood, .deleteInstance(externalID: "evpn-test")]
        #expect(driver.apply(intents) == [])
        #expect(driver.apply([flood]) == [])
        #expect(driver.applied == intents + [flood])
        #expect(driver.name == "dummy")
    }

    @Test func reportsConfiguredFailuresOnly() {
        let driver = DummyDriver()
        driver.failing = [flood]
        let failures = driver.apply([.createInstance(spec), flood])
        #expect(failures == [DataplaneFailure(intent: flood, reason: "refused by test")])
        #expect(driver.applied.count == 2)
    }

    @Test func removeAllAndResetForgetTheRecord() {
        let driver = DummyDriver()
        _ = driver.apply([.createInstance(spec)])
        #expect(driver.removeAll() == [])
        #expect(driver.applied.isEmpty)
        _ = driver.apply([flood])
        driver.reset()
        #expect(driver.applied.isEmpty)
        #expect(driver.reconcile(wanted: [spec]) == [])
        #expect(driver.describe(externalID: "evpn-test").isEmpty)
    }

    @Test func intentsNameTheirInstance() {
        #expect(DataplaneIntent.createInstance(spec).externalID == "evpn-test")
        #expect(flood.externalID == "evpn-test")
        let failure = DataplaneFailure(intent: flood, reason: "no")
        #expect(failure.description.hasSuffix(": no"))
    }
}
