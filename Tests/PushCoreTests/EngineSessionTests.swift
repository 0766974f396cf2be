import XCTest
@testable import PushCore

final class EngineSessionTests: XCTestCase {
    private func session(_ transport: EngineTransportKind = .longPolling, configure: (inout EngineSessionConfig) -> Void = { _ in }) -> EngineSession {
        var config = EngineSessionConfig()
        config.pingInterval = 300
        config.pingTimeout = 200
        configure(&config)
        return EngineSession(id: "sid", transport: transport, config: config, now: 0)
    }

    func testOpenPacketAdvertisesUpgradesOnlyForHTTPTransports() {
        XCTAssertEqual(session(.longPolling).openPacket().text,
                       #"{"sid":"sid","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#)
        XCTAssertTrue(session(.websocket).openPacket().text.contains(#""upgrades":[]"#))
        XCTAssertTrue(session(.sse).openPacket().text.contains(#""upgrades":["websocket"]"#))
        XCTAssertEqual(session(.longPolling) { $0.allowUpgrades = false; $0.maxPayload = 42 }.openPacket().text,
                       #"{"sid":"sid","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":42}"#)
        // The same as the handshake value writes it.
        XCTAssertEqual(session(.polling).openPacket(),
                       EngineHandshake(sid: "sid", upgrades: ["websocket"], pingInterval: 300, pingTimeout: 200).openPacket())
    }

    func testHeartbeatPingsThenTimesOutWithoutPong() {
        var s = session()
        XCTAssertEqual(s.nextDeadline, 300)
        XCTAssertEqual(s.heartbeat(now: 299), .none)
        XCTAssertEqual(s.heartbeat(now: 310), .pingQueued)
        XCTAssertEqual(s.takeQueued().map(\.packet), [.ping()])
        // The timeout counts from when the ping was due (300), not when it went out (310).
        XCTAssertEqual(s.nextDeadline, 500)
        XCTAssertFalse(s.isExpired(now: 499))
        XCTAssertEqual(s.heartbeat(now: 499), .none)
        XCTAssertTrue(s.isExpired(now: 500))
        XCTAssertEqual(s.heartbeat(now: 500), .timeout)
    }

    func testPongKeepsTheSessionAlive() {
        var s = session()
        for cycle in 1...5 {
            let due = Int64(cycle) * 300
            XCTAssertEqual(s.heartbeat(now: due), .pingQueued)
            _ = s.takeQueued()
            XCTAssertEqual(s.receive(.pong(), via: .longPolling), .rescheduleHeartbeat)
            XCTAssertFalse(s.isExpired(now: due + 250))
        }
    }

    func testMessagesAndClose() {
        var s = session()
        XCTAssertEqual(s.receive(.message(text: "hi"), via: .longPolling), .deliverMessage)
        XCTAssertEqual(s.receive(.close, via: .longPolling),
                       .close(EngineClosePlan(reason: .transportClose, mode: .clientRequested, release: .none, closesProbe: false)))
        XCTAssertEqual(s.receive(.message(text: "late"), via: .longPolling), .none)
        var other = session()
        XCTAssertEqual(other.receive(EnginePacket(type: .open), via: .longPolling),
                       .close(EngineClosePlan(reason: .parseError, mode: .silent, release: .none, closesProbe: false)))
    }

    func testUpgradeExchange() {
        var s = session(.longPolling)
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .none, "no probe open")
        XCTAssertTrue(s.beginProbe(now: 0))
        XCTAssertFalse(s.beginProbe(now: 0), "one probe at a time")
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.none))
        XCTAssertEqual(s.receive(.upgrade, via: .websocket), .completeUpgrade(.none))
        XCTAssertEqual(s.transport, .websocket)
        XCTAssertEqual(s.transportState.probe, .none)
        XCTAssertFalse(s.beginProbe(now: 0), "no upgrade after an upgrade")
        // The old transport is no longer in use.
        XCTAssertEqual(s.post(via: .longPolling), .rejectRequest(.badRequest))
    }

    func testProbeThatEndsLeavesTheOldTransportActive() {
        var s = session(.sse)
        XCTAssertTrue(s.beginProbe(now: 0))
        s.probeEnded()
        XCTAssertEqual(s.transport, .sse)
        XCTAssertTrue(s.beginProbe(now: 0))
    }

    func testQueueOrderAndMaxBytesPerTake() {
        var s = session()
        for index in 0..<10 {
            XCTAssertEqual(s.enqueue(OutboundPacket(.message(text: "message \(index)"))), .queued)
        }
        XCTAssertEqual(s.queuedBytes, 10 * (10 + OutboundPacket.memoryOverhead))
        let first = s.takeQueued(maxBytes: 35)
        XCTAssertEqual(first.map(\.packet.text), ["message 0", "message 1", "message 2"])
        let rest = s.takeQueued()
        XCTAssertEqual(rest.map(\.packet.text), (3..<10).map { "message \($0)" })
        XCTAssertEqual(s.queuedBytes, 0)
        XCTAssertFalse(s.hasQueued)
        for index in 0..<40 { _ = s.enqueue(OutboundPacket(.message(text: "m\(index)"))) }
        XCTAssertEqual(s.takeQueued(maxPackets: 16).count, 16)
        XCTAssertEqual(s.takeQueued(maxPackets: 16).first?.packet.text, "m16")
        XCTAssertEqual(s.takeQueued(maxPackets: 16).count, 8)
        // One packet larger than maxBytes still goes out alone.
        _ = s.enqueue(OutboundPacket(.message(text: String(repeating: "x", count: 100))))
        XCTAssertEqual(s.takeQueued(maxBytes: 10).count, 1)
    }

    func testVolatileDroppedThenOverflow() {
        let overhead = OutboundPacket.memoryOverhead
        var s = session { $0.maxQueueBytes = 1_000 + 5 * overhead; $0.volatileDropBytes = 100 + overhead }
        let big = EnginePacket.message(text: String(repeating: "a", count: 199))
        XCTAssertEqual(s.enqueue(OutboundPacket(big, isVolatile: true)), .queued)
        XCTAssertEqual(s.enqueue(OutboundPacket(big, isVolatile: true)), .droppedVolatile)
        XCTAssertEqual(s.droppedVolatile, 1)
        // The transport's own backlog counts too.
        XCTAssertEqual(s.enqueue(OutboundPacket(.message(text: "v"), isVolatile: true), transportBacklog: 0), .droppedVolatile)
        // 200 bytes queued; four more bring it exactly to the cap, which is allowed.
        for _ in 0..<4 { XCTAssertEqual(s.enqueue(OutboundPacket(big)), .queued) }
        XCTAssertEqual(s.queuedBytes, 1_000 + 5 * overhead)
        XCTAssertEqual(s.enqueue(OutboundPacket(.message(text: ""))), .overflow)
        XCTAssertEqual(s.enqueue(OutboundPacket(.message(text: "x")), transportBacklog: 1_000), .overflow)
        XCTAssertEqual(s.close(.slowConsumer, mode: .abort),
                       .close(EngineClosePlan(reason: .slowConsumer, mode: .abort, release: .none, closesProbe: false)))
        XCTAssertEqual(s.close(.slowConsumer, mode: .abort), .none)
        XCTAssertEqual(s.enqueue(OutboundPacket(big)), .closed)
        XCTAssertEqual(s.queuedBytes, 0)
    }

    func testTinyPacketsCountTheirMemoryNotTheirWireBytes() {
        // A flood of one-byte messages holds about 120 bytes of memory per packet: the cap counts
        // that, so 1 MiB of queue stops at a few thousand of them, not a million.
        var s = session { $0.maxQueueBytes = 1 << 20 }
        var queued = 0
        while s.enqueue(OutboundPacket(.message(text: "a"))) == .queued { queued += 1 }
        XCTAssertEqual(queued, (1 << 20) / (2 + OutboundPacket.memoryOverhead))
        XCTAssertLessThan(queued, 10_000)
        // Taking packets gives their whole cost back.
        _ = s.takeQueued()
        XCTAssertEqual(s.queuedBytes, 0)
        // The ping counts at its cost too, and leaves with it.
        XCTAssertEqual(s.heartbeat(now: s.config.pingInterval), .pingQueued)
        XCTAssertEqual(s.queuedBytes, 1 + OutboundPacket.memoryOverhead)
        _ = s.takeQueued()
        XCTAssertEqual(s.queuedBytes, 0)
    }
}
