/// 64 bytes that nothing reads or writes, ending a small object that is made in a row with
/// others of its kind and written by another thread than they are (a lock's shard, a loop's
/// state): the next object's fields then start on another cache line, and no write to one
/// makes the other's core fetch the line again. Lines are 64 bytes on x86-64 and most ARM
/// servers.
package struct CacheLinePad: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    package init() {}
}
