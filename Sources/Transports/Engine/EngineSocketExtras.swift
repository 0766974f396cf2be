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
    var corsHeaders: [(String, String)] = []
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
