import Glibc

enum TransportKind: String, CaseIterable {
    case websocket
    /// Engine.IO long-polling (`transport=polling`).
    case polling
    case sse
    case shortPolling = "short-polling"

    /// The `transport=` value on the wire.
    var wireName: String { rawValue }
}

enum Framing: String {
    /// Engine.IO v4 packets (pushd, python-socketio).
    case engineio
    /// Plain WebSocket messages (node ws, python websockets, uWebSockets).
    case raw
}

enum ScenarioKind: String, CaseIterable {
    case echo, pipelined, broadcast, idle, connect
    case socketioAck = "socketio-ack"
    case socketioBroadcast = "socketio-broadcast"
    /// Broadcasts started by the server API (`POST /api/emit`) instead of a socket.
    case apiBroadcast = "api-broadcast"
    /// `idle` with each session joined to the main Socket.IO namespace (a Socket.IO socket's
    /// memory on top of its engine session's).
    case socketioIdle = "socketio-idle"

    /// Sessions join the main Socket.IO namespace before they count as ready.
    var joinsNamespace: Bool { self == .socketioAck || self == .socketioBroadcast || self == .apiBroadcast || self == .socketioIdle }
    /// Sessions are only held open, and the server's memory is read before and after.
    var isIdle: Bool { self == .idle || self == .socketioIdle }
    var isBroadcast: Bool { self == .broadcast || self == .socketioBroadcast || self == .apiBroadcast }
}

struct Options {
    var host = "127.0.0.1"
    /// Ports of the server (or of the nodes of a cluster); session i connects to
    /// `ports[i % ports.count]`.
    var ports = [3000]
    /// HTTP transports: every request after the handshake goes to this port instead (another
    /// node of a cluster, which forwards it to the session's owner).
    var forwardPort: Int?
    var path: String?
    var transport = TransportKind.websocket
    var framing = Framing.engineio
    var scenario = ScenarioKind.echo
    var sessions = 100
    /// Measured seconds (idle: how long the sessions are held before the second reading).
    var duration = 10.0
    var warmup = 2.0
    /// Echo message size in bytes (the payload, without transport framing).
    var messageSize = 32
    var broadcastSize = 100
    /// Messages outstanding per session in `pipelined`.
    var depth = 16
    /// Broadcasts in flight in `broadcast`.
    var inFlight = 2
    /// Connection attempts in flight while sessions open (and in `connect`).
    var concurrency = 200
    /// Shared keep-alive connections that carry POSTs of the HTTP transports.
    var postConnections = 0
    /// Milliseconds between polls of `short-polling` when the last answer was empty.
    var pollInterval: Int64 = 50
    /// Processes whose CPU time and memory are read (a server, or the nodes of a cluster and
    /// their Redis); figures are summed.
    var serverPIDs: [Int32] = []
    var label = "server"
    /// Seconds to wait for every session to open.
    var openTimeout = 120.0
    /// Seconds a broadcast may take before its missing copies are counted.
    var broadcastTimeout = 5.0
    /// Seconds given to outstanding messages after the run.
    var drainTimeout = 5.0
    var quiet = false
    /// `api-broadcast`: where the server API answers, and its key.
    var apiPort: Int?
    var apiKey = ""

    static let usage = """
    pushd-load: opens many sessions against pushd or a peer and measures one scenario.

      --host ADDRESS          IPv4 address (127.0.0.1)
      --port PORT[,PORT...]   (3000); several ports (or --port given again): sessions are
                              spread round-robin over them, e.g. the nodes of a cluster
      --forward-port PORT     HTTP transports: handshake on the session's port, every later
                              request to PORT (a cluster node that forwards it to the owner)
      --path PATH             /socket.io/ for engineio, / for raw
      --transport NAME        websocket, sse, polling (alias long-polling), short-polling (alias plain-polling)
      --protocol NAME         engineio (Engine.IO v4 framing, pings) or raw (WebSocket only)
      --scenario NAME         echo, pipelined, broadcast, idle, connect, socketio-ack,
                              socketio-broadcast, api-broadcast (--api-port, --api-key:
                              broadcasts sent with POST /api/emit), socketio-idle (idle,
                              each session joined to the main Socket.IO namespace)
      --sessions N            sessions (echo 100), up to the open-file limit less some room
      --duration S            measured seconds (10); idle: seconds held
      --warmup S              seconds of traffic before measuring (2)
      --size BYTES            echo payload size (32)
      --broadcast-size BYTES  broadcast payload size (100)
      --depth N               pipelined: messages outstanding per session (16)
      --in-flight N           broadcast: broadcasts in flight (2)
      --concurrency N         connection attempts in flight (200)
      --post-connections N    keep-alive connections shared by the POSTs of HTTP transports
                              (default: one per session up to 1000)
      --poll-interval MS      short-polling: delay after an empty poll (50)
      --server-pid PID[,PID...]  read the server's CPU time and memory from /proc (summed
                              over several processes, e.g. cluster nodes and Redis)
      --label NAME            name of the server in the report
      --open-timeout S        (120)  --broadcast-timeout S (5)  --drain-timeout S (5)
      --quiet                 no human line, JSON only

    Prints one human-readable line and one line of JSON per run.

    """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func fail(_ message: String) -> Never {
            var text = Array("pushd-load: \(message)\n".utf8)
            _ = text.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        func number(_ text: String) -> Double {
            guard let number = Double(text), number >= 0 else { fail("not a number: \(text)") }
            return number
        }
        func integer(_ text: String) -> Int {
            guard let number = Int(text), number >= 0 else { fail("not a whole number: \(text)") }
            return number
        }
        func integers(_ text: String) -> [Int] {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return parts.map { integer($0) }
        }
        var portsGiven: [Int] = []
        while index < arguments.count {
            let flag = arguments[index]
            switch flag {
            case "--host": options.host = value()
            case "--port", "--ports": portsGiven += integers(value())
            case "--forward-port": options.forwardPort = integer(value())
            case "--path": options.path = value()
            case "--transport":
                let aliases = ["long-polling": "polling", "plain-polling": "short-polling"]   // client.js's
                let name = aliases[value()] ?? arguments[index]
                guard let kind = TransportKind(rawValue: name) else { fail("unknown transport \(name)") }
                options.transport = kind
            case "--protocol":
                guard let framing = Framing(rawValue: value()) else { fail("--protocol is engineio or raw") }
                options.framing = framing
            case "--scenario":
                guard let kind = ScenarioKind(rawValue: value()) else { fail("unknown scenario \(arguments[index])") }
                options.scenario = kind
            case "--sessions": options.sessions = max(1, integer(value()))
            case "--duration": options.duration = number(value())
            case "--warmup": options.warmup = number(value())
            case "--size": options.messageSize = max(24, integer(value()))
            case "--broadcast-size": options.broadcastSize = max(32, integer(value()))
            case "--depth": options.depth = max(1, integer(value()))
            case "--in-flight": options.inFlight = max(1, integer(value()))
            case "--concurrency": options.concurrency = max(1, integer(value()))
            case "--post-connections": options.postConnections = max(1, integer(value()))
            case "--poll-interval": options.pollInterval = Int64(integer(value()))
            case "--server-pid": options.serverPIDs += integers(value()).map { Int32($0) }
            case "--label": options.label = value()
            case "--open-timeout": options.openTimeout = number(value())
            case "--broadcast-timeout": options.broadcastTimeout = number(value())
            case "--drain-timeout": options.drainTimeout = number(value())
            case "--quiet": options.quiet = true
            case "--api-port": options.apiPort = integer(value())
            case "--api-key": options.apiKey = value()
            case "--help", "-h":
                print(usage, terminator: "")
                exit(0)
            default: fail("unknown flag \(flag) (see --help)")
            }
            index += 1
        }
        if options.framing == .raw && options.transport != .websocket { fail("--protocol raw needs --transport websocket") }
        if !portsGiven.isEmpty { options.ports = portsGiven }
        if options.ports.contains(where: { $0 < 1 || $0 > 65535 }) { fail("a port is 1 to 65535") }
        if options.scenario.joinsNamespace && options.framing == .raw { fail("\(options.scenario.rawValue) needs --protocol engineio") }
        if options.forwardPort != nil && options.transport == .websocket { fail("--forward-port needs an HTTP transport") }
        if options.postConnections == 0 { options.postConnections = min(options.sessions, 1000) }
        return options
    }

    var resolvedPath: String { path ?? (framing == .raw ? "/" : "/socket.io/") }
    var port: Int { ports[0] }
}
