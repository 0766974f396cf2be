
/// Incremental RFC 6455 frame decoder for frames sent by a client, with no I/O.
///
/// Call `decode` with the connection's unconsumed input; drop `consumed` bytes, handle the
/// event, and call again until it answers `.needMore`. Partial frame headers are left in the
/// caller's buffer; payload bytes are taken and buffered here, up to `maxMessageBytes` per
/// message, so a connection's input buffer stays small. Sizes are checked from the header,
/// before any payload is buffered.
package struct WebSocketFrameDecoder: Sendable {
    // Every WebSocket holds a decoder, so limits and counts are 32 bits (a message past 2 GiB
    // is refused anyway) and the one-byte fields sit in the state's tail padding: 64 bytes.
    private let messageLimit: Int32
    private let fragmentLimit: Int32
    private enum State: Sendable {
        case header
        case payload(Frame)
        case closed
        case failed(WebSocketFailure)
    }

    private struct Frame: Sendable {
        var opcode: WebSocketOpcode
        var fin: Bool
        var masked: Bool
        /// The 4 key bytes, first byte in the top bits.
        var maskKey: UInt32
        var remaining: Int
        /// Payload bytes already taken, which sets the mask phase of the next ones.
        var offset: Int
    }

    private enum HeaderResult {
        case needMore
        case frame(Frame, headerLength: Int)
        case failure(WebSocketFailure)
    }


    private var state: State = .header
    /// Client frames must be masked (RFC 6455 §5.1); false only to read server-style frames.
    package let requireMask: Bool
    /// The open data message: its opcode (text or binary) while fragments are pending.
    private var messageOpcode: WebSocketOpcode?
    private var messageFragments32: Int32 = 0
    /// Bytes of a text message known to be valid UTF-8 (complete sequences).
    private var validatedCount32: Int32 = 0
    private var message: [UInt8] = []
    /// Payload of the control frame being read (at most 125 bytes).
    private var control: [UInt8] = []

    /// Largest message (sum of its fragments) accepted; larger ones fail with 1009.
    package var maxMessageBytes: Int { Int(messageLimit) }
    /// Most frames one message may span; more fail with 1008 (stops tiny-fragment floods).
    package var maxFragmentsPerMessage: Int { Int(fragmentLimit) }
    /// Bytes of a fragmented message collected so far (held until its last fragment).
    public var pendingMessageBytes: Int { message.count }
    private var messageFragments: Int {
        get { Int(messageFragments32) }
        set { messageFragments32 = Int32(truncatingIfNeeded: newValue) }
    }
    private var validatedCount: Int {
        get { Int(validatedCount32) }
        set { validatedCount32 = Int32(truncatingIfNeeded: newValue) }
    }

    /// A decoder with the given limits.
    package init(maxMessageBytes: Int = 1_000_000, maxFragmentsPerMessage: Int = 10_000, requireMask: Bool = true) {
        self.messageLimit = Int32(clamping: max(0, maxMessageBytes))
        self.fragmentLimit = Int32(clamping: max(1, maxFragmentsPerMessage))
        self.requireMask = requireMask
    }

    /// Decodes from the start of `input`; returns one event and how many bytes it used.
    /// After a failure every call returns the same failure and discards its input; after the
    /// peer's close every call discards its input and returns `.needMore`.
    package mutating func decode(_ input: UnsafeRawBufferPointer) -> (event: WebSocketEvent, consumed: Int) {
        var none: [UInt8] = []
        return decode(input, reusing: &none)
    }

    /// `decode`, building a single-frame message in `spare`'s storage when nobody else holds
    /// it (the array is taken, so `spare` is left empty): a caller that hands a message's array
    /// back once done with it gets messages without an allocation each.
    package mutating func decode(_ input: UnsafeRawBufferPointer, reusing spare: inout [UInt8]) -> (event: WebSocketEvent, consumed: Int) {
        var consumed = 0
        while true {
            switch state {
            case .failed(let failure):
                return (.failure(failure), input.count)
            case .closed:
                return (.needMore, input.count)
            case .header:
                switch parseHeader(UnsafeRawBufferPointer(rebasing: input[consumed...])) {
                case .needMore:
                    return (.needMore, consumed)
                case .failure(let failure):
                    return fail(failure, input)
                case .frame(let frame, let headerLength):
                    consumed += headerLength
                    if frame.opcode == .text || frame.opcode == .binary {
                        messageOpcode = frame.opcode
                        messageFragments = 1
                        validatedCount = 0
                    } else if frame.opcode == .continuation {
                        messageFragments += 1
                    }
                    state = .payload(frame)
                }
            case .payload(var frame):
                let available = input.count - consumed
                let take = min(frame.remaining, available)
                if frame.opcode.isControl {
                    Self.appendUnmasked(UnsafeRawBufferPointer(rebasing: input[consumed..<consumed + take]), frame: frame, to: &control)
                } else if frame.fin && frame.opcode != .continuation && take == frame.remaining && frame.offset == 0 {
                    // Whole single-frame message present: unmask straight into its own array.
                    consumed += take
                    state = .header
                    let event = finishSingleFrameMessage(UnsafeRawBufferPointer(rebasing: input[consumed - take..<consumed]), frame: frame,
                                                         reusing: &spare)
                    return (event, event.isFailure ? input.count : consumed)
                } else {
                    Self.appendUnmasked(UnsafeRawBufferPointer(rebasing: input[consumed..<consumed + take]), frame: frame, to: &message)
                    if messageOpcode == .text && !validateMessageTail() {
                        return fail(.invalidUTF8Text, input)
                    }
                }
                consumed += take
                frame.remaining -= take
                frame.offset += take
                if frame.remaining > 0 {
                    state = .payload(frame)
                    return (.needMore, consumed)
                }
                state = .header
                if frame.opcode.isControl || frame.fin {
                    let event = frame.opcode.isControl ? finishControlFrame(opcode: frame.opcode) : finishMessage()
                    return (event, event.isFailure ? input.count : consumed)
                }
            }
        }
    }

    /// A whole message of one frame, unmasked where it lies in the caller's input.
    package struct WholeMessage {
        /// The payload: inside the input given to `takeWholeMessage`, valid while that memory is.
        package let payload: UnsafeRawBufferPointer
        package let isText: Bool
        /// Header and payload bytes, to drop from the input.
        package let consumed: Int
    }

    /// The common case without a copy: a whole masked, unfragmented text or binary message with
    /// a 7- or 16-bit length at the start of `input`, no fragmented message open. Its payload is
    /// unmasked in place (a client's bytes are not read again once consumed), so the caller
    /// copies only what it keeps. nil for anything else, which `decode` then reads; nil also
    /// for text that is not UTF-8, with the decoder failed, so that `decode` reports it.
    package mutating func takeWholeMessage(_ input: UnsafeMutableRawBufferPointer) -> WholeMessage? {
        guard input.count >= 6, case .header = state, messageOpcode == nil else { return nil }
        let first = input[0]
        let second = input[1]
        // FIN set, no reserved bits, opcode 1 or 2; mask bit set.
        guard first == 0x81 || first == 0x82, second & 0x80 != 0 else { return nil }
        var length = Int(second & 0x7F)
        var headerLength = 6
        if length == 126 {
            guard input.count >= 8 else { return nil }
            length = Int(input[2]) << 8 | Int(input[3])
            headerLength = 8
        } else if length == 127 {
            return nil
        }
        guard length <= maxMessageBytes, input.count - headerLength >= length else { return nil }
        var key: UInt32 = 0
        for index in headerLength - 4..<headerLength { key = key << 8 | UInt32(input[index]) }
        let payload = UnsafeMutableRawBufferPointer(rebasing: input[headerLength..<headerLength + length])
        let ascii = WebSocketMasking.unmaskInPlaceCheckingASCII(payload, key: key)
        let isText = first == 0x81
        if isText && !ascii && !UTF8Validator.isValid(UnsafeRawBufferPointer(payload)) {
            _ = failed(.invalidUTF8Text)
            return nil
        }
        return WholeMessage(payload: UnsafeRawBufferPointer(payload), isText: isText, consumed: headerLength + length)
    }

    // MARK: - Header

    /// Reads a frame header without changing state, so a partial header can be retried.
    private func parseHeader(_ bytes: UnsafeRawBufferPointer) -> HeaderResult {
        guard bytes.count >= 2 else { return .needMore }
        let first = bytes[0]
        let second = bytes[1]
        // Everything checkable from the first two bytes fails before the rest arrives.
        if first & 0x70 != 0 { return .failure(.reservedBitsSet) }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            return .failure(.reservedOpcode(first & 0x0F))
        }
        let fin = first & 0x80 != 0
        let masked = second & 0x80 != 0
        if requireMask && !masked { return .failure(.unmaskedClientFrame) }
        let shortLength = second & 0x7F
        if opcode.isControl {
            if !fin { return .failure(.fragmentedControlFrame) }
            if shortLength > 125 { return .failure(.controlFrameTooLong) }
        } else if opcode == .continuation {
            if messageOpcode == nil { return .failure(.continuationWithoutMessage) }
        } else if messageOpcode != nil {
            return .failure(.messageInterleaved)
        }

        var headerLength = 2
        var length = UInt64(shortLength)
        if shortLength == 126 {
            guard bytes.count >= 4 else { return .needMore }
            length = UInt64(bytes[2]) << 8 | UInt64(bytes[3])
            headerLength = 4
        } else if shortLength == 127 {
            guard bytes.count >= 10 else { return .needMore }
            length = 0
            for index in 2..<10 { length = length << 8 | UInt64(bytes[index]) }
            if length >> 63 != 0 { return .failure(.lengthTopBitSet) }
            headerLength = 10
        }
        // Lenient on non-minimal length forms: RFC 6455 only binds senders to the shortest.

        if !opcode.isControl {
            let sizeSoFar = opcode == .continuation ? message.count : 0
            if length > UInt64(maxMessageBytes - sizeSoFar) {
                return .failure(.messageTooBig(limit: maxMessageBytes))
            }
            let fragments = (opcode == .continuation ? messageFragments : 0) + 1
            if fragments > maxFragmentsPerMessage {
                return .failure(.tooManyFragments(limit: maxFragmentsPerMessage))
            }
        }

        var maskKey: UInt32 = 0
        if masked {
            guard bytes.count >= headerLength + 4 else { return .needMore }
            for index in headerLength..<headerLength + 4 { maskKey = maskKey << 8 | UInt32(bytes[index]) }
            headerLength += 4
        }
        // length <= 125 or <= maxMessageBytes here, so it fits in Int.
        let frame = Frame(opcode: opcode, fin: fin, masked: masked, maskKey: maskKey, remaining: Int(length), offset: 0)
        return .frame(frame, headerLength: headerLength)
    }

    // MARK: - Payload

    /// Appends `chunk` to `target` and unmasks it in place.
    private static func appendUnmasked(_ chunk: UnsafeRawBufferPointer, frame: Frame, to target: inout [UInt8]) {
        guard chunk.count > 0 else { return }
        // Size a new buffer to what has arrived, not to the announced length, so a header
        // alone cannot make the decoder allocate; later appends grow geometrically.
        if target.isEmpty && target.capacity < chunk.count { target.reserveCapacity(chunk.count) }
        let start = target.count
        target.append(contentsOf: chunk)
        guard frame.masked else { return }
        target.withUnsafeMutableBytes { all in
            let region = UnsafeMutableRawBufferPointer(rebasing: all[start...])
            WebSocketMasking.unmask(region, from: UnsafeRawBufferPointer(region), key: frame.maskKey, phase: frame.offset)
        }
    }

    /// Validates the text message's bytes received since the last check; a sequence cut by a
    /// fragment or read boundary waits for its remaining bytes.
    private mutating func validateMessageTail() -> Bool {
        let valid = message.withUnsafeBytes { all in
            UTF8Validator.validPrefixLength(UnsafeRawBufferPointer(rebasing: all[validatedCount...]))
        }
        guard let valid else { return false }
        validatedCount += valid
        return true
    }

    /// Builds an unfragmented message whose payload is all in `payload`: copied into the
    /// spare's storage and unmasked there (`takeWholeMessage` reads the common case in place).
    private mutating func finishSingleFrameMessage(_ payload: UnsafeRawBufferPointer, frame: Frame,
                                                   reusing spare: inout [UInt8]) -> WebSocketEvent {
        var bytes = [UInt8].copy(of: payload, reusing: &spare)
        // Whether the unmasking saw only ASCII, which is valid UTF-8 as it is.
        let ascii = frame.masked && bytes.withUnsafeMutableBytes {
            WebSocketMasking.unmaskInPlaceCheckingASCII($0, key: frame.maskKey)
        }
        messageOpcode = nil
        messageFragments = 0
        if frame.opcode == .text {
            guard ascii || UTF8Validator.isValid(bytes) else { return failed(.invalidUTF8Text) }
            return .text(bytes)
        }
        return .binary(bytes)
    }

    /// Hands out the completed fragmented message and resets for the next.
    private mutating func finishMessage() -> WebSocketEvent {
        let bytes = message
        let opcode = messageOpcode
        message = []
        messageOpcode = nil
        messageFragments = 0
        if opcode == .text {
            guard validatedCount == bytes.count else { return failed(.invalidUTF8Text) }
            return .text(bytes)
        }
        return .binary(bytes)
    }

    private mutating func finishControlFrame(opcode: WebSocketOpcode) -> WebSocketEvent {
        let payload = control
        control = []
        switch opcode {
        case .ping:
            return .ping(payload)
        case .pong:
            return .pong(payload)
        default:
            return finishClose(payload)
        }
    }

    private mutating func finishClose(_ payload: [UInt8]) -> WebSocketEvent {
        if payload.isEmpty {
            state = .closed
            return .close(code: nil, reason: [])
        }
        guard payload.count >= 2 else { return failed(.closePayloadOfOneByte) }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard WebSocketCloseCode.isValidOnWire(code) else { return failed(.closeCodeNotAllowed(code)) }
        let reason = Array(payload[2...])
        guard UTF8Validator.isValid(reason) else { return failed(.invalidUTF8CloseReason) }
        state = .closed
        return .close(code: code, reason: reason)
    }

    // MARK: - Failure

    private mutating func failed(_ failure: WebSocketFailure) -> WebSocketEvent {
        state = .failed(failure)
        message = []
        control = []
        return .failure(failure)
    }

    private mutating func fail(_ failure: WebSocketFailure, _ input: UnsafeRawBufferPointer) -> (event: WebSocketEvent, consumed: Int) {
        (failed(failure), input.count)
    }
}
