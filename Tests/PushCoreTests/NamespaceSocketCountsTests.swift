import XCTest
@testable import PushCore

final class NamespaceSocketCountsTests: XCTestCase {
    func testCountsFollowConnectsAndDisconnectsPerLoop() {
        let (server, executors) = makeSocketServer(loops: 2)
        let counts = NamespaceSocketCounts(loopCount: 2)
        server.observe(counts)
        _ = server.of("/chat")
        let a = InMemoryEngineLink(server: server, executor: executors[0])
        let b = InMemoryEngineLink(server: server, executor: executors[1])
        XCTAssertNotNil(a.connectSocket("/"))
        XCTAssertNotNil(a.connectSocket("/chat"))
        XCTAssertNotNil(b.connectSocket("/chat"))
        XCTAssertEqual(counts.counts(onLoop: 0), ["/": 1, "/chat": 1])
        XCTAssertEqual(counts.counts(onLoop: 1), ["/chat": 1])
        a.disconnect("/chat")
        XCTAssertEqual(counts.counts(onLoop: 0), ["/": 1], "a namespace leaves the count with its last socket")
        b.engineClose(reason: .transportClose)
        XCTAssertEqual(counts.counts(onLoop: 1), [:])
    }
}
