import PushCore

/// The HTTP transports' requests for an existing session, on the session's loop.
extension EngineSocket {
    /// A GET for long-polling or plain polling.
    func handlePoll(_ writer: EngineResponder, kind: EngineTransportKind) {
        stats.httpRequests += 1
        guard kind == transport, kind.isRequestResponse else {
            // After an upgrade (or on the wrong transport) HTTP requests are refused; the session
            // goes on over its current transport.
            respondError(writer, .badRequest)
            return
        }
        if session.probing != nil {
            respond(writer, status: 200, body: [EnginePacketType.noop.wireDigit])
            return
        }
        if case .longPolling(let pending?) = downstream {
            // Two GETs at once break ordering: the spec closes the session.
            Log.debug("session \(id): overlapping poll requests")
            downstream = .longPolling(pending)
            respondError(writer, .badRequest)
            close(reason: "transport error", mode: .notify)
            return
        }
        if kind == .polling || session.hasQueued {
            answerPoll(writer)
            return
        }
        downstream = .longPolling(writer)
        let sessionLoop = loop
        // Held by the writer only until it completes or its connection closes.
        let onSessionLoop: @Sendable () -> Void = { [self] in
            guard case .longPolling(let held?) = self.downstream, held === writer else { return }
            // A client that gives up on its poll has gone away.
            self.downstream = .longPolling(nil)
            self.close(reason: "transport close", mode: .silent)
        }
        on(writer.loop) {
            guard writer.isOpen else { sessionLoop.execute(onSessionLoop); return }
            writer.onAbort = { sessionLoop.inEventLoop ? onSessionLoop() : sessionLoop.execute(onSessionLoop) }
        }
    }

    /// A POST carrying packets up, on any HTTP transport.
    func handlePost(_ request: HTTPRequest, _ writer: EngineResponder, kind: EngineTransportKind) {
        stats.httpRequests += 1
        stats.bytesIn += request.body.count
        guard kind == transport, kind != .websocket else {
            respondError(writer, .badRequest)
            return
        }
        let packets: [EnginePacket]
        do {
            packets = try EngineCodec.decodePayload(request.body, maxPayload: server.configuration.session.maxPayload)
        } catch {
            Log.debug("session \(id): bad payload: \(error)")
            respondError(writer, .badRequest)
            close(reason: "parse error", mode: .silent)
            return
        }
        // Over the message rate the answer waits, and the client with it: its next POST
        // cannot start before this one is answered.
        let wait = postLimiter.take(packets.count, now: loop.now)
        if wait > 0 {
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
