import PushCore

/// The configured backend hooks of a server, sharing one signed HTTP client.
package final class BackendHooks: @unchecked Sendable {
    package let configuration: HookConfiguration
    package let client: HookClient
    let log: HookLog
    let connect: ConnectHook?
    let event: EventHook?
    /// The lifecycle hook, when configured.
    package let lifecycle: LifecycleHook?

    /// Installs the configured hooks on `sockets` (before the server starts).
    package init(configuration: HookConfiguration, loops: [EventLoop], sockets: SocketServer) {
        self.configuration = configuration
        let client = HookClient(loops: loops, configuration: configuration)
        let log = HookLog()
        self.client = client
        self.log = log
        connect = configuration.connectURL.map { ConnectHook(url: $0, client: client, configuration: configuration, log: log) }
        event = configuration.eventURL.map {
            EventHook(url: $0, client: client, configuration: configuration, server: sockets, log: log)
        }
        lifecycle = configuration.lifecycleURL.map { LifecycleHook(url: $0, client: client, configuration: configuration) }
        connect?.install(on: sockets)
        event?.install(on: sockets)
        lifecycle?.install(on: sockets)
    }

    /// Joins a cluster (before `start`): lifecycle records carry the node's id and are kept in
    /// Redis until delivered, and records of nodes that died are delivered by the survivors.
    package func attach(cluster node: ClusterNode) {
        lifecycle?.attach(cluster: node)
    }

    /// Starts what runs on its own (the lifecycle hook's delivery); after the loops started.
    package func start() {
        lifecycle?.start()
    }

    /// Figures for the health document.
    package var statistics: String {
        var text = "{\"inFlight\":\(client.clients.inFlightCount),\"waiting\":\(client.clients.waitingCount),"
            + "\"queued\":\(client.clients.queuedCount.load(ordering: .relaxed)),"
            + "\"overloaded\":\(client.clients.overloadedCount.load(ordering: .relaxed))"
        if let event { text += ",\"eventQueueOverflows\":\(event.overflowCount.load(ordering: .relaxed))" }
        if let lifecycle { text += ",\"lifecycle\":\(lifecycle.statistics)" }
        return text + "}"
    }
}
