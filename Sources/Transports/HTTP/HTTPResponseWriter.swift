import PushCore
/// Answers one request. Loop thread only.
///
/// A writer is complete after `respond`, `endStream` or `upgrade`; the connection then moves to
/// the next pipelined request. Responses on a connection go out in request order because the
/// next request is not parsed before this one is answered.
/// Loop-confined (see LoopConfined): its entry points assert they run on the connection's loop.
public final class HTTPResponseWriter: LoopConfined, @unchecked Sendable {
    public let connection: Connection
    /// What the response needs of its request, not the head itself: a held poll or an event
    /// stream would keep the head's strings and field storage as long as it stays open.
    private let requestVersionMinor: Int
    private let isHeadRequest: Bool
    private let requestKeepsAlive: Bool
    /// The connection's request reader, until this response completes.
    @exclusivity(unchecked) private var owner: HTTPServerConnection?
    private let dates: HTTPDateCache
    @exclusivity(unchecked) public private(set) var isComplete = false
    @exclusivity(unchecked) private var streaming = false
    /// Called if the connection closes before the response completes (a client that gave up
    /// on a held long-poll). Not called after completion.
    public var onAbort: (() -> Void)? {
        get { abortHandler }
        set {
            assertInLoop()
            abortHandler = newValue
        }
    }
    @exclusivity(unchecked) private var abortHandler: (() -> Void)?
    /// Bytes of the response head written so far (status line and headers, or the 101).
    @exclusivity(unchecked) public private(set) var headBytesWritten = 0

    init(connection: Connection, head: HTTPRequestHead, owner: HTTPServerConnection, dates: HTTPDateCache) {
        self.connection = connection
        self.requestVersionMinor = head.versionMinor
        self.isHeadRequest = head.method == .head
        self.requestKeepsAlive = head.keepAlive
        self.owner = owner
        self.dates = dates
    }

    public var loop: EventLoop { connection.loop }

    /// False once the connection is gone or this response is complete.
    public var isOpen: Bool { !isComplete && !connection.isClosed }

    /// Sends a complete response with a Content-Length.
    public func respond(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        respond(status: status, headers: headers, bodyChunk: body.isEmpty ? nil : ByteChunk.copying(body), bodyLength: body.count)
    }

    /// Sends a complete response whose body is a shared chunk (static files, encoded once).
    public func respond(status: Int, headers: [(String, String)] = [], body: ByteChunk?) {
        respond(status: status, headers: headers, bodyChunk: body, bodyLength: body?.count ?? 0)
    }

    /// Sends headers with a Content-Length but no body (HEAD, 304).
    public func respondWithoutBody(status: Int, headers: [(String, String)] = [], contentLength: Int?) {
        assertInLoop()
        guard isOpen else { return }
        let keepAlive = keepsAlive
        var all = headers
        if let contentLength { all.append(("Content-Length", String(contentLength))) }
        writeHead(status: status, headers: all, keepAlive: keepAlive)
        finish(keepAlive: keepAlive)
    }

    private func respond(status: Int, headers: [(String, String)], bodyChunk: ByteChunk?, bodyLength: Int) {
        assertInLoop()
        guard isOpen else { return }
        let keepAlive = keepsAlive
        var all = headers
        all.append(("Content-Length", String(bodyLength)))
        writeHead(status: status, headers: all, keepAlive: keepAlive)
        if let bodyChunk, !isHeadRequest { connection.write(bodyChunk) }
        finish(keepAlive: keepAlive)
    }

    /// The current Date header value and its second, for responses cached per second.
    public var date: (text: String, second: Int) {
        let text = dates.now()
        return (text, dates.second)
    }

    /// Whether a complete keep-alive HTTP/1.1 response prepared in advance may be sent as is.
    public var acceptsPreparedResponse: Bool {
        isOpen && requestVersionMinor == 1 && keepsAlive
    }

    /// Sends a complete response prepared in advance (status line to body, keep-alive, with
    /// a current Date): one shared chunk, no copying. Check `acceptsPreparedResponse` first.
    public func respondPrepared(_ response: ByteChunk) {
        assertInLoop()
        guard isOpen else { return }
        loop.metrics.counters.httpResponses.record(200)
        connection.write(response)
        finish(keepAlive: true)
    }

    /// Starts a response whose body has no announced length (Server-Sent Events); it ends when
    /// the connection closes, so the connection is not reused.
    public func beginStream(status: Int, headers: [(String, String)]) {
        assertInLoop()
        guard isOpen, !streaming else { return }
        streaming = true
        writeHead(status: status, headers: headers, keepAlive: false)
    }

    /// Writes part of a streamed body.
    public func writeStream(_ chunk: ByteChunk) {
        assertInLoop()
        guard isOpen, streaming else { return }
        connection.write(chunk)
    }

    /// Ends a streamed response and closes the connection after the last byte.
    public func endStream() {
        assertInLoop()
        guard isOpen, streaming else { return }
        finish(keepAlive: false)
    }

    /// Writes `response` (a 101) and hands the connection to `handler`, which receives every
    /// byte after this request.
    public func upgrade(response: [UInt8], to handler: ConnectionHandler) {
        assertInLoop()
        guard isOpen else { return }
        loop.metrics.counters.httpResponses.record(101)
        headBytesWritten += response.count
        connection.write(response)
        isComplete = true
        onAbort = nil
        connection.handler = handler
        releaseOwner()?.didUpgrade()
    }

    /// Hands the connection, as it stands, to `handler` without answering: the response comes
    /// from whatever the handler pipes the connection to (a relayed WebSocket upgrade).
    public func handOver(to handler: ConnectionHandler) {
        assertInLoop()
        guard isOpen else { return }
        isComplete = true
        onAbort = nil
        connection.handler = handler
        releaseOwner()?.didUpgrade()
    }

    private var keepsAlive: Bool { requestKeepsAlive && !(owner?.isDraining ?? true) }

    private func writeHead(status: Int, headers: [(String, String)], keepAlive: Bool) {
        loop.metrics.counters.httpResponses.record(status)
        var all = headers
        all.append(("Date", dates.now()))
        if !keepAlive {
            all.append(("Connection", "close"))
        } else if requestVersionMinor == 0 {
            all.append(("Connection", "keep-alive"))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        HTTPResponse.writeHead(status: status, headers: all, into: &bytes)
        headBytesWritten += bytes.count
        connection.write(bytes)
    }

    private func finish(keepAlive: Bool) {
        isComplete = true
        onAbort = nil
        releaseOwner()?.responseCompleted(keepAlive: keepAlive)
    }

    private func releaseOwner() -> HTTPServerConnection? {
        defer { owner = nil }
        return owner
    }

    /// The connection closed first.
    func connectionClosed() {
        assertInLoop()
        guard !isComplete else { return }
        isComplete = true
        owner = nil
        let abort = abortHandler
        abortHandler = nil
        abort?()
    }
}
