/// An object key compared by its UTF-8 bytes, as JavaScript compares property names.
///
/// Swift's `String ==` treats canonically equivalent strings ("é" and "e\u{301}") as equal;
/// JSON objects must keep such keys apart, so lookups and duplicate checks use this instead.
struct JSONKey: Hashable {
    var string: String

    init(_ string: String) { self.string = string }

    /// Byte-wise key equality.
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8)
    }

    static func == (lhs: JSONKey, rhs: JSONKey) -> Bool { equal(lhs.string, rhs.string) }

    func hash(into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
