/// Decides when a refused origin is worth a log line: once per origin per interval, so a
/// misconfigured page that retries every second does not flood the log. Holds at most
/// `capacity` origins (the oldest go first).
public struct OriginRefusalLog: Sendable {
    public let intervalMilliseconds: Int64
    public let capacity: Int
    private var lastLogged: [String: Int64] = [:]

    public init(intervalMilliseconds: Int64 = 60_000, capacity: Int = 1024) {
        self.intervalMilliseconds = intervalMilliseconds
        self.capacity = max(1, capacity)
    }

    /// Whether a refusal of `origin` at `now` (ms) should be logged; records it if so.
    public mutating func shouldLog(_ origin: String, now: Int64) -> Bool {
        if let last = lastLogged[origin], now - last < intervalMilliseconds { return false }
        if lastLogged[origin] == nil && lastLogged.count >= capacity { evict(now: now) }
        lastLogged[origin] = now
        return true
    }

    /// Origins remembered now.
    public var count: Int { lastLogged.count }

    /// Forgets the origins whose interval ended; if none did, the oldest one.
    private mutating func evict(now: Int64) {
        lastLogged = lastLogged.filter { now - $0.value < intervalMilliseconds }
        if lastLogged.count >= capacity, let oldest = lastLogged.min(by: { $0.value < $1.value }) {
            lastLogged[oldest.key] = nil
        }
    }

    /// The response header that tells a client why it was refused, and its value for an origin.
    public static let reasonHeader = "X-Pushd-Refused"
    public static let reasonValue = "origin not allowed"

    /// The log line for a refusal, with the way to allow the origin (and, when a proxy's
    /// X-Forwarded-Host came and was not believed, the flag that believes it).
    public static func message(origin: String, untrustedProxy: Bool = false) -> String {
        "origin \(origin) refused; allow it with --cors-origin"
            + (untrustedProxy ? " (behind a proxy that sets X-Forwarded-Host? see --trust-proxy)" : "")
    }
}
