import PushCore

/// Idempotency keys shared by every node of a cluster: `SET pushd:idempotency:<key> 1 NX PX
/// <window>` claims a key once cluster-wide, and Redis expires it. While Redis is unreachable
/// keys are remembered by this node alone (a retry that reaches another node then may deliver
/// twice; at-least-once rather than nothing).
public final class RedisIdempotencyStore: IdempotencyStore {
    private let node: ClusterNode
    private let local: IdempotencyWindow

    public init(node: ClusterNode, window: Int64 = 120_000) {
        self.node = node
        self.local = IdempotencyWindow(window: window)
    }

    public func claim(_ key: String, now: Int64, completion: @escaping @Sendable (Bool) -> Void) {
        let local = self.local
        let redis = node.redis
        redis.loop.run {
            redis.send("SET", "pushd:idempotency:" + key, "1", "NX", "PX", String(local.window)) { reply in
                switch reply {
                case .simple: completion(true)
                case .bulk(nil), .null: completion(false)
                default: completion(local.claim(key, now: now))
                }
            }
        }
    }
}
