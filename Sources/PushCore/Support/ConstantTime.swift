/// Comparisons whose time does not depend on where the inputs differ, for secrets (API keys,
/// signatures): an attacker timing answers learns nothing about how much of a guess was right.
public enum ConstantTime {
    /// Whether `a` and `b` are equal; takes time proportional to `b`'s length whatever `a` is.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        difference |= UInt8(truncatingIfNeeded: (a.count ^ b.count) >> 8)
        for index in 0..<b.count {
            difference |= (index < a.count ? a[index] : 0) ^ b[index]
        }
        return difference == 0 && a.count == b.count
    }
}
