import PushCore

extension PushServer {
    /// The metrics collector and its routes: `/metrics` (and `/stats.html` when asked) on the
    /// main port, or on their own listener with `metrics.listen`; nothing with metrics off.
    static func makeMetrics(_ configuration: PushServerConfiguration, group: EventLoopGroup, sockets: SocketServer,
                            engine: EngineServer, http: HTTPServer, router: PathRouter,
                            api: ServerAPIEndpoint?, hooks: BackendHooks?) -> (MetricsCollector?, HTTPServer?) {
        let settings = configuration.metrics
        guard settings.isEnabled else {
            router.route(settings.path, to: NotFoundEndpoint())
            return (nil, nil)
        }
        let namespaces = NamespaceSocketCounts(executors: group.loops)
        sockets.observe(namespaces)
        let collector = MetricsCollector(group: group, engine: engine, http: http, namespaces: namespaces)
        if let rules = configuration.roomRules {
            collector.add(MetricsSource {
                [.single("pushd_room_rule_refusals_total", "pushd:join, pushd:leave and pushd:publish requests refused by room rules.",
                         .counter, Double(rules.refused))]
            })
        }
        if let api { collector.add(MetricsSource { api.metricFamilies }) }
        if let recovery = sockets.recovery { collector.add(MetricsSource { recovery.metricFamilies }) }
        if let hooks { collector.add(hooks.metricsSource) }
        let endpoint = MetricsEndpoint(collector: collector)
        let page = EmbeddedPageEndpoint(StatsPage.html(metricsPath: settings.path))
        guard let listen = settings.listen else {
            router.route(settings.path, to: endpoint)
            if settings.statsPage { router.route(StatsPage.path, to: page) }
            return (collector, nil)
        }
        let metricsRouter = PathRouter(fallback: NotFoundEndpoint())
        metricsRouter.route(settings.path, to: endpoint)
        if settings.statsPage { metricsRouter.route(StatsPage.path, to: page) }
        // The public port answers nothing at the metrics' path.
        router.route(settings.path, to: NotFoundEndpoint())
        let server = HTTPServer(group: group, host: listen.host, port: listen.port,
                                maxConnections: configuration.maxConnections, configuration: configuration.http,
                                router: metricsRouter)
        return (collector, server)
    }
}
