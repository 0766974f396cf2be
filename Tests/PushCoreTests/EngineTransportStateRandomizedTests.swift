import XCTest
@testable import PushCore

/// Random event sequences (sends, polls, probes, timers, closes) against the transport state
/// machine, with a model of what the transports hold, checking after every step that each
/// accepted packet goes down exactly once and in order, nothing after close, and at most one
/// held poll. Seeded, so a failure repeats.
final class EngineTransportStateRandomizedTests: XCTestCase {
    /// What the transports would hold, and what reached the client.
    private struct Model {
        var accepted: [Int] = []
        var delivered: [Int] = []
        var pingsDelivered = 0
        /// A ping reached the client and its pong has not gone up yet.
        var owesPong = false
        var heldPolls = 0
        var probeOpen = false {
            didSet { if !probeOpen { probeAnswered = false } }
        }
        /// "3probe" went out on the open probe: the client may pause the old transport.
        var probeAnswered = false
        var closed = false
        var upgrades = 0
        var probesClosed = 0
        var holds = 0
        var failure: String?

        mutating func fail(_ message: String) { if failure == nil { failure = message } }
    }

    private struct Run {
        var session: EngineSession
        var model = Model()
        var now: Int64 = 0
        var nextID = 0
        /// Percent of steps that send a packet (the rest of the first 30 percent polls).
        let sendPercent: Int

        init(transport: EngineTransportKind, sendPercent: Int) {
            self.sendPercent = sendPercent
            var config = EngineSessionConfig()
            config.pingInterval = 400
            config.pingTimeout = 300
            config.upgradeTimeout = 700
            config.maxQueueBytes = 1 << 30
            config.volatileDropBytes = 24
            session = EngineSession(id: "sid", transport: transport, config: config, now: 0)
        }

        mutating func deliver(_ packets: ArraySlice<OutboundPacket>, _ how: String) {
            if model.closed { model.fail("\(how) after close") }
            for packet in packets {
                switch packet.packet.type {
                case .message: model.delivered.append(Int(packet.packet.text)!)
                case .ping:
                    model.pingsDelivered += 1
                    model.owesPong = true
                case .open: break
                default: model.fail("unexpected \(packet.packet.type) delivered")
                }
            }
        }

        mutating func release(_ release: EngineTransportRelease) {
            switch release {
            case .answerHeldPollWithNoop, .answerHeldPollWithClose:
                if model.heldPolls != 1 { model.fail("\(release) without a held poll") }
                model.heldPolls = 0
            case .endEventStream, .abortEventStream:
                if session.transportState.transport != .sse { model.fail("\(release) on \(session.transport)") }
            case .closeWebSocket, .abortWebSocket:
                if session.transportState.transport != .websocket { model.fail("\(release) on \(session.transport)") }
            case .none:
                if model.heldPolls != 0 && !model.closed { model.fail("a held poll left behind") }
            }
        }

        /// Carries out an action like EngineSocket does; `isRequest` when it answers a GET.
        mutating func perform(_ action: EngineTransportAction, isRequest: Bool = false) {
            switch action {
            case .none, .deliverMessage, .rescheduleHeartbeat:
                break
            case .writeStream(let packets):
                let kind = session.transportState.transport
                if kind != .sse && kind != .websocket { model.fail("stream write on \(kind)") }
                deliver(packets, "stream write")
            case .answerHeldPoll(let answer):
                if model.heldPolls != 1 { model.fail("answer without a held poll") }
                model.heldPolls = 0
                if case .packets(let packets) = answer { deliver(packets, "held poll answer") }
            case .answerRequest(let answer):
                if !isRequest { model.fail("request answer without a request") }
                if case .packets(let packets) = answer { deliver(packets, "poll answer") }
            case .holdRequest:
                if !isRequest { model.fail("hold without a request") }
                if model.heldPolls != 0 { model.fail("second held poll") }
                model.heldPolls = 1
                model.holds += 1
            case .rejectRequest:
                if !isRequest { model.fail("reject without a request") }
            case .rejectRequestAndClose(_, let plan):
                if !isRequest { model.fail("reject without a request") }
                close(plan)
            case .answerProbe(let signal):
                if !model.probeOpen { model.fail("probe answered without a probe") }
                model.probeAnswered = true
                if signal == .answerHeldPollWithNoop {
                    if model.heldPolls != 1 { model.fail("pause without a held poll") }
                    model.heldPolls = 0
                }
            case .completeUpgrade(let old):
                if !model.probeOpen { model.fail("upgrade without a probe") }
                model.probeOpen = false
                model.upgrades += 1
                switch old {
                case .answerHeldPollWithNoop:
                    if model.heldPolls != 1 { model.fail("release without a held poll") }
                    model.heldPolls = 0
                case .endEventStream(sendClosePacket: false), .none:
                    if model.heldPolls != 0 { model.fail("held poll not released on upgrade") }
                default:
                    model.fail("unexpected release on upgrade: \(old)")
                }
                perform(session.flush())
            case .closeProbe:
                if !model.probeOpen { model.fail("closing a probe that is not open") }
                model.probeOpen = false
                model.probesClosed += 1
                perform(session.flush())
            case .close(let plan):
                close(plan)
            }
        }

        mutating func close(_ plan: EngineClosePlan) {
            if model.closed { model.fail("closed twice") }
            if plan.closesProbe != model.probeOpen { model.fail("probe close \(plan.closesProbe) with probe open \(model.probeOpen)") }
            model.probeOpen = false
            release(plan.release)
            model.heldPolls = 0
            model.closed = true
        }

        mutating func send(_ rng: inout EngineTestRNG) {
            let id = nextID
            nextID += 1
            let volatile = Int.random(in: 0..<8, using: &rng) == 0
            switch session.enqueue(OutboundPacket(.message(text: String(id)), isVolatile: volatile)) {
            case .queued:
                model.accepted.append(id)
                perform(session.flush())
            case .droppedVolatile:
                if !volatile { model.fail("dropped a packet that was not volatile") }
            case .closed:
                if !model.closed { model.fail("refused by an open session") }
            case .overflow:
                model.fail("overflow under a huge cap")
            }
        }

        mutating func advance(_ rng: inout EngineTestRNG) {
            now += Int64.random(in: 1...60, using: &rng)
            switch session.heartbeat(now: now) {
            case .pingQueued: perform(session.flush())
            case .timeout: perform(session.close(.pingTimeout, mode: .silent))
            case .none: break
            }
            if let deadline = session.upgradeDeadline, now >= deadline {
                perform(session.upgradeTimer(now: now))
            }
        }

        mutating func step(_ rng: inout EngineTestRNG) {
            let kind = session.transportState.transport
            // Clients mostly answer pings soon; some sessions still time out.
            if model.owesPong && Int.random(in: 0..<3, using: &rng) == 0 {
                model.owesPong = false
                perform(session.receive(.pong(), via: kind))
            }
            var roll = Int.random(in: 0..<100, using: &rng)
            // Runs differ in how busy the session is: a quiet one has polls held, a busy one not.
            if roll < 30 && roll >= sendPercent { roll = 30 + roll % 15 }
            switch roll {
            case 0..<30:
                send(&rng)
            case 30..<45:
                let via: EngineTransportKind = Int.random(in: 0..<20, using: &rng) == 0
                    ? EngineTransportKind.allCases.randomElement(using: &rng)! : kind
                // A well-behaved client polls once at a time; sometimes it does not.
                if model.heldPolls == 1 && Int.random(in: 0..<150, using: &rng) != 0 { return }
                perform(session.poll(via: via, now: now), isRequest: true)
            case 45..<55:
                advance(&rng)
            case 55..<60:
                perform(session.receive(.pong(), via: kind))
            case 60..<61:
                if session.beginProbe(now: now) {
                    if model.probeOpen { model.fail("a second probe accepted") }
                    model.probeOpen = true
                }
            case 64..<69:
                guard model.probeOpen else { return }
                perform(session.receive(.ping(probe: true), via: .websocket))
            case 69..<70:
                guard model.probeOpen else { return }
                perform(session.receive(.upgrade, via: .websocket))
            case 72..<74:
                guard model.probeOpen else { return }
                model.probeOpen = false
                session.probeEnded()
                perform(session.flush())
            case 74..<75:
                guard model.probeOpen else { return }
                perform(session.receive(.message(text: "bad"), via: .websocket))
            case 75..<76:
                // A stale packet from a probe that is gone.
                guard !model.probeOpen, kind != .websocket else { return }
                perform(session.receive(.upgrade, via: .websocket))
            case 76..<79 where Int.random(in: 0..<40, using: &rng) != 0:
                // Closes are rare, so sessions live long enough to get through upgrades.
                advance(&rng)
            case 76..<77:
                let modes: [EngineCloseMode] = [.notify, .clientRequested, .silent, .abort]
                perform(session.close(.forcedServerClose, mode: modes.randomElement(using: &rng)!))
            case 77..<78:
                perform(session.receive(.close, via: kind))
            case 78..<79:
                if kind == .longPolling && model.heldPolls == 1 {
                    model.heldPolls = 0
                    perform(session.transportClosed())
                } else if kind == .sse || kind == .websocket {
                    perform(session.transportClosed())
                }
            default:
                advance(&rng)
            }
        }

        mutating func check(step: Int) {
            let state = session.transportState
            if model.delivered != Array(model.accepted.prefix(model.delivered.count)) {
                model.fail("step \(step): delivered \(model.delivered.suffix(5)) is not a prefix of accepted")
            }
            if !model.closed {
                if model.heldPolls != (state.holdsPoll ? 1 : 0) { model.fail("step \(step): \(model.heldPolls) held vs \(state)") }
                if model.probeOpen != (state.probe != .none) { model.fail("step \(step): probe \(model.probeOpen) vs \(state)") }
                // A stream holds nothing back, except an event stream after the probe's noop.
                let kind = state.transport
                let pausedStream = kind == .sse && model.probeAnswered
                if (kind == .websocket || kind == .sse) && !pausedStream && model.delivered.count != model.accepted.count {
                    model.fail("step \(step): packets wait on an open \(kind) stream")
                }
            } else if !state.isClosed {
                model.fail("step \(step): the model closed, the session did not")
            }
        }

        /// With the session still open, lets what waits go out (the probe ends, the client polls).
        mutating func drain() {
            guard !model.closed else { return }
            if model.probeOpen {
                model.probeOpen = false
                session.probeEnded()
                perform(session.flush())
            }
            var polls = 0
            while session.hasQueued && session.transport.isRequestResponse && model.heldPolls == 0 && polls < 1_000 {
                perform(session.poll(via: session.transport, now: now), isRequest: true)
                polls += 1
            }
            if model.delivered != model.accepted { model.fail("after draining: \(model.accepted.count - model.delivered.count) packets undelivered") }
        }
    }

    func testRandomEventSequencesKeepEveryPacketOnceAndInOrder() {
        var totals = (steps: 0, upgrades: 0, probesClosed: 0, closes: 0, delivered: 0, holds: 0)
        for seed in 1...240 {
            var rng = EngineTestRNG(seed: UInt64(seed))
            let kinds: [EngineTransportKind] = [.longPolling, .polling, .sse, .websocket]
            var run = Run(transport: kinds[seed % kinds.count], sendPercent: Int.random(in: 2...30, using: &rng))
            run.perform(run.session.handshake(), isRequest: true)
            let steps = Int.random(in: 500...3_000, using: &rng)
            for step in 0..<steps {
                run.step(&rng)
                run.check(step: step)
                if let failure = run.model.failure {
                    return XCTFail("seed \(seed) (\(kinds[seed % kinds.count])): \(failure)")
                }
                if run.model.closed && Int.random(in: 0..<50, using: &rng) == 0 { break }
                totals.steps += 1
            }
            run.drain()
            if let failure = run.model.failure {
                return XCTFail("seed \(seed) (\(kinds[seed % kinds.count])): \(failure)")
            }
            totals.upgrades += run.model.upgrades
            totals.probesClosed += run.model.probesClosed
            totals.holds += run.model.holds
            totals.closes += run.model.closed ? 1 : 0
            totals.delivered += run.model.delivered.count
        }
        print("randomized transport runs: \(totals)")
        // The sequences reach the interesting places, not only the easy ones.
        XCTAssertGreaterThan(totals.upgrades, 50)
        XCTAssertGreaterThan(totals.probesClosed, 50)
        XCTAssertGreaterThan(totals.holds, 800)
        XCTAssertGreaterThan(totals.closes, 50)
        XCTAssertGreaterThan(totals.delivered, 10_000)
        XCTAssertGreaterThan(totals.steps, 100_000)
    }
}
