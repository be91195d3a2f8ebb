// HannWindow, HammingWindow and BlackmanWindow (opset 17): the cosine-sum
// window a₀ − a₁·cos(2πn/N) + a₂·cos(4πn/N) of `size` points, N = size when
// periodic (the default) and size − 1 when symmetric. The size fixes the
// output shape, so it must be a compile-time constant and the window is
// computed (in float64) at compile time.

import Foundation

/// The shared definition: each op is its coefficients.
protocol SignalWindow: Operator {
    static var coefficients: (a0: Double, a1: Double, a2: Double) { get }
    var parsed: SignalWindowAttributes { get }
    init(parsed: SignalWindowAttributes)
}

/// The attributes the three ops share.
struct SignalWindowAttributes: Sendable {
    let periodic: Bool
    let outputType: DType

    init(_ attributes: AttributeReader) throws {
        periodic = try attributes.flag("periodic", default: true)
        let code = try attributes.int("output_datatype", default: DType.float32.rawValue)
        guard let dtype = DType(rawValue: code), dtype.isFloatingPoint || dtype.isInteger else {
            throw attributes.error("output_datatype \(DTypeName.name(of: code)) is not a numeric type Kiln supports")
        }
        outputType = dtype
    }
}

extension SignalWindow {
    init(_ attributes: AttributeReader) throws { self.init(parsed: try SignalWindowAttributes(attributes)) }
    var periodic: Bool { parsed.periodic }
    var outputType: DType { parsed.outputType }

    func size(_ inputs: OpInputs) throws -> Int {
        let size = try inputs.requireConstant(0, "size")
        guard size.dtype.isInteger, size.elementCount == 1, let value = size.int64s.first else {
            throw inputs.error(.shapeMismatch, "size must be one integer, got \(size.type)")
        }
        guard value >= 0, value <= ConstantBudget.maxBytes / 8 else {
            throw inputs.error(.invalidAttribute, "size must be in 0...\(ConstantBudget.maxBytes / 8), got \(value)")
        }
        return Int(value)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [TensorType(outputType, [try size(inputs)])] }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        let count = try size(inputs)
        let period = Double(periodic ? count : count - 1)
        let (a0, a1, a2) = Self.coefficients
        let values = (0..<count).map { n -> Double in
            let angle = 2 * Double.pi * Double(n) / period
            return a0 - a1 * cos(angle) + a2 * cos(2 * angle)
        }
        return [TensorData(dtype: outputType, shape: [count], converting: values)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { try constantOnly(inputs) }
}

struct HannWindow: SignalWindow {
    static let opType = "HannWindow"
    static let coefficients = (a0: 0.5, a1: 0.5, a2: 0.0)
    let parsed: SignalWindowAttributes
}

struct HammingWindow: SignalWindow {
    static let opType = "HammingWindow"
    static let coefficients = (a0: 25.0 / 46.0, a1: 21.0 / 46.0, a2: 0.0)
    let parsed: SignalWindowAttributes
}

struct BlackmanWindow: SignalWindow {
    static let opType = "BlackmanWindow"
    static let coefficients = (a0: 0.42, a1: 0.5, a2: 0.08)
    let parsed: SignalWindowAttributes
}
