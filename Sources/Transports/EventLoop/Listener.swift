import CPushSys
import Glibc

/// A listening socket on one loop. Each loop has its own, bound with SO_REUSEPORT, so the
/// kernel spreads new connections across loops without a shared accept lock.
/// Loop-confined (see LoopConfined); `TCPServer` holds it as a `LoopBound`.
final class Listener: PollerHandler, LoopConfined {
    let fd: Int32
    unowned let loop: EventLoop
    let makeHandler: (EventLoop) -> ConnectionHandler
    let limits: ConnectionLimits
    let admit: () -> Bool
    let release: () -> Void
    private var paused = false
    private var lastDescriptorWarning: Int64 = -60_000
    private(set) var isClosed = false

    init(fd: Int32, loop: EventLoop, limits: ConnectionLimits, admit: @escaping () -> Bool,
         release: @escaping () -> Void, makeHandler: @escaping (EventLoop) -> ConnectionHandler) {
        self.fd = fd
        self.loop = loop
        self.limits = limits
        self.admit = admit
        self.release = release
        self.makeHandler = makeHandler
    }

    func start() {
        assertInLoop()
        loop.register(fd: fd, handler: self, events: UInt32(EPOLLIN.rawValue))
    }

    override func handleEvents(_ events: UInt32) {
        assertInLoop()
        // A bounded batch keeps one loop from spending an iteration only on accepts.
        for _ in 0..<64 {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    cpushsys_accept4(fd, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if client < 0 {
                let code = cpushsys_errno()
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    descriptorsExhausted(code)
                }
                return
            }
            guard admit() else {
                Log.debug("connection limit reached; refusing a connection")
                Glibc.close(client)
                continue
            }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let connection = Connection(fd: client, loop: loop, handler: makeHandler(loop),
                                        remoteAddress: SocketAddress.describe(&address), limits: limits)
            connection.onFinalClose = release
            connection.start()
        }
    }

    /// Out of descriptors: stop asking for accepts for a moment instead of spinning on a
    /// listening socket that stays readable.
    private func descriptorsExhausted(_ code: Int32) {
        if loop.now - lastDescriptorWarning > 10_000 {
            lastDescriptorWarning = loop.now
            Log.warning("accept: \(String(cString: strerror(code))); pausing accepts until descriptors free up")
        }
        guard !paused else { return }
        paused = true
        loop.modify(fd: fd, events: 0)
        loop.schedule(after: 100) { [weak self] in
            guard let self, !self.isClosed else { return }
            self.paused = false
            self.loop.modify(fd: self.fd, events: UInt32(EPOLLIN.rawValue))
        }
    }

    func close() {
        assertInLoop()
        guard !isClosed else { return }
        isClosed = true
        loop.deregister(fd: fd, closing: true)
        Glibc.close(fd)
    }
}

/// Socket address helpers.
public enum SocketAddress {
    /// "ip:port" for IPv4, "[ip]:port" for IPv6.
    static func describe(_ storage: inout sockaddr_storage) -> String {
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    describeIPv4(UInt32(bigEndian: address.pointee.sin_addr.s_addr), port: UInt16(bigEndian: address.pointee.sin_port))
                }
            }
        case AF_INET6:
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var ip = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &ip, &text, socklen_t(text.count))
                    return "[\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))]:\(UInt16(bigEndian: address.pointee.sin6_port))"
                }
            }
        default:
            return "unknown"
        }
    }

    /// "a.b.c.d:port", written by hand: every accepted connection is named, and glibc's
    /// inet_ntop formats IPv4 through printf. Made from a stack buffer, so that a name of up to
    /// 15 bytes (a loopback peer's) is a small string held inline, not one more allocation
    /// kept for the connection's life.
    static func describeIPv4(_ address: UInt32, port: UInt16) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { out in
            var count = 0
            func decimal(_ value: Int) {
                var divisor = 1
                while divisor * 10 <= value { divisor *= 10 }
                while divisor > 0 {
                    out[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / divisor % 10)
                    count &+= 1
                    divisor /= 10
                }
            }
            for shift in stride(from: 24, through: 0, by: -8) {
                decimal(Int(address >> UInt32(shift) & 0xFF))
                out[count] = shift == 0 ? UInt8(ascii: ":") : UInt8(ascii: ".")
                count &+= 1
            }
            decimal(Int(port))
            return String(decoding: UnsafeBufferPointer(rebasing: out[..<count]), as: UTF8.self)
        }
    }

    /// Opens a non-blocking listening socket on host:port with SO_REUSEPORT.
    static func listen(host: String, port: Int, backlog: Int32 = 4096) throws(SystemError) -> Int32 {
        let fd = try bound(host: host, port: port, reusePort: true)
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError.last("listen")
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Throws EADDRINUSE when any socket, SO_REUSEPORT or not, is bound to host:port: a bind
    /// without SO_REUSEPORT succeeds only on a free port. The probe is closed at once.
    static func probeExclusive(host: String, port: Int) throws(SystemError) {
        Glibc.close(try bound(host: host, port: port, reusePort: false))
    }

    /// A non-blocking socket bound to host:port (SO_REUSEADDR, so connections of a stopped
    /// process in TIME_WAIT do not hold the port).
    private static func bound(host: String, port: Int, reusePort: Bool) throws(SystemError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw SystemError(call: "getaddrinfo \(host)", code: EINVAL)
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.last("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = SystemError.last("bind \(host):\(port)")
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// The port a socket is bound to (after binding port 0).
    static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}
