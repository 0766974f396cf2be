import Glibc
import Transports

extension Configuration {
    /// Flags of cluster mode (besides --redis).
    static let clusterOptions: [Option] = [
        Option(name: "cluster-advertise", valueName: "HOST:PORT", help: "Where other nodes reach this one to relay WebSocket upgrades of its sessions", defaultValue: "the listen address (the host name if it is 0.0.0.0 or ::) and port") { c, v throws(OptionError) in
            guard let address = NodeAddress(v) else {
                throw OptionError(description: "--cluster-advertise needs HOST:PORT such as 10.0.0.5:3000, not '\(v)'")
            }
            c.clusterAdvertise = address
        },
    ]

    /// The address other nodes use: the flag's, else the listen address on `port` (the port
    /// bound, which --port 0 leaves to the system).
    func advertisedAddress(port: Int) -> NodeAddress {
        if let clusterAdvertise { return clusterAdvertise }
        let host = server.host
        guard host == "0.0.0.0" || host == "::" || host.isEmpty else { return NodeAddress(host: host, port: port) }
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return NodeAddress(host: "127.0.0.1", port: port) }
        return NodeAddress(host: String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: port)
    }
}
