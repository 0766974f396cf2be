@testable import PushCore
import XCTest

final class WebSocketFailureTests: XCTestCase {
    /// RFC 6455 §7.4.1: size limits answer 1009, the fragment cap (a policy) 1008, bad UTF-8
    /// 1007, everything else that breaks framing 1002.
    func testEachFailureAnswersWithItsCloseCode() {
        let expected: [(WebSocketFailure, WebSocketCloseCode)] = [
            (.reservedBitsSet, .protocolError), (.reservedOpcode(3), .protocolError),
            (.unmaskedClientFrame, .protocolError), (.fragmentedControlFrame, .protocolError),
            (.controlFrameTooLong, .protocolError), (.continuationWithoutMessage, .protocolError),
            (.messageInterleaved, .protocolError), (.lengthTopBitSet, .protocolError),
            (.closePayloadOfOneByte, .protocolError), (.closeCodeNotAllowed(1005), .protocolError),
            (.messageTooBig(limit: 10), .messageTooBig), (.tooManyFragments(limit: 4), .policyViolation),
            (.invalidUTF8Text, .invalidPayload), (.invalidUTF8CloseReason, .invalidPayload),
        ]
        for (failure, code) in expected {
            XCTAssertEqual(failure.closeCode, code, "\(failure)")
        }
    }

    func testDescriptionsNameTheLimit() {
        XCTAssertEqual(WebSocketFailure.messageTooBig(limit: 1000).description, "message over 1000 bytes")
        XCTAssertEqual(WebSocketFailure.closeCodeNotAllowed(1005).description, "close code 1005 not allowed")
    }
}
