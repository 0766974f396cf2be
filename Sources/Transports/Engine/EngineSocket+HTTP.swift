import PushCore

/// The HTTP transports' requests for an existing session, on the session's loop.
extension EngineSocket {
    /// A GET for long-polling or plain polling (or, refused, any other GET with the sid).
    func handlePoll(_ writer: EngineResponder, kind: EngineTransportKind) {
        loop.assertInLoop()
        stats.httpRequests += 1
        perform(session.poll(via: kind, now: loop.now), request: writer)
        syncUpgradeTimer()
    }

    /// Carries out an action that answers (or holds) the request `writer` came with.
    func perform(_ action: EngineTransportAction, request writer: EngineResponder) {
        switch action {
        case .answerRequest(let answer):
            answerPoll(writer, answer)
        case .holdRequest:
            hold(writer)
        case .rejectRequest(let error):
            respondError(writer, error)
        case .rejectRequestAndClose(let error, let plan):
            Log.debug("session \(SessionID.redacted(id)): \(plan.reason) (\(error.message))")
            respondError(writer, error)
            perform(.close(plan))
        default:
            perform(action)
        }
    }

    /// Keeps a GET until there is something to send; a client that gives up on it has gone away.
    private func hold(_ writer: EngineResponder) {
        channel = .heldPoll(writer)
        let sessionLoop = loop
        writer.loop.run { [self] in
            // Held by the writer only until it completes or its connection closes.
            guard writer.isOpen else {
                sessionLoop.run { self.heldPollAborted(writer) }
                return
            }
            writer.onAbort = { sessionLoop.run { self.heldPollAborted(writer) } }
        }
    }

    private func heldPollAborted(_ writer: EngineResponder) {
        loop.assertInLoop()
        guard case .heldPoll(let held) = channel, held === writer else { return }
        channel = .none
        perform(session.transportClosed())
    }

    /// A POST carrying packets up, on any HTTP transport.
    func handlePost(_ request: HTTPRequest, _ writer: EngineResponder, kind: EngineTransportKind) {
        loop.assertInLoop()
        stats.httpRequests += 1
        stats.bytesIn += request.body.count
        loop.metrics.counters.bytesReceived += request.body.count
        let verdict = session.post(via: kind)
        guard verdict == .none else {
            perform(verdict, request: writer)
            return
        }
        let packets: [EnginePacket]
        do {
            packets = try EngineCodec.decodePayload(request.body, maxPayload: server.configuration.session.maxPayload)
        } catch {
            Log.debug("session \(SessionID.redacted(id)): bad payload: \(error)")
            respondError(writer, .badRequest)
            perform(session.close(.parseError, mode: .silent))
            return
        }
        // Over the message rate the answer waits, and the client with it: its next POST
        // cannot start before this one is answered.
        let wait = postLimiter.take(packets.count, now: loop.now)
        if wait > 0 {
            loop.metrics.counters.rateLimited[kind] += 1
            loop.schedule(after: wait) { [self] in
                respond(writer, status: 200, body: Array("ok".utf8), contentType: "text/html")
            }
        } else {
            respond(writer, status: 200, body: Array("ok".utf8), contentType: "text/html")
        }
        for packet in packets where isOpen {
            receive(packet, via: kind)
        }
    }

    func respondError(_ writer: EngineResponder, _ error: EngineError) {
        respond(writer, status: error.httpStatus, body: error.json, contentType: "application/json")
    }
}
