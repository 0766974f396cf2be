/// Response header fields checked and written out once (`Name: value\r\n` each), for answers
/// that send the same fields again and again: a response then copies their bytes rather than
/// checking every name and value it writes. A field `HTTPResponse` would drop (a name that is
/// not a token, a value with a control byte) is dropped here too.
public struct PreparedHeaders: Sendable {
    /// The fields as given, unsafe ones included (for answers relayed as pairs).
    public let pairs: [(String, String)]
    /// The safe fields' lines.
    package let lines: [UInt8]

    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs
        var lines: [UInt8] = []
        for (name, value) in pairs { HTTPResponse.appendField(name, value, into: &lines) }
        self.lines = lines
    }
}
