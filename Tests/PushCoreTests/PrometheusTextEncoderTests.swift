import XCTest
@testable import PushCore

final class PrometheusTextEncoderTests: XCTestCase {
    private func text(_ families: [MetricFamily]) -> String {
        String(decoding: PrometheusTextEncoder.encode(families), as: UTF8.self)
    }

    func testFamilyWithHelpTypeAndLabelledSamples() {
        let family = MetricFamily(name: "pushd_connections", help: "Open sessions.", type: .gauge, samples: [
            MetricSample(labels: [MetricLabel("transport", "websocket")], 3),
            MetricSample(labels: [MetricLabel("transport", "sse")], 0),
        ])
        XCTAssertEqual(text([family]), """
            # HELP pushd_connections Open sessions.
            # TYPE pushd_connections gauge
            pushd_connections{transport="websocket"} 3
            pushd_connections{transport="sse"} 0

            """)
    }

    func testUnlabelledSampleAndSeveralLabels() {
        XCTAssertEqual(text([.single("pushd_sessions", "Sessions.", .gauge, 7)]),
                       "# HELP pushd_sessions Sessions.\n# TYPE pushd_sessions gauge\npushd_sessions 7\n")
        let family = MetricFamily(name: "x_total", help: "h", type: .counter, samples: [
            MetricSample(labels: [MetricLabel("method", "emit"), MetricLabel("code", "200")], 2),
        ])
        XCTAssertTrue(text([family]).hasSuffix("x_total{method=\"emit\",code=\"200\"} 2\n"))
    }

    func testEscapesLabelValuesAndHelp() {
        let family = MetricFamily(name: "pushd_sockets", help: "back\\slash\nnewline \"quotes\"", type: .gauge, samples: [
            MetricSample(labels: [MetricLabel("namespace", "/a\"b\\c\nd")], 1),
        ])
        let lines = text([family]).split(separator: "\n", omittingEmptySubsequences: false)
        // In HELP only backslash and newline are escaped; in label values quotes too.
        XCTAssertEqual(lines[0], #"# HELP pushd_sockets back\\slash\nnewline "quotes""#)
        XCTAssertEqual(lines[2], #"pushd_sockets{namespace="/a\"b\\c\nd"} 1"#)
    }

    func testValueFormats() {
        XCTAssertEqual(PrometheusTextEncoder.format(0), "0")
        XCTAssertEqual(PrometheusTextEncoder.format(12_345_678), "12345678")
        XCTAssertEqual(PrometheusTextEncoder.format(0.25), "0.25")
        XCTAssertEqual(PrometheusTextEncoder.format(.infinity), "+Inf")
        XCTAssertEqual(PrometheusTextEncoder.format(-.infinity), "-Inf")
        XCTAssertEqual(PrometheusTextEncoder.format(.nan), "NaN")
        XCTAssertEqual(PrometheusTextEncoder.format(1e20), "1e+20")
    }

    func testContentTypeNamesVersion004() {
        XCTAssertTrue(PrometheusTextEncoder.contentType.hasPrefix("text/plain; version=0.0.4"))
    }
}
