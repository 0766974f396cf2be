import XCTest
@testable import PushCore

private typealias Machine = HTTPConnectionStateMachine
private typealias Action = HTTPConnectionStateMachine.Action

/// Distinct timeouts, so an armed deadline tells which timeout it is.
private let timeouts = HTTPConnectionTimeouts(header: 10_000, body: 30_000, keepAlive: 60_000)

/// A machine opened at `now`: idle, its keep-alive timer armed.
private func openedMachine(at now: Int64 = 0) -> Machine {
    var machine = Machine(timeouts: timeouts)
    XCTAssertEqual(machine.handle(.opened(now: now, serverDraining: false)),
                   Action(timer: .arm(deadline: now + 60_000)))
    return machine
}

/// A machine with a request in flight, dispatched at `now`.
private func machineAwaitingResponse(at now: Int64 = 0) -> Machine {
    var machine = openedMachine(at: now)
    XCTAssertEqual(machine.handle(.headReceived(hasBody: false, expectsContinue: false, now: now)), Action(timer: .cancel))
    XCTAssertEqual(machine.handle(.bodyCompleted), Action(effect: .dispatch))
    XCTAssertEqual(machine.state, .awaitingResponse)
    return machine
}

final class HTTPConnectionStateMachineTests: XCTestCase {
    // MARK: Opening and keep-alive

    func testOpenArmsKeepAliveTimerAndIdleTimeoutClosesQuietly() {
        var machine = openedMachine(at: 1_000)
        XCTAssertEqual(machine.state, .idle(deadline: 61_000))
        XCTAssertTrue(machine.readsRequests)
        // A timer that goes off early is set again for the same deadline.
        XCTAssertEqual(machine.handle(.timerFired(now: 60_999)), Action(timer: .arm(deadline: 61_000)))
        XCTAssertEqual(machine.state, .idle(deadline: 61_000))
        XCTAssertEqual(machine.handle(.timerFired(now: 61_000)), Action(timer: .cancel, effect: .close))
        XCTAssertEqual(machine.state, .closed)
    }

    func testOpenWhileServerDrainsClosesAtOnce() {
        var machine = Machine(timeouts: timeouts)
        XCTAssertEqual(machine.state, .opening)
        XCTAssertFalse(machine.readsRequests)
        XCTAssertEqual(machine.handle(.opened(now: 0, serverDraining: true)), Action(effect: .close))
        XCTAssertEqual(machine.state, .closed)
        XCTAssertTrue(machine.isDraining)
    }

    func testInputBeforeOpenIsIgnored() {
        var machine = Machine(timeouts: timeouts)
        XCTAssertEqual(machine.handle(.headStarted(now: 0)), .none)
        XCTAssertEqual(machine.handle(.headReceived(hasBody: true, expectsContinue: true, now: 0)), .none)
        XCTAssertEqual(machine.handle(.timerFired(now: 100_000)), .none)
        XCTAssertEqual(machine.state, .opening)
    }

    // MARK: Header timeout

    func testHeaderTimeoutStartsWithTheFirstBytesOfAHead() {
        var machine = openedMachine()
        XCTAssertEqual(machine.handle(.headStarted(now: 5_000)), Action(timer: .arm(deadline: 15_000)))
        XCTAssertEqual(machine.state, .receivingHead(deadline: 15_000))
        // More bytes of the same head do not extend the deadline.
        XCTAssertEqual(machine.handle(.headStarted(now: 9_000)), .none)
        XCTAssertEqual(machine.handle(.timerFired(now: 14_999)), Action(timer: .arm(deadline: 15_000)))
        XCTAssertEqual(machine.handle(.timerFired(now: 15_000)), Action(timer: .cancel, effect: .respondError(status: 408)))
        XCTAssertEqual(machine.state, .closing)
        XCTAssertFalse(machine.readsRequests)
        XCTAssertTrue(machine.discardsInput)
    }

    func testNoHeaderTimeoutBeforeAnyByteOfAHead() {
        var machine = openedMachine()
        // Only the keep-alive timer runs: at the header timeout nothing is due yet.
        XCTAssertEqual(machine.handle(.timerFired(now: 10_000)), Action(timer: .arm(deadline: 60_000)))
        XCTAssertEqual(machine.handle(.timerFired(now: 60_000)), Action(timer: .cancel, effect: .close))
    }

    func testHeadInTimeCancelsHeaderTimer() {
        var machine = openedMachine()
        _ = machine.handle(.headStarted(now: 1_000))
        XCTAssertEqual(machine.handle(.headReceived(hasBody: false, expectsContinue: false, now: 2_000)), Action(timer: .cancel))
        XCTAssertEqual(machine.state, .receivingBody(deadline: nil))
        XCTAssertEqual(machine.handle(.timerFired(now: 11_000)), .none)
        XCTAssertEqual(machine.handle(.bodyCompleted), Action(effect: .dispatch))
    }

    // MARK: Body timeout and 100-continue

    func testBodyTimeout() {
        var machine = openedMachine()
        _ = machine.handle(.headStarted(now: 1_000))
        XCTAssertEqual(machine.handle(.headReceived(hasBody: true, expectsContinue: false, now: 2_000)),
                       Action(timer: .arm(deadline: 32_000)))
        XCTAssertEqual(machine.state, .receivingBody(deadline: 32_000))
        // Body bytes are not events: the deadline holds for the whole body.
        XCTAssertEqual(machine.handle(.headStarted(now: 20_000)), .none)
        XCTAssertEqual(machine.handle(.timerFired(now: 31_999)), Action(timer: .arm(deadline: 32_000)))
        XCTAssertEqual(machine.handle(.timerFired(now: 32_000)), Action(timer: .cancel, effect: .respondError(status: 408)))
        XCTAssertEqual(machine.state, .closing)
    }

    func testBodyInTimeCancelsBodyTimerAndDispatches() {
        var machine = openedMachine()
        _ = machine.handle(.headReceived(hasBody: true, expectsContinue: false, now: 0))
        XCTAssertEqual(machine.handle(.bodyCompleted), Action(timer: .cancel, effect: .dispatch))
        XCTAssertEqual(machine.state, .awaitingResponse)
        XCTAssertNil(machine.deadline)
    }

    func testContinueOnlyForABodyTheClientWaitsToSend() {
        var expecting = openedMachine()
        XCTAssertEqual(expecting.handle(.headReceived(hasBody: true, expectsContinue: true, now: 100)),
                       Action(timer: .arm(deadline: 30_100), effect: .write100Continue))
        var plain = openedMachine()
        XCTAssertEqual(plain.handle(.headReceived(hasBody: true, expectsContinue: false, now: 100)),
                       Action(timer: .arm(deadline: 30_100)))
        // Without a body there is nothing to continue with.
        var bodiless = openedMachine()
        XCTAssertEqual(bodiless.handle(.headReceived(hasBody: false, expectsContinue: true, now: 100)), Action(timer: .cancel))
    }

    // MARK: Requests in flight and pipelining

    func testTimerDuringARequestInFlightDoesNothing() {
        var machine = machineAwaitingResponse()
        XCTAssertEqual(machine.handle(.timerFired(now: 10_000)), .none)
        XCTAssertEqual(machine.handle(.timerFired(now: 1_000_000)), .none)
        XCTAssertEqual(machine.state, .awaitingResponse)
    }

    func testPipelinedRequestsAreDispatchedOneAtATimeInOrder() {
        var machine = machineAwaitingResponse(at: 0)
        // The next request's events while one is in flight change nothing (the executor stops
        // parsing; the machine ignores them regardless).
        XCTAssertFalse(machine.readsRequests)
        XCTAssertFalse(machine.discardsInput)
        XCTAssertEqual(machine.handle(.headStarted(now: 10)), .none)
        XCTAssertEqual(machine.handle(.headReceived(hasBody: false, expectsContinue: false, now: 10)), .none)
        XCTAssertEqual(machine.handle(.bodyCompleted), .none)
        XCTAssertEqual(machine.state, .awaitingResponse)
        // The response frees the connection: keep-alive armed, kept input offered again.
        XCTAssertEqual(machine.handle(.responseCompleted(keepAlive: true, now: 500)),
                       Action(timer: .arm(deadline: 60_500), effect: .resumeInput))
        XCTAssertTrue(machine.readsRequests)
        // The second request, already buffered, parses at once.
        XCTAssertEqual(machine.handle(.headReceived(hasBody: false, expectsContinue: false, now: 500)), Action(timer: .cancel))
        XCTAssertEqual(machine.handle(.bodyCompleted), Action(effect: .dispatch))
        XCTAssertEqual(machine.handle(.responseCompleted(keepAlive: true, now: 700)),
                       Action(timer: .arm(deadline: 60_700), effect: .resumeInput))
        XCTAssertEqual(machine.state, .idle(deadline: 60_700))
    }

    func testResponseCompletedWithoutARequestIsIgnored() {
        var machine = openedMachine()
        XCTAssertEqual(machine.handle(.responseCompleted(keepAlive: true, now: 5)), .none)
        XCTAssertEqual(machine.handle(.upgraded), .none)
        XCTAssertEqual(machine.state, .idle(deadline: 60_000))
    }

    func testResponseWithoutKeepAliveClosesAfterFlush() {
        var machine = machineAwaitingResponse()
        XCTAssertEqual(machine.handle(.responseCompleted(keepAlive: false, now: 100)), Action(effect: .closeAfterFlush))
        XCTAssertEqual(machine.state, .closing)
        XCTAssertTrue(machine.discardsInput)
        // A request pipelined behind it is not served.
        XCTAssertEqual(machine.handle(.headReceived(hasBody: false, expectsContinue: false, now: 100)), .none)
        XCTAssertEqual(machine.handle(.bodyCompleted), .none)
        XCTAssertEqual(machine.handle(.peerClosed), .none)
        XCTAssertEqual(machine.state, .closed)
    }

    // MARK: Draining

    func testDrainWhileIdleClosesNow() {
        var machine = openedMachine()
        XCTAssertEqual(machine.handle(.drain), Action(timer: .cancel, effect: .close))
        XCTAssertEqual(machine.state, .closed)
        XCTAssertTrue(machine.isDraining)
    }

    func testDrainWhilePartOfAHeadArrivedClosesNow() {
        var machine = openedMachine()
        _ = machine.handle(.headStarted(now: 10))
        XCTAssertEqual(machine.handle(.drain), Action(timer: .cancel, effect: .close))
        XCTAssertEqual(machine.state, .closed)
    }

    func testDrainWhileReceivingABodyClosesAfterItsResponse() {
        var machine = openedMachine()
        _ = machine.handle(.headReceived(hasBody: true, expectsContinue: false, now: 0))
        XCTAssertEqual(machine.handle(.drain), .none)
        XCTAssertTrue(machine.isDraining)
        XCTAssertEqual(machine.state, .receivingBody(deadline: 30_000))
        XCTAssertEqual(machine.handle(.bodyCompleted), Action(timer: .cancel, effect: .dispatch))
        // Even a keep-alive response ends the connection now.
        XCTAssertEqual(machine.handle(.responseCompleted(keepAlive: true, now: 50)), Action(effect: .closeAfterFlush))
        XCTAssertEqual(machine.state, .closing)
    }

    func testDrainWhileBusyClosesAfterTheResponse() {
        var machine = machineAwaitingResponse()
        XCTAssertFalse(machine.isDraining)
        XCTAssertEqual(machine.handle(.drain), .none)
        XCTAssertTrue(machine.isDraining)
        XCTAssertEqual(machine.state, .awaitingResponse)
        XCTAssertEqual(machine.handle(.responseCompleted(keepAlive: true, now: 50)), Action(effect: .closeAfterFlush))
    }

    // MARK: Errors, upgrade, close

    func testParseErrorAnswersItsStatusAndCloses() {
        var idle = openedMachine()
        XCTAssertEqual(idle.handle(.parseError(status: 400)), Action(timer: .cancel, effect: .respondError(status: 400)))
        XCTAssertEqual(idle.state, .closing)

        var inHead = openedMachine()
        _ = inHead.handle(.headStarted(now: 0))
        XCTAssertEqual(inHead.handle(.parseError(status: 431)), Action(timer: .cancel, effect: .respondError(status: 431)))

        var inBody = openedMachine()
        _ = inBody.handle(.headReceived(hasBody: true, expectsContinue: true, now: 0))
        XCTAssertEqual(inBody.handle(.parseError(status: 413)), Action(timer: .cancel, effect: .respondError(status: 413)))
        XCTAssertEqual(inBody.handle(.timerFired(now: 1_000_000)), .none)
        XCTAssertEqual(inBody.handle(.parseError(status: 400)), .none)
    }

    func testUpgradeHandsOffAndCancelsTimers() {
        var machine = machineAwaitingResponse()
        XCTAssertEqual(machine.handle(.upgraded), Action(timer: .cancel, effect: .handOff))
        XCTAssertEqual(machine.state, .upgraded)
        XCTAssertFalse(machine.readsRequests)
        // The bytes after the upgrade request belong to the new handler: not dropped.
        XCTAssertFalse(machine.discardsInput)
        XCTAssertNil(machine.deadline)
    }

    func testPeerCloseCancelsTheTimer() {
        var idle = openedMachine()
        XCTAssertEqual(idle.handle(.peerClosed), Action(timer: .cancel))
        var busy = machineAwaitingResponse()
        XCTAssertEqual(busy.handle(.peerClosed), .none)
        XCTAssertEqual(busy.state, .closed)
    }

    func testNothingHappensAfterCloseOrUpgrade() {
        var closed = openedMachine()
        _ = closed.handle(.peerClosed)
        var upgraded = machineAwaitingResponse()
        _ = upgraded.handle(.upgraded)
        var closing = openedMachine()
        _ = closing.handle(.parseError(status: 400))
        let inputs: [Machine.Input] = [
            .opened(now: 0, serverDraining: false), .headStarted(now: 1),
            .headReceived(hasBody: true, expectsContinue: true, now: 2), .bodyCompleted,
            .parseError(status: 400), .responseCompleted(keepAlive: true, now: 3), .upgraded,
            .timerFired(now: 10_000_000), .drain, .peerClosed,
        ]
        for input in inputs {
            XCTAssertEqual(closed.handle(input), .none, "\(input)")
            XCTAssertEqual(upgraded.handle(input), .none, "\(input)")
        }
        XCTAssertEqual(closed.state, .closed)
        XCTAssertEqual(upgraded.state, .upgraded)
        for input in inputs where input != .peerClosed {
            XCTAssertEqual(closing.handle(input), .none, "\(input)")
        }
        XCTAssertEqual(closing.state, .closing)
    }
}
