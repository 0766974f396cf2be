import PushCore

/// Pipes the bytes of two connections on one loop into each other, in order, untouched: a
/// client's WebSocket relayed to the node that owns its session.
///
/// Back-pressure runs both ways: when one side's write queue passes its high-water mark, the
/// other side is not read until that queue drains below the low-water mark, so each direction
/// holds at most one high-water mark plus one read. When either side closes, the other is
/// closed once what was queued for it is written (a client then reconnects).
/// Loop-confined (see LoopConfined): its entry points assert they run on `loop`.
final class ConnectionSplice: ConnectionHandler, LoopConfined, @unchecked Sendable {
    let loop: EventLoop
    @exclusivity(unchecked) private var first: Connection?
    @exclusivity(unchecked) private var second: Connection?
    @exclusivity(unchecked) private var finished = false
    /// Called once, when the first side closes.
    @exclusivity(unchecked) var onClose: (() -> Void)?

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Joins the two sides; this splice must be (or become at once) the handler of both.
    func join(_ a: Connection, _ b: Connection) {
        assertInLoop()
        first = a
        second = b
    }

    /// Closes both sides now (the far end is known dead).
    func close() {
        assertInLoop()
        first?.close()
        second?.close()
    }

    private func peer(of connection: Connection) -> Connection? {
        connection === first ? second : connection === second ? first : nil
    }

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        assertInLoop()
        // Not joined yet: keep the bytes (the connection bounds what it keeps and stops reading).
        guard let other = peer(of: connection) else { return 0 }
        guard !other.isClosed else { return input.count }
        other.write(ByteChunk.copying(UnsafeRawBufferPointer(input)))
        if other.queuedBytes > other.limits.writeHighWater { connection.pauseReading() }
        return input.count
    }

    override func connectionDidDrain(_ connection: Connection) {
        assertInLoop()
        peer(of: connection)?.resumeReading()
    }

    override func connectionDidClose(_ connection: Connection) {
        assertInLoop()
        peer(of: connection)?.closeAfterFlush(lingerMilliseconds: 2_000)
        guard !finished else { return }
        finished = true
        let handler = onClose
        onClose = nil
        handler?()
    }
}
