/// Rewriting a byte array in its own storage. The stdlib's generic paths for this
/// (`replaceSubrange`, `removeFirst`) cost several times the copy itself for the small
/// messages that make up most traffic; these keep to `removeLast`, `append` and memmove.
extension Array where Element == UInt8 {
    /// Sets the count in the array's own storage when that takes at most a few appends (a
    /// recycled message's array is usually about the next one's size); bytes past the old
    /// count are zero. False, and nothing changed, when it would take more.
    @inline(__always)
    package mutating func resizeInPlace(to newCount: Int) -> Bool {
        if count >= newCount {
            removeLast(count &- newCount)
            return true
        }
        guard newCount &- count <= 8 else { return false }
        while count < newCount { append(0) }
        return true
    }

    /// A copy of `bytes` made in `spare`'s storage, which is taken (`spare` is left empty);
    /// in new storage when that would take more than a few appends.
    package static func copy(of bytes: UnsafeRawBufferPointer, reusing spare: inout [UInt8]) -> [UInt8] {
        var copy = spare
        spare = []
        if copy.resizeInPlace(to: bytes.count) {
            if let source = bytes.baseAddress, bytes.count > 0 {
                copy.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: source, byteCount: bytes.count) }
            }
        } else {
            copy.replaceSubrange(copy.indices, with: bytes)
        }
        return copy
    }

    /// Removes the first byte by moving the others down, keeping the storage.
    @inline(__always)
    package mutating func dropFirstByte() {
        let remaining = count &- 1
        guard remaining >= 0 else { return }
        if remaining > 0 {
            withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.update(from: buffer.baseAddress! + 1, count: remaining)
            }
        }
        removeLast()
    }
}

extension Array {
    /// Empties the array and keeps its storage, or gives the storage back when it is larger
    /// than `maxKept` elements. `removeAll(keepingCapacity:)` goes through the generic
    /// `replaceSubrange` and destroys elements one by one through value witnesses; this
    /// keeps to the specialized `removeLast`.
    @inlinable
    package mutating func empty(keepingStorageUpTo maxKept: Int) {
        if count > maxKept {
            self = []
        } else {
            while !isEmpty { removeLast() }
        }
    }
}
