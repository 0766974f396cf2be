import XCTest
@testable import PushCore

final class EngineQueryTests: XCTestCase {
    func testParametersOfARequest() {
        XCTAssertEqual(EngineQuery("EIO=4&transport=polling&t=OqY3x2a&sid=abc%2Bdef"),
                       EngineQuery(protocolVersion: "4", transport: "polling", sid: "abc+def", block: nil))
        XCTAssertEqual(EngineQuery("block=websocket,sse&EIO=4&transport=websocket"),
                       EngineQuery(protocolVersion: "4", transport: "websocket", sid: nil, block: "websocket,sse"))
        XCTAssertEqual(EngineQuery(""), EngineQuery(protocolVersion: nil, transport: nil, sid: nil, block: nil))
        // The first pair of a name counts; an escaped name is decoded before it is matched.
        XCTAssertEqual(EngineQuery("sid=a&sid=b&%73id=c")?.sid, "a")
        XCTAssertEqual(EngineQuery("%73id=c&sid=a")?.sid, "c")
        XCTAssertEqual(EngineQuery("EIO")?.protocolVersion, "")
    }

    func testAnyMalformedPairRefusesTheQuery() {
        for query in ["EIO=4&x=%zz", "a=%", "%=1", "EIO=%00", "sid=a&sid=%C3", "x%C3=1", "EIO=4&transport=%2"] {
            XCTAssertNil(EngineQuery(query), query)
        }
    }

    /// Random queries built from pieces of real and broken ones: refused exactly where
    /// `QueryString.parse` refuses, and each parameter the first value `parse` lists for it.
    func testAgreesWithTheFullParse() {
        var rng = HTTPTestRNG(state: 5)
        let pieces = ["EIO", "sid", "=", "&", "%", "2", "0", "F", "C3", "A9", "+", "4", "é", "%00", "%73"]
        for _ in 0..<10_000 {
            let query = (0..<Int(rng.next() % 9)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            let parsed = QueryString.parse(query)
            let read = EngineQuery(query)
            XCTAssertEqual(read != nil, parsed != nil, query)
            guard let parsed, let read else { continue }
            XCTAssertEqual(read.protocolVersion, parsed.first { $0.0 == "EIO" }?.1, query)
            XCTAssertEqual(read.sid, parsed.first { $0.0 == "sid" }?.1, query)
        }
    }
}
