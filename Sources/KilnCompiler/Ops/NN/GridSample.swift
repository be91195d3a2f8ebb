// GridSample (opset 16/20/22): X sampled at the normalised positions a grid
// holds, by nearest, (multi)linear or cubic interpolation, with zeros,
// border or reflection padding, over 2-D or 3-D images. Every axis is
// independent: its grid component is unnormalised, padded, and split into
// taps (one, two or four indices with weights); each combination of taps is
// one GatherElements of the flattened image, weighted and summed. This
// follows ONNX's reference step by step (rounding half to even for nearest,
// Keys' cubic with a = −0.75, reflection about the pixel-edge or -centre
// borders), computed in float32.

struct GridSample: Operator {
    static let opType = "GridSample"
    enum Mode: Sendable { case nearest, linear, cubic }
    enum Padding: String, Sendable { case zeros, border, reflection }
    let mode: Mode
    let padding: Padding
    let alignCorners: Bool
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        switch try attributes.string("mode", default: attributes.opset >= 20 ? "linear" : "bilinear") {
        case "nearest": mode = .nearest
        case "linear", "bilinear": mode = .linear
        case "cubic", "bicubic": mode = .cubic
        case let other: throw attributes.error("mode must be nearest, linear or cubic, got '\(other)'")
        }
        let padding = try attributes.string("padding_mode", default: "zeros")
        guard let parsed = Padding(rawValue: padding) else {
            throw attributes.error("padding_mode must be zeros, border or reflection, got '\(padding)'")
        }
        self.padding = parsed
        alignCorners = try attributes.flag("align_corners")
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "X", in: float32Computed)
        let grid = try inputs.require(1, "grid", in: float32Computed)
        let spatial = x.rank - 2
        guard spatial == 2 || spatial == 3, grid.rank == x.rank, grid.shape[0] == x.shape[0], grid.shape.last == spatial
        else {
            throw inputs.error(
                .shapeMismatch, "X \(x.shape) must be [N, C, H, W] or [N, C, D, H, W] and grid \(grid.shape) [N, out…, \(spatial)]")
        }
        return [TensorType(x.dtype, [x.shape[0], x.shape[1]] + Array(grid.shape[1..<(grid.rank - 1)]))]
    }

    /// One tap along an axis: the index it reads (a float holding an integer
    /// already inside the axis), its weight, and whether it lies inside (zeros padding).
    struct Tap {
        var index: Decomposition.Operand
        var weight: Decomposition.Operand?
        var inside: Decomposition.Operand?
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let output = try inferTypes(inputs)[0]
        let sizes = Array(x.shape[2...])
        let (batch, channels) = (x.shape[0], x.shape[1])
        let positions = output.shape[2...].reduce(1, *)
        let pixels = sizes.reduce(1, *)
        var b = DecompositionBuilder(opset: max(opset, 13))
        func k(_ value: Float) -> Decomposition.Operand { DecompositionBuilder.scalar(value) }
        let grid = b.reshape(b.cast(.input(1), from: try inputs.type(1).dtype, to: .float32), [batch, positions, sizes.count])

        var axes: [[Tap]] = []
        for (axis, size) in sizes.enumerated() {
            // The grid lists x (the last axis) first.
            let component = sizes.count - 1 - axis
            let g = b.reshape(
                b.add("Slice", [grid, .int64s([component]), .int64s([component + 1]), .int64s([2])]), [batch, 1, positions])
            let length = Float(size)
            var p =
                alignCorners
                ? b.add("Mul", [b.add("Add", [g, k(1)]), k((length - 1) / 2)])
                : b.add("Mul", [b.add("Sub", [b.add("Mul", [b.add("Add", [g, k(1)]), k(length)]), k(1)]), k(0.5)])
            if mode == .nearest { p = b.add("Round", [p]) }
            let (low, high): (Float, Float) = alignCorners ? (0, length - 1) : (-0.5, length - 0.5)
            let outside = b.add("Or", [b.add("Less", [p, k(low)]), b.add("Greater", [p, k(high)])])
            switch padding {
            case .zeros: break
            case .border: p = b.add("Where", [outside, clip(p, 0, length - 1, &b), p])
            case .reflection: p = b.add("Where", [outside, reflect(p, low, high, &b), p])
            }
            var taps: [Tap] = []
            switch mode {
            case .nearest:
                taps = [Tap(index: p, weight: nil)]
            case .linear:
                let base = b.add("Floor", [p])
                let f = b.add("Sub", [p, base])
                taps = [
                    Tap(index: base, weight: b.add("Sub", [k(1), f])),
                    Tap(index: b.add("Add", [base, k(1)]), weight: f),
                ]
            case .cubic:
                let base = b.add("Floor", [p])
                let f = b.add("Sub", [p, base])
                taps = (0..<4).map { tap in
                    Tap(index: b.add("Add", [base, k(Float(tap - 1))]), weight: cubicWeight(tap, f, &b))
                }
            }
            axes.append(taps.map { tap in
                var tap = tap
                switch padding {
                case .zeros:
                    tap.inside = b.add("And", [
                        b.add("GreaterOrEqual", [tap.index, k(0)]), b.add("LessOrEqual", [tap.index, k(length - 1)]),
                    ])
                    tap.index = clip(tap.index, 0, length - 1, &b)
                case .border: tap.index = clip(tap.index, 0, length - 1, &b)
                case .reflection: tap.index = b.add("Floor", [clip(reflect(tap.index, low, high, &b), 0, length - 1, &b)])
                }
                return tap
            })
        }

        let image = b.reshape(b.cast(.input(0), from: x.dtype, to: .float32), [batch, channels, pixels])
        let strides = Shape.strides(of: sizes)
        var sum: Decomposition.Operand?
        var combination = Array(repeating: 0, count: sizes.count)
        while true {
            let taps = combination.enumerated().map { axes[$0][$1] }
            var flat = b.add("Mul", [taps[0].index, k(Float(strides[0]))])
            for axis in 1..<taps.count { flat = b.add("Add", [flat, b.add("Mul", [taps[axis].index, k(Float(strides[axis]))])]) }
            let indices = b.add(
                "Expand", [b.cast(flat, from: .float32, to: .int64), .int64s([batch, channels, positions])])
            var term = b.add("GatherElements", [image, indices], ["axis": .int(2)])
            let inside = taps.compactMap(\.inside).reduce(nil as Decomposition.Operand?) { all, next in
                all.map { b.add("And", [$0, next]) } ?? next
            }
            if let inside { term = b.add("Where", [inside, term, k(0)]) }
            for weight in taps.compactMap(\.weight) { term = b.add("Mul", [term, weight]) }
            sum = sum.map { b.add("Add", [$0, term]) } ?? term
            // Next combination, the last axis fastest.
            var axis = sizes.count - 1
            while axis >= 0 {
                combination[axis] += 1
                if combination[axis] < axes[axis].count { break }
                combination[axis] = 0
                axis -= 1
            }
            if axis < 0 { break }
        }
        guard let sum else { preconditionFailure("every axis has a tap") }
        let result = b.cast(b.reshape(sum, output.shape), from: .float32, to: x.dtype)
        return .decompose(b.finish([result]))
    }

    private func clip(
        _ value: Decomposition.Operand, _ low: Float, _ high: Float, _ b: inout DecompositionBuilder
    ) -> Decomposition.Operand {
        b.add("Min", [b.add("Max", [value, DecompositionBuilder.scalar(low)]), DecompositionBuilder.scalar(high)])
    }

    /// `value` reflected about the borders until inside [low, high] (values inside stay).
    private func reflect(
        _ value: Decomposition.Operand, _ low: Float, _ high: Float, _ b: inout DecompositionBuilder
    ) -> Decomposition.Operand {
        func k(_ value: Float) -> Decomposition.Operand { DecompositionBuilder.scalar(value) }
        let below = b.add("Less", [value, k(low)])
        let distance = b.add("Where", [below, b.add("Sub", [k(low), value]), b.add("Sub", [value, k(high)])])
        let span = high - low
        let flips = b.add("Floor", [b.add("Div", [distance, k(span)])])
        let rest = b.add("Sub", [distance, b.add("Mul", [flips, k(span)])])
        let odd = b.add("Equal", [b.add("Mod", [flips, k(2)], ["fmod": .int(1)]), k(1)])
        let reflected = b.add("Where", [
            b.add("Xor", [below, odd]), b.add("Add", [k(low), rest]), b.add("Sub", [k(high), rest]),
        ])
        let inside = b.add("And", [b.add("GreaterOrEqual", [value, k(low)]), b.add("LessOrEqual", [value, k(high)])])
        return b.add("Where", [inside, value, reflected])
    }

    /// Keys' cubic convolution weight (a = −0.75) of tap 0…3 at fraction `f`.
    private func cubicWeight(_ tap: Int, _ f: Decomposition.Operand, _ b: inout DecompositionBuilder) -> Decomposition.Operand {
        func k(_ value: Float) -> Decomposition.Operand { DecompositionBuilder.scalar(value) }
        let a: Float = -0.75
        // Distance from the tap: 1 + f, f, 1 − f, 2 − f.
        let d: Decomposition.Operand =
            switch tap {
            case 0: b.add("Add", [f, k(1)])
            case 1: f
            case 2: b.add("Sub", [k(1), f])
            default: b.add("Sub", [k(2), f])
            }
        if tap == 1 || tap == 2 {
            // ((a + 2)d − (a + 3))d² + 1
            let inner = b.add("Sub", [b.add("Mul", [d, k(a + 2)]), k(a + 3)])
            return b.add("Add", [b.add("Mul", [inner, b.add("Mul", [d, d])]), k(1)])
        }
        // ((a·d − 5a)d + 8a)d − 4a
        let first = b.add("Sub", [b.add("Mul", [d, k(a)]), k(5 * a)])
        let second = b.add("Add", [b.add("Mul", [first, d]), k(8 * a)])
        return b.add("Sub", [b.add("Mul", [second, d]), k(4 * a)])
    }
}
