/// Something that lives on one event loop: the rule the loop classes of this package share.
///
/// - A loop-confined object is touched only on its loop's thread. Other threads reach it by
///   hopping with `loop.run { }`; its entry points call `assertInLoop()`, which traps in debug
///   builds (the unit tests and the end-to-end subset under ThreadSanitizer catch a missed
///   hop). Where another thread must hold such a value, `LoopBound` carries it.
/// - Such classes are `@unchecked Sendable` only because closures given to `run` must be
///   `Sendable`; the confinement, not a lock, is what makes them safe.
/// - Their stored properties are `@exclusivity(unchecked)`: one thread cannot overlap its own
///   accesses the way the runtime checks for, and the checks were a third of the user-space
///   instructions per message.
///
/// Files say "loop-confined (see LoopConfined)" for all of this.
protocol LoopConfined: AnyObject {
    /// The loop this object lives on.
    var loop: EventLoop { get }
}

extension LoopConfined {
    /// Traps in debug builds when called off `loop`'s thread. The loop is read only inside the
    /// assertion, so a loop held `unowned` costs nothing in release builds (no reference count).
    @inline(__always)
    func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(loop.isOwnedByCaller, "called off event loop \(loop.index)", file: file, line: line)
    }
}
