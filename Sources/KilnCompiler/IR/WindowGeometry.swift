// The sliding-window arithmetic Conv and pooling share: kernel size, strides,
// dilations, resolved padding (auto_pad included) and output size.

/// Resolved 2-D window parameters of a Conv, MaxPool or AveragePool node.
public struct WindowGeometry: Sendable, Equatable {
    public var kernel: (h: Int, w: Int)
    public var strides: (h: Int, w: Int)
    public var dilations: (h: Int, w: Int)
    /// Padding before (top, left) and after (bottom, right) each spatial axis.
    public var padBegin: (h: Int, w: Int)
    public var padEnd: (h: Int, w: Int)
    public var input: (h: Int, w: Int)
    public var output: (h: Int, w: Int)

    public static func == (lhs: WindowGeometry, rhs: WindowGeometry) -> Bool {
        lhs.kernel == rhs.kernel && lhs.strides == rhs.strides && lhs.dilations == rhs.dilations
            && lhs.padBegin == rhs.padBegin && lhs.padEnd == rhs.padEnd && lhs.input == rhs.input
            && lhs.output == rhs.output
    }

    /// Resolves the geometry of `node` applied to an NCHW input of spatial
    /// size `input`, with `kernel` from the weights (Conv) or `kernel_shape`.
    public init(
        node: Node, input: (h: Int, w: Int), kernel: (h: Int, w: Int), ceilMode: Bool, location: SourceLocation
    )
        throws
    {
        func pair(_ name: String, default value: Int) throws -> (Int, Int) {
            guard let values = node.ints(name) else { return (value, value) }
            guard values.count == 2, values.allSatisfy({ (1...4096).contains($0) }) else {
                throw CompileError(
                    .invalidAttribute, at: location, "attribute '\(name)' must hold two positive values, got \(values)")
            }
            return (values[0], values[1])
        }
        self.kernel = kernel
        self.input = input
        let strides = try pair("strides", default: 1)
        let dilations = try pair("dilations", default: 1)
        self.strides = (strides.0, strides.1)
        self.dilations = (dilations.0, dilations.1)
        let effective = (h: (kernel.h - 1) * dilations.0 + 1, w: (kernel.w - 1) * dilations.1 + 1)
        let autoPad = node.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET":
            let pads = node.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ (0...4096).contains($0) }) else {
                throw CompileError(
                    .invalidAttribute, at: location, "attribute 'pads' must hold four non-negative values, got \(pads)")
            }
            padBegin = (pads[0], pads[1])
            padEnd = (pads[2], pads[3])
            func size(_ input: Int, _ padBegin: Int, _ pads: Int, _ effective: Int, _ stride: Int) -> Int {
                let span = input + pads - effective
                guard span >= 0 else { return 0 }
                var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
                // As in PyTorch: a last window may not start inside the end padding.
                if ceilMode, (out - 1) * stride >= input + padBegin { out -= 1 }
                return out
            }
            output = (
                size(input.h, pads[0], pads[0] + pads[2], effective.h, strides.0),
                size(input.w, pads[1], pads[1] + pads[3], effective.w, strides.1)
            )
        case "SAME_UPPER", "SAME_LOWER":
            func same(_ input: Int, _ effective: Int, _ stride: Int) -> (Int, Int, Int) {
                let out = (input + stride - 1) / stride
                let total = max(0, (out - 1) * stride + effective - input)
                let small = total / 2
                let large = total - small
                return autoPad == "SAME_UPPER" ? (out, small, large) : (out, large, small)
            }
            let h = same(input.h, effective.h, strides.0)
            let w = same(input.w, effective.w, strides.1)
            output = (h.0, w.0)
            padBegin = (h.1, w.1)
            padEnd = (h.2, w.2)
        case "VALID":
            padBegin = (0, 0)
            padEnd = (0, 0)
            output = (
                (input.h - effective.h) / strides.0 + 1,
                (input.w - effective.w) / strides.1 + 1
            )
        default:
            throw CompileError(.invalidAttribute, at: location, "unknown auto_pad value '\(autoPad)'")
        }
        guard output.h >= 1, output.w >= 1 else {
            throw CompileError(
                .shapeMismatch, at: location,
                "the \(kernel.h)×\(kernel.w) window does not fit the \(input.h)×\(input.w) input with this padding")
        }
    }

    /// Output positions `o` along one axis for which input index
    /// `o * stride + k * dilation - padBegin` lies inside [0, size).
    public static func validRange(size: Int, outputs: Int, stride: Int, offset: Int) -> Range<Int> {
        // Smallest o with o*stride + offset >= 0, largest with o*stride + offset < size.
        let lower = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let upperInclusive = size - 1 - offset < 0 ? -1 : (size - 1 - offset) / stride
        let upper = min(outputs, upperInclusive + 1)
        return lower < upper ? lower..<upper : 0..<0
    }
}
