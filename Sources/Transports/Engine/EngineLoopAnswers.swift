import PushCore

/// What the engine's HTTP answers are made of, one set per loop and used by the loop that
/// writes the answer: the fields of its two content types, the "ok" body, and the whole "ok"
/// answer. Every poll and POST takes these arrays, and counting references to one set that
/// all loops share wrote to the same cache lines from every core; each loop counts its own.
/// Loop-confined: one per loop, used on it alone.
final class EngineLoopAnswers {
    /// The fields of a `text/plain` answer (packets, noops).
    let textPlain = PreparedHeaders(EngineSocket.answerFields(of: EngineSocket.textPlain))
    /// The fields of a `text/html` answer ("ok").
    let textHTML = PreparedHeaders(EngineSocket.answerFields(of: EngineSocket.textHTML))
    /// What a POST whose packets were taken is answered with.
    let okBody = EngineLoopAnswers.makeOKBody()

    /// An "ok" body of its own, for an answer made where no loop's set is at hand.
    static func makeOKBody() -> [UInt8] { Array("ok".utf8) }

    @exclusivity(unchecked) private var okSecond = -1
    @exclusivity(unchecked) private var ok: ByteChunk?
    /// Bytes of the head in the "ok" answer (the rest is the body).
    @exclusivity(unchecked) private(set) var okHeadByteCount = 0

    /// An answer's fields: prepared for the two types every session answers with.
    func headers(for contentType: String) -> PreparedHeaders {
        switch contentType {
        case EngineSocket.textPlain: textPlain
        case EngineSocket.textHTML: textHTML
        default: Self.headers(for: contentType)
        }
    }

    /// An answer's fields made for this answer alone.
    static func headers(for contentType: String) -> PreparedHeaders {
        PreparedHeaders(EngineSocket.answerFields(of: contentType))
    }

    /// The whole "ok" answer for responses sent at `date` (status line, the fields, Content-Length
    /// and Date, then the body), made once a second and shared by every session of the loop
    /// that has no CORS headers, as a static file's answer is: a long-polling or SSE client
    /// sends one POST per message, and writing its head anew each time cost more than the rest.
    func ok(at date: (text: String, second: Int)) -> ByteChunk {
        if let ok, okSecond == date.second { return ok }
        var answer: [UInt8] = []
        let fields = EngineSocket.answerFields(of: EngineSocket.textHTML)
            + [("Content-Length", String(okBody.count)), ("Date", date.text)]
        HTTPResponse.writeHead(status: 200, headers: fields, into: &answer)
        okHeadByteCount = answer.count
        answer += okBody
        let chunk = ByteChunk.copying(answer)
        ok = chunk
        okSecond = date.second
        return chunk
    }
}
