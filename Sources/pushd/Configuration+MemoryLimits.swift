import Glibc
import Transports

extension Configuration {
    /// Flags that bound what hostile or broken clients can make the node hold.
    static let memoryLimitOptions: [Option] = [
        Option(name: "max-client-memory", valueName: "BYTES", help: "Bytes held for clients across the node (queues, partial messages, pending attachments, POST bodies); past it the largest holders are closed (0: no budget)", defaultValue: "25% of RAM or of the cgroup limit") { c, v throws(OptionError) in
            c.server.maxClientMemory = try OptionValue.bytes(v, "max-client-memory")
        },
        Option(name: "attachment-timeout", valueName: "DURATION", help: "Time a binary packet may wait for its attachments before the session is closed", defaultValue: "30s") { c, v throws(OptionError) in
            c.server.socket.attachmentTimeout = max(1, try OptionValue.duration(v, "attachment-timeout"))
        },
        Option.boolean(name: "cleanup-empty-namespaces", help: "Free a dynamic namespace when its last socket leaves", defaultValue: true) { c, on in
            c.server.socket.cleanupEmptyNamespaces = on
        },
        Option(name: "max-namespaces", valueName: "N", help: "Namespaces that may exist at once (a CONNECT that would make more gets a connect error)", defaultValue: "10000") { c, v throws(OptionError) in
            c.server.socket.maxNamespaces = try OptionValue.integer(v, "max-namespaces", in: 1...100_000_000)
        },
    ]

    /// A quarter of the memory this process may use: physical memory, or the cgroup's limit
    /// when that is lower (a container).
    static var defaultMaxClientMemory: Int {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        let limits = [physical, cgroupMemoryLimit("/sys/fs/cgroup/memory.max"),
                      cgroupMemoryLimit("/sys/fs/cgroup/memory/memory.limit_in_bytes")]
        return (limits.compactMap { $0 }.filter { $0 > 0 }.min() ?? 1 << 30) / 4
    }

    /// The number in a cgroup memory limit file; nil when absent or unlimited ("max").
    private static func cgroupMemoryLimit(_ path: String) -> Int? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let digits = buffer.prefix { $0 >= 0x30 && $0 <= 0x39 }.map { UInt8(bitPattern: $0) }
        return Int(String(decoding: digits, as: UTF8.self))
    }
}
