/// Rewriting a byte array in its own storage. The stdlib's generic paths for this
/// (`replaceSubrange`, `removeFirst`) cost several times the copy itself for the small
/// messages that make up most traffic; these keep to `removeLast`, `append` and a memmove.
extension Array where Element == UInt8 {
    /// Makes the array a copy of `source`, reusing its storage when it is uniquely held and
    /// large enough (a recycled message's array usually is).
    @inline(__always)
    package mutating func overwrite(with source: UnsafeRawBufferPointer) {
        let kept = Swift.min(count, source.count)
        if count > kept { removeLast(count &- kept) }
        if kept > 0 {
            withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: kept) }
        }
        let rest = source.count &- kept
        if rest > 8 {
            append(contentsOf: UnsafeRawBufferPointer(rebasing: source[kept...]))
        } else {
            for index in kept..<source.count { append(source[index]) }
        }
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
