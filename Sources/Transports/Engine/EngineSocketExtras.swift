import PushCore

/// The state of an engine session that most sessions never use: an upgrade in progress, POSTs
/// read at the rate limit's pace, a stream on another loop, the demo's delay, CORS headers. Made on first
/// use, so an idle session carries one empty reference instead of all of it.
final class EngineSocketExtras {
    /// The WebSocket probed for an upgrade.
    var probe: WebSocketTransport?
    /// Fires at `session.upgradeDeadline` while an upgrade runs.
    var upgradeTimer: Timer?
    /// The message rate limit for packets that come up by POST (made at the first POST: a
    /// fresh bucket is full, as one made at the handshake would be by then).
    var postLimiter: RateLimiter?
    /// Whether a POST's body is still being read at the rate limit's pace.
    var postInProgress = false
    /// Bytes of that body still unread.
    var postBacklogBytes = 0
    /// Reports the write queue of the stream in use when it lives on another loop.
    var remoteBacklog: RemoteBacklogWatch?
    /// The demo's simulated delay on every response and stream write (nil: none).
    var simulatedDelay: SimulatedDelay?
    /// CORS headers for responses to this client (none for most: same origin, or no browser).
    var corsHeaders: [(String, String)] = [] {
        didSet { corsAnswerHeaders = nil }
    }
    /// Every answer's fields with the CORS headers, for the two types answers have: prepared
    /// at the first answer.
    var corsAnswerHeaders: (plain: PreparedHeaders, html: PreparedHeaders)?
}

extension EngineSocket {
    /// The extras, made now if the session had none.
    private var extras: EngineSocketExtras {
        if let extras = extrasIfAny { return extras }
        let extras = EngineSocketExtras()
        extrasIfAny = extras
        return extras
    }

    /// Sets an optional extra; clearing one never makes the extras.
    private func setExtra<Value>(_ field: ReferenceWritableKeyPath<EngineSocketExtras, Value?>, _ value: Value?) {
        if value != nil || extrasIfAny != nil { extras[keyPath: field] = value }
    }

    /// CORS headers for responses to this client.
    var corsHeaders: [(String, String)] {
        get { extrasIfAny?.corsHeaders ?? [] }
        set { if !newValue.isEmpty || extrasIfAny != nil { extras.corsHeaders = newValue } }
    }

    /// An answer's fields with this client's CORS headers; nil when it has none.
    func corsAnswerHeaders(for contentType: String) -> PreparedHeaders? {
        guard let extras = extrasIfAny, !extras.corsHeaders.isEmpty else { return nil }
        let cors = extras.corsHeaders
        let prepared = extras.corsAnswerHeaders ?? (PreparedHeaders(Self.answerFields(of: Self.textPlain) + cors),
                                                    PreparedHeaders(Self.answerFields(of: Self.textHTML) + cors))
        extras.corsAnswerHeaders = prepared
        switch contentType {
        case Self.textPlain: return prepared.plain
        case Self.textHTML: return prepared.html
        default: return PreparedHeaders(Self.answerFields(of: contentType) + cors)
        }
    }

    var probe: WebSocketTransport? {
        get { extrasIfAny?.probe }
        set { setExtra(\.probe, newValue) }
    }

    var upgradeTimer: Timer? {
        get { extrasIfAny?.upgradeTimer }
        set { setExtra(\.upgradeTimer, newValue) }
    }

    var postLimiter: RateLimiter {
        get {
            if let limiter = extrasIfAny?.postLimiter { return limiter }
            let rate = server.configuration.session.maxMessagesPerSecond
            return RateLimiter(rate: rate, burst: rate * 2, now: loop.now)
        }
        set { extras.postLimiter = newValue }
    }

    var postInProgress: Bool {
        get { extrasIfAny?.postInProgress ?? false }
        set { if newValue || extrasIfAny != nil { extras.postInProgress = newValue } }
    }

    var postBacklogBytes: Int {
        get { extrasIfAny?.postBacklogBytes ?? 0 }
        set { if newValue != 0 || extrasIfAny != nil { extras.postBacklogBytes = newValue } }
    }

    var remoteBacklog: RemoteBacklogWatch? {
        get { extrasIfAny?.remoteBacklog }
        set { setExtra(\.remoteBacklog, newValue) }
    }

    var simulatedDelay: SimulatedDelay? {
        get { extrasIfAny?.simulatedDelay }
        set { setExtra(\.simulatedDelay, newValue) }
    }
}
