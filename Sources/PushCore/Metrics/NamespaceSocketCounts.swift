/// Counts connected sockets per namespace on each loop, from the lifecycle every socket goes
/// through; read a loop's counts on that loop.
public final class NamespaceSocketCounts: SocketObserver, @unchecked Sendable {
    /// One loop's counts, by namespace name; a namespace leaves when its last socket does.
    private final class LoopCounts {
        var byNamespace: [String: Int] = [:]
    }

    private let loops: [LoopCounts]

    public convenience init(loopCount: Int) {
        self.init(counts: (0..<max(1, loopCount)).map { _ in LoopCounts() })
    }

    /// Each loop's counts made with its loop's memory (see `SocketExecutor.makeLocal`).
    public convenience init(executors: [SocketExecutor]) {
        self.init(counts: executors.map { $0.makeLocal { LoopCounts() } })
    }

    private init(counts: [LoopCounts]) {
        loops = counts
    }

    /// Counts on loop `index`, by namespace. On that loop only.
    public func counts(onLoop index: Int) -> [String: Int] {
        index < loops.count ? loops[index].byNamespace : [:]
    }

    public func socketConnected(_ socket: Socket) {
        guard socket.loopIndex < loops.count else { return }
        loops[socket.loopIndex].byNamespace[socket.namespace.name, default: 0] += 1
    }

    public func socketDisconnected(_ socket: Socket, reason: DisconnectReason) {
        guard socket.loopIndex < loops.count else { return }
        let state = loops[socket.loopIndex]
        let left = (state.byNamespace[socket.namespace.name] ?? 1) - 1
        state.byNamespace[socket.namespace.name] = left > 0 ? left : nil
    }
}
