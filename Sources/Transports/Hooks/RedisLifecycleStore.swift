import PushCore

/// Keeps a node's pending lifecycle records and its connected sockets in Redis, so that when the
/// node dies (even by SIGKILL) another node delivers what it had not, and reports its sockets
/// as disconnected with reason "node failure".
///
/// Keys: `pushd:lifecycle:nodes` (nodes with state), `pushd:lifecycle:stream:<node>` (pending
/// records, entry id `1-<sequence>`, field `r`), `pushd:lifecycle:sockets:<node>` (socket id ->
/// socket fields), `pushd:lifecycle:claim:<node>` (the survivor taking a dead node over). Every
/// few seconds each node looks for nodes with state whose liveness key expired, claims one,
/// queues its records and the node-failure disconnects as its own, and deletes its keys. When
/// Redis comes back after an outage (or a restart that lost everything), the node writes its
/// pending records and sockets again. Loop 0 only (the cluster's loop).
final class RedisLifecycleStore: LifecycleStore {
    unowned let hook: LifecycleHook
    let node: ClusterNode
    var redis: RedisClient { node.redis }
    /// This node's connected sockets and their fields, to write again after an outage.
    private var sockets: [String: [UInt8]] = [:]
    private var scanning = false
    /// How often dead nodes are looked for, in milliseconds.
    var scanInterval: Int64 = 2_000

    static let nodesKey = "pushd:lifecycle:nodes"
    static func streamKey(_ node: String) -> String { "pushd:lifecycle:stream:" + node }
    static func socketsKey(_ node: String) -> String { "pushd:lifecycle:sockets:" + node }
    static func claimKey(_ node: String) -> String { "pushd:lifecycle:claim:" + node }

    init(hook: LifecycleHook, node: ClusterNode) {
        self.hook = hook
        self.node = node
    }

    /// Registers the node and starts looking for dead ones (loop 0).
    func start() {
        let previous = redis.onAvailability
        redis.onAvailability = { [unowned self] up in
            previous(up)
            if up { rewrite() }
        }
        rewrite()
        scheduleScan()
    }

    // MARK: LifecycleStore

    func persist(_ json: [UInt8], sequence: UInt64) {
        redis.send([Array("XADD".utf8), Array(Self.streamKey(node.id).utf8), Array("1-\(sequence)".utf8),
                    Array("r".utf8), json])
    }

    func forget(below sequence: UInt64) {
        redis.send("XTRIM", Self.streamKey(node.id), "MINID", "1-\(sequence)")
    }

    func socketConnected(_ id: String, fields: [UInt8]) {
        sockets[id] = fields
        redis.send([Array("HSET".utf8), Array(Self.socketsKey(node.id).utf8), Array(id.utf8), fields])
    }

    func socketDisconnected(_ id: String) {
        guard sockets.removeValue(forKey: id) != nil else { return }
        redis.send("HDEL", Self.socketsKey(node.id), id)
        if sockets.isEmpty && sockets.capacity > 1024 { sockets = [:] }
    }

    // MARK: After an outage

    /// Writes the node's state again: Redis may have restarted without it, or missed writes.
    private func rewrite() {
        guard redis.isAvailable else { return }
        redis.send("SADD", Self.nodesKey, node.id)
        // Entries Redis still has are refused as duplicates (ids only grow); missing ones are added.
        hook.outbox.forEachPending { sequence, json in persist(json, sequence: sequence) }
        redis.send("DEL", Self.socketsKey(node.id))
        for (id, fields) in sockets {
            redis.send([Array("HSET".utf8), Array(Self.socketsKey(node.id).utf8), Array(id.utf8), fields])
        }
    }

    // MARK: Taking over dead nodes

    private func scheduleScan() {
        node.loop.schedule(after: scanInterval) { [unowned self] in
            scanForDeadNodes()
            scheduleScan()
        }
    }

    private func scanForDeadNodes() {
        guard !scanning, redis.isAvailable else { return }
        scanning = true
        redis.send("SMEMBERS", Self.nodesKey) { [unowned self] reply in
            let others = (reply.elements ?? []).compactMap(\.string).filter { $0 != node.id }
            checkNext(others[...])
        }
    }

    /// Checks the nodes one after another: a dead one (no liveness key) is claimed and taken over.
    private func checkNext(_ remaining: ArraySlice<String>) {
        guard let dead = remaining.first else { scanning = false; return }
        redis.send("EXISTS", ClusterNode.aliveKey(of: dead)) { [unowned self] reply in
            guard case .integer(0) = reply else { checkNext(remaining.dropFirst()); return }
            redis.send("SET", Self.claimKey(dead), node.id, "NX", "PX", "60000") { [unowned self] claim in
                guard claim.string == "OK" else { checkNext(remaining.dropFirst()); return }
                takeOver(dead) { [unowned self] in checkNext(remaining.dropFirst()) }
            }
        }
    }

    private func takeOver(_ dead: String, then next: @escaping () -> Void) {
        redis.send("XRANGE", Self.streamKey(dead), "-", "+") { [unowned self] reply in
            guard let entries = reply.elements else { next(); return }
            var records: [[UInt8]] = []
            for entry in entries {
                guard let parts = entry.elements, parts.count == 2, let fields = parts[1].elements, fields.count >= 2,
                      let json = fields[1].bytes else { continue }
                records.append(json)
            }
            redis.send("HGETALL", Self.socketsKey(dead)) { [unowned self] reply in
                var failures: [[UInt8]] = []
                let items = reply.elements ?? []
                var index = 0
                while index + 1 < items.count {
                    if let fields = items[index + 1].bytes { failures.append(hook.nodeFailureRecord(fields, deadNode: dead)) }
                    index += 2
                }
                // What the dead node had not delivered goes first, then its sockets' disconnects.
                for json in records + failures { hook.append(json) }
                redis.send("DEL", Self.streamKey(dead), Self.socketsKey(dead))
                redis.send("SREM", Self.nodesKey, dead)
                if !records.isEmpty || !failures.isEmpty {
                    Log.warning("lifecycle hook: node \(dead) is gone; delivering its \(records.count) pending records "
                        + "and \(failures.count) disconnects (reason \"node failure\")")
                }
                next()
            }
        }
    }
}
