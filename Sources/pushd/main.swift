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
    switch try Configuration.parse(arguments: Array(CommandLine.arguments.dropFirst()), environment: environment) {
    case .run(let parsed): configuration = parsed
    case .help:
        print(Configuration.usage, terminator: "")
        exit(0)
    case .version:
        print("pushd \(version)")
        exit(0)
    }
} catch {
    fail("\(error.description)", status: 2)
}

Log.level = configuration.logLevel
var folder = stat()
guard let folderPath = configuration.server.publicDirectory, stat(folderPath, &folder) == 0, (folder.st_mode & S_IFMT) == S_IFDIR else {
    fail("public folder '\(configuration.server.publicDirectory ?? "")' not found (set --public)", status: 2)
}

let daemon: Daemon
do {
    daemon = try Daemon(configuration: configuration, version: version)
} catch {
    fail("cannot create event loops: \(error)", status: 1)
}
do {
    try daemon.server.start()
} catch where error.code == EADDRINUSE {
    // error.call is "port N": the main port, or the API's or metrics' own.
    fail("\(error.call) is already in use (another pushd?)", status: 1)
} catch {
    fail("cannot listen on \(configuration.server.host):\(configuration.server.port): \(String(cString: strerror(error.code)))", status: 1)
}
let server = daemon.server
daemon.cluster?.advertise(configuration.advertisedAddress(port: server.port))
Log.info("pushd \(version) listening on http://\(server.http.host):\(server.port) "
    + "(threads \(server.group.loops.count), app \(configuration.app), public \(configuration.server.publicDirectory ?? "none"))")
if let api = server.apiEndpoint {
    let address = server.apiHTTP.map { "http://\($0.host):\($0.port)" } ?? "the main port"
    Log.info("server API on \(address) at \(api.configuration.path)")
}
server.waitForShutdownSignal()
exit(0)
