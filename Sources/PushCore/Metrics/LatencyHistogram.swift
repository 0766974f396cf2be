/// A histogram of durations in seconds with fixed bucket bounds: counts per bucket (not
/// cumulative, so two histograms add bucket by bucket), the sum and the count.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, ascending; a last `+Inf` bucket is implied.
    public let bounds: [Double]
    /// Observations per bucket; one more than `bounds` (the `+Inf` bucket).
    public private(set) var buckets: [Int]
    public private(set) var sum: Double = 0
    public private(set) var count = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        buckets = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Bounds for event loop lag: from a millisecond to five seconds.
    public static let loopLagBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    /// Counts one duration.
    public mutating func observe(_ seconds: Double) {
        var index = 0
        while index < bounds.count && seconds > bounds[index] { index += 1 }
        buckets[index] += 1
        sum += seconds
        count += 1
    }

    /// The histogram's samples (`_bucket` cumulative with `le`, `_sum`, `_count`), each with
    /// `labels` first.
    public func samples(labels: [MetricLabel] = []) -> [MetricSample] {
        var samples: [MetricSample] = []
        samples.reserveCapacity(buckets.count + 2)
        var cumulative = 0
        for (index, observed) in buckets.enumerated() {
            cumulative += observed
            let bound = index < bounds.count ? PrometheusTextEncoder.format(bounds[index]) : "+Inf"
            samples.append(MetricSample(suffix: "_bucket", labels: labels + [MetricLabel("le", bound)], value: Double(cumulative)))
        }
        samples.append(MetricSample(suffix: "_sum", labels: labels, value: sum))
        samples.append(MetricSample(suffix: "_count", labels: labels, value: Double(count)))
        return samples
    }
}
