/// What the transports must do after an input to `EngineSession`: one value per input, so the
/// hot path allocates no list of actions.
public enum EngineTransportAction: Equatable {
    /// Nothing to do.
    case none
    /// Hand the message that was the input to the application (the caller holds it: the
    /// action does not carry it, so a message costs no reference count of its own here).
    case deliverMessage
    /// A pong arrived: re-arm the heartbeat timer at the session's `nextDeadline`.
    case rescheduleHeartbeat
    /// Write these packets, in order, on the stream (the WebSocket or the SSE event stream).
    case writeStream(ArraySlice<OutboundPacket>)
    /// Complete the held long-polling GET with this answer (it is no longer held).
    case answerHeldPoll(EnginePollAnswer)
    /// Answer the GET that was the input with this.
    case answerRequest(EnginePollAnswer)
    /// Keep the GET that was the input as the held poll, to be answered later.
    case holdRequest
    /// Answer the request that was the input with this error; the session goes on.
    case rejectRequest(EngineError)
    /// Answer the request that was the input with this error, then close the session.
    case rejectRequestAndClose(EngineError, EngineClosePlan)
    /// "3probe" on the probe WebSocket, and tell the old transport to pause as the signal says.
    case answerProbe(EnginePauseSignal)
    /// The probe is now the session's WebSocket: release the old transport, then flush the
    /// queue (on the WebSocket).
    case completeUpgrade(EngineTransportRelease)
    /// Close the probe WebSocket (no close packet); the session goes on over its transport:
    /// flush what waits there.
    case closeProbe
    /// Close the session.
    case close(EngineClosePlan)

    /// Same case and payload; packets compare by identity (they are shared objects).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none), (.rescheduleHeartbeat, .rescheduleHeartbeat), (.holdRequest, .holdRequest),
             (.closeProbe, .closeProbe), (.deliverMessage, .deliverMessage):
            return true
        case let (.writeStream(a), .writeStream(b)): return a.elementsEqual(b, by: ===)
        case let (.answerHeldPoll(a), .answerHeldPoll(b)), let (.answerRequest(a), .answerRequest(b)): return a == b
        case let (.rejectRequest(a), .rejectRequest(b)): return a == b
        case let (.rejectRequestAndClose(a, p), .rejectRequestAndClose(b, q)): return a == b && p == q
        case let (.answerProbe(a), .answerProbe(b)): return a == b
        case let (.completeUpgrade(a), .completeUpgrade(b)): return a == b
        case let (.close(a), .close(b)): return a == b
        default: return false
        }
    }
}

/// The body of an answer to a long-polling or polling GET.
public enum EnginePollAnswer: Equatable {
    /// These packets, in order, as one payload.
    case packets(ArraySlice<OutboundPacket>)
    /// A noop packet: nothing to send (or: pause, during an upgrade).
    case noop
    /// A close packet: the session is over.
    case close

    /// Same case; packets compare by identity (they are shared objects).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.noop, .noop), (.close, .close): return true
        case let (.packets(a), .packets(b)): return a.elementsEqual(b, by: ===)
        default: return false
        }
    }
}

/// How the old transport is told that the client should pause it for an upgrade.
public enum EnginePauseSignal: Equatable, Sendable {
    /// Nothing held to answer: the client pauses its own requests.
    case none
    /// Complete the held GET with a noop.
    case answerHeldPollWithNoop
    /// Write a noop event on the event stream: the client's marker that the stream holds still.
    case writeNoopEvent
}

/// What to do with a transport the session lets go of (upgraded away from, or closed).
public enum EngineTransportRelease: Equatable, Sendable {
    /// Nothing attached (no held poll, or the transport is already gone).
    case none
    /// Complete the held GET with a noop.
    case answerHeldPollWithNoop
    /// Complete the held GET with a close packet.
    case answerHeldPollWithClose
    /// End the event stream, after a close event when asked.
    case endEventStream(sendClosePacket: Bool)
    /// Cut the event stream's connection now, dropping what it has not sent.
    case abortEventStream
    /// Close the WebSocket (a close frame), after a close packet when asked.
    case closeWebSocket(sendClosePacket: Bool)
    /// Cut the WebSocket's connection now, dropping what it has not sent.
    case abortWebSocket
}
