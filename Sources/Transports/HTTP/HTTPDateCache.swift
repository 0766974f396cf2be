import PushCore
import Glibc

/// The IMF-fixdate for `Date:` and `Last-Modified:` headers, formatted at most once a second
/// per loop. One per loop, used on it alone, so its properties skip the runtime's exclusivity
/// checks (every response read two of them).
public final class HTTPDateCache {
    /// The second `now()` last formatted (epoch seconds); responses cached per second key on it.
    @exclusivity(unchecked) public private(set) var second: Int = -1
    @exclusivity(unchecked) private var cached: String = ""
    /// `Date: <cached>\r\n`, what every response head carries.
    @exclusivity(unchecked) private var field: [UInt8] = []

    public init() {}

    /// The current time as "Sun, 06 Nov 1994 08:49:37 GMT".
    public func now() -> String {
        refresh()
        return cached
    }

    /// Appends the `Date` field line for the current time.
    func appendField(into out: inout [UInt8]) {
        refresh()
        out.append(contentsOf: field)
    }

    private func refresh() {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let current = Int(spec.tv_sec)
        guard current != second else { return }
        second = current
        cached = HTTPDate.format(epochSeconds: current)
        field = []
        HTTPResponse.appendField("Date", cached, into: &field)
    }
}
