import XCTest
@testable import PushCore

/// A cut event stream resumed by the browser's EventSource: the session waits pingTimeout for
/// it, numbers what it writes, and sends again what came after the client's Last-Event-ID.
final class EngineSSEResumeTests: XCTestCase {
    private func session() -> EngineSession {
        var config = EngineSessionConfig()
        config.pingInterval = 1_000
        config.pingTimeout = 500
        return EngineSession(id: "sid", transport: .sse, config: config, now: 0)
    }

    private func texts(_ action: EngineTransportAction) -> [String] {
        guard case .writeStream(let packets) = action else { return [] }
        return packets.map { $0.packet.text }
    }

    private func send(_ s: inout EngineSession, _ items: String...) -> [String] {
        for text in items { XCTAssertEqual(s.enqueue(OutboundPacket(.message(text: text))), .queued) }
        return texts(s.flush())
    }

    func testWrittenPacketsAreNumberedFromTheOpenPacket() {
        var s = session()
        _ = s.handshake()
        XCTAssertEqual(s.streamSequence, 1)
        XCTAssertEqual(send(&s, "a", "b"), ["a", "b"])
        XCTAssertEqual(s.streamSequence, 3)
        XCTAssertEqual(EngineCodec.sseIDLine(sid: "x.y", sequence: 3), Array("id: x.y:3\n".utf8))
        XCTAssertTrue(EngineCodec.parseSSEEventID("x.y:3")! == ("x.y", 3))
        for bad in ["", "x", "x:", ":3", "x:03", "x:-1", "x:3a"] { XCTAssertNil(EngineCodec.parseSSEEventID(bad), bad) }
    }

    func testADroppedStreamWaitsAndResumesAfterTheLastEventID() {
        var s = session()
        _ = s.handshake()
        _ = send(&s, "a", "b", "c")                      // 2, 3, 4
        XCTAssertEqual(s.eventStreamDropped(now: 100), .none)
        XCTAssertFalse(s.isClosed)
        XCTAssertEqual(s.transportState.downstream, .eventStreamDetached)
        XCTAssertTrue(send(&s, "d").isEmpty, "nothing goes out while detached")
        XCTAssertEqual(s.poll(via: .sse, now: 100), .rejectRequest(.badRequest))

        XCTAssertTrue(s.resumeEventStream(after: 3))    // the client got "b"
        XCTAssertEqual(texts(s.flush()), ["c", "d"], "what came after it, then what queued meanwhile")
        XCTAssertEqual(s.streamSequence, 5, "resent packets keep their numbers")
        XCTAssertEqual(send(&s, "e"), ["e"])
        XCTAssertFalse(s.resumeEventStream(after: 5), "only a detached stream resumes")
    }

    func testResentPacketsCountInTheQueueAtTheirCost() {
        var s = session()
        _ = s.handshake()
        _ = send(&s, "a", "b")
        XCTAssertEqual(s.queuedBytes, 0)
        _ = s.eventStreamDropped(now: 100)
        XCTAssertTrue(s.resumeEventStream(after: 1))
        let cost = OutboundPacket.queueCost(of: .message(text: "a")) + OutboundPacket.queueCost(of: .message(text: "b"))
        XCTAssertEqual(s.queuedBytes, cost, "what the resent packets hold, as when they were first queued")
        XCTAssertTrue(s.hasQueued)
        XCTAssertEqual(texts(s.flush()), ["a", "b"])
        XCTAssertEqual(s.queuedBytes, 0, "taking them gives back what resending them counted")
        XCTAssertFalse(s.hasQueued)
    }

    func testTheOpenPacketIsNotKeptForAResume() {
        var s = session()
        _ = s.handshake()
        XCTAssertEqual(s.eventStreamDropped(now: 100), .none)
        XCTAssertFalse(s.resumeEventStream(after: 0), "a client with a Last-Event-ID has read the open packet")
        XCTAssertTrue(s.resumeEventStream(after: 1))
        XCTAssertTrue(texts(s.flush()).isEmpty)
    }

    func testTooOldOrFutureLastEventIDIsRefused() {
        var s = session()
        _ = s.handshake()
        for index in 0..<(EventStreamLog.limit.packets + 10) { _ = send(&s, "m\(index)") }
        _ = s.eventStreamDropped(now: 0)
        XCTAssertFalse(s.resumeEventStream(after: 1), "packets after it are no longer kept")
        XCTAssertFalse(s.resumeEventStream(after: s.streamSequence + 1))
        XCTAssertTrue(s.resumeEventStream(after: s.streamSequence))
        XCTAssertTrue(texts(s.flush()).isEmpty)
    }

    func testTheLogIsBoundedByBytes() {
        var s = session()
        _ = s.handshake()
        let big = String(repeating: "x", count: 20_000)
        for _ in 0..<10 { _ = send(&s, big) }
        _ = s.eventStreamDropped(now: 0)
        XCTAssertFalse(s.resumeEventStream(after: s.streamSequence - 5), "at most 64 KiB is kept")
        XCTAssertTrue(s.resumeEventStream(after: s.streamSequence - 3))
        XCTAssertEqual(texts(s.flush()).count, 3)
    }

    func testAPongLetsGoOfWhatCameBeforeItsPing() {
        var s = session()
        _ = s.handshake()
        _ = send(&s, "a", "b")                           // 2, 3
        XCTAssertEqual(s.heartbeat(now: 1_000), .pingQueued)
        _ = send(&s, "c")                                // ping 4, then "c" 5
        XCTAssertEqual(s.receive(.pong(), via: .sse), .rescheduleHeartbeat)
        _ = s.eventStreamDropped(now: 1_100)
        XCTAssertFalse(s.resumeEventStream(after: 3), "the client read past the ping: nothing before it is kept")
        XCTAssertTrue(s.resumeEventStream(after: 4))
        XCTAssertEqual(texts(s.flush()), ["c"])
    }

    func testADetachedSessionTimesOutAfterPingTimeout() {
        var s = session()
        _ = s.handshake()
        _ = s.eventStreamDropped(now: 200)
        XCTAssertEqual(s.nextDeadline, 700)
        XCTAssertFalse(s.isExpired(now: 699))
        XCTAssertEqual(s.heartbeat(now: 699), .none)
        XCTAssertTrue(s.isExpired(now: 700))
        XCTAssertEqual(s.heartbeat(now: 700), .timeout)
    }

    func testADropDuringAnUpgradeClosesAsBefore() {
        var s = session()
        _ = s.handshake()
        XCTAssertTrue(s.beginProbe(now: 0))
        guard case .close(let plan) = s.eventStreamDropped(now: 0) else { return XCTFail("closes") }
        XCTAssertEqual(plan.reason, .transportClose)
        XCTAssertTrue(s.isClosed)
    }
}
