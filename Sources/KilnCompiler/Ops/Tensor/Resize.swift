// Resize (opsets 10–19) and Upsample (7–9): nearest, linear and cubic
// interpolation with every coordinate transformation mode, nearest rounding
// mode, antialiasing, exclude_outside, tf_crop_and_resize's region and
// extrapolation value, axes and keep_aspect_ratio_policy. Scales, sizes and
// roi must be compile-time constants (they set the output shape).
//
// Interpolation is separable, so each resized axis becomes its own steps:
// output positions and the input taps and weights they read are known at
// compile time, so an axis is a Gather of each tap (nearest: one Gather,
// exact for every type) times a constant weight vector, summed. Float types
// only; half types interpolate in float32 and round once.

import Foundation

/// How each output position along one axis reads the input.
struct ResizeTaps: Equatable {
    /// indices[o][t]: the input position tap t of output o reads (clamped).
    var indices: [[Int]]
    /// weights[o][t]: its weight.
    var weights: [[Double]]
    /// Outputs whose source lies outside the crop region (tf_crop_and_resize).
    var extrapolated: [Bool]
}

/// The attributes of Resize, with the defaults of the op's opset.
struct ResizeAttributes: Sendable {
    enum Mode: String, Sendable { case nearest, linear, cubic }
    var mode: Mode
    var coordinates: String
    var nearestRounding: String
    var cubicA: Double
    var excludesOutside: Bool
    var extrapolationValue: Float
    var antialias: Bool
    var axes: [Int]?
    var aspectPolicy: String

    static let coordinateModes: Set<String> = [
        "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
        "tf_crop_and_resize",
    ]

    /// The taps of one axis resized from `input` to `output` positions at `scale`.
    func taps(input: Int, output: Int, scale: Double, roi: (start: Double, end: Double)?) -> ResizeTaps {
        let outputWidth = scale * Double(input)
        var coefficients: [[Double]] = []
        var sources: [Double] = []
        var extrapolated: [Bool] = []
        for position in 0..<output {
            let y = Double(position)
            var x: Double
            var outside = false
            switch coordinates {
            case "align_corners": x = outputWidth == 1 ? 0 : y * Double(input - 1) / (outputWidth - 1)
            case "asymmetric": x = y / scale
            case "tf_crop_and_resize":
                let (start, end) = roi ?? (0, 1)
                x = outputWidth == 1 ? (end - start) * Double(input - 1) / 2 : y * (end - start) * Double(input - 1) / (outputWidth - 1)
                x += start * Double(input - 1)
                outside = x < 0 || x > Double(input - 1)
            case "pytorch_half_pixel": x = outputWidth == 1 ? -0.5 : (y + 0.5) / scale - 0.5
            case "half_pixel_symmetric":
                let adjustment = Double(output) / outputWidth
                let offset = Double(input) / 2 * (1 - adjustment)
                x = offset + (y + 0.5) / scale - 0.5
            default: x = (y + 0.5) / scale - 0.5  // half_pixel
            }
            let ratio = x == x.rounded(.down) ? 1 : x - x.rounded(.down)
            coefficients.append(self.coefficients(ratio: ratio, scale: scale))
            sources.append(x)
            extrapolated.append(outside)
        }
        var indices: [[Int]] = []
        for (o, x) in sources.enumerated() {
            // The n inputs nearest x, ties to the smaller index (ONNX's reference).
            let n = coefficients[o].count
            let pad = (n + 1) / 2
            let padded = x + Double(pad)
            let p = padded.rounded(.down)
            let fraction = padded - p
            let offset: Int
            if n % 2 == 0 {
                offset = fraction == 0 ? -(n / 2) : -(n / 2) + 1
            } else {
                offset = fraction <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1
            }
            let start = Int(p) + offset - pad
            let raw = (0..<n).map { start + $0 }
            if excludesOutside {
                var kept = zip(raw, coefficients[o]).map { (0..<input).contains($0) ? $1 : 0 }
                let sum = kept.reduce(0, +)
                if sum != 0 { kept = kept.map { $0 / sum } }
                coefficients[o] = kept
            }
            indices.append(raw.map { min(max($0, 0), input - 1) })
        }
        return ResizeTaps(indices: indices, weights: coefficients, extrapolated: extrapolated)
    }

    /// The weights of the taps around a source at `ratio` ∈ (0, 1] past an input position.
    func coefficients(ratio: Double, scale: Double) -> [Double] {
        switch mode {
        case .nearest:
            if ratio == 1 { return [0, 1] }
            switch nearestRounding {
            case "round_prefer_ceil": return ratio < 0.5 ? [1, 0] : [0, 1]
            case "floor": return [1, 0]
            case "ceil": return [0, 1]
            default: return ratio <= 0.5 ? [1, 0] : [0, 1]  // round_prefer_floor
            }
        case .linear:
            guard antialias else { return [1 - ratio, ratio] }
            let s = min(scale, 1)
            let start = Int((-1 / s).rounded(.down)) + 1
            let weights = (start..<(2 - start)).map { max(0, min(1, 1 - abs((Double($0) - ratio) * s))) }
            let sum = weights.reduce(0, +)
            return weights.map { $0 / sum }
        case .cubic:
            let a = cubicA
            guard antialias else {
                let r = ratio
                return [
                    ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                    ((a + 2) * r - (a + 3)) * r * r + 1,
                    ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
                    ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1) - 4 * a,
                ]
            }
            let s = min(scale, 1)
            func kernel(_ value: Double) -> Double {
                let x = abs(value)
                if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
                if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
                return 0
            }
            let start = Int((-2 / s).rounded(.down)) + 1
            let weights = (start..<(2 - start)).map { kernel(s * (Double($0) - ratio)) }
            let sum = weights.reduce(0, +)
            return weights.map { $0 / sum }
        }
    }
}

/// The resize of one node: per axis, its output size and scale.
struct ResizePlan {
    var outputShape: [Int]
    var scales: [Double]
    /// Per axis, the crop region (tf_crop_and_resize), else nil.
    var regions: [(start: Double, end: Double)?]

    /// Whether `axis` is left as it is.
    func isIdentity(_ axis: Int, input: [Int]) -> Bool {
        let fullRegion = regions[axis].map { abs($0.start) < 1e-9 && abs($0.end - 1) < 1e-9 } ?? true
        return abs(scales[axis] - 1) < 1e-9 && outputShape[axis] == input[axis] && fullRegion
    }

    /// The decomposition of resizing input 0 (float, `dtype`) by this plan.
    func decomposition(_ attributes: ResizeAttributes, input: TensorType, opset: Int) -> Decomposition {
        var b = DecompositionBuilder(opset: opset)
        var x = b.cast(.input(0), from: input.dtype, to: attributes.mode == .nearest ? input.dtype : .float32)
        var shape = input.shape
        for axis in 0..<input.rank where !isIdentity(axis, input: input.shape) {
            let taps = attributes.taps(
                input: shape[axis], output: outputShape[axis], scale: scales[axis], roi: regions[axis])
            var vectorShape = Array(repeating: 1, count: input.rank)
            vectorShape[axis] = outputShape[axis]
            func gather(_ tap: Int) -> Decomposition.Operand {
                let picks = taps.indices.map { Int64($0[tap]) }
                return b.add("Gather", [x, .constant(TensorData(shape: [picks.count], int64s: picks))], ["axis": .int(axis)])
            }
            let tapCount = taps.weights.first?.count ?? 0
            var result: Decomposition.Operand?
            if attributes.mode == .nearest {
                // One tap has weight 1: pick it.
                let picks = zip(taps.indices, taps.weights).map { indices, weights in
                    Int64(indices[weights.firstIndex(of: 1) ?? 0])
                }
                result = b.add("Gather", [x, .constant(TensorData(shape: [picks.count], int64s: picks))], ["axis": .int(axis)])
            } else {
                for tap in 0..<tapCount {
                    let weights = taps.weights.map { Float($0[tap]) }
                    if weights.allSatisfy({ $0 == 0 }) { continue }
                    let term = b.add("Mul", [gather(tap), .constant(TensorData(shape: vectorShape, floats: weights))])
                    result = result.map { b.add("Add", [$0, term]) } ?? term
                }
            }
            var resized = result ?? b.add("Mul", [gather(0), DecompositionBuilder.scalar(0)])
            if taps.extrapolated.contains(true) {
                let mask = TensorData(shape: vectorShape, bools: taps.extrapolated)
                let value = TensorData(
                    dtype: attributes.mode == .nearest ? input.dtype : .float32, shape: [],
                    converting: [Double(attributes.extrapolationValue)])
                resized = b.add("Where", [.constant(mask), .constant(value), resized])
            }
            x = resized
            shape[axis] = outputShape[axis]
        }
        if attributes.mode != .nearest { x = b.cast(x, from: .float32, to: input.dtype) }
        if b.steps.isEmpty { x = b.add("Identity", [x]) }
        return b.finish([x])
    }
}

struct Resize: Operator {
    static let opType = "Resize"
    let attributes: ResizeAttributes
    let opset: Int

    init(_ reader: AttributeReader) throws {
        opset = reader.opset
        let modeName = try reader.string("mode", default: "nearest")
        guard let mode = ResizeAttributes.Mode(rawValue: modeName) else {
            throw reader.error("mode must be nearest, linear or cubic, got '\(modeName)'")
        }
        if opset < 11 {
            // Resize-10: Upsample's asymmetric coordinates, nearest rounding down.
            attributes = ResizeAttributes(
                mode: mode, coordinates: "asymmetric", nearestRounding: "floor", cubicA: -0.75, excludesOutside: false,
                extrapolationValue: 0, antialias: false, axes: nil, aspectPolicy: "stretch")
            return
        }
        let coordinates = try reader.string("coordinate_transformation_mode", default: "half_pixel")
        guard ResizeAttributes.coordinateModes.contains(coordinates) else {
            throw reader.error("unknown coordinate_transformation_mode '\(coordinates)'")
        }
        let rounding = try reader.string("nearest_mode", default: "round_prefer_floor")
        guard ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].contains(rounding) else {
            throw reader.error("unknown nearest_mode '\(rounding)'")
        }
        let policy = try reader.string("keep_aspect_ratio_policy", default: "stretch")
        guard ["stretch", "not_larger", "not_smaller"].contains(policy) else {
            throw reader.error("unknown keep_aspect_ratio_policy '\(policy)'")
        }
        let antialias = try reader.flag("antialias")
        if antialias && mode == .nearest { throw reader.error("antialias needs mode linear or cubic") }
        attributes = ResizeAttributes(
            mode: mode, coordinates: coordinates, nearestRounding: rounding,
            cubicA: Double(try reader.float("cubic_coeff_a", default: -0.75)),
            excludesOutside: try reader.flag("exclude_outside"),
            extrapolationValue: try reader.float("extrapolation_value", default: 0), antialias: antialias,
            axes: try reader.ints("axes"), aspectPolicy: policy)
    }

    func plan(_ inputs: OpInputs) throws -> ResizePlan {
        let x = try inputs.require(0, "input X", in: float32Computed.union([.float64]).union(attributes.mode == .nearest ? integerTypes.union([.bool]) : []))
        let rank = x.rank
        let axes = try (attributes.axes ?? Array(0..<rank)).map { axis -> Int in
            guard let normalized = Shape.normalize(axis: axis, rank: rank) else {
                throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for rank \(rank)")
            }
            return normalized
        }
        // Opset 10: X, scales. From 11: X, roi, scales, sizes (either may be empty).
        let (scalesPosition, sizesPosition, roiPosition) = opset < 11 ? (1, -1, -1) : (2, 3, 1)
        func constant(_ position: Int, _ what: String) throws -> TensorData? {
            guard position >= 0, inputs.has(position) else { return nil }
            let value = try inputs.requireConstant(position, what)
            return value.elementCount == 0 ? nil : value
        }
        var scales = Array(repeating: 1.0, count: rank)
        var output = x.shape
        if let sizes = try constant(sizesPosition, "sizes") {
            let values = sizes.int64s
            guard values.count == axes.count, values.allSatisfy({ $0 >= 0 }) else {
                throw inputs.error(.shapeMismatch, "sizes \(values) must hold one size ≥ 0 per resized axis (\(axes.count))")
            }
            for (axis, size) in zip(axes, values) {
                output[axis] = Int(size)
                scales[axis] = x.shape[axis] == 0 ? 1 : Double(size) / Double(x.shape[axis])
            }
            if attributes.aspectPolicy != "stretch" {
                let chosen = axes.map { scales[$0] }
                let scale = (attributes.aspectPolicy == "not_larger" ? chosen.min() : chosen.max()) ?? 1
                for axis in axes {
                    scales[axis] = scale
                    output[axis] = Int(scale * Double(x.shape[axis]) + 0.5)
                }
            }
        } else if let given = try constant(scalesPosition, "scales") {
            let values = given.doubles
            guard values.count == axes.count, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw inputs.error(.shapeMismatch, "scales \(values) must hold one positive scale per resized axis (\(axes.count))")
            }
            for (axis, scale) in zip(axes, values) {
                scales[axis] = scale
                let size = scale * Double(x.shape[axis])
                guard size < Double(Int32.max) else { throw inputs.error(.shapeMismatch, "scale \(scale) makes axis \(axis) too large") }
                output[axis] = Int(size)
            }
        } else {
            throw inputs.error(.malformedModel, "Resize needs scales or sizes")
        }
        var regions: [(start: Double, end: Double)?] = Array(repeating: nil, count: rank)
        if attributes.coordinates == "tf_crop_and_resize" {
            guard let roi = try constant(roiPosition, "roi") else {
                throw inputs.error(.malformedModel, "tf_crop_and_resize needs roi")
            }
            let values = roi.doubles
            guard values.count == 2 * axes.count else {
                throw inputs.error(.shapeMismatch, "roi holds \(values.count) values; \(2 * axes.count) expected (starts, then ends)")
            }
            for (index, axis) in axes.enumerated() { regions[axis] = (values[index], values[axes.count + index]) }
        }
        guard Shape.checkedElementCount(output) != nil else {
            throw inputs.error(.shapeMismatch, "the resized shape \(output) is too large")
        }
        return ResizePlan(outputShape: output, scales: scales, regions: regions)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [TensorType(try inputs.type(0).dtype, try plan(inputs).outputShape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .decompose(try plan(inputs).decomposition(attributes, input: try inputs.type(0), opset: opset))
    }
}

/// Upsample (deprecated since opset 10): Resize with asymmetric coordinates;
/// scales an attribute (opset 7–8) or an input (9).
struct Upsample: Operator {
    static let opType = "Upsample"
    let attributes: ResizeAttributes
    let attributeScales: [Float]?
    let opset: Int

    init(_ reader: AttributeReader) throws {
        opset = reader.opset
        let modeName = try reader.string("mode", default: "nearest")
        guard modeName == "nearest" || modeName == "linear", let mode = ResizeAttributes.Mode(rawValue: modeName) else {
            throw reader.error("mode must be nearest or linear, got '\(modeName)'")
        }
        attributes = ResizeAttributes(
            mode: mode, coordinates: "asymmetric", nearestRounding: "floor", cubicA: -0.75, excludesOutside: false,
            extrapolationValue: 0, antialias: false, axes: nil, aspectPolicy: "stretch")
        if opset < 9 {
            guard case .floats(let values)? = reader.raw("scales") else {
                throw reader.error("Upsample before opset 9 needs a 'scales' attribute of floats")
            }
            attributeScales = values
        } else {
            attributeScales = nil
        }
    }

    func plan(_ inputs: OpInputs) throws -> ResizePlan {
        let x = try inputs.require(0, "input X", in: float32Computed.union(attributes.mode == .nearest ? integerTypes : []))
        let values = try attributeScales.map { $0.map(Double.init) } ?? inputs.requireConstant(1, "scales").doubles
        guard values.count == x.rank, values.allSatisfy({ $0 >= 1 && $0 < 65536 }) else {
            throw inputs.error(.shapeMismatch, "scales \(values) must hold one scale ≥ 1 per axis of \(x.shape)")
        }
        let output = zip(x.shape, values).map { Int(Double($0) * $1) }
        return ResizePlan(outputShape: output, scales: values, regions: Array(repeating: nil, count: x.rank))
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [TensorType(try inputs.type(0).dtype, try plan(inputs).outputShape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .decompose(try plan(inputs).decomposition(attributes, input: try inputs.type(0), opset: opset))
    }
}
