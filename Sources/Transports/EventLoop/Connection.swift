import PushCore
import CPushSys
import Glibc

/// A TCP connection pinned to one event loop. Loop thread only.
///
/// Reads land in the loop's shared buffer; only unconsumed bytes are copied into the connection,
/// so an idle connection holds no read buffer. Writes queue shared `ByteChunk`s and go out in
/// one send or sendmsg: right after the read that caused them, else at the end of the iteration.
/// Replies written while the connection's own input is handled are copied into the loop's cork
/// buffer instead and go out with that send; only what the socket does not take is kept.
/// Loop-confined (see LoopConfined): its entry points assert they run on `loop`.
public final class Connection: PollerHandler, LoopConfined, @unchecked Sendable {
    public let fd: Int32
    /// Beside `fd`: 16 bytes together.
    let limits: ConnectionLimits
    /// Strong: loops live as long as the process, and an unowned reference would cost an
    /// atomic check on every access (several per message).
    public let loop: EventLoop
    /// A replaced handler is retired: `offer` calls it uncounted, and an upgrade replaces the
    /// handler from inside that call.
    @exclusivity(unchecked) public var handler: ConnectionHandler {
        didSet { if oldValue !== handler { loop.retire(oldValue) } }
    }
    // What a write reads and changes comes first, in the object's first two cache lines: a
    // broadcast reaches thousands of connections that are no longer in the cache. Every open
    // connection holds all of it, so the positions are 32 bits and the flags sit in their
    // padding: an idle WebSocket's connection fits in 184 bytes (a 192-byte block).
    @exclusivity(unchecked) private var output = OutputQueue()
    /// While this connection's input is handled: its bytes at the start of `loop.corkBuffer`
    /// (written after everything in `output`, which is empty while any are there).
    @exclusivity(unchecked) private var corkedBytes32: Int32 = 0
    /// Set while the connection's input is handled: small writes then go to the cork buffer.
    @exclusivity(unchecked) private var corkable = false
    @exclusivity(unchecked) private var flushScheduled = false
    @exclusivity(unchecked) private var writableArmed = false
    @exclusivity(unchecked) private var pausedForWrites = false
    @exclusivity(unchecked) public private(set) var queuedBytes = 0
    @exclusivity(unchecked) private var pausedForInput = false
    @exclusivity(unchecked) private var pausedByHandler = false
    @exclusivity(unchecked) private var readEOF = false
    @exclusivity(unchecked) private var closeWhenFlushed = false
    @exclusivity(unchecked) public private(set) var isClosed = false
    /// Between `start` and `close`: the loop's poller holds the connection.
    @exclusivity(unchecked) private var isRegistered = false
    /// Hears of the write queue crossing its marks (nil for nearly every connection).
    @exclusivity(unchecked) public var backlogWatch: BacklogWatch?
    /// Total bytes read and written, for per-session statistics.
    @exclusivity(unchecked) public private(set) var bytesWritten = 0
    @exclusivity(unchecked) public private(set) var bytesRead = 0

    @exclusivity(unchecked) private var pendingInput: [UInt8] = []
    @exclusivity(unchecked) private var linger: Timer?
    /// Runs after close (the listener's connection count).
    @exclusivity(unchecked) var onFinalClose: (() -> Void)?
    public let remoteAddress: String

    private var corkedBytes: Int {
        get { Int(corkedBytes32) }
        set { corkedBytes32 = Int32(truncatingIfNeeded: newValue) }
    }

    init(fd: Int32, loop: EventLoop, handler: ConnectionHandler, remoteAddress: String, limits: ConnectionLimits) {
        self.fd = fd
        self.loop = loop
        self.handler = handler
        self.remoteAddress = remoteAddress
        self.limits = limits
    }

    func start() {
        assertInLoop()
        loop.register(fd: fd, handler: self, events: interest)
        isRegistered = true
        handler.connectionDidOpen(self)
    }

    private var interest: UInt32 {
        // Once the peer's FIN is seen, RDHUP would fire on every iteration: stop asking for it.
        var events: UInt32 = readEOF ? 0 : UInt32(EPOLLRDHUP.rawValue)
        if !(pausedForWrites || pausedForInput || pausedByHandler || readEOF) { events |= UInt32(EPOLLIN.rawValue) }
        if writableArmed { events |= UInt32(EPOLLOUT.rawValue) }
        return events
    }

    private func updateInterest() {
        guard !isClosed else { return }
        loop.modify(fd: fd, events: interest)
    }

    // MARK: Events

    override func handleEvents(_ events: UInt32) {
        assertInLoop()
        if events & UInt32(EPOLLOUT.rawValue) != 0 { flushNow() }
        if events & UInt32(EPOLLIN.rawValue) != 0, !isClosed {
            corkable = true
            readAvailable()
            // What this read caused goes out now, as one write: the peer is waiting for it, and
            // the rest of the ready list need not delay it. Writes to other connections (a
            // broadcast) still wait for the end of the iteration and go out once each.
            if flushScheduled { flushNow() }
            corkable = false
            if corkedBytes > 0 { uncork() }
        }
        if !isClosed, events & UInt32(EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            close()
        } else if !isClosed, events & UInt32(EPOLLRDHUP.rawValue) != 0, events & UInt32(EPOLLIN.rawValue) == 0 {
            peerFinishedSending()
        }
    }

    @inline(__always)
    private func readAvailable() {
        let buffer = loop.readBuffer
        let n = cpushsys_recv(fd, buffer.baseAddress, buffer.count)
        if n > 0 {
            bytesRead += n
            deliver(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]))
        } else if n == 0 {
            peerFinishedSending()
        } else {
            let code = cpushsys_errno()
            if code != EAGAIN && code != EWOULDBLOCK && code != EINTR { close() }
        }
    }

    /// The peer sent FIN: answer what is queued, then close.
    private func peerFinishedSending() {
        readEOF = true
        closeAfterFlush()
    }

    /// Offers bytes to the handler, keeping whatever it leaves, and follows handler changes.
    @inline(__always)
    private func deliver(_ fresh: UnsafeMutableRawBufferPointer) {
        if pendingInput.isEmpty {
            let consumed = offer(fresh)
            if consumed < fresh.count, !isClosed {
                pendingInput.append(contentsOf: UnsafeMutableRawBufferPointer(rebasing: fresh[consumed...]))
            }
        } else {
            pendingInput.append(contentsOf: fresh)
            processPendingInput()
        }
        checkInputBacklog()
    }

    /// Runs the handler over `input` until it stops consuming; a handler swap (upgrade) gets the
    /// remaining bytes at once.
    @inline(__always)
    private func offer(_ input: UnsafeMutableRawBufferPointer) -> Int {
        var consumed = 0
        while !isClosed {
            let current = Unmanaged.passUnretained(handler)
            let taken = current._withUnsafeGuaranteedRef {
                $0.connection(self, didRead: UnsafeMutableRawBufferPointer(rebasing: input[consumed...]))
            }
            consumed += taken
            if consumed >= input.count || pausedByHandler { break }
            if Unmanaged.passUnretained(handler).toOpaque() == current.toOpaque() && taken == 0 { break }
        }
        return consumed
    }

    private func processPendingInput() {
        var input = pendingInput
        pendingInput = []
        let consumed = input.withUnsafeMutableBytes { offer($0) }
        if consumed < input.count, !isClosed {
            pendingInput = Array(input[consumed...])
        }
    }

    @inline(__always)
    private func checkInputBacklog() {
        let shouldPause = pendingInput.count > limits.maxBufferedInput
        if shouldPause != pausedForInput {
            pausedForInput = shouldPause
            updateInterest()
        }
    }

    /// Stops reading from the peer (a rate limit) until `resumeReading`.
    public func pauseReading() {
        assertInLoop()
        guard !pausedByHandler, !isClosed else { return }
        pausedByHandler = true
        updateInterest()
    }

    /// Reads again, first offering what was kept.
    public func resumeReading() {
        assertInLoop()
        guard pausedByHandler, !isClosed else { return }
        pausedByHandler = false
        updateInterest()
        resumeInput()
    }

    /// Offers kept input to the handler again: a handler that stopped consuming while a
    /// response was pending calls this when it is ready for the next request.
    public func resumeInput() {
        assertInLoop()
        guard !isClosed, !pendingInput.isEmpty else { return }
        processPendingInput()
        checkInputBacklog()
    }

    // MARK: Writing

    /// Queues bytes; they go out at the end of this loop iteration.
    /// Takes the caller's reference, so a chunk made for this write is queued without another
    /// reference count.
    public func write(_ chunk: consuming ByteChunk) {
        assertInLoop()
        guard !isClosed, chunk.count > 0 else { return }
        // A small chunk written while the input is handled is copied into the cork: cheaper
        // than holding it, and the queue's array is not needed at all.
        if chunk.count <= Self.smallChunk && canCork(chunk.count) {
            cork(chunk.count) { $0.baseAddress!.copyMemory(from: chunk.base, byteCount: chunk.count) }
        } else {
            enqueue(chunk)
        }
    }

    /// Queues `count` bytes that `fill` writes in place: into the loop's cork buffer while this
    /// connection's input is handled and nothing else waits to go out, else into a new chunk.
    @inline(__always)
    public func write(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        assertInLoop()
        guard !isClosed, count > 0 else { return }
        if canCork(count) {
            cork(count, fill)
        } else {
            enqueue(ByteChunk.filled(count: count, fill))
        }
    }

    /// Whether `count` more bytes can go to the cork: the input is being handled, nothing
    /// else waits, and they fit.
    @inline(__always)
    private func canCork(_ count: Int) -> Bool {
        corkable && output.isEmpty && count <= loop.corkBuffer.count &- corkedBytes
    }

    @inline(__always)
    private func cork(_ count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        fill(UnsafeMutableRawBufferPointer(start: loop.corkBuffer.baseAddress! + corkedBytes, count: count))
        corkedBytes &+= count
        didQueue(count)
    }

    /// Puts a chunk in the queue, behind whatever is corked.
    @inline(__always)
    private func enqueue(_ chunk: consuming ByteChunk) {
        if corkedBytes > 0 { uncork() }
        let count = chunk.count
        output.append(chunk)
        didQueue(count)
    }

    /// Queues a copy of `bytes`.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { source in
            write(count: source.count) { $0.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: source.count) }
        }
    }

    @inline(__always)
    private func didQueue(_ count: Int) {
        queuedBytes += count
        scheduleFlush()
        if !pausedForWrites && queuedBytes > limits.writeHighWater {
            pausedForWrites = true
            updateInterest()
        }
        if let watch = backlogWatch, queuedBytes > watch.above { watch.crossed(watch) }
    }

    /// Moves corked bytes into the queue as a chunk of their own, giving the cork back.
    private func uncork() {
        output.append(ByteChunk.copying(UnsafeRawBufferPointer(start: loop.corkBuffer.baseAddress, count: corkedBytes)))
        corkedBytes = 0
    }

    /// Sends the corked bytes (the queue is empty behind them); keeps what the socket refuses.
    /// False when the connection failed and closed.
    @inline(__always)
    private func sendCorked() -> Bool {
        let corked = corkedBytes
        let base = UnsafeRawPointer(loop.corkBuffer.baseAddress!)
        corkedBytes = 0
        var written = cpushsys_send(fd, base, corked, Int32(MSG_NOSIGNAL))
        if written < 0 {
            let code = cpushsys_errno()
            guard code == EINTR || code == EAGAIN || code == EWOULDBLOCK else { close(); return false }
            written = 0
        }
        bytesWritten += written
        queuedBytes -= written
        if written < corked {
            output.append(ByteChunk.copying(UnsafeRawBufferPointer(start: base + written, count: corked - written)))
        }
        return true
    }

    private func scheduleFlush() {
        if !flushScheduled && !writableArmed {
            flushScheduled = true
            // While its input is handled the connection flushes right after the read.
            if !corkable { loop.needsFlush(self, registered: isRegistered) }
        }
    }

    /// Writes as much of the queue as the socket takes: one send for a single chunk (the common
    /// case, a frame or a response) or for small chunks copied together, else one sendmsg per
    /// 64 chunks. Both skip the file layer that write and writev go through (its position lock
    /// was 3% of a broadcast's CPU).
    func flushNow() {
        assertInLoop()
        flushScheduled = false
        guard !isClosed else { return }
        if corkedBytes > 0, !sendCorked() { return }
        // The common case (a reply sent whole from the cork) skips the queue's bookkeeping.
        if output.isEmpty && !writableArmed && !closeWhenFlushed && !pausedForWrites && backlogWatch == nil { return }
        while !output.isEmpty {
            let written: Int
            let pendingCount = output.pendingCount
            if pendingCount == 1 {
                let bytes = output.pendingBytes(0)
                written = cpushsys_send(fd, bytes.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL))
            } else if let gathered = gatherSmallChunks(pendingCount) {
                written = cpushsys_send(fd, loop.corkBuffer.baseAddress!, gathered, Int32(MSG_NOSIGNAL))
            } else {
                let iovecs = loop.iovecs
                let count = min(pendingCount, iovecs.count)
                for index in 0..<count {
                    let bytes = output.pendingBytes(index)
                    iovecs[index] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), iov_len: bytes.count)
                }
                var message = msghdr()
                message.msg_iov = iovecs.baseAddress
                message.msg_iovlen = count
                written = cpushsys_sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                let code = cpushsys_errno()
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { break }
                close()
                return
            }
            bytesWritten += written
            queuedBytes -= written
            output.advance(by: written)
            if written == 0 { break }
        }
        output.compact()
        let pending = !output.isEmpty
        if pending != writableArmed {
            writableArmed = pending
            updateInterest()
        }
        if !pending {
            if closeWhenFlushed { close(); return }
        }
        if pausedForWrites && queuedBytes < limits.writeLowWater {
            pausedForWrites = false
            updateInterest()
            handler.connectionDidDrain(self)
        }
        if let watch = backlogWatch, queuedBytes <= watch.below, !isClosed { watch.crossed(watch) }
    }

    /// Copies the queue into the loop's cork buffer when it is only small chunks that fit
    /// there (a few broadcast frames, say), and returns their length: sendmsg's scatter list
    /// costs the kernel more than the copy. Nil when a chunk is large or the queue is long.
    /// The cork buffer is free here: a connection's corked bytes were sent before its queue.
    private func gatherSmallChunks(_ pendingCount: Int) -> Int? {
        let cork = loop.corkBuffer
        guard pendingCount <= loop.iovecs.count else { return nil }
        var total = 0
        for index in 0..<pendingCount {
            let bytes = output.pendingBytes(index)
            guard bytes.count <= Self.smallChunk, total &+ bytes.count <= cork.count else { return nil }
            (cork.baseAddress! + total).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            total &+= bytes.count
        }
        return total
    }

    /// Chunks up to this size are copied rather than referenced when that saves work.
    static let smallChunk = 512

    // MARK: Closing

    /// Closes once everything queued is written, or after `lingerMilliseconds` if the peer
    /// does not read it.
    public func closeAfterFlush(lingerMilliseconds: Int64 = 10_000) {
        assertInLoop()
        guard !isClosed, !closeWhenFlushed else { return }
        closeWhenFlushed = true
        if output.isEmpty && corkedBytes == 0 {
            close()
            return
        }
        updateInterest()
        linger = loop.schedule(after: lingerMilliseconds) { [self] in close() }
    }

    /// Closes now, dropping anything queued.
    public func close() {
        assertInLoop()
        guard !isClosed else { return }
        isClosed = true
        linger?.cancel()
        linger = nil
        // Retires this connection (when registered): a flush may still be due this iteration.
        loop.deregister(fd: fd, closing: true)
        isRegistered = false
        Glibc.close(fd)
        output.removeAll()
        corkedBytes = 0
        pendingInput = []
        queuedBytes = 0
        // Handlers that keep their connection (WebSocket transports, Redis links) form a cycle
        // with it: drop ours, or every closed WebSocket leaks the pair, and the leaked pairs,
        // scattered through the heap, keep the pages a departed crowd freed from going back.
        let handler = self.handler
        self.handler = ClosedConnectionHandler.shared
        handler.connectionDidClose(self)
        backlogWatch = nil
        onFinalClose?()
        onFinalClose = nil
    }
}
