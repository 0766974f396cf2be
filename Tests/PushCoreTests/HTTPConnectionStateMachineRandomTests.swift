@testable import PushCore
import TestSupport
import XCTest

/// What the executor side holds, rebuilt from the actions alone.
private struct Executor {
    var armed: Int64?
    var inFlight = false
    var finished = false

    mutating func apply(_ timer: HTTPConnectionStateMachine.TimerAction) {
        switch timer {
        case .unchanged: break
        case .arm(let deadline): armed = deadline
        case .cancel: armed = nil
        }
    }
}

/// Random event sequences, any input in any state, checked against the machine's invariants.
final class HTTPConnectionStateMachineRandomTests: XCTestCase {
    func testRandomEventSequencesKeepTheInvariants() {
        let timeouts = HTTPConnectionTimeouts(header: 700, body: 1_300, keepAlive: 2_900)
        var visited: Set<String> = []
        var effects: Set<String> = []
        for seed in UInt64(1)...400 {
            var random = SeededRandom(seed: seed)
            var machine = HTTPConnectionStateMachine(timeouts: timeouts)
            var executor = Executor()
            var now: Int64 = Int64.random(in: 0...1_000_000, using: &random)
            for step in 0..<300 {
                let context = "seed \(seed) step \(step) state \(machine.state)"
                now += Int64.random(in: 0...400, using: &random)
                let input = randomInput(now: &now, executor: &executor, using: &random)
                let wasReading = machine.readsRequests
                let wasFinished = executor.finished
                let action = machine.handle(input)
                visited.insert("\(machine.state)".prefix { $0 != "(" }.description)
                effects.insert("\(action.effect)".prefix { $0 != "(" }.description)

                // A closing, closed or upgraded machine produces nothing.
                if wasFinished {
                    XCTAssertEqual(action, .none, context)
                    continue
                }
                executor.apply(action.timer)
                // The armed timer is always the current state's, and never in the past of its arming.
                XCTAssertEqual(executor.armed, machine.deadline, context)
                if case .arm(let deadline) = action.timer { XCTAssertGreaterThanOrEqual(deadline, now, context) }
                // The writer reports once, ending the request in flight; so does the connection closing.
                switch input {
                case .responseCompleted, .upgraded, .peerClosed: executor.inFlight = false
                default: break
                }
                switch action.effect {
                case .dispatch:
                    // One request in flight, dispatched only from reading and only on the request's end.
                    XCTAssertFalse(executor.inFlight, context)
                    XCTAssertTrue(wasReading, context)
                    XCTAssertEqual(input, .bodyCompleted, context)
                    XCTAssertEqual(machine.state, .awaitingResponse, context)
                    executor.inFlight = true
                case .resumeInput:
                    XCTAssertFalse(executor.inFlight, context)
                    XCTAssertTrue(machine.readsRequests, context)
                case .handOff:
                    XCTAssertEqual(machine.state, .upgraded, context)
                case .respondError, .close, .closeAfterFlush:
                    XCTAssertTrue(machine.discardsInput, context)
                case .write100Continue:
                    XCTAssertNotNil(machine.deadline, context)
                case .none:
                    break
                }
                if machine.state == .awaitingResponse { XCTAssertTrue(executor.inFlight, context) }
                if executor.inFlight { XCTAssertFalse(machine.readsRequests, context) }
                // Closing, closed and upgraded are final for this machine.
                switch machine.state {
                case .closing, .closed, .upgraded: executor.finished = true
                default: break
                }
            }
        }
        // The walk reached every state and effect, so the checks above ran where they matter.
        XCTAssertEqual(visited, ["opening", "idle", "receivingHead", "receivingBody", "awaitingResponse", "closing", "closed", "upgraded"])
        XCTAssertEqual(effects, ["none", "write100Continue", "dispatch", "respondError", "closeAfterFlush", "close",
                                 "resumeInput", "handOff"])
    }

    /// Any input, biased towards what moves a connection forward; a timer firing consumes the
    /// armed one, usually at or after its deadline, sometimes early.
    private func randomInput(now: inout Int64, executor: inout Executor,
                             using random: inout SeededRandom) -> HTTPConnectionStateMachine.Input {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<4: return .opened(now: now, serverDraining: Int.random(in: 0..<8, using: &random) == 0)
        case 4..<16: return .headStarted(now: now)
        case 16..<34:
            return .headReceived(hasBody: Bool.random(using: &random), expectsContinue: Bool.random(using: &random), now: now)
        case 34..<52: return .bodyCompleted
        case 52..<55: return .parseError(status: [400, 413, 414, 431, 501].randomElement(using: &random)!)
        case 55..<72: return .responseCompleted(keepAlive: Int.random(in: 0..<6, using: &random) != 0, now: now)
        case 72..<76: return .upgraded
        case 76..<95:
            if let deadline = executor.armed {
                executor.armed = nil
                if Int.random(in: 0..<5, using: &random) != 0 { now = max(now, deadline) }
            }
            return .timerFired(now: now)
        case 95..<97: return .drain
        default: return .peerClosed
        }
    }
}
