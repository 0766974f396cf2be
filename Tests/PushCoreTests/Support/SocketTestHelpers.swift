import XCTest
@testable import PushCore

/// A Socket.IO server on `loops` manual executors (indexes 0, 1, ...).
func makeSocketServer(loops: Int = 1, configuration: SocketServerConfiguration = .init()) -> (SocketServer, [ManualExecutor]) {
    let executors = (0..<loops).map { ManualExecutor(index: $0) }
    return (SocketServer(configuration: configuration, executors: executors), executors)
}

/// Collects values from callbacks, `@Sendable` ones included (the tests run on one thread).
final class Recorder<Value>: @unchecked Sendable {
    private(set) var values: [Value] = []
    func record(_ value: Value) { values.append(value) }
}

extension InMemoryEngineLink {
    /// Connects `namespace` and returns the server's socket for it (nil when refused).
    func connectSocket(_ namespace: String = "/", auth: JSONValue? = nil) -> Socket? {
        connect(namespace, auth: auth)
        guard let accepted = takePackets().last(where: { $0.type == .connect && $0.namespace == namespace }),
              let sid = accepted.data?["sid"]?.stringValue else {
            return nil
        }
        return server.of(namespace).loops[manualExecutor.index].sockets[sid]
    }

    /// Events among the packets sent since the last take: (namespace, name, arguments).
    func takeEvents() -> [(namespace: String, name: String, arguments: [JSONValue])] {
        takePackets().compactMap { packet in
            guard packet.type == .event || packet.type == .binaryEvent,
                  case .array(let items)? = packet.data, case .string(let name)? = items.first else { return nil }
            return (packet.namespace, name, Array(items.dropFirst()))
        }
    }
}
