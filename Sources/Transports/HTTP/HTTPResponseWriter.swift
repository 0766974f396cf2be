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
            // Only a response that may be held long wants to hear of an abort.
            if newValue != nil { owner?.responseHeld() }
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
        respond(status: status, prepared: nil, headers: headers, body: body)
    }

    /// Sends a complete response with a Content-Length, its fields prepared in advance.
    public func respond(status: Int, headers: PreparedHeaders, body: [UInt8]) {
        respond(status: status, prepared: headers, headers: [], body: body)
    }

    private func respond(status: Int, prepared: PreparedHeaders?, headers: [(String, String)], body: [UInt8]) {
        assertInLoop()
        guard isOpen else { return }
        let keepAlive = keepsAlive
        // A body the size of a usual answer goes out in the head's array: one write, one
        // allocation; a larger one as a chunk of its own.
        if body.count <= Self.bodyInHeadLimit {
            writeHead(status: status, prepared: prepared, headers: headers, contentLength: body.count, keepAlive: keepAlive,
                      body: isHeadRequest ? [] : body)
        } else {
            writeHead(status: status, prepared: prepared, headers: headers, contentLength: body.count, keepAlive: keepAlive)
            if !isHeadRequest { connection.write(body) }
        }
        finish(keepAlive: keepAlive)
    }

    /// The largest body copied into the head's array.
    private static let bodyInHeadLimit = 16 * 1024
    /// The largest scratch array a loop keeps between responses.
    private static let scratchLimit = 64 * 1024

    /// Sends a complete response whose body is a shared chunk (static files, encoded once).
    public func respond(status: Int, headers: [(String, String)] = [], body: ByteChunk?) {
        assertInLoop()
        guard isOpen else { return }
        let keepAlive = keepsAlive
        writeHead(status: status, headers: headers, contentLength: body?.count ?? 0, keepAlive: keepAlive)
        if let body, !isHeadRequest { connection.write(body) }
        finish(keepAlive: keepAlive)
    }

    /// Sends headers with a Content-Length but no body (HEAD, 304).
    public func respondWithoutBody(status: Int, headers: [(String, String)] = [], contentLength: Int?) {
        assertInLoop()
        guard isOpen else { return }
        let keepAlive = keepsAlive
        writeHead(status: status, headers: headers, contentLength: contentLength, keepAlive: keepAlive)
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
        owner?.responseHeld()
        writeHead(status: status, headers: headers, keepAlive: false)
    }

    /// Writes part of a streamed body.
    public func writeStream(_ chunk: ByteChunk) {
        assertInLoop()
        guard isOpen, streaming else { return }
        connection.write(chunk)
    }

    /// Writes `count` bytes of a streamed body that `fill` writes in place (see
    /// `Connection.write(count:_:)`).
    @inline(__always)
    public func writeStream(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        assertInLoop()
        guard isOpen, streaming else { return }
        connection.write(count: count, fill)
    }

    /// Ends a streamed response and closes the connection after the last byte.
    public func endStream() {
        assertInLoop()
        guard isOpen, streaming else { return }
        finish(keepAlive: false)
    }

    /// Writes a 101 response of `responseByteCount` bytes in place (`write` fills them) and
    /// hands the connection to `handler`, which receives every byte after this request.
    public func upgrade(responseByteCount: Int, to handler: ConnectionHandler, write: (UnsafeMutableRawPointer) -> Void) {
        assertInLoop()
        guard isOpen else { return }
        loop.metrics.counters.httpResponses.record(101)
        headBytesWritten += responseByteCount
        connection.write(count: responseByteCount) { write($0.baseAddress!) }
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

    private static let connectionClose = Array("Connection: close\r\n".utf8)
    private static let connectionKeepAlive = Array("Connection: keep-alive\r\n".utf8)

    private var keepsAlive: Bool { requestKeepsAlive && !(owner?.isDraining ?? true) }

    /// Writes the head: the caller's fields, then Content-Length, Date and Connection as
    /// needed, straight into the array that goes out (then `body`, if any).
    private func writeHead(status: Int, prepared: PreparedHeaders? = nil, headers: [(String, String)], contentLength: Int? = nil,
                           keepAlive: Bool, body: [UInt8] = []) {
        loop.metrics.counters.httpResponses.record(status)
        // Built in the loop's scratch array, which the connection copies from at once.
        var bytes: [UInt8] = []
        swap(&bytes, &loop.responseScratch)
        defer { if bytes.capacity <= Self.scratchLimit { swap(&bytes, &loop.responseScratch) } }
        _ = bytes.resizeInPlace(to: 0)
        bytes.reserveCapacity(256 &+ body.count)
        HTTPResponse.appendStatusLine(status, into: &bytes)
        if let prepared { bytes.append(contentsOf: prepared.lines) }
        for (name, value) in headers { HTTPResponse.appendField(name, value, into: &bytes) }
        if let contentLength { HTTPResponse.appendField("Content-Length", decimal: contentLength, into: &bytes) }
        dates.appendField(into: &bytes)
        if !keepAlive {
            bytes.append(contentsOf: Self.connectionClose)
        } else if requestVersionMinor == 0 {
            bytes.append(contentsOf: Self.connectionKeepAlive)
        }
        HTTPResponse.appendEndOfHead(into: &bytes)
        headBytesWritten += bytes.count
        bytes.append(contentsOf: body)
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
