import XCTest
@testable import PushCore

final class LatencyHistogramTests: XCTestCase {
    func testObservationsLandInTheirBucketAndSamplesAreCumulative() {
        var histogram = LatencyHistogram(bounds: [0.001, 0.01, 0.1])
        histogram.observe(0.0005)
        histogram.observe(0.001)     // on a bound: that bucket (le is "less or equal")
        histogram.observe(0.05)
        histogram.observe(3)
        XCTAssertEqual(histogram.buckets, [2, 0, 1, 1])
        XCTAssertEqual(histogram.count, 4)
        XCTAssertEqual(histogram.sum, 3.0515, accuracy: 1e-9)
        let samples = histogram.samples(labels: [MetricLabel("loop", "0")])
        XCTAssertEqual(samples.map(\.suffix), ["_bucket", "_bucket", "_bucket", "_bucket", "_sum", "_count"])
        XCTAssertEqual(samples.prefix(4).map(\.value), [2, 2, 3, 4])
        XCTAssertEqual(samples.prefix(4).map { $0.labels.last!.value }, ["0.001", "0.01", "0.1", "+Inf"])
        XCTAssertEqual(samples[0].labels.first, MetricLabel("loop", "0"))
        XCTAssertEqual(samples[5].value, 4)
    }

    func testLoopLagBoundsAscend() {
        let bounds = LatencyHistogram.loopLagBounds
        XCTAssertEqual(bounds, bounds.sorted())
        XCTAssertEqual(LatencyHistogram(bounds: bounds).buckets.count, bounds.count + 1)
    }
}
