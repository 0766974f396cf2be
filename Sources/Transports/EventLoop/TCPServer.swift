import Glibc
import Synchronization

/// Accepts TCP connections on every loop of a group and hands each to a new handler.
public final class TCPServer: Sendable {
    public let group: EventLoopGroup
    public let host: String
    private let boundPort: Atomic<Int>
    private let limits: ConnectionLimits
    private let maxConnections: Int
    private let sharesPort: Bool
    private let makeHandler: @Sendable (EventLoop) -> ConnectionHandler
    /// One per loop, each bound to its loop; set by `bind`.
    private let listeners = Mutex<[LoopBound<Listener>]>([])
    private let liveConnections = ConnectionCounter()

    /// - Parameters:
    ///   - port: 0 picks a free port; `port` holds the chosen one after `start()`.
    ///   - maxConnections: connections past this are accepted and closed at once.
    ///   - sharesPort: join other processes' listeners on the port instead of failing.
    public init(group: EventLoopGroup, host: String, port: Int, limits: ConnectionLimits = .init(),
                maxConnections: Int, sharesPort: Bool = false,
                makeHandler: @escaping @Sendable (EventLoop) -> ConnectionHandler) {
        self.group = group
        self.host = host
        self.boundPort = Atomic(port)
        self.limits = limits
        self.maxConnections = maxConnections
        self.sharesPort = sharesPort
        self.makeHandler = makeHandler
    }

    /// The port; after `bind`, the bound one (when 0 was asked for).
    public var port: Int { boundPort.load(ordering: .relaxed) }

    /// Binds one SO_REUSEPORT listener per loop. Call before `group.start()`.
    /// Throws `SystemError(call: "port N", code: EADDRINUSE)` when another socket holds the
    /// port: SO_REUSEPORT alone would let a second server join it silently, so unless
    /// `sharesPort`, a probe binds the port without it first.
    public func bind() throws(SystemError) {
        var port = self.port
        var fds: [Int32] = []
        do {
            if port != 0 && !sharesPort {
                try SocketAddress.probeExclusive(host: host, port: port)
            }
            for _ in group.loops {
                let fd = try SocketAddress.listen(host: host, port: port)
                if port == 0 { port = SocketAddress.boundPort(fd) }
                fds.append(fd)
            }
        } catch {
            for fd in fds { close(fd) }
            throw error.code == EADDRINUSE ? SystemError(call: "port \(port)", code: EADDRINUSE) : error
        }
        boundPort.store(port, ordering: .relaxed)
        let counter = liveConnections
        let cap = maxConnections
        let bound = zip(group.loops, fds).map { loop, fd in
            loop.makeLocal {
                LoopBound(takingOwnershipOf: Listener(fd: fd, loop: loop, limits: limits,
                                   admit: { counter.admit(upTo: cap) },
                                   release: { counter.release() },
                                   makeHandler: makeHandler), loop: loop)
            }
        }
        listeners.withLock { $0 += bound }
    }

    /// Registers the listeners with their loops (on the loops' threads).
    public func startAccepting() {
        for listener in listeners.withLock({ $0 }) {
            listener.loop.run { listener.value.start() }
        }
    }

    /// Closes the listeners; existing connections stay.
    public func stopAccepting() {
        for listener in listeners.withLock({ $0 }) {
            listener.loop.run { listener.value.close() }
        }
    }

    /// Open connections across all loops.
    public var connectionCount: Int { liveConnections.value }
}

/// Open connections across loops.
final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts a new connection if fewer than `cap` are open.
    func admit(upTo cap: Int) -> Bool {
        if count.add(1, ordering: .relaxed).newValue <= cap { return true }
        count.subtract(1, ordering: .relaxed)
        return false
    }

    func release() { count.subtract(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}
