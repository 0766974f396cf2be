// Load generator for pushd and its peers: opens up to the open-file limit of sessions from one
// process over any of pushd's transports (or raw WebSocket for peers) and measures one
// scenario. See Benchmarks/README.md.
import Glibc

signal(SIGPIPE, SIG_IGN)
let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let fileLimit = ProcessStats.raiseOpenFileLimit()
// One descriptor per session, plus the shared POST connections of the HTTP transports.
let needed = options.sessions + (options.transport == .websocket ? 0 : options.postConnections) + 32
if needed > fileLimit {
    print("pushd-load: \(options.sessions) sessions need about \(needed) descriptors; the limit is \(fileLimit)")
    exit(2)
}
let line = Generator(options: options).run()
print(line)
