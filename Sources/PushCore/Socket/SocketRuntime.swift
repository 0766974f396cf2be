/// The event loop a socket lives on, as the socket layer sees it: run work there, and time it.
/// Every socket, its rooms and its timers are touched only on its loop.
public protocol SocketExecutor: AnyObject, Sendable {
    /// Position among the server's loops (indexes per-loop state).
    var index: Int { get }
    /// True on this loop's thread.
    var inEventLoop: Bool { get }
    /// Runs `task` on this loop, soon. Safe from any thread.
    func execute(_ task: @escaping @Sendable () -> Void)
    /// Runs `action` after `milliseconds`. Loop thread only.
    func scheduleTimer(after milliseconds: Int64, _ action: @escaping () -> Void) -> SocketTimer
    /// A fresh unguessable id, shaped like a session id (socket ids, recovery pids). Loop
    /// thread only.
    func makeID() -> String
    /// Makes state that belongs to this loop where the loop's own memory lies, when it can
    /// (before the loops run), so no other loop writes its cache lines. Any thread.
    func makeLocal<Value>(_ make: () -> Value) -> Value
}

extension SocketExecutor {
    public func makeID() -> String { SessionID.make() }
    public func makeLocal<Value>(_ make: () -> Value) -> Value { make() }
}

/// A pending timer.
public protocol SocketTimer: AnyObject {
    func cancel()
}

extension EngineLink {
    public func handshake(auth: JSONValue) -> SocketHandshake {
        SocketHandshake(headers: handshakeHeaders, query: handshakeQuery, auth: auth,
                        remoteAddress: remoteAddress, issuedAt: issuedAt, url: requestURL)
    }
}

/// An engine session as the socket layer uses it (the engine's transports carry the packets).
public protocol EngineLink: AnyObject, Sendable {
    var sessionID: String { get }
    var executor: SocketExecutor { get }
    /// The current transport's name ("websocket", "sse", "polling", "short-polling").
    var transportName: String { get }
    var handshakeHeaders: [(String, String)] { get }
    var handshakeQuery: [(String, String)] { get }
    var remoteAddress: String { get }
    /// Milliseconds since 1970 when the engine session opened.
    var issuedAt: Int64 { get }
    var requestURL: String { get }
    /// What a socket's client sent, with this CONNECT's auth (by default built from the above).
    func handshake(auth: JSONValue) -> SocketHandshake
    /// Per-session wire counters (messages, bytes, HTTP requests).
    var counters: SessionCounters { get }
    /// Queues a packet (loop thread only).
    func send(_ packet: OutboundPacket)
    /// Queues a packet for this session alone (loop thread only): a transport that can write it
    /// at once needs no shared wrapper.
    func send(_ packet: EnginePacket, volatile: Bool)
    /// Sends one text message that `encode` appends to the array it is given (loop thread only).
    /// The array is lent for the call: a transport that writes the message at once encodes it
    /// in a buffer of its own rather than in an array made for each message.
    func send(volatile: Bool, text encode: (inout [UInt8]) -> Void)
    /// Ends the engine session (loop thread only).
    func close()
}

extension EngineLink {
    public func send(_ packet: EnginePacket, volatile: Bool) {
        send(OutboundPacket(packet, isVolatile: volatile))
    }

    public func send(volatile: Bool, text encode: (inout [UInt8]) -> Void) {
        var text: [UInt8] = []
        encode(&text)
        send(.message(utf8: text), volatile: volatile)
    }
}

/// Wire counters of one engine session, in two parts: what every message counts, and what
/// HTTP requests and responses count. The socket keeps the parts apart (the first beside what a
/// packet going down reads); this puts them together for readers.
public struct SessionCounters: Sendable, Equatable {
    public var traffic = TrafficCounters()
    public var http = HTTPCounters()

    public init() {}
    public init(traffic: TrafficCounters, http: HTTPCounters) {
        self.traffic = traffic
        self.http = http
    }

    public var messagesIn: Int { get { traffic.messagesIn } set { traffic.messagesIn = newValue } }
    public var messagesOut: Int { get { traffic.messagesOut } set { traffic.messagesOut = newValue } }
    public var bytesIn: Int { get { traffic.bytesIn } set { traffic.bytesIn = newValue } }
    public var bytesOut: Int { get { traffic.bytesOut } set { traffic.bytesOut = newValue } }
    public var headBytesIn: Int { get { http.headBytesIn } set { http.headBytesIn = newValue } }
    public var headBytesOut: Int { get { http.headBytesOut } set { http.headBytesOut = newValue } }
    public var httpResponseBytes: Int { get { http.responseBytes } set { http.responseBytes = newValue } }
    public var httpRequests: Int { get { http.requests } set { http.requests = newValue } }
    public var httpResponses: Int { get { http.responses } set { http.responses = newValue } }

    /// A complete HTTP response went out: its head and body.
    public mutating func countResponse(head: Int, body: Int) { http.countResponse(head: head, body: body) }
}

/// Messages and their bytes, each way: counted for every message.
public struct TrafficCounters: Sendable, Equatable {
    public var messagesIn = 0
    public var messagesOut = 0
    public var bytesIn = 0
    public var bytesOut = 0
    public init() {}
}

/// What HTTP heads, requests and responses count.
public struct HTTPCounters: Sendable, Equatable {
    /// HTTP head bytes read from the client: request lines and headers, WebSocket handshakes included.
    public var headBytesIn = 0
    /// HTTP head bytes written to the client: status lines and headers, the 101 and the event stream's head included.
    public var headBytesOut = 0
    /// Bytes of the complete HTTP responses written (not event streams or 101s), heads and bodies.
    public var responseBytes = 0
    // Request and response counts in 32 bits (wrapping past 4 billion): every session holds
    // these counters, and 8 bytes less keeps it a malloc size class smaller.
    private var requestCount: UInt32 = 0
    private var responseCount: UInt32 = 0
    public init() {}

    public var requests: Int {
        get { Int(requestCount) }
        set { requestCount = UInt32(truncatingIfNeeded: newValue) }
    }
    /// Complete HTTP responses written (not event streams or 101s).
    public var responses: Int {
        get { Int(responseCount) }
        set { responseCount = UInt32(truncatingIfNeeded: newValue) }
    }

    /// A complete HTTP response went out: its head and body.
    public mutating func countResponse(head: Int, body: Int) {
        headBytesOut += head
        responses += 1
        responseBytes += head + body
    }
}

extension SocketExecutor {
    /// Runs `task` now when on this loop, else through its queue.
    @inline(__always)
    func run(_ task: @escaping @Sendable () -> Void) {
        if inEventLoop { task() } else { execute(task) }
    }
}
