/// Where a point of one node's recovery log stands in every node's events: per origin node, the
/// last of its recoverable events the log held by then. Each origin numbers its own events and
/// every node logs them in that order (one publisher, one Redis channel), so the events a client
/// got before its last offset are exactly, per origin, those numbered up to the vector's entry:
/// any node can tell what the client missed from its own log, whatever order it logged them in.
///
/// In cluster mode an offset carries it after a `~`: `"<log tag>:<n>~<origin>.<n>,<origin>.<n>"`
/// (sequences in base 36, origins sorted).
public struct RecoveryVector: Sendable, Equatable {
    public var sequences: [String: UInt64]

    public init(_ sequences: [String: UInt64] = [:]) {
        self.sequences = sequences
    }

    /// Origins a vector may name (a bad offset costs nothing past this).
    static let maxOrigins = 64

    /// Parses the part of an offset after `~`; nil for anything else.
    public init?(text: Substring) {
        var sequences: [String: UInt64] = [:]
        if !text.isEmpty {
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard sequences.count < Self.maxOrigins, let dot = item.lastIndex(of: ".") else { return nil }
                let origin = item[..<dot], digits = item[item.index(after: dot)...]
                guard !origin.isEmpty, origin.utf8.count <= 32, !digits.isEmpty,
                      let sequence = UInt64(digits, radix: 36), String(sequence, radix: 36) == digits,
                      sequences.updateValue(sequence, forKey: String(origin)) == nil else { return nil }
            }
        }
        self.sequences = sequences
    }

    /// The vector of an offset's text (nil when it has none or it does not parse).
    public init?(offset: String) {
        guard offset.utf8.count <= Self.maxOrigins * 48, let tilde = offset.firstIndex(of: "~") else { return nil }
        self.init(text: offset[offset.index(after: tilde)...])
    }

    public var text: String {
        sequences.sorted { $0.key < $1.key }.map { $0.key + "." + String($0.value, radix: 36) }.joined(separator: ",")
    }

    public subscript(origin: String) -> UInt64 { sequences[origin] ?? 0 }

    /// The later of both, origin by origin.
    public func merged(with other: RecoveryVector) -> RecoveryVector {
        RecoveryVector(sequences.merging(other.sequences, uniquingKeysWith: max))
    }
}
