@testable import PushCore

/// JSONTestRandom: a small deterministic generator, so "random" tests repeat exactly.
struct JSONTestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    /// Serialized bytes, for comparisons that must be byte-exact.
    var jsonBytes: [UInt8] {
        var output: [UInt8] = []
        serialize(into: &output)
        return output
    }
}

/// Parses, returning the error instead of throwing (keeps table tests short).
func parseResult(_ bytes: [UInt8], maxDepth: Int = 64) -> Result<JSONValue, JSONError> {
    Result { () throws(JSONError) in try JSONParser.parse(bytes, maxDepth: maxDepth) }
}

func parseResult(_ text: String, maxDepth: Int = 64) -> Result<JSONValue, JSONError> {
    parseResult(Array(text.utf8), maxDepth: maxDepth)
}

extension Result {
    /// The value, if parsing succeeded.
    var parsedValue: Success? {
        if case .success(let value) = self { return value }
        return nil
    }

    /// The error, if parsing failed.
    var parseError: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
