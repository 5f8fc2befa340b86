import Testing
@testable import BGPWire

@Suite struct NotificationTests {
    @Test func namesCodesAndSubcodes() {
        let holdTimer = NotificationMessage(code: 4, subcode: 0)
        #expect(holdTimer.codeName == "Hold Timer Expired")
        #expect(holdTimer.subcodeName == "Unspecific")
        let malformed = NotificationMessage(code: 3, subcode: 11)
        #expect(malformed.description == "UPDATE Message Error / Malformed AS_PATH (3/11)")
        #expect(NotificationMessage(code: 2, subcode: 7).subcodeName == "Unsupported Capability")
        #expect(NotificationMessage(code: 7, subcode: 1).codeName == "ROUTE-REFRESH Message Error")
        #expect(NotificationMessage(code: 9, subcode: 9).description == "Unknown error code 9 / Unknown subcode 9 (9/9)")
        for subcode in CeaseSubcode.allCases {
            #expect(!NotificationMessage(code: 6, subcode: subcode.rawValue).subcodeName.hasPrefix("Unknown"))
        }
    }

    @Test func shutdownCommunicationRoundTrips() throws {
        let notification = NotificationMessage.cease(.administrativeShutdown, communication: "maintenance ✈︎")
        #expect(notification.shutdownCommunication == "maintenance ✈︎")
        #expect(notification.description == "Cease / Administrative Shutdown (6/2) \"maintenance ✈︎\"")
        let encoded = BGPMessage.notification(notification).encoded(context: CodecContext())
        #expect(try BGPMessage.decode(encoded, context: CodecContext()) == .notification(notification))
    }

    @Test func shutdownCommunicationIsCutOnACharacterBoundary() {
        let notification = NotificationMessage.cease(.administrativeReset, communication: String(repeating: "é", count: 200))
        #expect(notification.data.first == 254)
        #expect(notification.shutdownCommunication == String(repeating: "é", count: 127))
    }

    @Test func otherCeaseSubcodesCarryNoCommunication() {
        #expect(NotificationMessage.cease(.peerDeconfigured, communication: "bye").data.isEmpty)
        #expect(NotificationMessage(code: 6, subcode: 2, data: [3, 0xFF, 0xFE, 0xFD]).shutdownCommunication == nil)
    }
}
