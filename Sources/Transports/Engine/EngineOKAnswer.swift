import PushCore

/// The whole answer to a POST whose packets were taken ("ok"), made once a second on each
/// loop and shared by every session there that has no CORS headers, as a static file's
/// answer is: a long-polling or SSE client sends one POST per message, and writing its
/// answer's head anew each time cost more than the rest of the answer.
/// Loop-confined: one per loop, used on it alone.
final class EngineOKAnswer {
    @exclusivity(unchecked) private var second = -1
    @exclusivity(unchecked) private var bytes: ByteChunk?
    /// Bytes of the head in `bytes` (the rest is the body).
    @exclusivity(unchecked) private(set) var headByteCount = 0

    /// The answer for responses sent at `date`: status line, the fields every engine answer
    /// of this type has, Content-Length and Date, then the body.
    func bytes(at date: (text: String, second: Int)) -> ByteChunk {
        if let bytes, second == date.second { return bytes }
        var answer: [UInt8] = []
        let fields = EngineSocket.answerFields(of: EngineSocket.textHTML)
            + [("Content-Length", String(EngineSocket.okBody.count)), ("Date", date.text)]
        HTTPResponse.writeHead(status: 200, headers: fields, into: &answer)
        headByteCount = answer.count
        answer += EngineSocket.okBody
        let chunk = ByteChunk.copying(answer)
        bytes = chunk
        second = date.second
        return chunk
    }
}
