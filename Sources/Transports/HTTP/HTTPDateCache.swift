import PushCore
import Glibc

/// The IMF-fixdate for `Date:` and `Last-Modified:` headers, formatted at most once a second
/// per loop.
public final class HTTPDateCache {
    /// The second `now()` last formatted (epoch seconds); responses cached per second key on it.
    public private(set) var second: Int = -1
    private var cached: String = ""

    public init() {}

    /// The current time as "Sun, 06 Nov 1994 08:49:37 GMT".
    public func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let current = Int(spec.tv_sec)
        if current != second {
            second = current
            cached = HTTPDate.format(epochSeconds: current)
        }
        return cached
    }
}
