import Glibc
import Transports

let version = "0.1.0"

func fail(_ message: String, status: Int32) -> Never {
    var text = Array("pushd: \(message)\n".utf8)
    _ = text.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

var environment: [String: String] = [:]
var entry = environ
while let pointer = entry.pointee {
    let pair = String(cString: pointer)
    if let equals = pair.firstIndex(of: "=") {
        environment[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    entry += 1
}

let configuration: Configuration
do {
    guard let parsed = try Configuration.parse(arguments: Array(CommandLine.arguments.dropFirst()), environment: environment) else {
        print(Configuration.usage, terminator: "")
        exit(0)
    }
    configuration = parsed
} catch {
    fail("\(error.description)", status: 2)
}

Log.level = configuration.logLevel
var folder = stat()
guard stat(configuration.publicDirectory, &folder) == 0, (folder.st_mode & S_IFMT) == S_IFDIR else {
    fail("public folder '\(configuration.publicDirectory)' not found (set --public)", status: 2)
}

// Signals are taken by sigwait on the main thread: block them before any loop thread starts so
// every thread inherits the mask.
signal(SIGPIPE, SIG_IGN)
var shutdownSignals = sigset_t()
sigemptyset(&shutdownSignals)
sigaddset(&shutdownSignals, SIGINT)
sigaddset(&shutdownSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &shutdownSignals, nil)

let group: EventLoopGroup
do {
    group = try EventLoopGroup(threadCount: configuration.threads)
} catch {
    fail("cannot create event loops: \(error)", status: 1)
}

let daemon = Daemon(configuration: configuration, group: group, version: version)
do {
    try daemon.server.bind()
} catch {
    fail("cannot listen on \(configuration.host):\(configuration.port): \(String(cString: strerror(error.code)))", status: 1)
}
group.start()
daemon.server.startAccepting()
daemon.engine.trimmer.start(on: group.loops[0])
Log.info("pushd \(version) listening on http://\(daemon.server.host):\(daemon.server.port) (threads \(group.loops.count), app \(configuration.app), public \(configuration.publicDirectory))")

var received: Int32 = 0
sigwait(&shutdownSignals, &received)
Log.info("received \(received == SIGINT ? "SIGINT" : "SIGTERM"); draining (up to \(OptionValue.formatDuration(configuration.drainTimeout)))")
daemon.drain()
let deadline = MonotonicClock.milliseconds() + configuration.drainTimeout
while daemon.server.connectionCount > 0 && MonotonicClock.milliseconds() < deadline {
    usleep(20_000)
}
let left = daemon.server.connectionCount
Log.info(left == 0 ? "drained; exiting" : "drain timeout with \(left) connections open; exiting")
exit(0)
