import XCTest
@testable import PushCore

final class MetricsReportTests: XCTestCase {
    private func family(_ families: [MetricFamily], _ name: String) -> MetricFamily? {
        families.first { $0.name == name }
    }

    private func value(_ family: MetricFamily?, _ label: String, _ labelValue: String) -> Double? {
        family?.samples.first { $0.labels.contains(MetricLabel(label, labelValue)) }?.value
    }

    func testLoopsAreSummedPerTransportAndReason() {
        var first = LoopCounters()
        first.messagesReceived[.websocket] = 5
        first.messagesSent[.longPolling] = 2
        first.bytesReceived = 100
        first.dropped[.volatile] = 1
        first.connections[.sse] = 2
        first.httpResponses.record(200)
        var second = LoopCounters()
        second.messagesReceived[.websocket] = 7
        second.messagesSent[.polling] = 1
        second.bytesReceived = 20
        second.dropped[.slowConsumer] = 3
        second.connections[.sse] = 1
        second.httpResponses.record(200)
        second.httpResponses.record(403)
        second.upgradeCompleted(from: .longPolling)
        var snapshot = MetricsSnapshot()
        snapshot.add(loop: 0, counters: first, lag: nil, sockets: ["/": 2, "/chat": 1])
        snapshot.add(loop: 1, counters: second, lag: nil, sockets: ["/": 1])
        snapshot.sessions = 4
        let families = MetricsReport.families(snapshot)
        XCTAssertEqual(value(family(families, "pushd_messages_received_total"), "transport", "websocket"), 12)
        XCTAssertEqual(value(family(families, "pushd_messages_sent_total"), "transport", "polling"), 2)
        XCTAssertEqual(value(family(families, "pushd_messages_sent_total"), "transport", "short-polling"), 1)
        XCTAssertEqual(family(families, "pushd_bytes_received_total")?.samples.first?.value, 120)
        XCTAssertEqual(value(family(families, "pushd_dropped_total"), "reason", "volatile"), 1)
        XCTAssertEqual(value(family(families, "pushd_dropped_total"), "reason", "slow_consumer"), 3)
        XCTAssertEqual(value(family(families, "pushd_dropped_total"), "reason", "memory_budget"), 0)
        XCTAssertEqual(value(family(families, "pushd_connections"), "transport", "sse"), 3)
        // The upgrade moved one session from long-polling to WebSocket.
        XCTAssertEqual(value(family(families, "pushd_connections"), "transport", "polling"), -1)
        XCTAssertEqual(value(family(families, "pushd_connections"), "transport", "websocket"), 1)
        XCTAssertEqual(value(family(families, "pushd_upgrades_total"), "from", "polling"), 1)
        XCTAssertEqual(value(family(families, "pushd_http_requests_total"), "code", "200"), 2)
        XCTAssertEqual(value(family(families, "pushd_http_requests_total"), "code", "403"), 1)
        XCTAssertNil(value(family(families, "pushd_http_requests_total"), "code", "404"))
        XCTAssertEqual(value(family(families, "pushd_sockets"), "namespace", "/"), 3)
        XCTAssertEqual(value(family(families, "pushd_sockets"), "namespace", "/chat"), 1)
        XCTAssertEqual(family(families, "pushd_sessions")?.samples.first?.value, 4)
        XCTAssertNil(family(families, "pushd_event_loop_lag_seconds"), "no probe, no histogram")
    }

    func testLagHistogramPerLoopInLoopOrder() {
        var late = LatencyHistogram(bounds: [0.01])
        late.observe(0.5)
        var quick = LatencyHistogram(bounds: [0.01])
        quick.observe(0.001)
        var snapshot = MetricsSnapshot()
        // Loops answer in any order; the output is by loop index.
        snapshot.add(loop: 1, counters: LoopCounters(), lag: late, sockets: [:])
        snapshot.add(loop: 0, counters: LoopCounters(), lag: quick, sockets: [:])
        let lag = family(MetricsReport.families(snapshot), "pushd_event_loop_lag_seconds")
        XCTAssertEqual(lag?.type, .histogram)
        let buckets = lag?.samples.filter { $0.suffix == "_bucket" && $0.labels.contains(MetricLabel("le", "0.01")) }
        XCTAssertEqual(buckets?.map { $0.labels[0].value }, ["0", "1"])
        XCTAssertEqual(buckets?.map(\.value), [1, 0])
    }

    func testRootNamespaceAlwaysListed() {
        let sockets = family(MetricsReport.families(MetricsSnapshot()), "pushd_sockets")
        XCTAssertEqual(sockets?.samples, [MetricSample(labels: [MetricLabel("namespace", "/")], 0)])
    }

    func testTransportLabelsAreSocketIONames() {
        XCTAssertEqual(TransportCounts().samples(label: "transport").map { $0.labels[0].value },
                       ["websocket", "sse", "polling", "short-polling"])
        XCTAssertEqual(DropReason.allCases.map(\.description), ["volatile", "slow_consumer", "rate_limit", "memory_budget"])
    }

    func testStatusCountsIgnoreCodesOutOfRange() {
        var counts = HTTPStatusCounts()
        counts.record(99)
        counts.record(600)
        counts.record(101)
        XCTAssertEqual(counts.nonZero.map(\.status), [101])
    }
}
