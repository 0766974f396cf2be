import CPushSys
import Glibc
import Synchronization

/// The loops of a process, one thread each.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let threads = Mutex<[pthread_t]>([])
    private let nextIndex = Atomic<Int>(0)

    /// Creates `threadCount` loops (at least one).
    public init(threadCount: Int) throws(SystemError) {
        var loops: [EventLoop] = []
        for index in 0..<max(1, threadCount) { loops.append(try EventLoop(index: index)) }
        self.loops = loops
    }

    /// Starts one thread per loop.
    public func start() {
        let started = loops.map { loop in
            Self.spawn {
                // Named so `top -H`, perf and debuggers tell the loops apart.
                _ = cpushsys_name_thread("pushd-loop-\(loop.index)")
                loop.runUntilStopped()
            }
        }
        threads.withLock { $0 += started }
    }

    /// A loop chosen round-robin (for connections the process opens itself).
    public func next() -> EventLoop {
        loops[nextIndex.add(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// Runs `task` once on every loop.
    public func onEveryLoop(_ task: @escaping @Sendable (EventLoop) -> Void) {
        for loop in loops { loop.execute { task(loop) } }
    }

    /// Stops every loop and waits for their threads.
    public func shutdown() {
        for loop in loops { loop.stop() }
        let running = threads.withLock { threads in
            defer { threads.removeAll() }
            return threads
        }
        for thread in running { pthread_join(thread, nil) }
    }

    private final class ThreadBody {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private static func spawn(_ body: @escaping () -> Void) -> pthread_t {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed: \(status)")
        return thread
    }
}
