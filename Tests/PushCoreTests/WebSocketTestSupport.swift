@testable import PushCore
import TestSupport

/// Builds frames the way a client sends them, with knobs for breaking the rules.
enum WSClientFrame {
    /// How the payload length is written.
    enum LengthForm { case minimal, sixteenBit, sixtyFourBit }

    static let defaultMask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    /// One frame. `opcode` is raw so reserved values can be sent; `mask` nil sends unmasked.
    static func frame(
        opcode: UInt8, payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0,
        mask: [UInt8]? = defaultMask, lengthForm: LengthForm = .minimal
    ) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x07) << 4 | (opcode & 0x0F)]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        let count = payload.count
        var form = lengthForm
        if form == .minimal { form = count < 126 ? .minimal : (count <= 0xFFFF ? .sixteenBit : .sixtyFourBit) }
        switch form {
        case .minimal:
            out.append(maskBit | UInt8(count))
        case .sixteenBit:
            out.append(maskBit | 126)
            out.append(UInt8(count >> 8))
            out.append(UInt8(count & 0xFF))
        case .sixtyFourBit:
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((UInt64(count) >> UInt64(shift)) & 0xFF)) }
        }
        if let mask {
            out.append(contentsOf: mask)
            for (index, byte) in payload.enumerated() { out.append(byte ^ mask[index % 4]) }
        } else {
            out.append(contentsOf: payload)
        }
        return out
    }

    static func text(_ string: String, fin: Bool = true, mask: [UInt8]? = defaultMask) -> [UInt8] {
        frame(opcode: 1, payload: Array(string.utf8), fin: fin, mask: mask)
    }

    static func binary(_ bytes: [UInt8], fin: Bool = true) -> [UInt8] {
        frame(opcode: 2, payload: bytes, fin: fin)
    }

    static func continuation(_ bytes: [UInt8], fin: Bool) -> [UInt8] {
        frame(opcode: 0, payload: bytes, fin: fin)
    }

    static func ping(_ bytes: [UInt8] = []) -> [UInt8] { frame(opcode: 9, payload: bytes) }
    static func pong(_ bytes: [UInt8] = []) -> [UInt8] { frame(opcode: 10, payload: bytes) }

    static func close(code: UInt16? = nil, reason: [UInt8] = []) -> [UInt8] {
        var payload: [UInt8] = []
        if let code { payload = [UInt8(code >> 8), UInt8(code & 0xFF)] + reason }
        return frame(opcode: 8, payload: payload)
    }

    /// A frame header announcing `length` with the 64-bit form and nothing after the mask key.
    static func header64(opcode: UInt8, length: UInt64, fin: Bool = true) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | opcode, 0x80 | 127]
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((length >> UInt64(shift)) & 0xFF)) }
        return out + defaultMask
    }

    /// Deterministic filler bytes.
    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 % 251) } }
}

/// SplitMix64: a small deterministic PRNG so random tests replay exactly (frames, timers).
/// Drives a decoder the way the event loop does: keeps the unconsumed bytes, appends each new
/// read, and calls `decode` until `.needMore`. `inPlace` tries `takeWholeMessage` first, as
/// the WebSocket transport does.
enum WSFeed {
    struct Outcome: Equatable {
        var events: [WebSocketEvent]
        /// Largest number of bytes left in the caller's buffer after a `.needMore`.
        var maxLeftover: Int
    }

    static func run(_ stream: [UInt8], chunkSizes: [Int], decoder: WebSocketFrameDecoder, inPlace: Bool = false) -> Outcome {
        var decoder = decoder
        var pending: [UInt8] = []
        var events: [WebSocketEvent] = []
        var maxLeftover = 0
        var offset = 0
        for size in chunkSizes where offset < stream.count {
            let end = min(stream.count, offset + size)
            pending.append(contentsOf: stream[offset..<end])
            offset = end
            while true {
                let (event, consumed) = pending.withUnsafeMutableBytes { buffer -> (WebSocketEvent, Int) in
                    if inPlace, let message = decoder.takeWholeMessage(buffer) {
                        let bytes = Array(message.payload)
                        return (message.isText ? .text(bytes) : .binary(bytes), message.consumed)
                    }
                    return decoder.decode(UnsafeRawBufferPointer(buffer))
                }
                precondition(consumed >= 0 && consumed <= pending.count, "consumed out of range")
                pending.removeFirst(consumed)
                if event == .needMore {
                    maxLeftover = max(maxLeftover, pending.count)
                    break
                }
                events.append(event)
                if event.isFailure { return Outcome(events: events, maxLeftover: maxLeftover) }
            }
        }
        return Outcome(events: events, maxLeftover: maxLeftover)
    }

    static func whole(_ stream: [UInt8], _ decoder: WebSocketFrameDecoder, inPlace: Bool = false) -> Outcome {
        run(stream, chunkSizes: [max(1, stream.count)], decoder: decoder, inPlace: inPlace)
    }

    static func byteByByte(_ stream: [UInt8], _ decoder: WebSocketFrameDecoder, inPlace: Bool = false) -> Outcome {
        run(stream, chunkSizes: Array(repeating: 1, count: stream.count), decoder: decoder, inPlace: inPlace)
    }

    static func split(_ stream: [UInt8], at point: Int, _ decoder: WebSocketFrameDecoder, inPlace: Bool = false) -> Outcome {
        run(stream, chunkSizes: [point, max(1, stream.count - point)], decoder: decoder, inPlace: inPlace)
    }

    static func randomChunks(_ stream: [UInt8], seed: UInt64, maxChunk: Int, _ decoder: WebSocketFrameDecoder,
                             inPlace: Bool = false) -> Outcome {
        var random = SeededRandom(seed: seed)
        var sizes: [Int] = []
        var total = 0
        while total < stream.count {
            let size = Int.random(in: 1...maxChunk, using: &random)
            sizes.append(size)
            total += size
        }
        return run(stream, chunkSizes: sizes, decoder: decoder, inPlace: inPlace)
    }

    /// Split points to try: all of them for short streams, otherwise every point near the
    /// ends plus a spread through the middle.
    static func splitPoints(_ count: Int) -> [Int] {
        if count <= 3000 { return Array(0...count) }
        var points = Array(0...300) + Array((count - 300)...count)
        points += stride(from: 301, to: count - 300, by: 997)
        return points
    }
}
