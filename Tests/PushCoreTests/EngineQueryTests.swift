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

    /// A parsed head's query is its target's after the first "?", read in place: the same
    /// values as the query read alone, with the offsets of a longer source.
    func testAHeadsQueryIsReadInPlaceInItsTarget() throws {
        var parser = HTTPRequestParser()
        let targets = ["/engine.io/?EIO=4&transport=polling&sid=abc%2Bdef&t=1", "/engine.io/", "/engine.io/?",
                       "/e?sid=a?b&transport=sse", "http://example.com/engine.io/?EIO=4&transport=websocket",
                       "http://example.com?EIO=4", "/p?EIO=4&%zz=1", "/p?transport=%70olling&sid=%E2%82%AC"]
        for target in targets {
            let request = Array("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            let event = request.withUnsafeBytes { parser.parse($0).event }
            guard case .head = event else { return XCTFail("\(target): \(event)") }
            let head = parser.takeHead()
            let query = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) } ?? ""
            XCTAssertTrue(head.queryIsTargets, target)
            XCTAssertEqual(head.query, query, target)
            let inPlace = EngineQuery(head.target, queryOfTarget: true)
            XCTAssertEqual(inPlace, EngineQuery(query), target)
            XCTAssertEqual(inPlace?.transportKind, EngineQuery(query)?.transportKind, target)
            XCTAssertEqual(inPlace?.withSIDBytes { Array($0) }, EngineQuery(query)?.withSIDBytes { Array($0) }, target)
            parser = HTTPRequestParser()
        }
        XCTAssertNil(EngineQuery("/p?EIO=4&%zz=1", queryOfTarget: true))
        XCTAssertEqual(EngineQuery("/p", queryOfTarget: true), EngineQuery(""))
        XCTAssertEqual(EngineQuery("/p?sid=a?b", queryOfTarget: true)?.sid, "a?b")
        // A query given apart from the target is the head's query.
        var head = HTTPRequestHead(method: .get, target: "/p?sid=target", path: "/p", query: "sid=given", versionMinor: 1,
                                   headers: HTTPHeaders(), keepAlive: true, expectsContinue: false, upgrade: nil, body: .none)
        XCTAssertFalse(head.queryIsTargets)
        XCTAssertEqual(head.query, "sid=given")
        head.query = "sid=set"
        XCTAssertEqual(head.query, "sid=set")
        // Equal heads whichever way the query is held.
        let derived = HTTPRequestHead(method: .get, target: "/p?sid=target", path: "/p", versionMinor: 1, headers: HTTPHeaders(),
                                      keepAlive: true, expectsContinue: false, upgrade: nil, body: .none)
        head.query = "sid=target"
        XCTAssertEqual(head, derived)
        head.query = ""
        XCTAssertNotEqual(head, derived)
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
