import XCTest
@testable import Transports

final class NodeAddressTests: XCTestCase {
    func testHostAndPort() {
        XCTAssertEqual(NodeAddress("10.0.0.5:3000"), NodeAddress(host: "10.0.0.5", port: 3000))
        XCTAssertEqual(NodeAddress("node-2.internal:80"), NodeAddress(host: "node-2.internal", port: 80))
        XCTAssertEqual(NodeAddress("[::1]:3000"), NodeAddress(host: "::1", port: 3000))
        XCTAssertEqual(NodeAddress(host: "::1", port: 3000).description, "[::1]:3000")
        XCTAssertEqual(NodeAddress(host: "a.b", port: 1).description, "a.b:1")
    }

    func testRefusesWhatIsNoAddress() {
        for text in ["", "3000", ":3000", "host:", "host:0", "host:65536", "host:x", "a b:1", "a/b:1", "-"] {
            XCTAssertNil(NodeAddress(text), text)
        }
    }
}
