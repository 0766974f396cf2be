/// Why a peer's frames broke RFC 6455 or a limit; each case has the close code sent back.
package enum WebSocketFailure: Sendable, Hashable, CustomStringConvertible {
    case reservedBitsSet
    case reservedOpcode(UInt8)
    case unmaskedClientFrame
    case fragmentedControlFrame
    case controlFrameTooLong
    case continuationWithoutMessage
    case messageInterleaved
    case lengthTopBitSet
    case messageTooBig(limit: Int)
    case tooManyFragments(limit: Int)
    case invalidUTF8Text
    case closePayloadOfOneByte
    case closeCodeNotAllowed(UInt16)
    case invalidUTF8CloseReason

    /// The code of the close frame that answers this failure.
    package var closeCode: WebSocketCloseCode {
        switch self {
        case .messageTooBig: .messageTooBig
        case .tooManyFragments: .policyViolation
        case .invalidUTF8Text, .invalidUTF8CloseReason: .invalidPayload
        case .reservedBitsSet, .reservedOpcode, .unmaskedClientFrame, .fragmentedControlFrame, .controlFrameTooLong,
             .continuationWithoutMessage, .messageInterleaved, .lengthTopBitSet, .closePayloadOfOneByte,
             .closeCodeNotAllowed:
            .protocolError
        }
    }

    /// A stable sentence for logs.
    package var description: String {
        switch self {
        case .reservedBitsSet: "reserved bits set without an extension"
        case .reservedOpcode(let opcode): "reserved opcode \(opcode)"
        case .unmaskedClientFrame: "client frame is not masked"
        case .fragmentedControlFrame: "fragmented control frame"
        case .controlFrameTooLong: "control frame payload over 125 bytes"
        case .continuationWithoutMessage: "continuation frame without a message"
        case .messageInterleaved: "new message before the fragmented one ended"
        case .lengthTopBitSet: "64-bit payload length has its top bit set"
        case .messageTooBig(let limit): "message over \(limit) bytes"
        case .tooManyFragments(let limit): "message over \(limit) fragments"
        case .invalidUTF8Text: "text message is not valid UTF-8"
        case .closePayloadOfOneByte: "close payload of one byte"
        case .closeCodeNotAllowed(let code): "close code \(code) not allowed"
        case .invalidUTF8CloseReason: "close reason is not valid UTF-8"
        }
    }
}
