@testable import PushCore

/// Fuzzes `WebSocketFrameDecoder` as a connection drives it: chunked reads, the caller dropping
/// `consumed` bytes and calling again until `.needMore`, fragmented messages with control frames
/// between their fragments.
///
/// Input: one control byte (bit 0: `requireMask`; bits 1-2 pick the limits), a chunk plan (see
/// `FuzzInput.chunkPlan`), then the byte stream from the client.
///
/// Checked: `consumed` within the input; every event within the limits and well-formed (text
/// and close reasons valid UTF-8, control payloads at most 125 bytes, close codes allowed on the
/// wire); failures and the closed state are sticky and swallow all input; `.needMore` means no
/// progress without new bytes; and the chunked feed agrees with feeding the stream in one piece
/// (the chunked one may only fail earlier on invalid UTF-8 in a message not yet complete).
/// The chunked feed reads as the transport does, taking whole messages in place first, and a
/// message left to `decode` leaves the bytes as they were; the whole feed uses `decode` alone.
@_cdecl("LLVMFuzzerTestOneInput")
public func webSocketFrameFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let control = input.byte()
    let requireMask = control & 1 == 1
    let (maxMessageBytes, maxFragments): (Int, Int)
    switch (control >> 1) & 3 {
    case 0: (maxMessageBytes, maxFragments) = (1_000_000, 10_000)
    case 1: (maxMessageBytes, maxFragments) = (100, 4)
    case 2: (maxMessageBytes, maxFragments) = (0, 1)
    default: (maxMessageBytes, maxFragments) = (4096, 64)
    }
    let plan = input.chunkPlan()
    let stream = input.rest

    func decoder() -> WebSocketFrameDecoder {
        WebSocketFrameDecoder(maxMessageBytes: maxMessageBytes, maxFragmentsPerMessage: maxFragments, requireMask: requireMask)
    }
    var chunked = WebSocketFeed(decoder: decoder(), inPlace: true)
    for chunk in plan.chunks(of: stream) { chunked.feed(chunk) }
    var whole = WebSocketFeed(decoder: decoder(), inPlace: false)
    for chunk in ChunkPlan.whole.chunks(of: stream) { whole.feed(chunk) }

    if chunked.events != whole.events {
        // Reading a text message in pieces validates it as it arrives, so the chunked feed may
        // fail on bad UTF-8 while the whole feed still waits for the rest of the frame.
        guard case .failure(let failure)? = chunked.events.last, failure.closeCode == .invalidPayload,
              Array(chunked.events.dropLast()) == whole.events else {
            preconditionFailure("events depend on how the bytes were chunked")
        }
    }
    return 0
}

/// Plays the connection: a buffer of unconsumed bytes and the decoder.
struct WebSocketFeed {
    var decoder: WebSocketFrameDecoder
    var buffer: [UInt8] = []
    var events: [WebSocketEvent] = []
    var failure: WebSocketEvent?
    var closed = false
    let inPlace: Bool

    init(decoder: WebSocketFrameDecoder, inPlace: Bool) {
        self.decoder = decoder
        self.inPlace = inPlace
    }

    /// One step: `takeWholeMessage` first when reading in place, else (or when it declines)
    /// `decode`.
    mutating func step() -> (event: WebSocketEvent, consumed: Int) {
        if inPlace && failure == nil && !closed {
            let (taken, after) = withExactMutableCopy(buffer) { decoder.takeWholeMessage($0).map { message in
                (event: message.isText ? WebSocketEvent.text(Array(message.payload)) : .binary(Array(message.payload)),
                 consumed: message.consumed)
            } }
            if let taken { return taken }
            // Declined: the bytes are as they were, unless the message was refused as not UTF-8
            // (a failed decoder reports its failure whatever it is given).
            if after != buffer {
                var probe = decoder
                let refused = probe.decode(UnsafeRawBufferPointer(start: nil, count: 0)).event == .failure(.invalidUTF8Text)
                precondition(refused, "bytes rewritten for a message left to decode")
            }
        }
        return withExactCopy(buffer) { decoder.decode($0) }
    }

    mutating func feed(_ chunk: ArraySlice<UInt8>) {
        buffer.append(contentsOf: chunk)
        var budget = buffer.count + 4
        while true {
            budget -= 1
            precondition(budget > 0, "decoder does not settle")
            let (event, consumed) = step()
            precondition(consumed >= 0 && consumed <= buffer.count, "consumed outside the input")
            if let failure {
                precondition(event == failure && consumed == buffer.count, "decoder left its failed state")
                buffer.removeAll()
                return
            }
            if closed {
                precondition(event == .needMore && consumed == buffer.count, "decoder read past the close frame")
                buffer.removeAll()
                return
            }
            if event == .needMore {
                buffer.removeFirst(consumed)
                let again = withExactCopy(buffer) { decoder.decode($0) }
                precondition(again.event == .needMore && again.consumed == 0, "needMore, then progress without new bytes")
                return
            }
            check(event, consumed: consumed)
            events.append(event)
            buffer.removeFirst(consumed)
            if failure != nil || closed { return }
        }
    }

    mutating func check(_ event: WebSocketEvent, consumed: Int) {
        switch event {
        case .needMore:
            break
        case .text(let bytes):
            precondition(consumed > 0, "message without consuming its frame")
            precondition(bytes.count <= decoder.maxMessageBytes, "text message over maxMessageBytes")
            precondition(isWellFormedUTF8(bytes), "text message is not UTF-8")
        case .binary(let bytes):
            precondition(consumed > 0, "message without consuming its frame")
            precondition(bytes.count <= decoder.maxMessageBytes, "binary message over maxMessageBytes")
        case .ping(let bytes), .pong(let bytes):
            precondition(consumed > 0, "control frame without consuming it")
            precondition(bytes.count <= 125, "control payload over 125 bytes")
        case .close(let code, let reason):
            precondition(consumed > 0, "close without consuming its frame")
            if let code {
                precondition(WebSocketCloseCode.isValidOnWire(code), "close code \(code) accepted")
                precondition(reason.count <= 123 && isWellFormedUTF8(reason), "bad close reason accepted")
            } else {
                precondition(reason.isEmpty, "close reason without a code")
            }
            closed = true
        case .failure(let reason):
            let code = reason.closeCode
            precondition(consumed == buffer.count, "failure did not discard the input")
            let known: [WebSocketCloseCode] = [.protocolError, .invalidPayload, .policyViolation, .messageTooBig]
            precondition(known.contains(code), "failure with close code \(code.rawValue)")
            failure = event
        }
    }
}
