/// True when `lhs` and `rhs` hold the same bytes. The time taken depends only on the two
/// lengths, never on the contents or on where they first differ, so comparing a presented
/// signature or API key with the real one reveals nothing but its length.
package func constantTimeEquals(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
    var difference = UInt(bitPattern: lhs.count ^ rhs.count)
    if rhs.isEmpty { return lhs.isEmpty }
    // Walk all of `lhs` whatever the lengths; a length mismatch is already in `difference`.
    var other = 0
    for index in 0..<lhs.count {
        difference |= UInt(lhs[index] ^ rhs[other])
        other &+= 1
        if other == rhs.count { other = 0 }
    }
    return difference == 0
}

/// True when `lhs` and `rhs` hold the same bytes, in time that depends only on their lengths.
package func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in constantTimeEquals(left, right) } }
}
