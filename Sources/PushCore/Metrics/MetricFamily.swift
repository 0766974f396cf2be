/// What kind of series a family holds, as the exposition format's `# TYPE` line names it.
public enum MetricType: String, Sendable {
    case counter
    case gauge
    case histogram
}

/// One sample line: the family's name plus an optional suffix (`_bucket`, `_sum`, `_count`),
/// labels in order, and a value.
public struct MetricSample: Sendable, Equatable {
    public var suffix: String
    public var labels: [MetricLabel]
    public var value: Double

    public init(suffix: String = "", labels: [MetricLabel] = [], value: Double) {
        self.suffix = suffix
        self.labels = labels
        self.value = value
    }

    public init(labels: [MetricLabel] = [], _ value: Int) {
        self.init(labels: labels, value: Double(value))
    }
}

/// A label name and its value (any text; escaped when encoded).
public struct MetricLabel: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A metric family: its name, help text, type and samples.
public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var help: String
    public var type: MetricType
    public var samples: [MetricSample]

    public init(name: String, help: String, type: MetricType, samples: [MetricSample]) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }

    /// A family with one unlabelled sample.
    public static func single(_ name: String, _ help: String, _ type: MetricType, _ value: Double) -> MetricFamily {
        MetricFamily(name: name, help: help, type: type, samples: [MetricSample(value: value)])
    }
}
