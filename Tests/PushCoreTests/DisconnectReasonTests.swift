import XCTest
@testable import PushCore

/// The reasons' stable strings: what logs, the test app and clients see.
final class DisconnectReasonTests: XCTestCase {
    func testEveryReasonHasItsSocketIOString() {
        let expected: [DisconnectReason: String] = [
            .transportError: "transport error",
            .transportClose: "transport close",
            .forcedClose: "forced close",
            .pingTimeout: "ping timeout",
            .parseError: "parse error",
            .serverShuttingDown: "server shutting down",
            .forcedServerClose: "forced server close",
            .clientNamespaceDisconnect: "client namespace disconnect",
            .serverNamespaceDisconnect: "server namespace disconnect",
            .connectTimeout: "connect timeout",
            .slowConsumer: "slow consumer",
            .tokenExpired: "token expired",
        ]
        XCTAssertEqual(Set(DisconnectReason.allCases), Set(expected.keys))
        for reason in DisconnectReason.allCases {
            XCTAssertEqual(reason.description, expected[reason])
            XCTAssertEqual("\(reason)", expected[reason])
        }
    }

    func testTheStableStringReadsBack() {
        for reason in DisconnectReason.allCases {
            XCTAssertEqual(DisconnectReason(reason.description), reason)
        }
        XCTAssertNil(DisconnectReason("Transport Close"))
        XCTAssertNil(DisconnectReason("something new"))
        XCTAssertNil(DisconnectReason(""))
    }
}

final class EngineCloseReasonMappingTests: XCTestCase {
    /// Every engine reason reaches the sockets as the Socket.IO reason of the same words.
    func testEngineReasonsKeepTheirWords() {
        for reason in EngineCloseReason.allCases {
            XCTAssertEqual(DisconnectReason(reason).description, reason.description)
        }
    }
}
