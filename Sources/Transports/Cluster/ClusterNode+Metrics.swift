import PushCore

/// What a cluster node counted, on its loop.
struct ClusterCounts {
    /// Messages handed to Redis with PUBLISH (broadcasts, room operations, requests, replies).
    var publishes = 0
    /// Requests for sessions of other nodes sent to their owners.
    var forwardedOut = 0
    /// Requests other nodes sent here for this node's sessions.
    var forwardedIn = 0
    /// WebSocket upgrades relayed to their sessions' owners.
    var relaysStarted = 0
    /// Relays whose owner could not be reached.
    var relaysFailed = 0
}

extension ClusterNode {
    /// The cluster's families for `/metrics`, read on the cluster loop.
    public var metricsSource: MetricsSource {
        MetricsSource(loop: loop) { [self] in
            [
                .single("pushd_cluster_publishes_total", "Messages published to Redis for other nodes.", .counter,
                        Double(counts.publishes)),
                .single("pushd_cluster_dropped_while_down_total", "Messages lost because Redis was unreachable.", .counter,
                        Double(redis.droppedTotal)),
                MetricFamily(name: "pushd_cluster_forwarded_requests_total",
                             help: "HTTP requests forwarded between nodes, by direction.", type: .counter, samples: [
                                 MetricSample(labels: [MetricLabel("direction", "out")], counts.forwardedOut),
                                 MetricSample(labels: [MetricLabel("direction", "in")], counts.forwardedIn),
                             ]),
                .single("pushd_cluster_relays_total", "WebSocket upgrades relayed to the node owning their session.", .counter,
                        Double(counts.relaysStarted)),
                .single("pushd_cluster_relay_failures_total", "Relayed upgrades whose owner could not be reached.", .counter,
                        Double(counts.relaysFailed)),
                .single("pushd_cluster_relays_open", "WebSockets being relayed to other nodes now.", .gauge, Double(relays.count)),
                .single("pushd_cluster_nodes", "Nodes alive in the cluster, this one included.", .gauge,
                        Double(liveNodes.count + 1)),
                .single("pushd_cluster_redis_up", "Whether the Redis command link is up.", .gauge, redis.isAvailable ? 1 : 0),
            ]
        }
    }
}
