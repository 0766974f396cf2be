import PushCore

/// One request to a backend: always a complete body (hooks send JSON), never streamed.
package struct HTTPClientRequest: Sendable {
    package var url: HTTPClientURL
    package var method: String
    /// Extra header fields (Host, Content-Length and Connection are written by the client).
    package var headers: [(String, String)]
    package var body: [UInt8]
    /// Time for the whole exchange in milliseconds (nil: the client's default).
    package var timeout: Int64?

    package init(url: HTTPClientURL, method: String = "POST", headers: [(String, String)] = [], body: [UInt8] = [],
                timeout: Int64? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The request as bytes on the wire, head and body in one chunk.
    func encoded() -> ByteChunk {
        var head = "\(method) \(url.path) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: body)
        return ByteChunk.copying(bytes)
    }
}

/// A backend's complete answer.
package struct HTTPClientResponse: Sendable {
    package var head: HTTPResponseHead
    package var body: [UInt8]

    package var status: Int { head.status }
    /// Whether the status is 2xx.
    package var isSuccess: Bool { (200..<300).contains(head.status) }
}

/// What a request's caller gets, once, on the loop it asked from.
package typealias HTTPClientCompletion = (Result<HTTPClientResponse, HTTPClientError>) -> Void

/// A request on its way: where it is due, and who waits for it.
final class HTTPClientExchange {
    let request: HTTPClientRequest
    let wire: ByteChunk
    let deadline: Int64
    let completion: HTTPClientCompletion
    /// Tries on a reused connection that closed before answering: retried once on a fresh one.
    var attempts = 0
    var isDone = false

    init(request: HTTPClientRequest, deadline: Int64, completion: @escaping HTTPClientCompletion) {
        self.request = request
        self.wire = request.encoded()
        self.deadline = deadline
        self.completion = completion
    }

    func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        guard !isDone else { return }
        isDone = true
        completion(result)
    }
}
