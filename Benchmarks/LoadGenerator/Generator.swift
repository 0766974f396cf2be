import Glibc
import Transports

/// Request bytes built once per run, per port.
struct Requests {
    /// `Host` header values, by port index.
    let hosts: [String]
    let webSocketUpgrade: [[UInt8]]
    let handshake: [[UInt8]]

    init(options: Options) {
        hosts = options.ports.map { "\(options.host):\($0)" }
        let path = options.resolvedPath
        let query = options.framing == .engineio ? "?EIO=4&transport=websocket" : ""
        webSocketUpgrade = hosts.map { host in
            Array(("GET \(path)\(query) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
        }
        handshake = hosts.map { host in
            Array("GET \(path)?EIO=4&transport=\(options.transport.wireName) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
        }
    }
}

/// Runs one scenario: opens the sessions, warms up, measures, drains, reports.
final class Generator {
    enum Phase { case opening, settling, warmup, measuring, draining, done }

    let options: Options
    let loop: ClientLoop
    let requests: Requests
    let engineFraming: Bool
    var random = XorShift(state: UInt64(truncatingIfNeeded: MonotonicClock.microseconds()) | 1)
    private(set) var sessions: [Session] = []
    /// Keep-alive connections for the POSTs of HTTP sessions, by port index (one pool for the
    /// forward port when requests are forwarded).
    private var postPools: [[PostConnection]] = []
    private var scenario: Scenario!
    private(set) var phase = Phase.opening

    // Opening.
    private var started = 0
    private var attemptsInFlight = 0
    private(set) var readyCount = 0
    private var failedCount = 0
    private var openStartedAt: Int64 = 0
    private var openSeconds = 0.0

    // Measurement.
    private var histogram = Histogram()
    /// HTTP transports: time from writing a POST to reading its response.
    private var postHistogram = Histogram()
    private var messages = 0
    private var broadcastsCompleted = 0
    private var errors: [String: Int] = [:]
    private var unexpectedSample: String?
    private var windowStart = Snapshot()
    private var windowEnd = Snapshot()
    private var rssBefore: Int?
    private var rssAfter: Int?

    struct Snapshot {
        var time: Int64 = 0
        var clientCPU = 0.0
        var serverCPU: Double?
        /// The servers' user-space share of `serverCPU`.
        var serverUserCPU: Double?
        /// Per server process, when there are several.
        var serverCPUEach: [Double?] = []
        var machineBusy: Double?
        var bytesIn = 0
        var bytesOut = 0
        var httpRequests = 0
    }

    init(options: Options) {
        self.options = options
        self.loop = ClientLoop(host: options.host)
        self.requests = Requests(options: options)
        self.engineFraming = options.framing == .engineio
        switch options.scenario {
        case .echo: scenario = EchoScenario(owner: self, depth: 1, size: options.messageSize)
        case .pipelined: scenario = EchoScenario(owner: self, depth: options.depth, size: options.messageSize)
        case .broadcast:
            scenario = BroadcastScenario(owner: self, style: .engine, inFlight: options.inFlight, size: options.broadcastSize, timeout: options.broadcastTimeout)
        case .socketioBroadcast:
            scenario = BroadcastScenario(owner: self, style: .socketIO, inFlight: options.inFlight, size: options.broadcastSize, timeout: options.broadcastTimeout)
        case .apiBroadcast:
            let publisher = APIPublisher(owner: self, port: options.apiPort ?? options.ports[0], key: options.apiKey)
            scenario = BroadcastScenario(owner: self, style: .api(publisher), inFlight: options.inFlight, size: options.broadcastSize, timeout: options.broadcastTimeout)
        case .socketioAck: scenario = SocketIOAckScenario(owner: self)
        case .idle, .connect: scenario = IdleScenario(owner: self)
        case .socketioIdle: scenario = SocketIOIdleScenario(owner: self)
        }
        if options.transport != .websocket {
            let targets = options.forwardPort.map { [$0] } ?? options.ports
            let each = max(1, options.postConnections / targets.count)
            postPools = targets.map { port in (0..<each).map { _ in PostConnection(owner: self, port: port) } }
        }
    }

    /// The POST connection of a session: one to its own port (or to the forward port).
    func postConnection(for session: Session) -> PostConnection {
        let pool = postPools[options.forwardPort == nil ? session.portIndex : 0]
        return pool[(session.index / options.ports.count) % pool.count]
    }

    private func makeSession() -> Session {
        let index = sessions.count
        let portIndex = index % options.ports.count
        let session: Session = options.transport == .websocket
            ? WebSocketSession(index: index, portIndex: portIndex, owner: self)
            : HTTPSession(index: index, portIndex: portIndex, owner: self, kind: options.transport)
        sessions.append(session)
        return session
    }

    // MARK: Running

    func run() -> String {
        rssBefore = serverResidentKiB()
        openStartedAt = MonotonicClock.microseconds()
        if options.scenario == .connect {
            phase = .warmup
            loop.schedule(after: Int64(options.warmup * 1000)) { [unowned self] in self.beginMeasuring() }
            for _ in 0..<options.concurrency { startConnectAttempt() }
        } else {
            startMore()
            loop.schedule(after: Int64(options.openTimeout * 1000)) { [unowned self] in
                guard self.phase == .opening else { return }
                self.count(error: "sessions still opening after \(Int(self.options.openTimeout)) s")
                for session in self.sessions where !session.isReady && !session.isFinished { session.fail("open timeout") }
                self.openingFinished()
            }
        }
        let hardStop = MonotonicClock.milliseconds() + Int64((options.openTimeout + options.warmup + options.duration + options.drainTimeout + 30) * 1000)
        loop.run { phase == .done || loop.nowMilliseconds > hardStop }
        if phase != .done {
            count(error: "run did not finish in time")
            if windowEnd.time == 0 { windowEnd = snapshot() }
        }
        if options.scenario.isIdle, rssAfter == nil { rssAfter = serverResidentKiB() }
        for session in sessions where !session.isFinished { session.close() }
        for pool in postPools { for connection in pool { connection.close() } }
        return report()
    }

    // MARK: Opening

    private func startMore() {
        while phase == .opening && started < options.sessions && attemptsInFlight < options.concurrency {
            started += 1
            attemptsInFlight += 1
            makeSession().start()
        }
        if phase == .opening && started == options.sessions && attemptsInFlight == 0 { openingFinished() }
    }

    /// A session finished opening, one way or the other.
    private func attemptEnded() {
        attemptsInFlight -= 1
        startMore()
    }

    private func openingFinished() {
        guard phase == .opening else { return }
        openSeconds = Double(MonotonicClock.microseconds() - openStartedAt) / 1e6
        phase = .settling
        // Let the server finish registering the last sessions before traffic starts.
        loop.schedule(after: 500) { [unowned self] in
            self.phase = .warmup
            if self.options.scenario.isIdle {
                self.beginMeasuring()
                return
            }
            self.scenario.start()
            self.loop.schedule(after: Int64(self.options.warmup * 1000)) { [unowned self] in self.beginMeasuring() }
        }
    }

    private func beginMeasuring() {
        phase = .measuring
        histogram = Histogram()
        postHistogram = Histogram()
        messages = 0
        broadcastsCompleted = 0
        windowStart = snapshot()
        loop.schedule(after: Int64(options.duration * 1000)) { [unowned self] in self.endMeasuring() }
    }

    private func endMeasuring() {
        windowEnd = snapshot()
        if options.scenario.isIdle { rssAfter = serverResidentKiB() }
        phase = .draining
        scenario.stop()
        let deadline = loop.nowMilliseconds + Int64(options.drainTimeout * 1000)
        func check() {
            if scenario.isDrained || options.scenario == .connect {
                phase = .done
            } else if loop.nowMilliseconds >= deadline {
                scenario.giveUp()
                phase = .done
            } else {
                loop.schedule(after: 10) { check() }
            }
        }
        check()
    }

    private func snapshot() -> Snapshot {
        let times = options.serverPIDs.map { ProcessStats.cpuTime(pid: $0) }
        let known = times.isEmpty || times.contains(where: { $0 == nil }) ? nil : times.compactMap { $0 }
        return Snapshot(time: MonotonicClock.microseconds(), clientCPU: ProcessStats.ownCPUSeconds(),
                        serverCPU: known.map { $0.reduce(0) { $0 + $1.total } },
                        serverUserCPU: known.map { $0.reduce(0) { $0 + $1.user } },
                        serverCPUEach: times.map { $0?.total },
                        machineBusy: ProcessStats.machineBusySeconds(),
                        bytesIn: loop.counters.bytesIn, bytesOut: loop.counters.bytesOut, httpRequests: loop.counters.httpRequests)
    }

    /// VmRSS summed over the server processes; nil if one cannot be read.
    private func serverResidentKiB() -> Int? {
        guard !options.serverPIDs.isEmpty else { return nil }
        var total = 0
        for pid in options.serverPIDs {
            guard let kib = ProcessStats.residentKiB(pid: pid) else { return nil }
            total += kib
        }
        return total
    }

    // MARK: Connect scenario

    private func startConnectAttempt() {
        guard phase == .warmup || phase == .measuring else { return }
        makeSession().start()
    }

    // MARK: Session callbacks

    func sessionOpened(_ session: Session) {
        if options.scenario == .connect {
            if phase == .measuring {
                messages += 1
                histogram.record(MonotonicClock.microseconds() - session.startedAt)
            }
            session.isFinished = true
            session.close()
            sessions[session.index] = Session(index: session.index, owner: self) // drop it
            startConnectAttempt()
            return
        }
        scenario.sessionOpened(session)
    }

    func sessionReady(_ session: Session) {
        guard !session.isReady else { return }
        session.isReady = true
        readyCount += 1
        if phase == .opening { attemptEnded() }
    }

    func sessionFailed(_ session: Session, reason: String) {
        count(error: reason)
        // Follow-ups go through the timer wheel: a connect can fail inside `start()`, and
        // starting the next attempt from here would recurse.
        if options.scenario == .connect {
            loop.schedule(after: 1) { [unowned self] in self.startConnectAttempt() }
            return
        }
        if session.isReady {
            readyCount -= 1
            scenario.sessionFailed(session)
        } else {
            failedCount += 1
            if phase == .opening { loop.schedule(after: 1) { [unowned self] in self.attemptEnded() } }
        }
    }

    func session(_ session: Session, received payload: UnsafeRawBufferPointer) {
        scenario.received(session, payload)
    }

    // MARK: Measurements

    @inline(__always)
    func delivered(latency: Int64) {
        guard phase == .measuring else { return }
        messages += 1
        histogram.record(latency)
    }

    /// A POST was answered `microseconds` after it was written.
    @inline(__always)
    func postAnswered(after microseconds: Int64) {
        guard phase == .measuring else { return }
        postHistogram.record(microseconds)
    }

    func broadcastCompleted() {
        if phase == .measuring { broadcastsCompleted += 1 }
    }

    func count(error: String) {
        errors[error, default: 0] += 1
    }

    func unexpected(_ session: Session, _ payload: UnsafeRawBufferPointer) {
        count(error: "unexpected message")
        if unexpectedSample == nil { unexpectedSample = String(decoding: payload.prefix(80), as: UTF8.self) }
    }

    // MARK: Report

    private func report() -> String {
        let seconds = max(1e-6, Double(windowEnd.time - windowStart.time) / 1e6)
        let clientCPU = windowEnd.clientCPU - windowStart.clientCPU
        var serverCPU: Double?
        if let end = windowEnd.serverCPU, let start = windowStart.serverCPU { serverCPU = end - start }
        var serverUserCPU: Double?
        if let end = windowEnd.serverUserCPU, let start = windowStart.serverUserCPU { serverUserCPU = end - start }
        let wireBytes = windowEnd.bytesIn - windowStart.bytesIn + windowEnd.bytesOut - windowStart.bytesOut
        let requests = windowEnd.httpRequests - windowStart.httpRequests
        let rate = Double(messages) / seconds
        let perMessage = { (value: Double) -> Double? in self.messages > 0 ? value / Double(self.messages) : nil }

        var json = JSONLine()
        json.add("label", options.label)
        json.add("scenario", options.scenario.rawValue)
        json.add("transport", options.transport.rawValue)
        json.add("protocol", options.framing.rawValue)
        json.addRaw("ports", "[" + options.ports.map(String.init).joined(separator: ",") + "]")
        if let forwardPort = options.forwardPort { json.add("forward_port", forwardPort) }
        json.add("sessions", options.scenario == .connect ? 0 : options.sessions)
        if options.scenario == .connect { json.add("concurrency", options.concurrency) }
        json.add("open", readyCount)
        json.add("open_seconds", openSeconds)
        json.add("seconds", seconds)
        json.add("messages", messages)
        json.add("rate", rate)
        if options.scenario.isBroadcast { json.add("broadcasts_per_s", Double(broadcastsCompleted) / seconds) }
        json.addRaw("latency_us", histogram.json)
        if options.transport != .websocket {
            json.add("posts", postHistogram.count)
            json.addRaw("post_latency_us", postHistogram.json)
        }
        json.add("missing", scenario.missing)
        json.add("late", scenario.late)
        json.add("errors", errors.values.reduce(0, +))
        json.addRaw("error_kinds", "{" + errors.sorted { $0.key < $1.key }.map { "\(JSONLine.quote($0.key)):\($0.value)" }.joined(separator: ",") + "}")
        if let unexpectedSample { json.add("unexpected_sample", unexpectedSample) }
        json.add("client_cpu_s", clientCPU)
        json.add("client_cpu_pct", 100 * clientCPU / seconds)
        json.add("server_cpu_s", serverCPU)
        json.add("server_cpu_pct", serverCPU.map { 100 * $0 / seconds })
        if options.serverPIDs.count > 1 {
            let each = zip(windowStart.serverCPUEach, windowEnd.serverCPUEach).map { start, end -> String in
                guard let start, let end else { return "null" }
                return String(format1: 100 * (end - start) / seconds)
            }
            json.addRaw("server_cpu_pct_each", "[" + each.joined(separator: ",") + "]")
        }
        // CPU used by everything else on the machine during the window (other work skews results).
        var otherCPU: Double?
        if let end = windowEnd.machineBusy, let start = windowStart.machineBusy {
            otherCPU = max(0, end - start - clientCPU - (serverCPU ?? 0))
        }
        json.add("other_cpu_pct", otherCPU.map { 100 * $0 / seconds })
        json.add("server_cpu_us_per_msg", serverCPU.flatMap { perMessage($0 * 1e6) })
        // The part a server's own code spends: the kernel's part (the same system calls cost
        // every server about the same) is most of it and swings with the machine's load.
        json.add("server_user_us_per_msg", serverUserCPU.flatMap { perMessage($0 * 1e6) })
        json.add("client_cpu_us_per_msg", perMessage(clientCPU * 1e6))
        json.add("wire_bytes", wireBytes)
        json.add("bytes_per_msg", perMessage(Double(wireBytes)))
        json.add("http_requests", requests)
        json.add("requests_per_msg", perMessage(Double(requests)))
        json.add("rss_before_kib", rssBefore)
        json.add("rss_after_kib", rssAfter)
        if let before = rssBefore, let after = rssAfter, readyCount > 0 {
            json.add("bytes_per_session", Double(after - before) * 1024 / Double(readyCount))
        } else {
            json.add("bytes_per_session", nil as Double?)
        }
        if options.transport == .shortPolling { json.add("poll_interval_ms", Int(options.pollInterval)) }
        if options.scenario == .pipelined { json.add("depth", options.depth) }

        if !options.quiet {
            let population = options.scenario == .connect ? "\(options.concurrency) in flight" : "c=\(options.sessions) (open \(readyCount))"
            var line = "\(options.label) \(options.scenario.rawValue) \(options.transport.rawValue)/\(options.framing.rawValue) \(population): "
            switch options.scenario {
            case .idle, .socketioIdle:
                if let before = rssBefore, let after = rssAfter, readyCount > 0 {
                    line += "RSS \(before) -> \(after) KiB, \(String(format1: Double(after - before) * 1024 / Double(readyCount))) bytes/session"
                } else {
                    line += "no server RSS (give --server-pid)"
                }
            default:
                let unit = options.scenario.isBroadcast ? "deliveries/s" : options.scenario == .connect ? "connects/s" : "msg/s"
                line += "\(Int(rate.rounded())) \(unit), latency p50 \(histogram.quantile(0.5)) p99 \(histogram.quantile(0.99)) p99.9 \(histogram.quantile(0.999)) us"
                if postHistogram.count > 0 {
                    line += ", POST answered p50 \(postHistogram.quantile(0.5)) p99 \(postHistogram.quantile(0.99)) us"
                }
            }
            line += ", missing \(scenario.missing), errors \(errors.values.reduce(0, +))"
            line += ", cpu client \(Int((100 * clientCPU / seconds).rounded()))%"
            if let serverCPU { line += " server \(Int((100 * serverCPU / seconds).rounded()))%" }
            if let otherCPU { line += " other \(Int((100 * otherCPU / seconds).rounded()))%" }
            if !errors.isEmpty { line += " [" + errors.map { "\($0.key): \($0.value)" }.joined(separator: "; ") + "]" }
            print(line)
        }
        return json.text
    }
}

/// One line of JSON, built by hand (no Foundation in the generator).
struct JSONLine {
    private var fields: [String] = []

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    mutating func add(_ key: String, _ value: String) { fields.append("\(Self.quote(key)):\(Self.quote(value))") }
    mutating func add(_ key: String, _ value: Int?) { fields.append("\(Self.quote(key)):\(value.map(String.init) ?? "null")") }
    mutating func add(_ key: String, _ value: Double?) {
        guard let value, value.isFinite else { fields.append("\(Self.quote(key)):null"); return }
        fields.append("\(Self.quote(key)):\(String(format1: value))")
    }
    mutating func addRaw(_ key: String, _ raw: String) { fields.append("\(Self.quote(key)):\(raw)") }

    var text: String { "{" + fields.joined(separator: ",") + "}" }
}

extension String {
    /// A number with up to 3 decimals and no exponent.
    init(format1 value: Double) {
        let scaled = (value * 1000).rounded()
        if abs(scaled) >= 9e15 { self = String(Int64(value.rounded())); return }
        let whole = Int64(scaled) / 1000
        let fraction = abs(Int64(scaled) % 1000)
        var text = (scaled < 0 && whole == 0 ? "-" : "") + String(whole)
        if fraction != 0 {
            var digits = String(fraction)
            while digits.count < 3 { digits = "0" + digits }
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        self = text
    }
}
