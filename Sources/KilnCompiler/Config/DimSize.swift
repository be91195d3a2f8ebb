// What a config says about one symbolic dimension: a size fixed at build
// time, or a bound the dimension may vary up to from call to call.

/// The size a config gives a symbolic dimension (`dims` in `<model>.kiln.json`).
///
/// `{"dims": {"batch": 8}}` fixes it; `{"dims": {"batch": {"max": 32}}}`
/// compiles once for 32 and lets each call choose 1 … 32.
public enum DimSize: Sendable, Equatable, Decodable, ExpressibleByIntegerLiteral {
    case fixed(Int)
    case bounded(max: Int)

    /// The largest bound a config may give: tile counts scale with it in 32 bits.
    public static let largestBound = 1 << 20

    public init(integerLiteral value: Int) { self = .fixed(value) }

    /// The size the model is compiled for: the fixed size or the bound.
    public var compiledSize: Int {
        switch self {
        case .fixed(let size): size
        case .bounded(let bound): bound
        }
    }

    private enum Keys: String, CodingKey, CaseIterable { case max }

    public init(from decoder: any Decoder) throws {
        if let size = try? decoder.singleValueContainer().decode(Int.self) {
            self = .fixed(size)
            return
        }
        guard let container = try? decoder.container(keyedBy: AnyKey.self) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected a size or {\"max\": bound}"))
        }
        if let other = container.allKeys.first(where: { Keys(rawValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [other],
                    debugDescription: "unknown key \"\(other.stringValue)\"; a bounded dim takes only \"max\""))
        }
        guard let bound = try container.decodeIfPresent(Int.self, forKey: AnyKey("max")) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a bounded dim needs \"max\": its largest size"))
        }
        self = .bounded(max: bound)
    }

    /// Any JSON object key, so unknown ones can be named in errors.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
