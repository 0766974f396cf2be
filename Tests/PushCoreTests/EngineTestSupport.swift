import PushCore

/// A small deterministic PRNG (EngineTestRNG) so random tests repeat exactly.
struct EngineTestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The UTF-8 bytes of `text`, for readable expectations.
func utf8Bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Random engine packets for round-trip tests.
enum RandomPackets {
    /// Pieces text payloads are built from: line breaks in every form, the record separator,
    /// NUL, SSE syntax, a BOM and multi-byte characters.
    static let pieces: [String] = [
        "a", "hello", " ", ":", "data:", "event: x", "\r", "\n", "\r\n", "\n\r", "\u{1e}", "\0",
        "é", "€", "😀", "\u{FEFF}", "\u{2028}", "{\"k\":[1,2]}", "b", "4",
    ]

    /// Random text made of `pieces` and printable ASCII; `allowSeparator` false leaves out 0x1E.
    static func text(_ rng: inout EngineTestRNG, allowSeparator: Bool = true) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            if Bool.random(using: &rng) {
                text += pieces.randomElement(using: &rng)!
            } else {
                text.unicodeScalars.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &rng)))
            }
        }
        return allowSeparator ? text : text.replacingAll("\u{1e}", with: "x")
    }

    /// A random packet of any type; a quarter are binary messages.
    static func packet(_ rng: inout EngineTestRNG, allowSeparator: Bool = true) -> EnginePacket {
        if Int.random(in: 0..<4, using: &rng) == 0 {
            let count = Int.random(in: 0...40, using: &rng)
            return .message(binary: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        let type = EnginePacketType.allCases.randomElement(using: &rng)!
        return EnginePacket(type: type, text: text(&rng, allowSeparator: allowSeparator))
    }
}

extension String {
    /// `self` with every `target` character replaced (no Foundation).
    func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
