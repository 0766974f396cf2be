/// Timeouts of an HTTP/1.1 server connection, in milliseconds.
package struct HTTPConnectionTimeouts: Sendable, Equatable {
    /// From the first byte of a request head to its end; past it the client gets a 408.
    package var header: Int64
    /// From a head announcing a body to the body's end; past it the client gets a 408.
    package var body: Int64
    /// Idle time between requests; past it the connection closes quietly.
    package var keepAlive: Int64

    /// Timeouts in milliseconds.
    package init(header: Int64, body: Int64, keepAlive: Int64) {
        self.header = header
        self.body = body
        self.keepAlive = keepAlive
    }
}

/// One HTTP/1.1 server connection's request cycle, free of I/O and clocks: the connection feeds
/// it what its parser and response writer report, and the time, and carries out the action it
/// returns. It owns every timeout, the drain rule (idle connections close now, busy ones after
/// their response), 100-continue, the one-request-in-flight rule that keeps pipelined responses
/// in order, and the hand-off to an upgraded protocol.
package struct HTTPConnectionStateMachine: Sendable {
    /// Where the connection is in its request cycle. Deadlines are monotonic milliseconds.
    package enum State: Equatable, Sendable {
        /// Accepted; `opened` not yet seen.
        case opening
        /// Between requests (keep-alive): closes quietly at the deadline.
        case idle(deadline: Int64)
        /// Part of a request head arrived: 408 at the deadline.
        case receivingHead(deadline: Int64)
        /// The head arrived and its body is arriving: 408 at the deadline; nil for a request
        /// without a body, whose end follows at once.
        case receivingBody(deadline: Int64?)
        /// A request was dispatched and is being answered; later input stays unparsed.
        case awaitingResponse
        /// Closing once what is queued is written; nothing more is read.
        case closing
        /// The connection is gone.
        case closed
        /// The connection belongs to another protocol now (WebSocket).
        case upgraded
    }

    /// What happened on the connection.
    package enum Input: Equatable, Sendable {
        /// The connection was accepted; while the server drains it closes at once.
        case opened(now: Int64, serverDraining: Bool)
        /// Bytes of a request head arrived, not yet the whole head.
        case headStarted(now: Int64)
        /// A complete request head was parsed.
        case headReceived(hasBody: Bool, expectsContinue: Bool, now: Int64)
        /// The request ended: after its body, or right after a head without one.
        case bodyCompleted
        /// The request is malformed or over a limit: answer `status` and close.
        case parseError(status: Int)
        /// The dispatched request was answered; `keepAlive` false closes after the response.
        case responseCompleted(keepAlive: Bool, now: Int64)
        /// The dispatched request switched protocols (101) and took the connection.
        case upgraded
        /// The connection's timer went off.
        case timerFired(now: Int64)
        /// The server is shutting down.
        case drain
        /// The connection closed (either side).
        case peerClosed
    }

    /// What the connection does with its one timer.
    package enum TimerAction: Equatable, Sendable {
        /// Leave it as it is.
        case unchanged
        /// Replace it with one that fires at `deadline` (monotonic milliseconds).
        case arm(deadline: Int64)
        /// Cancel it.
        case cancel
    }

    /// What the connection does besides its timer.
    package enum Effect: Equatable, Sendable {
        case none
        /// Write `HTTP/1.1 100 Continue` so the client sends its body.
        case write100Continue
        /// Hand the parsed request to its endpoint.
        case dispatch
        /// Write a `status` response with `Connection: close`, then close after flushing.
        case respondError(status: Int)
        /// Close once queued output is written.
        case closeAfterFlush
        /// Close now, dropping nothing worth keeping (an idle connection).
        case close
        /// Offer kept input again: a pipelined request may be waiting.
        case resumeInput
        /// Release the connection to its new handler and offer it the kept input.
        case handOff
    }

    /// The answer to one input: at most one timer change and one effect, no allocation.
    package struct Action: Equatable, Sendable {
        /// What to do with the timer (done before the effect).
        package var timer: TimerAction
        /// What to do on the connection.
        package var effect: Effect

        /// An action of a timer change and an effect.
        package init(timer: TimerAction = .unchanged, effect: Effect = .none) {
            self.timer = timer
            self.effect = effect
        }

        /// Nothing to do.
        package static let none = Action()
    }

    /// The timeouts this machine applies.
    package let timeouts: HTTPConnectionTimeouts
    /// Where the connection is.
    package private(set) var state: State = .opening
    /// Set once the server drains: no response keeps the connection alive.
    package private(set) var isDraining = false

    /// A machine for a freshly accepted connection.
    package init(timeouts: HTTPConnectionTimeouts) {
        self.timeouts = timeouts
    }

    /// Whether the connection parses input now (no request in flight, not closing).
    @inline(__always)
    package var readsRequests: Bool {
        switch state {
        case .idle, .receivingHead, .receivingBody: true
        default: false
        }
    }

    /// Whether input is of no further use (closing or closed): the connection may drop it.
    package var discardsInput: Bool {
        switch state {
        case .closing, .closed: true
        default: false
        }
    }

    /// The deadline of the timer the current state wants armed, if any.
    package var deadline: Int64? {
        switch state {
        case .idle(let deadline), .receivingHead(let deadline): deadline
        case .receivingBody(let deadline): deadline
        default: nil
        }
    }

    /// Advances on `input` and returns what the connection does.
    package mutating func handle(_ input: Input) -> Action {
        switch input {
        case .drain:
            isDraining = true
            return drain()
        case .peerClosed:
            return closedByPeer()
        case .timerFired(let now):
            return timerFired(now: now)
        default:
            break
        }
        switch state {
        case .opening:
            guard case .opened(let now, let serverDraining) = input else { return .none }
            if serverDraining {
                isDraining = true
                state = .closed
                return Action(effect: .close)
            }
            return becomeIdle(now: now, effect: .none)
        case .idle, .receivingHead, .receivingBody:
            return reading(input)
        case .awaitingResponse:
            return awaitingResponse(input)
        case .closing, .closed, .upgraded:
            return .none
        }
    }

    // MARK: Transitions

    /// Input while a request is being read (or awaited, in idle).
    private mutating func reading(_ input: Input) -> Action {
        switch input {
        case .headStarted(let now):
            // Only the first bytes of a head start its clock; more bytes do not extend it.
            guard case .idle = state else { return .none }
            let deadline = now + timeouts.header
            state = .receivingHead(deadline: deadline)
            return Action(timer: .arm(deadline: deadline))
        case .headReceived(let hasBody, let expectsContinue, let now):
            switch state {
            case .idle, .receivingHead: break
            default: return .none
            }
            guard hasBody else {
                state = .receivingBody(deadline: nil)
                return Action(timer: .cancel)
            }
            let deadline = now + timeouts.body
            state = .receivingBody(deadline: deadline)
            return Action(timer: .arm(deadline: deadline), effect: expectsContinue ? .write100Continue : .none)
        case .bodyCompleted:
            guard case .receivingBody(let deadline) = state else { return .none }
            state = .awaitingResponse
            return Action(timer: deadline == nil ? .unchanged : .cancel, effect: .dispatch)
        case .parseError(let status):
            state = .closing
            return Action(timer: .cancel, effect: .respondError(status: status))
        default:
            return .none
        }
    }

    private mutating func awaitingResponse(_ input: Input) -> Action {
        switch input {
        case .responseCompleted(let keepAlive, let now):
            if !keepAlive || isDraining {
                state = .closing
                return Action(effect: .closeAfterFlush)
            }
            // A pipelined request may already be waiting in the kept input.
            return becomeIdle(now: now, effect: .resumeInput)
        case .upgraded:
            state = .upgraded
            return Action(timer: .cancel, effect: .handOff)
        default:
            return .none
        }
    }

    private mutating func becomeIdle(now: Int64, effect: Effect) -> Action {
        let deadline = now + timeouts.keepAlive
        state = .idle(deadline: deadline)
        return Action(timer: .arm(deadline: deadline), effect: effect)
    }

    /// Idle connections (no head, or only part of one) close now; busy ones after their response.
    private mutating func drain() -> Action {
        switch state {
        case .opening, .idle, .receivingHead:
            let armed = deadline != nil
            state = .closed
            return Action(timer: armed ? .cancel : .unchanged, effect: .close)
        default:
            return .none
        }
    }

    private mutating func closedByPeer() -> Action {
        switch state {
        case .closed, .upgraded:
            return .none
        default:
            let armed = deadline != nil
            state = .closed
            return Action(timer: armed ? .cancel : .unchanged)
        }
    }

    private mutating func timerFired(now: Int64) -> Action {
        guard let deadline else { return .none }
        // A timer that went off early (a coarse clock) is set again for what is left.
        guard now >= deadline else { return Action(timer: .arm(deadline: deadline)) }
        if case .idle = state {
            state = .closed
            return Action(timer: .cancel, effect: .close)
        }
        state = .closing
        return Action(timer: .cancel, effect: .respondError(status: 408))
    }
}
