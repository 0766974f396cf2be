import PushCore

/// Packets written on the stream in use (a WebSocket or an event stream), and the event
/// stream's own life: dropped by its client, resumed by EventSource.
extension EngineSocket {
    /// Writes packets on the stream in use.
    func write(_ packets: ArraySlice<OutboundPacket>) {
        switch channel {
        case .webSocket(let transport):
            // On this loop the frames go to the connection as they are made: no array of them,
            // and no closure to carry it.
            let now = !isDelaying && transport.connection.loop === loop
            var frames: [ByteChunk] = []
            if !now { frames.reserveCapacity(packets.count) }
            var bytes = 0
            for packet in packets {
                let frame = WebSocketTransport.frame(for: packet)
                bytes += frame.count
                if now { transport.connection.write(frame) } else { frames.append(frame) }
            }
            countStreamWrite(bytes: bytes, messages: packets.count, on: .websocket)
            if now {
                handedOff(bytes, to: transport.connection)
            } else {
                let ready = frames
                let write = { [self] in
                    transport.write(ready)
                    handedOff(bytes, to: transport.connection)
                }
                if isDelaying { afterSimulatedDelay(write) } else { write() }
            }
        case .eventStream(let writer):
            // The session numbered these packets as it took them: the last is streamSequence.
            let first = session.streamSequence - UInt64(packets.count) + 1
            // On this loop each event goes to the stream as it is made, its id line written in
            // place: no array of chunks, and no closure to carry it.
            let now = !isDelaying && writer.loop === loop
            var events: [ByteChunk] = []
            if !now { events.reserveCapacity(packets.count * 2) }
            var bytes = 0
            for (offset, packet) in packets.enumerated() {
                let sequence = first + UInt64(offset)
                let event = Self.sseEvent(for: packet)
                if now {
                    let idCount = EngineCodec.sseIDLineCount(sid: id, sequence: sequence)
                    writer.writeStream(count: idCount) { EngineCodec.writeSSEIDLine(sid: id, sequence: sequence, into: $0) }
                    writer.writeStream(event)
                    bytes += idCount + event.count
                } else {
                    // This session's id line beside the shared event bytes (one gathered write).
                    let idLine = ByteChunk.copying(EngineCodec.sseIDLine(sid: id, sequence: sequence))
                    events.append(idLine)
                    events.append(event)
                    bytes += idLine.count + event.count
                }
            }
            countStreamWrite(bytes: bytes, messages: packets.count, on: .sse)
            if now {
                handedOff(bytes, to: writer.connection)
            } else {
                let ready = events
                let stream = { [self] in
                    writer.loop.run { for event in ready { writer.writeStream(event) } }
                    handedOff(bytes, to: writer.connection)
                }
                if isDelaying { afterSimulatedDelay(stream) } else { stream() }
            }
        case .heldPoll, .none:
            assertionFailure("no stream to write on")
        }
    }

    /// Counts queued packets handed to a stream (a WebSocket or an event stream).
    private func countStreamWrite(bytes: Int, messages: Int, on kind: EngineTransportKind) {
        traffic.bytesOut += bytes
        traffic.messagesOut += messages
        loop.metrics.counters.bytesSent += bytes
        loop.metrics.counters.messagesSent[kind] += messages
    }

    /// The event a packet makes on any stream, made once and kept with the packet (a
    /// broadcast shares it between every stream on this loop).
    private static func sseEvent(for packet: OutboundPacket) -> ByteChunk {
        if let event = packet.sseEvent { return event }
        let event = ByteChunk.copying(EngineCodec.sseEvent(packet.packet))
        packet.sseEvent = event
        return event
    }

    /// The event stream's client went away (only while it is still this session's transport,
    /// not after an upgrade).
    func eventStreamAborted(_ writer: HTTPResponseWriter) {
        loop.assertInLoop()
        guard case .eventStream(let current) = channel, current === writer else { return }
        channel = .none
        perform(session.eventStreamDropped(now: loop.now))
        if isOpen {
            Log.debug("session \(id): event stream dropped; waiting for EventSource to resume it")
            scheduleHeartbeat()
        }
    }

    /// The browser's EventSource reopened the stream with `Last-Event-ID`: attach it and send
    /// what came after `sequence`; a 400 when this session cannot resume from there.
    func resumeEventStream(_ writer: HTTPResponseWriter, after sequence: UInt64) {
        loop.assertInLoop()
        http.requests += 1
        guard !closeIfExpired(), session.resumeEventStream(after: sequence) else {
            respondError(writer, .unknownSid)
            return
        }
        let headers = EngineServer.eventStreamHeaders + corsHeaders
        writer.loop.run { [self] in
            writer.beginStream(status: 200, headers: headers)
            countStreamHead(writer.headBytesWritten)
            var prelude: [UInt8] = []
            EngineCodec.appendSSEPrelude(into: &prelude, retryMilliseconds: EngineServer.eventStreamRetry)
            writer.writeStream(ByteChunk.copying(prelude))
            // Set on the writer's loop, which owns it; dropped once the stream ends.
            writer.onAbort = { [self] in loop.run { self.eventStreamAborted(writer) } }
        }
        channel = .eventStream(writer)
        watchBacklog(of: writer.connection)
        Log.debug("session \(id): event stream resumed after \(sequence)")
        scheduleHeartbeat()
        flush()
    }
}
