import PushCore

extension BackendHooks {
    /// The hooks' families for `/metrics` (atomic counts, read from any thread).
    public var metricsSource: MetricsSource {
        MetricsSource { [self] in
            let clients = client.clients
            var families: [MetricFamily] = [
                .single("pushd_hook_requests_in_flight", "Hook requests waiting for the backend's answer.", .gauge,
                        Double(clients.inFlightCount)),
                .single("pushd_hook_requests_waiting", "Hook requests waiting for a free slot.", .gauge, Double(clients.waitingCount)),
                .single("pushd_hook_requests_queued_total", "Hook requests that had to wait for a slot.", .counter,
                        Double(clients.queuedCount.load(ordering: .relaxed))),
                .single("pushd_hook_requests_overloaded_total", "Hook requests refused because the queue was full.", .counter,
                        Double(clients.overloadedCount.load(ordering: .relaxed))),
            ]
            if let event {
                families.append(.single("pushd_hook_event_queue_overflows_total", "Events dropped because a socket's event hook queue was full.",
                                        .counter, Double(event.overflowCount.load(ordering: .relaxed))))
            }
            if let lifecycle {
                families.append(.single("pushd_hook_lifecycle_pending", "Lifecycle records not yet delivered.", .gauge,
                                        Double(lifecycle.pendingCount)))
            }
            return families
        }
    }
}
