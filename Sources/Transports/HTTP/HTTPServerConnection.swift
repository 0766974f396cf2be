import PushCore
/// Reads HTTP/1.1 requests from one connection, one at a time, and hands each to its endpoint.
///
/// The request cycle (timeouts, draining, 100-continue, one request in flight, upgrade) is
/// `HTTPConnectionStateMachine`'s; this class feeds it the parser's and the response writer's
/// events and carries out its actions on the connection. While a request is being answered the
/// next pipelined request stays unparsed in the connection's input, which keeps responses in
/// order and bounds what a client can queue.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks (a third of the
/// user-space instructions per message when they were on).
final class HTTPServerConnection: ConnectionHandler, SlotListed {
    /// The server's router, held here: reaching it through an unowned server reference took
    /// an atomic check of the server's count on every request, from every loop.
    private let router: HTTPRouter
    private let state: HTTPLoopState
    @exclusivity(unchecked) private var machine: HTTPConnectionStateMachine
    @exclusivity(unchecked) private var parser: HTTPRequestParser
    /// Set while this handler owns the connection; cleared on close and upgrade.
    @exclusivity(unchecked) private var connection: Connection?
    /// The request being read: its head, the endpoint chosen for it and its body so far.
    @exclusivity(unchecked) private var head: HTTPRequestHead?
    @exclusivity(unchecked) private var route: HTTPRoute?
    @exclusivity(unchecked) private var body: [UInt8] = []
    /// The dispatched request's writer, told if the connection closes before it answers.
    @exclusivity(unchecked) private var writer: HTTPResponseWriter?
    /// The wheel timer that stands for the machine's deadline. It may go off before the
    /// deadline or when none is left: the machine then sets it again or ignores it.
    @exclusivity(unchecked) private var timer: Timer?
    /// Its place in its loop's list of live connections (`HTTPLoopState.connections`).
    @exclusivity(unchecked) var listSlot = -1

    init(server: HTTPServer, state: HTTPLoopState) {
        self.router = server.router
        self.state = state
        let configuration = server.configuration
        self.machine = HTTPConnectionStateMachine(timeouts: HTTPConnectionTimeouts(
            header: configuration.headerTimeoutMilliseconds, body: configuration.bodyTimeoutMilliseconds,
            keepAlive: configuration.keepAliveTimeoutMilliseconds))
        self.parser = HTTPRequestParser(limits: configuration.limits)
    }

    /// Whether the server drains: responses then close the connection.
    var isDraining: Bool { machine.isDraining }

    // MARK: ConnectionHandler

    override func connectionDidOpen(_ connection: Connection) {
        state.loop.assertInLoop()
        attach(connection)
    }

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        state.loop.assertInLoop()
        if case .opening = machine.state { attach(connection) }
        var consumed = 0
        while machine.readsRequests && !isBacklogged(connection) {
            let (event, used) = parser.parse(UnsafeRawBufferPointer(rebasing: input[consumed...]))
            consumed += used
            switch consume event {
            case .needMore:
                // Bytes left unconsumed are part of a head (the parser keeps a block until it is whole).
                if consumed < input.count { perform(machine.handle(.headStarted(now: state.loop.now)), on: connection) }
                return consumed
            case .head:
                receivedHead(on: connection)
            case .body(let bytes):
                body.append(contentsOf: bytes)
            case .end:
                perform(machine.handle(.bodyCompleted), on: connection)
            case .error(let error):
                Log.debug("\(connection.remoteAddress) bad request: \(error)")
                perform(machine.handle(.parseError(status: error.status)), on: connection)
                return input.count
            }
        }
        // A closing connection answers nothing more; otherwise what is left waits for the next
        // request's turn, or belongs to the handler that took the connection.
        return machine.discardsInput ? input.count : consumed
    }

    /// The client read what it had left unread: its next pipelined request may go.
    override func connectionDidDrain(_ connection: Connection) {
        state.loop.assertInLoop()
        guard self.connection === connection else { return }
        connection.resumeInput()
    }

    /// Whether the client left more than the high-water mark of responses unread. The next
    /// pipelined request then waits for the drain: a client that pipelines requests and reads
    /// nothing holds that mark and one response, not every answer to its requests (long-polls
    /// answered one after another would hold all a session is sent).
    private func isBacklogged(_ connection: Connection) -> Bool {
        connection.queuedBytes > connection.limits.writeHighWater
    }

    override func connectionDidClose(_ connection: Connection) {
        state.loop.assertInLoop()
        self.connection = nil
        perform(machine.handle(.peerClosed), on: connection)
        releaseTimer()
        state.forget(self)
        writer?.connectionClosed()
        writer = nil
    }

    // MARK: Requests

    private func attach(_ connection: Connection) {
        self.connection = connection
        // Accepted while the server drains (a browser's spare connection): closed at once.
        let action = machine.handle(.opened(now: state.loop.now, serverDraining: state.draining))
        if case .idle = machine.state { state.connections.insert(self) }
        perform(action, on: connection)
    }

    /// Takes the head from the parser without a copy (each copy retains its strings and arrays).
    private func receivedHead(on connection: Connection) {
        var requestHead = HTTPRequestHead()
        parser.takeHead(into: &requestHead)
        body.removeAll(keepingCapacity: false)
        let chosen = router.route(for: requestHead)
        route = chosen
        parser.setBodyLimit(chosen.maxBodyBytes(for: requestHead))
        if Log.enabled(.debug) {
            Log.debug("\(connection.remoteAddress) \(requestHead.method) \(SessionID.redactingQuery(requestHead.target))")
        }
        let received = HTTPConnectionStateMachine.Input.headReceived(
            hasBody: requestHead.body != .none, expectsContinue: requestHead.expectsContinue, now: state.loop.now)
        head = consume requestHead
        perform(machine.handle(received), on: connection)
    }

    private func dispatch(on connection: Connection) {
        guard let head = head.take(), let route else { return }
        let writer = HTTPResponseWriter(connection: connection, head: head, owner: self, dates: state.dates)
        let request = HTTPRequest(head: consume head, body: body, remoteAddress: connection.remoteAddress)
        self.route = nil
        body = []
        self.writer = writer
        route.handle(request, writer)
    }

    private func timerFired() {
        guard let connection else { return }
        let action = machine.handle(.timerFired(now: state.loop.now))
        if case .respondError = action.effect { Log.debug("\(connection.remoteAddress) request timeout") }
        perform(action, on: connection)
    }

    /// Carries out one action of the state machine: the timer first, then the effect.
    private func perform(_ action: HTTPConnectionStateMachine.Action, on connection: Connection) {
        // Every request cancels and re-arms the deadline, some twice. A pending timer that goes
        // off no later than the new deadline is kept, and one that is cancelled is left to go
        // off and find no deadline: a keep-alive connection then takes a timer per timeout
        // period, not two per request. A new timer is made only for an earlier deadline.
        switch action.timer {
        case .unchanged, .cancel:
            break
        case .arm(let deadline):
            if let timer, !timer.isDone, timer.deadline <= deadline { break }
            timer?.cancel()
            timer = state.loop.schedule(after: deadline - state.loop.now) { [self] in timerFired() }
        }
        switch action.effect {
        case .none:
            break
        case .write100Continue:
            connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        case .dispatch:
            dispatch(on: connection)
        case .respondError(let status):
            releaseTimer()
            let body = Array("\(HTTPResponse.reasonPhrase(status))\n".utf8)
            connection.loop.metrics.counters.httpResponses.record(status)
            connection.write(HTTPResponse.simple(status: status, contentType: "text/plain; charset=utf-8",
                                                 body: body, keepAlive: false))
            connection.closeAfterFlush()
        case .closeAfterFlush:
            releaseTimer()
            connection.closeAfterFlush()
        case .close:
            releaseTimer()
            connection.close()
        case .resumeInput:
            connection.resumeInput()
        case .handOff:
            releaseTimer()
            state.forget(self)
            self.connection = nil
            // Bytes that came after the upgrade request belong to the new handler.
            connection.resumeInput()
        }
    }

    // MARK: From the response writer

    /// The response will be held (a long-poll, an event stream): no deadline applies while it
    /// is, so the timer left pending for the next one is let go now rather than kept with the
    /// connection.
    func responseHeld() {
        state.loop.assertInLoop()
        releaseTimer()
    }

    /// Lets the pending timer go for good: its strong capture of this handler lasts no longer
    /// than the connection's requests.
    private func releaseTimer() {
        timer?.cancel()
        timer = nil
    }

    func responseCompleted(keepAlive: Bool) {
        state.loop.assertInLoop()
        writer = nil
        guard let connection else { return }
        perform(machine.handle(.responseCompleted(keepAlive: keepAlive, now: state.loop.now)), on: connection)
    }

    func didUpgrade() {
        state.loop.assertInLoop()
        writer = nil
        guard let connection else { return }
        perform(machine.handle(.upgraded), on: connection)
    }

    /// Shutdown: idle connections close now, busy ones after their response.
    func drain() {
        state.loop.assertInLoop()
        guard let connection else {
            _ = machine.handle(.drain)
            return
        }
        perform(machine.handle(.drain), on: connection)
    }
}
