/// Where a session's packets go down and how far an upgrade has come. `EngineSession` owns it
/// and moves it on its inputs; the transports only carry out the actions those return.
public struct EngineTransportState: Equatable, Sendable {
    /// The way down, with what is attached to it now.
    public enum Downstream: Equatable, Sendable {
        /// The WebSocket stream.
        case webSocket
        /// The SSE event stream. Paused from the probe's noop marker until the upgrade ends:
        /// a client that saw the marker may stop reading the stream and switch at any moment.
        case eventStream(paused: Bool)
        /// The event stream dropped (a proxy cut it): packets wait for the browser's EventSource
        /// to come back with `Last-Event-ID` and resume it.
        case eventStreamDetached
        /// Long-polling, with its held GET if any.
        case longPolling(HeldPoll)
        /// Plain polling: each GET is answered at once.
        case polling
        /// The session is closed: nothing goes down any more.
        case closed
    }

    /// The long-polling GET the server holds.
    public enum HeldPoll: Equatable, Sendable {
        /// No GET held: packets wait in the queue for the next one.
        case none
        /// A GET held until there is something to send.
        case held
        /// Held while an upgrade runs: answered with a noop at this time at the latest, so a
        /// client that keeps polling gets to pause (engine.io's forced polling cycle).
        case heldUntil(Int64)
    }

    /// The WebSocket probed for an upgrade.
    public enum Probe: Equatable, Sendable {
        /// No upgrade in progress.
        case none
        /// Attached, "2probe" not seen yet; the upgrade times out at `deadline`.
        case opened(deadline: Int64)
        /// "3probe" sent, "5" awaited until `deadline`.
        case answered(deadline: Int64)

        /// When the upgrade times out, while a probe is open.
        public var deadline: Int64? {
            switch self {
            case .none: return nil
            case .opened(let deadline), .answered(let deadline): return deadline
            }
        }
    }

    /// How often a poll held during an upgrade is answered with a noop (engine.io's 100 ms).
    public static let upgradePollCycle: Int64 = 100

    /// The way down and what is attached to it.
    public internal(set) var downstream: Downstream
    /// The transport packets go down on (kept after close, for logs). After `downstream`, so
    /// it takes that one's spare tail bytes: 32 bytes for the state, not 40.
    public internal(set) var transport: EngineTransportKind
    /// The upgrade in progress, if any.
    public internal(set) var probe: Probe = .none

    /// The state of a session that just opened on `transport` (its handshake request answered,
    /// or its stream open).
    public init(transport: EngineTransportKind) {
        self.transport = transport
        switch transport {
        case .websocket: downstream = .webSocket
        case .sse: downstream = .eventStream(paused: false)
        case .longPolling: downstream = .longPolling(.none)
        case .polling: downstream = .polling
        }
    }

    /// Whether the session is closed.
    @inlinable
    public var isClosed: Bool {
        if case .closed = downstream { return true }
        return false
    }

    /// Whether a long-polling GET is held.
    public var holdsPoll: Bool {
        if case .longPolling(let held) = downstream { return held != .none }
        return false
    }

    /// Whether a stream (WebSocket or event stream) is open and may be written now.
    public var streamIsWritable: Bool {
        switch downstream {
        case .webSocket, .eventStream(paused: false): return true
        default: return false
        }
    }

    /// Whether the client was told to pause for an upgrade that has not ended.
    public var isPausedForUpgrade: Bool {
        if case .answered = probe { return true }
        return false
    }

    /// When the upgrade timer must next fire: the probe's deadline, or a held poll's noop.
    public var upgradeDeadline: Int64? {
        guard var deadline = probe.deadline else { return nil }
        if case .longPolling(.heldUntil(let due)) = downstream { deadline = min(deadline, due) }
        return deadline
    }

    // MARK: Transitions that do not touch the queue

    /// A GET is held from now on (`now` for its noop deadline during an upgrade).
    mutating func holdPoll(now: Int64) {
        downstream = .longPolling(isPausedForUpgrade ? .heldUntil(now + Self.upgradePollCycle) : .held)
    }

    /// The held GET is answered (or gone).
    mutating func releasePoll() {
        if case .longPolling = downstream { downstream = .longPolling(.none) }
    }

    /// "2probe" arrived: the probe is answered and the old transport pauses.
    mutating func pauseForProbe(deadline: Int64) -> EnginePauseSignal {
        probe = .answered(deadline: deadline)
        switch downstream {
        case .longPolling(.held), .longPolling(.heldUntil):
            downstream = .longPolling(.none)
            return .answerHeldPollWithNoop
        case .eventStream(paused: false):
            downstream = .eventStream(paused: true)
            return .writeNoopEvent
        default:
            return .none
        }
    }

    /// The probe is gone without an upgrade: the old transport carries on as before.
    mutating func endProbe() {
        probe = .none
        switch downstream {
        case .eventStream: downstream = .eventStream(paused: false)
        case .longPolling(.heldUntil): downstream = .longPolling(.held)
        default: break
        }
    }

    /// "5" arrived: the WebSocket is the transport; what to do with the old one.
    mutating func completeUpgrade() -> EngineTransportRelease {
        let release: EngineTransportRelease
        switch downstream {
        case .longPolling(.held), .longPolling(.heldUntil): release = .answerHeldPollWithNoop
        case .eventStream: release = .endEventStream(sendClosePacket: false)
        default: release = .none
        }
        transport = .websocket
        downstream = .webSocket
        probe = .none
        return release
    }

    /// The session closes: what the close does to its transport (nothing when that is what
    /// went away) and probe.
    mutating func close(_ reason: EngineCloseReason, mode: EngineCloseMode, transportGone: Bool = false) -> EngineClosePlan {
        let release: EngineTransportRelease
        switch transportGone ? .closed : downstream {
        case .webSocket:
            release = mode == .abort ? .abortWebSocket : .closeWebSocket(sendClosePacket: mode == .notify)
        case .eventStream:
            release = mode == .abort ? .abortEventStream : .endEventStream(sendClosePacket: mode == .notify)
        case .longPolling(.held), .longPolling(.heldUntil):
            release = mode == .clientRequested ? .answerHeldPollWithNoop : .answerHeldPollWithClose
        case .longPolling(.none), .polling, .eventStreamDetached, .closed:
            release = .none
        }
        let plan = EngineClosePlan(reason: reason, mode: mode, release: release, closesProbe: probe != .none)
        downstream = .closed
        probe = .none
        return plan
    }
}
