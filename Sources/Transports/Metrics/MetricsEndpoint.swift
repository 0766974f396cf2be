import PushCore

/// `GET /metrics`: the Prometheus text exposition of a fresh scrape.
public final class MetricsEndpoint: HTTPEndpoint, @unchecked Sendable {
    public let collector: MetricsCollector

    init(collector: MetricsCollector) {
        self.collector = collector
    }

    public func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        head.method == .get || head.method == .head ? 0 : 64 << 10
    }

    public func handle(_ request: HTTPRequest, _ writer: HTTPResponseWriter) {
        guard request.head.method == .get || request.head.method == .head else {
            writer.respond(status: 405, headers: [("Allow", "GET, HEAD")], body: [])
            return
        }
        collector.collect { families in
            let body = PrometheusTextEncoder.encode(families)
            writer.loop.run {
                writer.respond(status: 200, headers: [("Content-Type", PrometheusTextEncoder.contentType),
                                                      ("Cache-Control", "no-store")], body: body)
            }
        }
    }
}

/// A fixed page served from the binary (the live stats page).
final class EmbeddedPageEndpoint: HTTPEndpoint, @unchecked Sendable {
    private let body: [UInt8]
    private let contentType: String

    init(_ text: String, contentType: String = "text/html; charset=utf-8") {
        body = Array(text.utf8)
        self.contentType = contentType
    }

    func maxBodyBytes(for head: HTTPRequestHead) -> Int { 0 }

    func handle(_ request: HTTPRequest, _ writer: HTTPResponseWriter) {
        guard request.head.method == .get || request.head.method == .head else {
            writer.respond(status: 405, headers: [("Allow", "GET, HEAD")], body: [])
            return
        }
        writer.respond(status: 200, headers: [("Content-Type", contentType), ("Cache-Control", "no-store")], body: body)
    }
}
