/// Rewriting a byte array in its own storage. The stdlib's generic paths for this
/// (`replaceSubrange`, `removeFirst`) cost several times the copy itself for the small
/// messages that make up most traffic; these keep to `removeLast`, `append` and memmove.
extension Array where Element == UInt8 {
    /// Sets the count, keeping the storage when it is uniquely held and large enough (a
    /// recycled message's array usually is); bytes past the old count are zero.
    @inline(__always)
    package mutating func resize(to newCount: Int) {
        if count > newCount {
            removeLast(count &- newCount)
        } else if newCount &- count <= 8 {
            while count < newCount { append(0) }
        } else {
            append(contentsOf: repeatElement(0, count: newCount &- count))
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
