import CPushSys
import Glibc

/// Opens an outgoing TCP connection on a loop (the Redis client's). Loop-confined (see
/// LoopConfined): its entry points assert they run on `loop`.
final class Connector: PollerHandler, LoopConfined {
    private let fd: Int32
    unowned let loop: EventLoop
    private let remote: String
    private let makeHandler: () -> ConnectionHandler
    private let completion: (Result<Connection, SystemError>) -> Void
    private var timer: Timer?
    private var done = false

    private init(fd: Int32, loop: EventLoop, remote: String, makeHandler: @escaping () -> ConnectionHandler,
                 completion: @escaping (Result<Connection, SystemError>) -> Void) {
        self.fd = fd
        self.loop = loop
        self.remote = remote
        self.makeHandler = makeHandler
        self.completion = completion
    }

    /// Connects to host:port; `completion` gets the started connection or the error.
    static func connect(on loop: EventLoop, host: String, port: Int, timeoutMilliseconds: Int64 = 5_000,
                        makeHandler: @escaping () -> ConnectionHandler,
                        completion: @escaping (Result<Connection, SystemError>) -> Void) {
        loop.assertInLoop()
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            completion(.failure(SystemError(call: "getaddrinfo \(host)", code: EINVAL)))
            return
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { completion(.failure(SystemError.last("socket"))); return }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let status = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
        let code = cpushsys_errno()
        let connector = Connector(fd: fd, loop: loop, remote: "\(host):\(port)", makeHandler: makeHandler, completion: completion)
        if status == 0 {
            connector.finish(error: 0)
        } else if code == EINPROGRESS {
            loop.register(fd: fd, handler: connector, events: UInt32(EPOLLOUT.rawValue))
            connector.timer = loop.schedule(after: timeoutMilliseconds) { [weak connector] in
                connector?.fail(SystemError(call: "connect \(host):\(port)", code: ETIMEDOUT), registered: true)
            }
        } else {
            Glibc.close(fd)
            completion(.failure(SystemError(call: "connect \(host):\(port)", code: code)))
        }
    }

    override func handleEvents(_ events: UInt32) {
        assertInLoop()
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        loop.deregister(fd: fd)
        finish(error: error)
    }

    private func finish(error: Int32) {
        assertInLoop()
        guard !done else { return }
        done = true
        timer?.cancel()
        if error != 0 {
            Glibc.close(fd)
            completion(.failure(SystemError(call: "connect \(remote)", code: error)))
            return
        }
        let connection = Connection(fd: fd, loop: loop, handler: makeHandler(), remoteAddress: remote, limits: ConnectionLimits())
        connection.start()
        completion(.success(connection))
    }

    private func fail(_ error: SystemError, registered: Bool) {
        assertInLoop()
        guard !done else { return }
        done = true
        if registered { loop.deregister(fd: fd) }
        Glibc.close(fd)
        completion(.failure(error))
    }
}
