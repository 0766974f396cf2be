import XCTest
@testable import PushCore

/// The session's transport state machine, driven input by input with a manual clock.
final class EngineTransportStateTests: XCTestCase {
    private func session(_ transport: EngineTransportKind, configure: (inout EngineSessionConfig) -> Void = { _ in }) -> EngineSession {
        var config = EngineSessionConfig()
        config.pingInterval = 1_000
        config.pingTimeout = 500
        config.upgradeTimeout = 2_000
        configure(&config)
        return EngineSession(id: "sid", transport: transport, config: config, now: 0)
    }

    /// Wire forms ("4m1", "2") of the packets an action puts on a transport; nil for any other action.
    private func sent(_ action: EngineTransportAction) -> [String]? {
        switch action {
        case .writeStream(let packets), .answerHeldPoll(.packets(let packets)), .answerRequest(.packets(let packets)):
            return packets.map { String(UnicodeScalar($0.packet.type.wireDigit)) + $0.packet.text }
        default:
            return nil
        }
    }

    private func queue(_ s: inout EngineSession, _ texts: String...) {
        for text in texts { XCTAssertEqual(s.enqueue(OutboundPacket(.message(text: text))), .queued) }
    }

    private func plan(_ reason: EngineCloseReason, _ mode: EngineCloseMode, _ release: EngineTransportRelease,
                      probe: Bool = false) -> EngineTransportAction {
        .close(EngineClosePlan(reason: reason, mode: mode, release: release, closesProbe: probe))
    }

    // MARK: Handshake and delivery

    func testHandshakePerTransport() {
        for kind in EngineTransportKind.allCases {
            var s = session(kind)
            let action = s.handshake()
            let open = "0" + s.openPacket().text
            switch kind {
            case .longPolling, .polling:
                guard case .answerRequest = action else { return XCTFail("\(kind): \(action)") }
            case .sse, .websocket:
                guard case .writeStream = action else { return XCTFail("\(kind): \(action)") }
            }
            XCTAssertEqual(sent(action), [open], "\(kind)")
            XCTAssertFalse(s.transportState.holdsPoll)
            XCTAssertEqual(s.transportState.streamIsWritable, kind == .sse || kind == .websocket, "\(kind)")
            XCTAssertNil(s.upgradeDeadline)
        }
        XCTAssertEqual(session(.longPolling).transportState.downstream, .longPolling(.none))
        XCTAssertEqual(session(.polling).transportState.downstream, .polling)
        XCTAssertEqual(session(.sse).transportState.downstream, .eventStream(paused: false))
        XCTAssertEqual(session(.websocket).transportState.downstream, .webSocket)
    }

    func testHeldPollAnsweredByData() {
        var s = session(.longPolling)
        XCTAssertEqual(s.poll(via: .longPolling, now: 10), .holdRequest)
        XCTAssertTrue(s.transportState.holdsPoll)
        XCTAssertEqual(s.transportState.downstream, .longPolling(.held), "no noop deadline outside an upgrade")
        XCTAssertNil(s.upgradeDeadline)
        XCTAssertEqual(s.flush(), .none, "nothing queued")
        queue(&s, "m1", "m2")
        let answer = s.flush()
        guard case .answerHeldPoll = answer else { return XCTFail("\(answer)") }
        XCTAssertEqual(sent(answer), ["4m1", "4m2"])
        XCTAssertFalse(s.transportState.holdsPoll)
        // With packets waiting, a GET is answered at once, 16 packets at most.
        for index in 0..<20 { queue(&s, "n\(index)") }
        XCTAssertEqual(s.flush(), .none, "no poll held")
        XCTAssertEqual(sent(s.poll(via: .longPolling, now: 20)), (0..<16).map { "4n\($0)" })
        XCTAssertEqual(sent(s.poll(via: .longPolling, now: 30)), (16..<20).map { "4n\($0)" })
        XCTAssertEqual(s.poll(via: .longPolling, now: 40), .holdRequest)
    }

    func testShortPollingAnswersAtOnce() {
        var s = session(.polling)
        XCTAssertEqual(s.poll(via: .polling, now: 0), .answerRequest(.noop))
        queue(&s, "m1")
        XCTAssertEqual(s.flush(), .none, "plain polling holds no GET")
        XCTAssertEqual(sent(s.poll(via: .polling, now: 5)), ["4m1"])
        XCTAssertEqual(s.poll(via: .polling, now: 6), .answerRequest(.noop))
    }

    func testOverlappingPollsCloseTheSession() {
        var s = session(.longPolling)
        XCTAssertEqual(s.poll(via: .longPolling, now: 0), .holdRequest)
        XCTAssertEqual(s.poll(via: .longPolling, now: 1),
                       .rejectRequestAndClose(.badRequest, EngineClosePlan(reason: .transportError, mode: .notify,
                                                                          release: .answerHeldPollWithClose, closesProbe: false)))
        XCTAssertTrue(s.isClosed)
        XCTAssertEqual(s.poll(via: .longPolling, now: 2), .rejectRequest(.unknownSid))
    }

    func testRequestsOnTheWrongTransportAreRefused() {
        var polling = session(.longPolling)
        XCTAssertEqual(polling.poll(via: .polling, now: 0), .rejectRequest(.badRequest))
        XCTAssertEqual(polling.poll(via: .sse, now: 0), .rejectRequest(.badRequest))
        XCTAssertEqual(polling.post(via: .polling), .rejectRequest(.badRequest))
        XCTAssertEqual(polling.post(via: .longPolling), .none)
        XCTAssertFalse(polling.isClosed, "a refused request leaves the session alone")
        var sse = session(.sse)
        XCTAssertEqual(sse.poll(via: .sse, now: 0), .rejectRequest(.badRequest), "a GET is no poll on an event stream")
        XCTAssertEqual(sse.post(via: .sse), .none)
        var webSocket = session(.websocket)
        XCTAssertEqual(webSocket.post(via: .websocket), .rejectRequest(.badRequest))
        XCTAssertEqual(webSocket.poll(via: .longPolling, now: 0), .rejectRequest(.badRequest))
        XCTAssertFalse(sse.isClosed || webSocket.isClosed)
    }

    func testEventStreamDeliveryWithPings() {
        var s = session(.sse)
        queue(&s, "a", "b", "c")
        XCTAssertEqual(sent(s.flush()), ["4a", "4b", "4c"])
        XCTAssertEqual(s.flush(), .none)
        XCTAssertEqual(s.heartbeat(now: 1_000), .pingQueued)
        XCTAssertEqual(sent(s.flush()), ["2"])
    }

    func testPacketsUpAndPongs() {
        var s = session(.sse)
        XCTAssertEqual(s.receive(.message(text: "up"), via: .sse), .deliverMessage)
        XCTAssertEqual(s.receive(.pong(), via: .sse), .rescheduleHeartbeat)
        XCTAssertEqual(s.receive(.noop, via: .sse), .none)
        XCTAssertEqual(s.receive(.upgrade, via: .sse), plan(.parseError, .silent, .endEventStream(sendClosePacket: false)))
    }

    // MARK: Upgrade

    func testProbeIsAnsweredAndTheHeldPollGetsANoop() {
        var s = session(.longPolling)
        XCTAssertEqual(s.poll(via: .longPolling, now: 0), .holdRequest)
        XCTAssertTrue(s.beginProbe(now: 100))
        XCTAssertEqual(s.transportState.probe, .opened(deadline: 2_100))
        XCTAssertEqual(s.upgradeDeadline, 2_100)
        XCTAssertTrue(s.transportState.holdsPoll, "the poll stays held until 2probe")
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.answerHeldPollWithNoop))
        XCTAssertEqual(s.transportState.probe, .answered(deadline: 2_100))
        XCTAssertFalse(s.transportState.holdsPoll)
        XCTAssertTrue(s.transportState.isPausedForUpgrade)
        // A second 2probe is answered again; nothing more to pause.
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.none))
        XCTAssertEqual(s.receive(.pong(), via: .websocket), .none)
    }

    func testProbeOnEventStreamWritesANoopAndPausesTheStream() {
        var s = session(.sse)
        XCTAssertTrue(s.beginProbe(now: 0))
        queue(&s, "before")
        XCTAssertEqual(sent(s.flush()), ["4before"], "the stream delivers until 2probe")
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.writeNoopEvent))
        XCTAssertEqual(s.transportState.downstream, .eventStream(paused: true))
        queue(&s, "during")
        XCTAssertEqual(s.flush(), .none, "the client may stop reading the stream after the noop marker")
    }

    func testProbeOnShortPollingHasNothingToPause() {
        var s = session(.polling)
        XCTAssertTrue(s.beginProbe(now: 0))
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.none))
    }

    func testPollingKeepsDeliveringDuringTheProbeWithPings() {
        var s = session(.longPolling)
        XCTAssertTrue(s.beginProbe(now: 0))
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.none))
        queue(&s, "m1")
        XCTAssertEqual(s.flush(), .none)
        XCTAssertEqual(sent(s.poll(via: .longPolling, now: 50)), ["4m1"], "queued packets still go out by poll")
        XCTAssertEqual(s.poll(via: .longPolling, now: 60), .holdRequest)
        queue(&s, "m2")
        XCTAssertEqual(sent(s.flush()), ["4m2"], "a held poll is answered with data as usual")
        XCTAssertEqual(s.poll(via: .longPolling, now: 70), .holdRequest)
        XCTAssertEqual(s.heartbeat(now: 1_000), .pingQueued)
        XCTAssertEqual(sent(s.flush()), ["2"], "pings too")
        XCTAssertEqual(s.receive(.pong(), via: .longPolling), .rescheduleHeartbeat)
        XCTAssertFalse(s.isExpired(now: 1_900))

        var short = session(.polling)
        XCTAssertTrue(short.beginProbe(now: 0))
        _ = short.receive(.ping(probe: true), via: .websocket)
        queue(&short, "s1")
        XCTAssertEqual(sent(short.poll(via: .polling, now: 10)), ["4s1"])
    }

    func testAPollHeldDuringTheUpgradeGetsANoopEveryCycle() {
        var s = session(.longPolling)
        XCTAssertTrue(s.beginProbe(now: 0))
        // Before 2probe a held poll is an ordinary one.
        XCTAssertEqual(s.poll(via: .longPolling, now: 10), .holdRequest)
        XCTAssertEqual(s.transportState.downstream, .longPolling(.held))
        XCTAssertEqual(s.upgradeDeadline, 2_000)
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.answerHeldPollWithNoop))
        XCTAssertEqual(s.poll(via: .longPolling, now: 1_000), .holdRequest)
        XCTAssertEqual(s.transportState.downstream, .longPolling(.heldUntil(1_100)))
        XCTAssertEqual(s.upgradeDeadline, 1_100)
        XCTAssertEqual(s.upgradeTimer(now: 1_099), .none)
        XCTAssertEqual(s.upgradeTimer(now: 1_100), .answerHeldPoll(.noop))
        XCTAssertFalse(s.transportState.holdsPoll)
        XCTAssertEqual(s.upgradeDeadline, 2_000, "back to the probe's deadline")
        // The next poll gets the same treatment; data first wins.
        XCTAssertEqual(s.poll(via: .longPolling, now: 1_150), .holdRequest)
        queue(&s, "m1")
        XCTAssertEqual(sent(s.flush()), ["4m1"])
        XCTAssertEqual(s.upgradeTimer(now: 1_250), .none)
    }

    func testUpgradeCompletesAndTheQueueFlushesInOrderOnTheWebSocket() {
        var s = session(.longPolling)
        queue(&s, "m1")
        XCTAssertEqual(sent(s.poll(via: .longPolling, now: 0)), ["4m1"])
        XCTAssertTrue(s.beginProbe(now: 0))
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.none))
        queue(&s, "m2", "m3")
        XCTAssertEqual(s.receive(.message(text: "up"), via: .longPolling), .deliverMessage,
                       "POSTs on the old transport go on until 5")
        XCTAssertEqual(s.receive(.upgrade, via: .websocket), .completeUpgrade(.none))
        XCTAssertEqual(s.transport, .websocket)
        XCTAssertEqual(s.transportState.downstream, .webSocket)
        XCTAssertNil(s.upgradeDeadline)
        queue(&s, "m4")
        XCTAssertEqual(sent(s.flush()), ["4m2", "4m3", "4m4"])
        XCTAssertEqual(s.poll(via: .longPolling, now: 10), .rejectRequest(.badRequest))
        XCTAssertEqual(s.receive(.message(text: "x"), via: .websocket), .deliverMessage)
    }

    func testUpgradeReleasesAHeldPollAndEndsTheEventStream() {
        var polling = session(.longPolling)
        XCTAssertTrue(polling.beginProbe(now: 0))
        _ = polling.receive(.ping(probe: true), via: .websocket)
        XCTAssertEqual(polling.poll(via: .longPolling, now: 10), .holdRequest)
        XCTAssertEqual(polling.receive(.upgrade, via: .websocket), .completeUpgrade(.answerHeldPollWithNoop))

        var sse = session(.sse)
        XCTAssertTrue(sse.beginProbe(now: 0))
        _ = sse.receive(.ping(probe: true), via: .websocket)
        queue(&sse, "w1", "w2")
        XCTAssertEqual(sse.receive(.upgrade, via: .websocket), .completeUpgrade(.endEventStream(sendClosePacket: false)))
        XCTAssertEqual(sent(sse.flush()), ["4w1", "4w2"])

        // "5" without "2probe" completes the upgrade too (as the reference server allows).
        var early = session(.longPolling)
        XCTAssertEqual(early.poll(via: .longPolling, now: 0), .holdRequest)
        XCTAssertTrue(early.beginProbe(now: 0))
        XCTAssertEqual(early.receive(.upgrade, via: .websocket), .completeUpgrade(.answerHeldPollWithNoop))
    }

    func testUpgradeTimeoutClosesTheProbeAndTheSessionCarriesOn() {
        var s = session(.longPolling)
        XCTAssertTrue(s.beginProbe(now: 500))
        _ = s.receive(.ping(probe: true), via: .websocket)
        XCTAssertEqual(s.poll(via: .longPolling, now: 2_450), .holdRequest)
        XCTAssertEqual(s.upgradeDeadline, 2_500, "the probe's deadline comes before the poll's noop")
        XCTAssertEqual(s.upgradeTimer(now: 2_499), .none)
        XCTAssertEqual(s.upgradeTimer(now: 2_500), .closeProbe)
        XCTAssertEqual(s.transportState.probe, .none)
        XCTAssertEqual(s.transportState.downstream, .longPolling(.held), "the held poll is an ordinary one again")
        XCTAssertNil(s.upgradeDeadline)
        XCTAssertFalse(s.isClosed)
        queue(&s, "after")
        XCTAssertEqual(sent(s.flush()), ["4after"])
        XCTAssertEqual(s.receive(.upgrade, via: .websocket), .none, "a late 5 from the closed probe is ignored")
        XCTAssertEqual(s.transport, .longPolling)
        XCTAssertTrue(s.beginProbe(now: 3_000), "a new probe may start")

        // A probe that never sent 2probe times out the same way.
        var quiet = session(.polling)
        XCTAssertTrue(quiet.beginProbe(now: 0))
        XCTAssertEqual(quiet.upgradeTimer(now: 2_000), .closeProbe)
    }

    func testUpgradeTimeoutResumesAPausedEventStream() {
        var s = session(.sse)
        XCTAssertTrue(s.beginProbe(now: 0))
        _ = s.receive(.ping(probe: true), via: .websocket)
        queue(&s, "held back")
        XCTAssertEqual(s.flush(), .none)
        XCTAssertEqual(s.upgradeTimer(now: 2_000), .closeProbe)
        XCTAssertEqual(s.transportState.downstream, .eventStream(paused: false))
        XCTAssertEqual(sent(s.flush()), ["4held back"])
    }

    func testAPausedEventStreamResumesInTimeForTheHeartbeat() {
        // Pings every 1000 ms, 500 ms to answer, upgrades time out after 2000 ms.
        var s = session(.sse)
        XCTAssertTrue(s.beginProbe(now: 0))
        XCTAssertEqual(s.upgradeDeadline, 2_000, "a stream that is not paused waits for the upgrade timeout")
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .answerProbe(.writeNoopEvent))
        XCTAssertEqual(s.upgradeDeadline, 1_250, "half a pingTimeout after the next ping is due")
        XCTAssertEqual(s.heartbeat(now: 1_000), .pingQueued)
        XCTAssertEqual(s.flush(), .none, "the ping waits behind the noop marker")
        XCTAssertEqual(s.upgradeTimer(now: 1_249), .none)
        XCTAssertEqual(s.upgradeTimer(now: 1_250), .closeProbe)
        XCTAssertEqual(sent(s.flush()), ["2"])
        XCTAssertFalse(s.isExpired(now: 1_499), "the client still has time to answer")
        XCTAssertEqual(s.receive(.pong(), via: .sse), .rescheduleHeartbeat)

        // Polling transports are not held back, so their upgrade keeps its own timeout.
        var polling = session(.longPolling)
        XCTAssertTrue(polling.beginProbe(now: 0))
        _ = polling.receive(.ping(probe: true), via: .websocket)
        XCTAssertEqual(polling.upgradeDeadline, 2_000)
    }

    func testBadPacketOnTheProbeEndsOnlyTheProbe() {
        var s = session(.sse)
        XCTAssertTrue(s.beginProbe(now: 0))
        _ = s.receive(.ping(probe: true), via: .websocket)
        XCTAssertEqual(s.receive(.message(text: "too soon"), via: .websocket), .closeProbe)
        XCTAssertFalse(s.isClosed)
        XCTAssertEqual(s.transport, .sse)
        XCTAssertEqual(s.transportState.downstream, .eventStream(paused: false))
        XCTAssertEqual(s.receive(.upgrade, via: .websocket), .none)
    }

    func testProbeTransportClosing() {
        var s = session(.longPolling)
        XCTAssertTrue(s.beginProbe(now: 0))
        _ = s.receive(.ping(probe: true), via: .websocket)
        XCTAssertEqual(s.poll(via: .longPolling, now: 10), .holdRequest)
        s.probeEnded()
        XCTAssertEqual(s.transportState.probe, .none)
        XCTAssertEqual(s.transportState.downstream, .longPolling(.held))
        XCTAssertNil(s.upgradeDeadline)
        XCTAssertEqual(s.upgradeTimer(now: 5_000), .none)
        XCTAssertEqual(s.receive(.ping(probe: true), via: .websocket), .none)
        queue(&s, "still here")
        XCTAssertEqual(sent(s.flush()), ["4still here"])
    }

    func testClientCloseOverTheProbe() {
        var s = session(.longPolling)
        XCTAssertEqual(s.poll(via: .longPolling, now: 0), .holdRequest)
        XCTAssertTrue(s.beginProbe(now: 0))
        XCTAssertEqual(s.receive(.close, via: .websocket), plan(.transportClose, .clientRequested, .answerHeldPollWithNoop, probe: true))
    }

    func testProbesThatAreRefused() {
        var webSocket = session(.websocket)
        XCTAssertFalse(webSocket.beginProbe(now: 0), "nothing to upgrade to")
        var noUpgrades = session(.longPolling) { $0.allowUpgrades = false }
        XCTAssertFalse(noUpgrades.beginProbe(now: 0))
        var closed = session(.sse)
        _ = closed.close(.forcedServerClose, mode: .notify)
        XCTAssertFalse(closed.beginProbe(now: 0))
    }

    // MARK: Closing

    func testEveryCloseModePerTransport() {
        let modes: [EngineCloseMode] = [.notify, .clientRequested, .silent, .abort]
        let expected: [EngineCloseMode: [String: EngineTransportRelease]] = [
            .notify: ["websocket": .closeWebSocket(sendClosePacket: true), "sse": .endEventStream(sendClosePacket: true),
                      "held": .answerHeldPollWithClose],
            .clientRequested: ["websocket": .closeWebSocket(sendClosePacket: false), "sse": .endEventStream(sendClosePacket: false),
                               "held": .answerHeldPollWithNoop],
            .silent: ["websocket": .closeWebSocket(sendClosePacket: false), "sse": .endEventStream(sendClosePacket: false),
                      "held": .answerHeldPollWithClose],
            .abort: ["websocket": .abortWebSocket, "sse": .abortEventStream, "held": .answerHeldPollWithClose],
        ]
        for mode in modes {
            var webSocket = session(.websocket)
            XCTAssertEqual(webSocket.close(.forcedServerClose, mode: mode),
                           plan(.forcedServerClose, mode, expected[mode]!["websocket"]!), "\(mode)")
            var sse = session(.sse)
            XCTAssertEqual(sse.close(.forcedServerClose, mode: mode),
                           plan(.forcedServerClose, mode, expected[mode]!["sse"]!), "\(mode)")
            var held = session(.longPolling)
            _ = held.poll(via: .longPolling, now: 0)
            XCTAssertEqual(held.close(.forcedServerClose, mode: mode),
                           plan(.forcedServerClose, mode, expected[mode]!["held"]!), "\(mode)")
            var longPolling = session(.longPolling)
            XCTAssertEqual(longPolling.close(.pingTimeout, mode: mode), plan(.pingTimeout, mode, .none), "\(mode)")
            var polling = session(.polling)
            XCTAssertEqual(polling.close(.pingTimeout, mode: mode), plan(.pingTimeout, mode, .none), "\(mode)")
            var probing = session(.polling)
            XCTAssertTrue(probing.beginProbe(now: 0))
            XCTAssertEqual(probing.close(.slowConsumer, mode: mode), plan(.slowConsumer, mode, .none, probe: true), "\(mode)")
        }
    }

    func testATransportThatWentAwayIsNotReleased() {
        var held = session(.longPolling)
        _ = held.poll(via: .longPolling, now: 0)
        XCTAssertEqual(held.transportClosed(), plan(.transportClose, .silent, .none))
        var sse = session(.sse)
        XCTAssertEqual(sse.transportClosed(), plan(.transportClose, .silent, .none))
        var webSocket = session(.websocket)
        XCTAssertEqual(webSocket.transportClosed(), plan(.transportClose, .silent, .none))
        XCTAssertEqual(webSocket.transportClosed(), .none)
    }

    func testNothingIsProducedAfterClose() {
        var s = session(.longPolling)
        queue(&s, "dropped")
        XCTAssertTrue(s.beginProbe(now: 0))
        XCTAssertEqual(s.close(.forcedServerClose, mode: .notify), plan(.forcedServerClose, .notify, .none, probe: true))
        XCTAssertTrue(s.isClosed)
        XCTAssertFalse(s.hasQueued, "the queue is dropped")
        XCTAssertEqual(s.enqueue(OutboundPacket(.message(text: "late"))), .closed)
        XCTAssertEqual(s.flush(), .none)
        XCTAssertEqual(s.poll(via: .longPolling, now: 1), .rejectRequest(.unknownSid))
        XCTAssertEqual(s.post(via: .longPolling), .rejectRequest(.unknownSid))
        XCTAssertEqual(s.receive(.message(text: "x"), via: .longPolling), .none)
        XCTAssertEqual(s.receive(.upgrade, via: .websocket), .none)
        XCTAssertFalse(s.beginProbe(now: 1))
        XCTAssertNil(s.upgradeDeadline)
        XCTAssertEqual(s.upgradeTimer(now: 10_000), .none)
        XCTAssertEqual(s.heartbeat(now: 10_000), .none)
        XCTAssertFalse(s.isExpired(now: 10_000))
        XCTAssertEqual(s.close(.pingTimeout, mode: .silent), .none)
        XCTAssertEqual(s.transportClosed(), .none)
        s.probeEnded()
        XCTAssertEqual(s.transportState.downstream, .closed)
    }

    func testCloseReasonsKeepSocketIOWording() {
        XCTAssertEqual(EngineCloseReason.allCases.map(\.description),
                       ["transport close", "transport error", "ping timeout", "parse error", "forced server close", "slow consumer"])
    }
}
