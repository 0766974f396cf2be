import Glibc
import Synchronization

/// Accepts TCP connections on every loop of a group and hands each to a new handler.
public final class TCPServer: @unchecked Sendable {
    public let group: EventLoopGroup
    public let host: String
    public private(set) var port: Int
    private let limits: ConnectionLimits
    private let maxConnections: Int
    private let makeHandler: @Sendable (EventLoop) -> ConnectionHandler
    private var listeners: [Listener] = []
    private let liveConnections = ConnectionCounter()

    /// - Parameters:
    ///   - port: 0 picks a free port; `port` holds the chosen one after `start()`.
    ///   - maxConnections: connections past this are accepted and closed at once.
    public init(group: EventLoopGroup, host: String, port: Int, limits: ConnectionLimits = .init(),
                maxConnections: Int, makeHandler: @escaping @Sendable (EventLoop) -> ConnectionHandler) {
        self.group = group
        self.host = host
        self.port = port
        self.limits = limits
        self.maxConnections = maxConnections
        self.makeHandler = makeHandler
    }

    /// Binds one SO_REUSEPORT listener per loop. Call before `group.start()`.
    public func bind() throws(SystemError) {
        var fds: [Int32] = []
        do {
            for _ in group.loops {
                let fd = try SocketAddress.listen(host: host, port: port)
                if port == 0 { port = SocketAddress.boundPort(fd) }
                fds.append(fd)
            }
        } catch {
            for fd in fds { close(fd) }
            throw error
        }
        let counter = liveConnections
        let cap = maxConnections
        for (loop, fd) in zip(group.loops, fds) {
            let listener = Listener(
                fd: fd, loop: loop, limits: limits,
                admit: { counter.admit(upTo: cap) },
                release: { counter.release() },
                makeHandler: makeHandler)
            listeners.append(listener)
        }
    }

    /// Registers the listeners with their loops (on the loops' threads).
    public func startAccepting() {
        for listener in listeners {
            listener.loop.execute { listener.start() }
        }
    }

    /// Closes the listeners; existing connections stay.
    public func stopAccepting() {
        for listener in listeners {
            listener.loop.execute { listener.close() }
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
