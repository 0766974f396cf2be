/// The applications pushd can run, chosen with `--app`.
enum AppPreset: String, CaseIterable, CustomStringConvertible {
    /// The demo page's chat, rooms and ticker.
    case demo = "default"
    /// Echoes every Engine.IO message: what the public Engine.IO v4 suite expects.
    case engineEcho = "engine-echo"
    /// The server of the public Socket.IO v5 suite.
    case socketIOReference = "socketio-reference"
    /// Echo and broadcast for the benchmarks.
    case bench
    /// Events the end-to-end tests drive.
    case test

    var description: String { rawValue }

    /// The names `--app` takes, for help and errors.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
