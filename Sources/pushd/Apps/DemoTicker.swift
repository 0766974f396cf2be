import PushCore
import Synchronization

/// The demo's server push: "tick" events to one room (a page's panels) at a rate the page
/// chooses, so the four transports can be compared under the same push load. One ticker per
/// connection that asks; it stops by itself after a minute.
final class DemoTicker: Sendable {
    static let maxRate = 100
    static let maxRunMilliseconds: Int64 = 60_000
    private let server: SocketServer
    /// Bumped on every start/stop; a running ticker whose generation is stale stops.
    private let generation = Atomic<Int>(0)

    init(server: SocketServer) {
        self.server = server
    }

    /// Starts ticking to `room` at `rate` per second from `socket`'s loop (0 stops).
    func start(rate: Int, to room: String, on socket: Socket) {
        let mine = generation.add(1, ordering: .relaxed).newValue
        guard rate > 0 else { return }
        let rate = min(rate, Self.maxRate)
        var sent = 0
        var elapsed: Int64 = 0
        let step: Int64 = 10
        func tick() {
            guard generation.load(ordering: .relaxed) == mine, elapsed < Self.maxRunMilliseconds else { return }
            elapsed += step
            let due = Int(elapsed) * rate / 1000
            while sent < due {
                sent += 1
                server.to(room).emit("tick", ["seq": .number(Double(sent)), "rate": .number(Double(rate))])
            }
            socket.schedule(after: step, tick)
        }
        socket.schedule(after: step, tick)
    }

    func stop() {
        generation.add(1, ordering: .relaxed)
    }
}

extension DemoTicker {
    /// The tickers of the connections that asked for one (most never do), by socket id; each
    /// goes with its socket.
    private static let bySocket = Mutex<[String: DemoTicker]>([:])

    /// The ticker of `socket`, made when it first asks. Socket's loop.
    static func of(_ socket: Socket, server: SocketServer) -> DemoTicker {
        let id = socket.id
        if let ticker = bySocket.withLock({ $0[id] }) { return ticker }
        let ticker = DemoTicker(server: server)
        bySocket.withLock { $0[id] = ticker }
        socket.onDisconnect { _ in
            ticker.stop()
            bySocket.withLock { _ = $0.removeValue(forKey: id) }
        }
        return ticker
    }
}
