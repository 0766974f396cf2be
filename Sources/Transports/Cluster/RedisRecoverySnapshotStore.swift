import PushCore

/// Recovery snapshots shared by every node of a cluster: `pushd:recovery:<pid>` holds a socket's
/// id, namespace, rooms, data and connection point, and expires by itself after the recovery
/// window. The node hosting a socket writes it ahead (after connecting, at every room change, and
/// every half window for `socket.data`), so a socket whose node was killed comes back elsewhere
/// with its last written state; it writes it again when the socket drops and deletes it when the
/// socket leaves for good. The node a client comes back to takes it once (GETDEL).
///
/// Each value names the node that wrote it. A node writes over another node's value only when it
/// connects the socket (a recovery took it over); so a node that notices late that a recovered
/// socket dropped from it cannot put back what it knew.
public final class RedisRecoverySnapshotStore: RecoverySnapshotStore, SocketObserver, @unchecked Sendable {
    private let node: ClusterNode
    private let window: Int64
    private weak var recovery: ConnectionRecovery?

    static func key(of pid: String) -> String { "pushd:recovery:" + pid }

    /// Writes (or with an empty value deletes) a snapshot unless another node owns it; a claim
    /// writes whoever owns it.
    static let script = """
        local current = redis.call('GET', KEYS[1])
        if current and ARGV[4] ~= '1' and string.sub(current, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. '\\n' then return 0 end
        if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
        return 1
        """

    /// Shares `recovery`'s snapshots through `node`'s Redis (before start).
    public init(node: ClusterNode, recovery: ConnectionRecovery) {
        self.node = node
        self.window = recovery.configuration.window
        self.recovery = recovery
        recovery.keepSnapshots(in: self)
        node.sockets.observe(self)
    }

    // MARK: RecoverySnapshotStore

    public func keep(_ snapshot: RecoverySnapshot, dropped: Bool) {
        write(snapshot.pid, RecoverySnapshotCodec.encode(snapshot, owner: node.id, dropped: dropped), claim: false)
    }

    public func forget(pid: String) {
        write(pid, [], claim: false)
    }

    public func take(pid: String, completion: @escaping @Sendable (RecoverySnapshot?) -> Void) {
        let node = self.node
        node.loop.run {
            node.redis.send("GETDEL", Self.key(of: pid)) { reply in
                guard let bytes = reply.bytes, let record = RecoverySnapshotCodec.decode(bytes, now: 0) else { return completion(nil) }
                if !record.dropped {
                    // Written ahead: the socket may still look connected where it was. Here the
                    // old one has not noticed yet (a fresh connection, as without a cluster);
                    // elsewhere its node is told to let it go (if it is still alive).
                    guard record.owner != node.id else { return completion(nil) }
                    node.publish(.object([
                        JSONMember("k", "operation"), JSONMember("n", .string(node.id)), JSONMember("ns", .string(record.snapshot.namespace)),
                        JSONMember("rooms", .array([.string(record.snapshot.socketID)])), JSONMember("except", .array([])),
                        JSONMember("op", "disconnect"), JSONMember("close", false),
                    ]))
                }
                completion(record.snapshot)
            }
        }
    }

    private func write(_ pid: String, _ value: [UInt8], claim: Bool) {
        let node = self.node
        let arguments: [[UInt8]] = [Array("EVAL".utf8), Array(Self.script.utf8), Array("1".utf8), Array(Self.key(of: pid).utf8),
                                    Array(node.id.utf8), value, Array(String(window).utf8), Array((claim ? "1" : "0").utf8)]
        node.loop.run { node.redis.send(arguments) }
    }

    // MARK: Written ahead (socket's loop)

    public func socketConnected(_ socket: Socket) {
        guard socket.pid != nil else { return }
        // After the connection handlers, which may set data; then every half window.
        socket.schedule(after: 0) { [self] in
            guard socket.isConnected, let snapshot = recovery?.snapshot(of: socket) else { return }
            write(snapshot.pid, RecoverySnapshotCodec.encode(snapshot, owner: node.id, dropped: false), claim: true)
            refresh(socket)
        }
    }

    private func refresh(_ socket: Socket) {
        socket.schedule(after: max(500, window / 2)) { [self] in
            guard socket.isConnected, let snapshot = recovery?.snapshot(of: socket) else { return }
            keep(snapshot, dropped: false)
            refresh(socket)
        }
    }

    public func socket(_ socket: Socket, joined room: String) { writeAhead(socket) }

    public func socket(_ socket: Socket, left room: String) { writeAhead(socket) }

    private func writeAhead(_ socket: Socket) {
        guard socket.isConnected, let snapshot = recovery?.snapshot(of: socket) else { return }
        keep(snapshot, dropped: false)
    }

    public func socketDisconnected(_ socket: Socket, reason: DisconnectReason) {
        // A recoverable drop was saved by recovery just before (keep, dropped).
        if let pid = socket.pid, !socket.isRecoverable { forget(pid: pid) }
    }
}
