import CPushSys
import Glibc
import Transports

/// What a client connection tells its owner.
protocol ClientSocketDelegate: AnyObject {
    func socketDidConnect(_ socket: ClientSocket)
    /// Consumes what it can of `bytes` and returns how many it took; the rest is offered again
    /// in front of the next bytes read.
    func socket(_ socket: ClientSocket, didRead bytes: UnsafeRawBufferPointer) -> Int
    /// The connection failed or the peer closed it (not called for `close()` from this side).
    func socketDidClose(_ socket: ClientSocket, reason: String)
}

/// Byte and request counters over every connection of the generator.
final class WireCounters {
    var bytesIn = 0
    var bytesOut = 0
    var httpRequests = 0
    var connects = 0
}

/// An outgoing TCP connection on the generator's loop. Writes are queued in `out` and leave
/// in one `write` after each event is handled.
final class ClientSocket {
    let fd: Int32
    /// fd in the low 32 bits, a generation above: epoll events carry it, so an event queued
    /// for a closed descriptor never reaches a new connection that reuses the number.
    fileprivate var token: UInt64 = 0
    unowned let loop: ClientLoop
    var delegate: ClientSocketDelegate?
    private(set) var isConnected = false
    private(set) var isClosed = false
    /// Unconsumed input, kept between reads.
    private var pending: [UInt8] = []
    /// Bytes waiting to be written; callers append to it and call `markDirty()`.
    var out: [UInt8] = []
    private var outSent = 0
    private var writableArmed = false
    fileprivate var dirty = false

    fileprivate init(fd: Int32, loop: ClientLoop) {
        self.fd = fd
        self.loop = loop
    }

    /// Queues the bytes appended to `out` for the next flush.
    @inline(__always)
    func markDirty() {
        if !dirty && !isClosed {
            dirty = true
            loop.dirty.append(self)
        }
    }

    func send(_ bytes: [UInt8]) {
        out.append(contentsOf: bytes)
        markDirty()
    }

    fileprivate func handleEvents(_ events: UInt32) {
        if !isConnected {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 || events & UInt32(EPOLLERR.rawValue) != 0 {
                fail("connect: \(String(cString: strerror(error == 0 ? ECONNREFUSED : error)))")
                return
            }
            isConnected = true
            loop.counters.connects += 1
            updateInterest()
            delegate?.socketDidConnect(self)
            if !out.isEmpty { markDirty() }
            return
        }
        if events & UInt32(EPOLLOUT.rawValue) != 0 { flush() }
        if events & UInt32(EPOLLIN.rawValue) != 0 && !isClosed { readAvailable() }
        if !isClosed && events & UInt32(EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && events & UInt32(EPOLLIN.rawValue) == 0 {
            fail("connection error")
        }
    }

    private func readAvailable() {
        let buffer = loop.scratch
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n > 0 {
            loop.counters.bytesIn += n
            loop.readTime = MonotonicClock.microseconds()
            let fresh = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            guard let delegate else { return }
            if pending.isEmpty {
                let consumed = delegate.socket(self, didRead: fresh)
                if consumed < n && !isClosed { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: fresh[consumed...])) }
            } else {
                var input = pending
                pending = []
                input.append(contentsOf: fresh)
                let consumed = input.withUnsafeBytes { delegate.socket(self, didRead: $0) }
                if consumed < input.count && !isClosed {
                    pending = consumed == 0 ? input : Array(input[consumed...])
                }
            }
            if pending.count > 64 << 20 { fail("over 64 MiB of unparsed input") }
        } else if n == 0 {
            fail("closed by server")
        } else {
            let code = cpushsys_errno()
            if code != EAGAIN && code != EWOULDBLOCK && code != EINTR {
                fail("read: \(String(cString: strerror(code)))")
            }
        }
    }

    fileprivate func flush() {
        dirty = false
        guard isConnected, !isClosed, outSent < out.count else { return }
        let written = out.withUnsafeBytes { all in
            write(fd, all.baseAddress! + outSent, all.count - outSent)
        }
        if written < 0 {
            let code = cpushsys_errno()
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR {
                armWritable(true)
                return
            }
            fail("write: \(String(cString: strerror(code)))")
            return
        }
        loop.counters.bytesOut += written
        outSent += written
        if outSent == out.count {
            out.removeAll(keepingCapacity: out.capacity <= 16 << 10)
            outSent = 0
            armWritable(false)
        } else {
            if outSent > 1 << 20 {
                out.removeFirst(outSent)
                outSent = 0
            }
            armWritable(true)
        }
    }

    private func armWritable(_ armed: Bool) {
        guard armed != writableArmed else { return }
        writableArmed = armed
        updateInterest()
    }

    private func updateInterest() {
        var event = epoll_event()
        event.events = UInt32(EPOLLIN.rawValue) | (writableArmed ? UInt32(EPOLLOUT.rawValue) : 0)
        event.data.u64 = token
        epoll_ctl(loop.epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    private func fail(_ reason: String) {
        guard !isClosed else { return }
        let delegate = self.delegate
        close()
        delegate?.socketDidClose(self, reason: reason)
    }

    /// Closes at once; `reset` sends RST instead of FIN so no TIME_WAIT is left behind.
    func close(reset: Bool = false) {
        guard !isClosed else { return }
        isClosed = true
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        epoll_ctl(loop.epollFD, EPOLL_CTL_DEL, fd, nil)
        loop.forget(fd)
        Glibc.close(fd)
        out = []
        pending = []
        delegate = nil
    }
}

/// The generator's single epoll loop: connections, a timing wheel, and flushes after every
/// event so a reply leaves as soon as the read that caused it is handled.
final class ClientLoop {
    let epollFD: Int32
    private var sockets: [ClientSocket?] = []
    private var wheel: TimingWheel
    fileprivate var dirty: [ClientSocket] = []
    let scratch: UnsafeMutableRawBufferPointer
    let counters = WireCounters()
    private var address = sockaddr_in()
    /// Microseconds at the last read (the receive time of everything that read carried).
    var readTime: Int64 = MonotonicClock.microseconds()
    private(set) var nowMilliseconds: Int64
    var openSockets = 0
    private var generation: UInt32 = 0

    init(host: String) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epollFD >= 0, "epoll_create1 failed")
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        nowMilliseconds = MonotonicClock.milliseconds()
        wheel = TimingWheel(now: nowMilliseconds, tickMilliseconds: 5, slotCount: 1024)
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            fatalError("host must be an IPv4 address, not \(host)")
        }
    }

    /// Starts a non-blocking connect to `port` on the host; the reason if the socket cannot be made.
    func connect(port: Int, delegate: ClientSocketDelegate) -> Result<ClientSocket, SystemError> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(SystemError.last("socket")) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = self.address
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        let code = cpushsys_errno()
        if status != 0 && code != EINPROGRESS {
            Glibc.close(fd)
            return .failure(SystemError(call: "connect", code: code))
        }
        let socket = ClientSocket(fd: fd, loop: self)
        generation &+= 1
        socket.token = UInt64(UInt32(bitPattern: fd)) | UInt64(generation) << 32
        socket.delegate = delegate
        if Int(fd) >= sockets.count {
            sockets.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - sockets.count + 256))
        }
        sockets[Int(fd)] = socket
        openSockets += 1
        var event = epoll_event()
        event.events = UInt32(EPOLLOUT.rawValue)
        event.data.u64 = socket.token
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
        return .success(socket)
    }

    fileprivate func forget(_ fd: Int32) {
        if Int(fd) < sockets.count, sockets[Int(fd)] != nil {
            sockets[Int(fd)] = nil
            openSockets -= 1
        }
    }

    @discardableResult
    func schedule(after milliseconds: Int64, _ action: @escaping () -> Void) -> Timer {
        wheel.schedule(at: nowMilliseconds + milliseconds, action)
    }

    private func flushDirty() {
        while !dirty.isEmpty {
            let batch = dirty
            dirty.removeAll(keepingCapacity: true)
            for socket in batch { socket.flush() }
        }
    }

    /// Runs until `done()` answers true (checked once per iteration).
    func run(until done: () -> Bool) {
        let capacity = 128
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while !done() {
            flushDirty()
            let timeout = Int32(wheel.millisecondsToNextTick(now: nowMilliseconds).map { min($0, 100) } ?? 100)
            let ready = epoll_wait(epollFD, events, Int32(capacity), timeout)
            nowMilliseconds = MonotonicClock.milliseconds()
            if ready > 0 {
                for index in 0..<Int(ready) {
                    let token = events[index].data.u64
                    let fd = Int(token & 0xFFFF_FFFF)
                    if fd < sockets.count, let socket = sockets[fd], socket.token == token {
                        socket.handleEvents(events[index].events)
                        flushDirty()
                    }
                }
            }
            for timer in wheel.advance(to: nowMilliseconds) { timer.fire() }
        }
        flushDirty()
    }
}
