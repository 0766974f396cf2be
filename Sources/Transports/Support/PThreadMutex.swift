import Glibc

/// A value behind a pthread mutex. For locks that threads contend on (a loop's inbox):
/// `Synchronization.Mutex` hands a contended lock over inside libswiftSynchronization, which
/// ThreadSanitizer does not see, so it reports the guarded value as raced; it intercepts
/// pthread mutexes. Unchecked Sendable: lock-protected.
final class PThreadMutex<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Accessed only with the lock held, so never overlapping: no exclusivity checks.
    @exclusivity(unchecked) private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` on the value with the lock held.
    @inline(__always)
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&value)
    }
}
