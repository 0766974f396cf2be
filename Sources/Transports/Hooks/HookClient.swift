import PushCore
import Synchronization

/// Posts signed JSON to the backend for every hook, on the caller's loop, through the shared
/// HTTP client (so all hooks together respect one concurrency bound and one queue).
package final class HookClient: @unchecked Sendable {
    package let clients: HTTPClientGroup
    let loops: [EventLoop]
    private let signer: HookSignature
    /// Which hook a request serves, in `X-Pushd-Hook`.
    enum Kind: String {
        case connect, event, lifecycle
    }

    init(loops: [EventLoop], configuration: HookConfiguration) {
        self.loops = loops
        clients = HTTPClientGroup(loops: loops, configuration: configuration.client)
        signer = HookSignature(secret: configuration.secret)
    }

    /// Posts `body` to `url` from `loop` (loop thread); `completion` runs on that loop.
    func post(_ url: HTTPClientURL, kind: Kind, body: [UInt8], on loop: EventLoop, timeout: Int64? = nil,
              completion: @escaping HTTPClientCompletion) {
        let timestamp = WallClock.seconds()
        let headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "pushd"),
            ("X-Pushd-Hook", kind.rawValue),
            (HookSignature.timestampHeader, String(timestamp)),
            (HookSignature.signatureHeader, signer.sign(timestamp: timestamp, body: body)),
        ]
        clients.client(on: loop).execute(HTTPClientRequest(url: url, headers: headers, body: body, timeout: timeout),
                                         completion: completion)
    }
}

/// Log lines about hook failures: the first of each kind per interval, then a count of the
/// ones held back, so a backend outage under load does not flood the log.
final class HookLog: Sendable {
    private struct Entry {
        var lastLogged: Int64
        var suppressed: Int
    }

    private let entries = Mutex<[String: Entry]>([:])
    let interval: Int64

    init(interval: Int64 = 1_000) {
        self.interval = interval
    }

    /// Logs `message` at warning level unless a line of the same `kind` went out within the interval.
    func warning(_ kind: String, _ message: @autoclosure () -> String) {
        let now = MonotonicClock.milliseconds()
        let held: Int? = entries.withLock { entries in
            if var entry = entries[kind], now - entry.lastLogged < interval {
                entry.suppressed += 1
                entries[kind] = entry
                return nil
            }
            let held = entries[kind]?.suppressed ?? 0
            entries[kind] = Entry(lastLogged: now, suppressed: 0)
            return held
        }
        guard let held else { return }
        Log.warning(message() + (held > 0 ? " (\(held) more like it since the last line)" : ""))
    }
}
