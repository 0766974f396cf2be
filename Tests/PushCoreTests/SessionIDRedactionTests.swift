import XCTest
@testable import PushCore

final class SessionIDRedactionTests: XCTestCase {
    func testAnIdShowsItsFirstFourCharacters() {
        XCTAssertEqual(SessionID.redacted("q3Lx6Q.7hB0abcdefghijklmnopqrstuvw"), "q3Lx…")
        XCTAssertEqual(SessionID.redacted("abc"), "…", "a short id shows nothing")
    }

    func testEverySidParameterOfATargetIsRedacted() {
        XCTAssertEqual(SessionID.redactingQuery("/socket.io/?EIO=4&transport=polling&sid=AAAAbbbbcccc&t=1"),
                       "/socket.io/?EIO=4&transport=polling&sid=AAAA…&t=1")
        XCTAssertEqual(SessionID.redactingQuery("/socket.io/?sid=AAAAbbbb&sid=CCCCdddd"), "/socket.io/?sid=AAAA…&sid=CCCC…")
        XCTAssertEqual(SessionID.redactingQuery("/socket.io/?EIO=4&xsid=AAAAbbbb"), "/socket.io/?EIO=4&xsid=AAAAbbbb",
                       "only the sid parameter")
        XCTAssertEqual(SessionID.redactingQuery("/index.html"), "/index.html")
    }
}
