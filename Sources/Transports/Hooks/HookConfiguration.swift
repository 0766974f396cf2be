import PushCore

/// Settings of the backend hooks: where each one posts, how requests are signed, bounded and timed.
public struct HookConfiguration: Sendable {
    /// Asked on every Socket.IO CONNECT; its answer admits or refuses.
    public var connectURL: HTTPClientURL?
    /// Receives client events whose names match `events`; its answer acknowledges them.
    public var eventURL: HTTPClientURL?
    /// Event names (or `*` patterns) forwarded to the event hook.
    public var events: [GlobPattern] = []
    /// Receives connect, disconnect, join and leave records, at least once.
    public var lifecycleURL: HTTPClientURL?
    /// Key of the HMAC-SHA256 signature every hook request carries.
    public var secret = ""
    /// Time a connect or event hook has to answer, in milliseconds.
    public var timeout: Int64 = 5_000
    /// Events of one socket queued for the event hook (the one in flight included); past it an
    /// event gets the error acknowledgement at once.
    public var socketQueue = 64
    /// Lifecycle records kept until the backend took them; past it the oldest are dropped.
    public var lifecycleQueue = 100_000
    /// Lifecycle records per request at most.
    public var lifecycleBatch = 100
    /// Longest wait before a lifecycle batch that is not full goes out, in milliseconds.
    public var lifecycleInterval: Int64 = 100
    /// Retry delays of a lifecycle batch: from the first to the cap, doubling, with jitter.
    public var lifecycleMinBackoff: Int64 = 100
    public var lifecycleMaxBackoff: Int64 = 30_000
    /// Handshake headers passed to the connect hook (lowercase names).
    public var headers = ["origin", "user-agent", "cookie", "authorization", "x-forwarded-for", "x-real-ip",
                          "accept-language", "referer"]
    /// The HTTP client the hooks share (timeouts, concurrency, queue, response size).
    public var client = HTTPClientConfiguration()

    public init() {}

    /// Whether any hook is configured.
    public var isEnabled: Bool { connectURL != nil || eventURL != nil || lifecycleURL != nil }

    /// Whether `event` is forwarded to the event hook.
    public func forwards(_ event: String) -> Bool {
        eventURL != nil && events.contains { $0.matches(event) }
    }
}
