import PushCore

/// The HTTP transports' requests for an existing session, on the session's loop.
extension EngineSocket {
    /// A GET for long-polling or plain polling (or, refused, any other GET with the sid).
    func handlePoll(_ writer: EngineResponder, kind: EngineTransportKind) {
        loop.assertInLoop()
        http.requests += 1
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
        http.requests += 1
        countBytesIn(request.body.count)
        let verdict = session.post(via: kind)
        guard verdict == .none else {
            perform(verdict, request: writer)
            return
        }
        // One POST at a time, as the reference server has it: a second one while the first is
        // still read at the rate limit's pace is refused.
        guard !postInProgress else {
            Log.debug("session \(id): a POST while the previous one is still being read")
            respondError(writer, .badRequest)
            return
        }
        let count: Int
        do {
            count = try EngineCodec.checkPayload(request.body, maxPayload: server.configuration.session.maxPayload)
        } catch {
            Log.debug("session \(SessionID.redacted(id)): bad payload: \(error)")
            respondError(writer, .badRequest)
            perform(session.close(.parseError, mode: .silent))
            return
        }
        // Packets go up at the message rate, as WebSocket reads do: those the bucket allows
        // now are taken, the rest of the body waits (as bytes) and is read at the rate's
        // pace, and `ok` follows the last, so the client's next POST waits too.
        var packets = EnginePayloadCursor(body: request.body)
        receive(&packets, upTo: postLimiter.takeAvailable(count, now: loop.now), via: kind)
        guard !packets.isAtEnd, isOpen else {
            answerOK(writer)
            return
        }
        loop.metrics.counters.rateLimited[kind] += 1
        postInProgress = true
        receiveAtRate(packets, writer, kind: kind)
    }

    /// Hands the next `count` packets of a POSTed body to the session (fewer if it closes).
    private func receive(_ packets: inout EnginePayloadCursor, upTo count: Int, via kind: EngineTransportKind) {
        var left = count
        while left > 0, isOpen, let packet = packets.next() {
            receive(packet, via: kind)
            left -= 1
        }
    }

    /// Reads the rest of a POSTed body as the rate allows, then answers it.
    private func receiveAtRate(_ rest: EnginePayloadCursor, _ writer: EngineResponder, kind: EngineTransportKind) {
        // Steps of about 20 ms of the rate, so the wait between them stays short.
        let step = max(1, postLimiter.rate / 50)
        let wait = postLimiter.delay(until: step, now: loop.now)
        var packets = rest
        postBacklogBytes = rest.remainingBytes
        loop.schedule(after: wait) { [self] in
            receive(&packets, upTo: postLimiter.takeAvailable(step * 4, now: loop.now), via: kind)
            postBacklogBytes = packets.remainingBytes
            if packets.isAtEnd || !isOpen {
                postInProgress = false
                postBacklogBytes = 0
                answerOK(writer)
            } else {
                receiveAtRate(packets, writer, kind: kind)
            }
        }
    }

    /// Answers a POST whose packets were all taken: "ok", as the reference server does. A
    /// keep-alive HTTP/1.1 request from a session without CORS headers or a simulated delay
    /// (nearly every one) gets the prepared answer of the loop its connection is on.
    func answerOK(_ writer: EngineResponder) {
        guard corsHeaders.isEmpty, !isDelaying, let http = writer as? HTTPResponseWriter else {
            respond(writer, status: 200, body: EngineLoopAnswers.makeOKBody(), contentType: EngineSocket.textHTML)
            return
        }
        if http.loop === loop {
            answerOK(onItsLoop: http)
        } else {
            http.loop.execute { [self] in answerOK(onItsLoop: http) }
        }
    }

    /// On the writer's loop, with that loop's answers.
    private func answerOK(onItsLoop http: HTTPResponseWriter) {
        let answers = server.answers(on: http.loop)
        if let answers, http.acceptsPreparedResponse {
            http.respondPrepared(answers.ok(at: http.date))
            countResponse(head: answers.okHeadByteCount, body: answers.okBody.count)
            return
        }
        writeResponse(http, status: 200, cors: nil, contentType: EngineSocket.textHTML,
                      body: answers?.okBody ?? EngineLoopAnswers.makeOKBody())
    }

    func respondError(_ writer: EngineResponder, _ error: EngineError) {
        respond(writer, status: error.httpStatus, body: error.json, contentType: "application/json")
    }

    // MARK: Answers

    /// Answers a GET with packets (one polling payload), a noop or a close packet.
    func answerPoll(_ writer: EngineResponder, _ answer: EnginePollAnswer) {
        // Built in the loop's spare array and given back: the writer copies a small body
        // into the response (one that keeps it, or a large one, leaves the loop a fresh one).
        var body = loop.takeSpareBytes()
        switch answer {
        case .packets(let packets):
            EngineCodec.appendPayload(packets, into: &body)
            traffic.messagesOut += packets.count
            loop.metrics.counters.messagesSent[session.transport] += packets.count
        case .noop:
            body.append(EnginePacketType.noop.wireDigit)
        case .close:
            body.append(EnginePacketType.close.wireDigit)
        }
        traffic.bytesOut += body.count
        loop.metrics.counters.bytesSent += body.count
        respond(writer, status: 200, body: body)
        loop.recycle(body)
    }

    func respond(_ writer: EngineResponder, status: Int, body: [UInt8], contentType: String = EngineSocket.textPlain) {
        // The session's own fields are made here, on its loop; the usual ones on the writer's.
        let cors = corsAnswerHeaders(for: contentType)
        // The usual answer, on the writer's loop and undelayed, allocates no closure.
        if !isDelaying && writer.isOnItsLoop {
            writeResponse(writer, status: status, cors: cors, contentType: contentType, body: body)
            return
        }
        let answer: @Sendable () -> Void = { [self] in
            writeResponse(writer, status: status, cors: cors, contentType: contentType, body: body)
        }
        if isDelaying {
            afterSimulatedDelay { writer.loop.run(answer) }
        } else {
            writer.loop.execute(answer)
        }
    }

    /// On the writer's loop: the fields are that loop's (or the session's CORS ones).
    private func writeResponse(_ writer: EngineResponder, status: Int, cors: PreparedHeaders?, contentType: String,
                               body: [UInt8]) {
        let before = writer.headBytesWritten
        let headers = cors ?? server.answers(on: writer.loop)?.headers(for: contentType)
            ?? EngineLoopAnswers.headers(for: contentType)
        writer.respond(status: status, headers: headers, body: body)
        countResponse(head: writer.headBytesWritten - before, body: body.count)
    }

    static let textPlain = "text/plain; charset=UTF-8"
    /// What a POST's "ok" goes as, the reference server's type for it.
    static let textHTML = "text/html"
    static func answerFields(of contentType: String) -> [(String, String)] {
        [("Content-Type", contentType), ("Cache-Control", "no-store")]
    }
}
