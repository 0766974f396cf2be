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

    func testTransportKindsAndVersionsPlainOrEscaped() {
        for kind in EngineTransportKind.allCases {
            let query = EngineQuery("EIO=4&transport=\(kind.rawValue)")
            XCTAssertEqual(query?.transportKind, kind)
            XCTAssertEqual(query?.transport, kind.rawValue)
        }
        // Escaped, with a plus, unknown, cut short, or named twice (the first counts).
        XCTAssertEqual(EngineQuery("transport=%70olling")?.transportKind, .longPolling)
        XCTAssertEqual(EngineQuery("transport=short%2Dpolling")?.transportKind, .polling)
        XCTAssertEqual(EngineQuery("%74ransport=sse")?.transportKind, .sse)
        XCTAssertNil(EngineQuery("transport=polling+")?.transportKind)
        XCTAssertEqual(EngineQuery("transport=polling+")?.transport, "polling ")
        XCTAssertNil(EngineQuery("transport=pollinG")?.transportKind)
        XCTAssertNil(EngineQuery("transport=ss")?.transportKind)
        XCTAssertNil(EngineQuery("transport=")?.transportKind)
        XCTAssertEqual(EngineQuery("transport=sse&transport=websocket")?.transportKind, .sse)
        XCTAssertNil(EngineQuery("transport=x&transport=websocket")?.transportKind)
        XCTAssertEqual(EngineQuery("EIO=%34")?.protocolVersion, "4")
        XCTAssertEqual(EngineQuery("EIO=4&EIO=3")?.protocolVersion, "4")
        XCTAssertEqual(EngineQuery("EIO=3&EIO=4")?.protocolVersion, "3")
        XCTAssertEqual(EngineQuery("EIO=44")?.protocolVersion, "44")
    }

    func testTransportBitsAreDistinct() {
        let bits = EngineTransportKind.allCases.map(\.bit)
        XCTAssertEqual(Set(bits).count, bits.count)
        XCTAssertTrue(bits.allSatisfy { $0.nonzeroBitCount == 1 })
    }

    func testVersionFourIsReadFromTheBytes() {
        for (query, four) in [("EIO=4", true), ("EIO=%34", true), ("EIO=3", false), ("EIO=44", false), ("EIO=", false),
                              ("", false), ("EIO=4&EIO=3", true), ("EIO=3&EIO=4", false), ("x=1&EIO=4&sid=a", true)] {
            XCTAssertEqual(EngineQuery(query)?.isProtocolVersion4, four, query)
            XCTAssertEqual(EngineQuery(query)?.protocolVersion == "4", four, query)
        }
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
        let pieces = ["EIO", "sid", "=", "&", "%", "2", "0", "F", "C3", "A9", "+", "4", "é", "%00", "%73", "transport", "sse",
                      "polling", "%70"]
        for _ in 0..<10_000 {
            let query = (0..<Int(rng.next() % 9)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            let parsed = QueryString.parse(query)
            let read = EngineQuery(query)
            XCTAssertEqual(read != nil, parsed != nil, query)
            guard let parsed, let read else { continue }
            XCTAssertEqual(read.protocolVersion, parsed.first { $0.0 == "EIO" }?.1, query)
            XCTAssertEqual(read.sid, parsed.first { $0.0 == "sid" }?.1, query)
            let transport = parsed.first { $0.0 == "transport" }?.1
            XCTAssertEqual(read.transport, transport, query)
            XCTAssertEqual(read.transportKind, transport.flatMap(EngineTransportKind.init(rawValue:)), query)
        }
    }
}
