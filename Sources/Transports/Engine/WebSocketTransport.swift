import PushCore

/// An Engine.IO session's WebSocket: frames in, packets to the session (on its loop), packets
/// out as frames. Lives on its connection's loop.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks (a third of the
/// user-space instructions per message when they were on).
final class WebSocketTransport: ConnectionHandler, @unchecked Sendable {
    let connection: Connection
    @exclusivity(unchecked) private var decoder: WebSocketFrameDecoder
    /// Set once the session is known (at once for a new session; for an upgrade, when the
    /// session accepts the probe). Strong: the socket lets go of this transport when either
    /// closes, which ends the cycle.
    @exclusivity(unchecked) var socket: EngineSocket?

    /// Keeps one client from starving the loop: past the rate, reading pauses.
    @exclusivity(unchecked) private var limiter: RateLimiter
    /// After the limiter, in its tail padding.
    @exclusivity(unchecked) private var closing = false
    /// Bytes held for the client: frames not yet written, and a fragmented message not yet whole.
    var heldBytes: Int { connection.queuedBytes &+ Self.pendingMessageBytes(in: &decoder) }

    /// Read in place: a getter called on the stored decoder copies all of it first (its arrays
    /// retained and released), and the memory guard asks every session twice a second.
    private static func pendingMessageBytes(in decoder: inout WebSocketFrameDecoder) -> Int {
        decoder.pendingMessageBytes
    }

    init(connection: Connection, maxMessageBytes: Int, maxMessagesPerSecond: Int) {
        self.connection = connection
        self.decoder = WebSocketFrameDecoder(maxMessageBytes: maxMessageBytes)
        self.limiter = RateLimiter(rate: maxMessagesPerSecond, burst: maxMessagesPerSecond * 2, now: connection.loop.now)
    }

    /// The complete frame for a packet, made once per packet and loop.
    @inline(__always)
    static func frame(for packet: OutboundPacket) -> ByteChunk {
        if let frame = packet.webSocketFrame { return frame }
        let engine = packet.packet
        let frame = ByteChunk.filled(count: frameLength(of: engine)) { writeFrame(of: engine, into: $0) }
        packet.webSocketFrame = frame
        return frame
    }

    /// Writes the frame of a packet meant for one client alone to its connection, on the
    /// connection's loop, without wrapping it: it is copied into the loop's cork buffer when it
    /// can be. Returns its length.
    static func writeFrame(of packet: EnginePacket, to connection: Connection) -> Int {
        let length = frameLength(of: packet)
        connection.write(count: length) { writeFrame(of: packet, into: $0) }
        return length
    }

    /// `writeFrame(of:to:)` for a message packet whose payload is given as bytes.
    static func writeMessageFrame(_ payload: UnsafeRawBufferPointer, isBinary: Bool, to connection: Connection) -> Int {
        let length = frameLength(payloadCount: payload.count, binary: isBinary)
        connection.write(count: length) { writeFrame(type: .message, binary: isBinary, payload: payload, into: $0) }
        return length
    }

    /// A binary message goes as is in a binary frame; anything else is a text frame of the
    /// type digit and the payload.
    private static func isBinaryFrame(_ packet: EnginePacket) -> Bool { packet.type == .message && packet.isBinary }

    @inline(__always)
    static func frameLength(of packet: EnginePacket) -> Int {
        frameLength(payloadCount: packet.payload.count, binary: isBinaryFrame(packet))
    }

    /// A frame of `payloadCount` bytes of a packet's payload: the type digit goes in front of
    /// all but binary ones.
    @inline(__always)
    private static func frameLength(payloadCount: Int, binary: Bool) -> Int {
        let payloadLength = payloadCount &+ (binary ? 0 : 1)
        return WebSocketFrameEncoder.headerLength(payloadLength: payloadLength) &+ payloadLength
    }

    /// Writes the frame of `packet` into `out`, which is `frameLength(of:)` bytes long.
    private static func writeFrame(of packet: EnginePacket, into out: UnsafeMutableRawBufferPointer) {
        let binary = isBinaryFrame(packet)
        packet.payload.withUnsafeBytes { writeFrame(type: packet.type, binary: binary, payload: $0, into: out) }
    }

    /// Writes a frame of `payload` into `out`, which is exactly its length: a binary frame as
    /// it is, else a text frame of the type digit and the payload.
    @inline(__always)
    private static func writeFrame(type: EnginePacketType, binary: Bool, payload: UnsafeRawBufferPointer,
                                   into out: UnsafeMutableRawBufferPointer) {
        let payloadLength = payload.count &+ (binary ? 0 : 1)
        var offset = WebSocketFrameEncoder.writeFrameHeader(opcode: binary ? .binary : .text,
                                                            payloadLength: payloadLength, to: out.baseAddress!)
        if !binary {
            out[offset] = type.wireDigit
            offset &+= 1
        }
        if let source = payload.baseAddress, payload.count > 0 {
            (out.baseAddress! + offset).copyMemory(from: source, byteCount: payload.count)
        }
    }

    /// Writes frames, on the connection's loop.
    func write(_ frames: [ByteChunk]) {
        let connection = self.connection
        connection.loop.run { for frame in frames { connection.write(frame) } }
    }

    /// The session ended: optionally a close packet, then a close frame.
    func closeSession(sendClosePacket: Bool) {
        connection.loop.run { [self] in
            guard !closing else { return }
            closing = true
            if sendClosePacket {
                connection.write(WebSocketTransport.frame(for: OutboundPacket(.close)))
            }
            connection.write(WebSocketFrameEncoder.closeFrame(code: .normal, reason: ""))
            connection.closeAfterFlush()
        }
    }

    /// Cuts the connection now, dropping unsent frames.
    func abort() {
        connection.loop.run { [self] in
            closing = true
            connection.close()
        }
    }

    // MARK: ConnectionHandler

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        connection.loop.assertInLoop()
        var consumed = 0
        while consumed < input.count && !closing {
            let rest = UnsafeMutableRawBufferPointer(rebasing: input[consumed...])
            // Most messages arrive whole: unmasked where they lie and copied once, into the
            // loop's spare array, which the packet's payload is handed back to.
            if let message = decoder.takeWholeMessage(rest) {
                consumed &+= message.consumed
                receive(message, on: connection)
                if throttle(connection) { return consumed }
                continue
            }
            let (event, used) = decoder.decode(UnsafeRawBufferPointer(rest), reusing: &connection.loop.spareMessage)
            consumed += used
            switch consume event {
            case .needMore:
                return consumed
            case .text(let bytes):
                let size = bytes.count
                // Consumed, so the array is the packet's payload without a copy.
                do throws(EngineDecodeError) {
                    let packet = try EngineCodec.decodeWebSocketText(consume bytes)
                    deliver(size, packet)
                    connection.loop.recycle(packet.payload)
                } catch {
                    invalidPacket(error)
                }
                if throttle(connection) { return consumed }
            case .binary(let bytes):
                deliver(bytes.count, EngineCodec.decodeWebSocketBinary(bytes))
                if throttle(connection) { return consumed }
            case .ping(let payload):
                var pong: [UInt8] = []
                WebSocketFrameEncoder.appendFrame(opcode: .pong, payload: payload, into: &pong)
                connection.write(pong)
            case .pong:
                break
            case .close(let code, _):
                closing = true
                // Echo the peer's code (RFC 6455 §5.5.1), or 1000 when it sent none.
                let reply = code.map { WebSocketCloseCode(rawValue: $0) } ?? .normal
                connection.write(WebSocketFrameEncoder.closeFrame(code: reply, reason: ""))
                connection.closeAfterFlush()
            case .failure(let failure):
                Log.debug("websocket \(connection.remoteAddress): \(failure) (close \(failure.closeCode.rawValue))")
                fail(failure.closeCode)
            }
        }
        return consumed
    }

    /// A whole message: a message packet for a session on this loop that takes it as it is
    /// goes to the application lent, where it lies; anything else is decoded into a packet
    /// built in the loop's spare array, which gets the payload back once the packet is
    /// delivered.
    @inline(__always)
    private func receive(_ message: WebSocketFrameDecoder.WholeMessage, on connection: Connection) {
        if let payload = Self.messagePayload(of: message), let socket = socket.map(Unmanaged.passUnretained) {
            let lent = socket._withUnsafeGuaranteedRef { socket in
                guard socket.takesLentMessage(from: self) else { return false }
                let size = message.payload.count
                socket.receiveLentMessage(payload, isBinary: !message.isText,
                                          wireBytes: size &+ Self.clientFrameOverhead(size))
                return true
            }
            if lent { return }
        }
        do throws(EngineDecodeError) {
            let packet = message.isText
                ? try EngineCodec.decodeWebSocketText(message.payload, reusing: &connection.loop.spareMessage)
                : EngineCodec.decodeWebSocketBinary(message.payload, reusing: &connection.loop.spareMessage)
            deliver(message.payload.count, packet)
            connection.loop.recycle(packet.payload)
        } catch {
            invalidPacket(error)
        }
    }

    /// The payload of a message packet (a binary frame, or a text frame of type `4`); nil for
    /// any other packet.
    @inline(__always)
    private static func messagePayload(of message: WebSocketFrameDecoder.WholeMessage) -> UnsafeRawBufferPointer? {
        guard message.isText else { return message.payload }
        guard let first = message.payload.first, first == EnginePacketType.message.wireDigit else { return nil }
        return UnsafeRawBufferPointer(rebasing: message.payload[1...])
    }

    /// Over the message rate: stop reading until the bucket refills. True when paused.
    private func throttle(_ connection: Connection) -> Bool {
        guard !limiter.isUnlimited else { return false }
        let wait = limiter.take(now: connection.loop.now)
        guard wait > 0 else { return false }
        connection.loop.metrics.counters.rateLimited.websocket += 1
        connection.pauseReading()
        connection.loop.schedule(after: wait) { connection.resumeReading() }
        return true
    }

    /// A client frame's header and mask for `size` payload bytes (one unfragmented frame), so
    /// bytes in count frames as bytes out do.
    static func clientFrameOverhead(_ size: Int) -> Int { (size < 126 ? 2 : size <= 0xFFFF ? 4 : 10) + 4 }

    private func deliver(_ payloadSize: Int, _ packet: EnginePacket) {
        // Uncounted: a socket that closes while it handles the packet lives to the end of the
        // loop's iteration.
        guard let socket = socket.map(Unmanaged.passUnretained) else { return }
        let size = payloadSize + Self.clientFrameOverhead(payloadSize)
        socket._withUnsafeGuaranteedRef { socket in
            // A session on this connection's loop (every WebSocket-first session) takes the
            // packet now, without a closure per message; others hop to theirs.
            if socket.loop === connection.loop {
                socket.countBytesIn(size)
                socket.receiveFromWebSocket(packet, transport: self)
            } else {
                socket.loop.execute { [self] in
                    socket.countBytesIn(size)
                    socket.receiveFromWebSocket(packet, transport: self)
                }
            }
        }
    }

    private func invalidPacket(_ error: EngineDecodeError) {
        guard socket != nil else { return }
        Log.debug("websocket \(connection.remoteAddress): invalid engine packet: \(error)")
        // An invalid packet ends the session, as the reference server does.
        fail(.normal)
    }

    private func fail(_ code: WebSocketCloseCode) {
        closing = true
        connection.write(WebSocketFrameEncoder.closeFrame(code: code, reason: ""))
        connection.closeAfterFlush()
    }

    override func connectionDidDrain(_ connection: Connection) {}

    override func connectionDidClose(_ connection: Connection) {
        guard let socket else { return }
        // Every WebSocket-first session is on this loop: told without a closure.
        if socket.loop.inEventLoop {
            socket.webSocketClosed(self)
        } else {
            socket.loop.execute { [self] in socket.webSocketClosed(self) }
        }
    }
}

extension EngineSocket {
    /// Whether a message from `transport` may go to the application lent: the session is on
    /// the transport's loop, the transport is attached and not a probe, and the session takes
    /// the message with no change of state (what `receiveFromWebSocket` would deliver).
    @inline(__always)
    func takesLentMessage(from transport: WebSocketTransport) -> Bool {
        loop === transport.connection.loop && isAttached(transport) && session.deliversMessage(via: .websocket)
            && probe !== transport
    }

    /// A message `takesLentMessage` allowed, counted and handed to the application.
    @inline(__always)
    func receiveLentMessage(_ payload: UnsafeRawBufferPointer, isBinary: Bool, wireBytes: Int) {
        loop.assertInLoop()
        countBytesIn(wireBytes)
        countMessageIn(on: .websocket)
        server.deliverMessage(payload, isBinary: isBinary, from: self)
    }

    /// A packet from a WebSocket: the active transport, or the probe of an upgrade.
    func receiveFromWebSocket(_ packet: EnginePacket, transport: WebSocketTransport) {
        loop.assertInLoop()
        if probe === transport {
            let before = session.transport
            receive(packet, via: .websocket)
            if before != .websocket && session.transport == .websocket {
                loop.metrics.counters.upgradeCompleted(from: before)
            }
            syncUpgradeTimer()
        } else if isAttached(transport) {
            receive(packet, via: .websocket)
        }
    }
}
