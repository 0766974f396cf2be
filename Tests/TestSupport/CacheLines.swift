import Glibc

/// glibc's size of a heap block (malloc.h, which the Glibc module leaves out).
@_silgen_name("malloc_usable_size")
private func mallocUsableSize(_ block: UnsafeMutableRawPointer?) -> Int

/// Where objects lie in memory, by 64-byte cache line: for tests that check that what
/// different threads write shares no line.
public enum CacheLines {
    /// The lines of `object`'s first `bytes` bytes, or of its whole heap block when nil.
    public static func of(_ object: AnyObject, firstBytes bytes: Int? = nil) -> Set<UInt> {
        let start = Unmanaged.passUnretained(object).toOpaque()
        let count = bytes ?? mallocUsableSize(start)
        let first = UInt(bitPattern: start) >> 6
        let last = (UInt(bitPattern: start) + UInt(max(1, count)) - 1) >> 6
        return Set(first...last)
    }

    /// Lines that objects of two different groups both cover (each group: one thread's or one
    /// loop's objects), with the groups' indexes.
    public static func shared(between groups: [[Set<UInt>]]) -> [(line: UInt, groups: (Int, Int))] {
        var owner: [UInt: Int] = [:]
        var found: [(line: UInt, groups: (Int, Int))] = []
        for (index, group) in groups.enumerated() {
            for line in group.reduce(into: Set<UInt>(), { $0.formUnion($1) }) {
                if let other = owner[line], other != index {
                    found.append((line, (other, index)))
                } else {
                    owner[line] = index
                }
            }
        }
        return found
    }
}
