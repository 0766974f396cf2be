import CPushSys
import Glibc
import Synchronization

/// The loops of a process, one thread each. Each loop is made on its own thread, and so are
/// the objects set-up makes for it through `EventLoop.makeLocal` (see LoopThread).
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let threads: [LoopThread]
    private let phase = Mutex(Phase.made)
    private let nextIndex = Atomic<Int>(0)

    private enum Phase { case made, started, ended }

    /// Creates `threadCount` loops (at least one), each on its thread, which waits for `start`.
    public init(threadCount: Int) throws(SystemError) {
        let threads = (0..<max(1, threadCount)).map { _ in LoopThread() }
        var loops: [EventLoop] = []
        for (index, thread) in threads.enumerated() {
            let made = thread.perform { () -> Result<EventLoop, SystemError> in
                do throws(SystemError) { return .success(try EventLoop(index: index)) } catch { return .failure(error) }
            }
            switch made {
            case .success(let loop):
                loop.home = thread
                loops.append(loop)
            case .failure(let error):
                Self.end(threads)
                throw error
            }
        }
        self.loops = loops
        self.threads = threads
    }

    deinit {
        // Threads never started would wait for good.
        if phase.withLock({ $0 }) == .made {
            for thread in threads {
                thread.end()
                pthread_detach(thread.thread)
            }
        }
    }

    /// Lets every loop's thread run its loop.
    public func start() {
        let first = phase.withLock { phase in
            defer { if phase == .made { phase = .started } }
            return phase == .made
        }
        guard first else { return }
        for (loop, thread) in zip(loops, threads) { thread.run(loop) }
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
        let was = phase.withLock { phase in
            defer { phase = .ended }
            return phase
        }
        switch was {
        case .made: Self.end(threads)
        case .started:
            for loop in loops { loop.stop() }
            for thread in threads { pthread_join(thread.thread, nil) }
        case .ended: break
        }
    }

    private static func end(_ threads: [LoopThread]) {
        for thread in threads { thread.end() }
        for thread in threads { pthread_join(thread.thread, nil) }
    }
}
