import PushCore
/// Reads HTTP/1.1 requests from one connection, one at a time, and hands each to its endpoint.
///
/// While a request is being answered the next pipelined request stays unparsed in the
/// connection's input, which keeps responses in order and bounds what a client can queue.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks (a third of the
/// user-space instructions per message when they were on).
final class HTTPServerConnection: ConnectionHandler {
    private unowned let server: HTTPServer
    private let state: HTTPLoopState
    @exclusivity(unchecked) private var parser: HTTPRequestParser
    /// Set while this handler owns the connection; cleared on close and upgrade.
    @exclusivity(unchecked) private var connection: Connection?
    @exclusivity(unchecked) private var head: HTTPRequestHead?
    @exclusivity(unchecked) private var endpoint: HTTPEndpoint?
    @exclusivity(unchecked) private var body: [UInt8] = []
    @exclusivity(unchecked) private var inFlight: HTTPResponseWriter?
    @exclusivity(unchecked) private var timer: Timer?
    @exclusivity(unchecked) private var receivingHead = false
    @exclusivity(unchecked) private(set) var isDraining = false

    init(server: HTTPServer, state: HTTPLoopState) {
        self.server = server
        self.state = state
        self.parser = HTTPRequestParser(limits: server.configuration.limits)
    }

    // MARK: ConnectionHandler

    func connectionDidOpen(_ connection: Connection) {
        attach(connection)
    }

    func connection(_ connection: Connection, didRead input: UnsafeRawBufferPointer) -> Int {
        if self.connection == nil { attach(connection) }
        var consumed = 0
        while inFlight == nil, !connection.isClosed, connection.handler === self {
            let (event, used) = parser.parse(UnsafeRawBufferPointer(rebasing: input[consumed...]))
            consumed += used
            switch event {
            case .needMore:
                if head == nil && !receivingHead && consumed < input.count {
                    receivingHead = true
                    arm(server.configuration.headerTimeoutMilliseconds, status: 408)
                }
                return consumed
            case .head(let requestHead):
                receivedHead(requestHead, on: connection)
            case .body(let bytes):
                body.append(contentsOf: bytes)
            case .end:
                dispatch(on: connection)
            case .error(let error):
                reject(error, on: connection)
                return input.count
            }
        }
        return consumed
    }

    func connectionDidDrain(_ connection: Connection) {}

    func connectionDidClose(_ connection: Connection) {
        self.connection = nil
        timer?.cancel()
        timer = nil
        state.forget(self)
        inFlight?.connectionClosed()
        inFlight = nil
    }

    // MARK: Requests

    private func attach(_ connection: Connection) {
        self.connection = connection
        // Accepted while the server drains (a browser's spare connection): close it at once.
        if state.draining {
            connection.close()
            return
        }
        state.connections[ObjectIdentifier(self)] = self
        arm(server.configuration.keepAliveTimeoutMilliseconds, status: nil)
    }

    private func receivedHead(_ requestHead: HTTPRequestHead, on connection: Connection) {
        receivingHead = false
        head = requestHead
        body.removeAll(keepingCapacity: false)
        let chosen = server.router.endpoint(for: requestHead)
        endpoint = chosen
        parser.setBodyLimit(chosen.maxBodyBytes(for: requestHead))
        if requestHead.body != .none {
            arm(server.configuration.bodyTimeoutMilliseconds, status: 408)
            if requestHead.expectsContinue {
                connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            }
        } else {
            timer?.cancel()
        }
        if Log.enabled(.debug) {
            Log.debug("\(connection.remoteAddress) \(requestHead.method) \(requestHead.target)")
        }
    }

    private func dispatch(on connection: Connection) {
        timer?.cancel()
        timer = nil
        guard let head, let endpoint else { return }
        let request = HTTPRequest(head: head, body: body, remoteAddress: connection.remoteAddress)
        self.head = nil
        self.endpoint = nil
        body = []
        let writer = HTTPResponseWriter(connection: connection, head: head, owner: self, dates: state.dates)
        inFlight = writer
        endpoint.handle(request, writer)
    }

    private func reject(_ error: HTTPParseError, on connection: Connection) {
        timer?.cancel()
        Log.debug("\(connection.remoteAddress) bad request: \(error)")
        let body = Array("\(HTTPResponse.reasonPhrase(error.status))\n".utf8)
        connection.write(HTTPResponse.simple(status: error.status, contentType: "text/plain; charset=utf-8",
                                             body: body, keepAlive: false))
        connection.closeAfterFlush()
    }

    /// Arms the connection's one timer; a `status` answers before closing (408), nil closes
    /// quietly (an idle keep-alive connection).
    private func arm(_ milliseconds: Int64, status: Int?) {
        timer?.cancel()
        // Cancelled on close and upgrade, so the strong capture lasts no longer than this handler.
        timer = state.loop.schedule(after: milliseconds) { [self] in
            guard let connection, inFlight == nil else { return }
            if let status {
                Log.debug("\(connection.remoteAddress) request timeout")
                connection.write(HTTPResponse.simple(status: status, contentType: "text/plain; charset=utf-8",
                                                     body: Array("Request Timeout\n".utf8), keepAlive: false))
                connection.closeAfterFlush()
            } else {
                connection.close()
            }
        }
    }

    // MARK: From the response writer

    func responseCompleted(keepAlive: Bool) {
        inFlight = nil
        guard let connection else { return }
        if !keepAlive || isDraining {
            connection.closeAfterFlush()
            return
        }
        arm(server.configuration.keepAliveTimeoutMilliseconds, status: nil)
        // A pipelined request may already be waiting.
        connection.resumeInput()
    }

    func didUpgrade() {
        timer?.cancel()
        timer = nil
        inFlight = nil
        state.forget(self)
        // Bytes that came after the upgrade request belong to the new handler.
        connection?.resumeInput()
        connection = nil
    }

    /// Shutdown: idle connections close now, busy ones after their response.
    func drain() {
        isDraining = true
        guard let connection else { return }
        if inFlight == nil && head == nil { connection.close() }
    }
}
