/// Settings of `/metrics` and the live stats page.
public struct MetricsConfiguration: Sendable {
    /// Serve `/metrics` (on by default).
    public var isEnabled = true
    public var path = "/metrics"
    /// Serve metrics (and the stats page) on this address instead of the main port.
    public var listen: (host: String, port: Int)?
    /// Serve the live stats page at `/stats.html` next to `/metrics` (off by default).
    public var statsPage = false
    /// Time between two lag probe timers on each loop, in ms.
    public var lagProbeInterval: Int64 = 100

    public init() {}
}
