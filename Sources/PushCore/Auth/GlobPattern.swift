/// A name pattern, the one kind pushd matches names with (rooms, events, namespaces): `*`
/// matches any run of characters, including none; every other character, `?`, `[` and `\`
/// included, stands for itself; the pattern must cover the whole name.
///
/// Names and patterns compare by their UTF-8 bytes (no Unicode normalisation). Matching takes
/// time linear in the lengths of the name and the pattern, whatever either holds: the literal
/// pieces between stars are found left to right, each at its first place (which is always
/// safe with `*` as the only wildcard), with a Knuth-Morris-Pratt search that never rescans.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    /// A literal run between two stars, with its KMP failure table.
    private struct Piece: Sendable {
        var bytes: [UInt8]
        /// `failure[i]`: length of the longest proper border of `bytes[0...i]`.
        var failure: [Int]
    }

    /// The pattern as written.
    public let text: String
    /// Bytes before the first star (all of them when there is no star).
    private let head: [UInt8]
    /// Bytes after the last star.
    private let tail: [UInt8]
    /// Non-empty literal runs between stars, in order.
    private let pieces: [Piece]
    /// False when the pattern is a plain name.
    private let hasStar: Bool

    /// The pattern `text`.
    public init(_ text: String) {
        self.text = text
        let runs = Array(text.utf8).split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false)
        hasStar = runs.count > 1
        head = Array(runs[0])
        tail = hasStar ? Array(runs[runs.count - 1]) : []
        pieces = hasStar ? runs.dropFirst().dropLast().filter { !$0.isEmpty }.map { run in
            let bytes = Array(run)
            return Piece(bytes: bytes, failure: Self.failureTable(bytes))
        } : []
    }

    /// True when the pattern has no `*` and so matches exactly one name.
    public var isLiteral: Bool { !hasStar }

    /// The pattern as written.
    public var description: String { text }

    /// True when the whole of `name` matches.
    public func matches(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }

    /// True when the whole of `name` (UTF-8 bytes) matches.
    public func matches(_ name: UnsafeRawBufferPointer) -> Bool {
        guard hasStar else { return name.elementsEqual(head) }
        guard name.count >= head.count + tail.count,
              name.prefix(head.count).elementsEqual(head),
              name.suffix(tail.count).elementsEqual(tail) else { return false }
        // The middle pieces must fit, in order, between the head and the tail.
        var position = head.count
        let end = name.count - tail.count
        for piece in pieces {
            guard let next = Self.find(piece, in: name, from: position, to: end) else { return false }
            position = next
        }
        return true
    }

    /// Two patterns are equal when written the same way.
    public static func == (lhs: GlobPattern, rhs: GlobPattern) -> Bool { lhs.text == rhs.text }

    /// Hashes the pattern as written.
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// The end of the first occurrence of `piece` in `name[from..<end]`, or nil.
    private static func find(_ piece: Piece, in name: UnsafeRawBufferPointer, from: Int, to end: Int) -> Int? {
        piece.bytes.withUnsafeBufferPointer { bytes in
            piece.failure.withUnsafeBufferPointer { failure in
                var matched = 0
                var index = from
                while index < end {
                    // Too little name left for the rest of the piece.
                    if end - index < bytes.count - matched { return nil }
                    let byte = name[index]
                    while matched > 0 && bytes[matched] != byte { matched = failure[matched - 1] }
                    if bytes[matched] == byte { matched += 1 }
                    index += 1
                    if matched == bytes.count { return index }
                }
                return nil
            }
        }
    }

    private static func failureTable(_ bytes: [UInt8]) -> [Int] {
        var failure = [Int](repeating: 0, count: bytes.count)
        var border = 0
        for index in bytes.indices.dropFirst() {
            while border > 0 && bytes[border] != bytes[index] { border = failure[border - 1] }
            if bytes[border] == bytes[index] { border += 1 }
            failure[index] = border
        }
        return failure
    }
}
