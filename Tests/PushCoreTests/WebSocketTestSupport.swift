@testable import PushCore
import TestSupport

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
