// The sliding-window arithmetic convolution and pooling share: kernel size,
// strides, dilations, resolved padding and output size.

/// Resolved 2-D window parameters of a convolution or pooling.
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

    /// How a window's padding is chosen.
    public enum Padding: Sendable, Equatable {
        /// Explicit padding: [top, left, bottom, right].
        case explicit([Int])
        /// Pad so that output = ⌈input / stride⌉, the odd extra at the end.
        case sameUpper
        /// As `sameUpper`, the odd extra at the beginning.
        case sameLower
        /// No padding.
        case valid
    }

    /// Resolves the geometry of a window of `kernel` sliding over an input of
    /// spatial size `input`; `location` names the node in errors.
    public init(
        input: (h: Int, w: Int), kernel: (h: Int, w: Int), strides: (h: Int, w: Int), dilations: (h: Int, w: Int),
        padding: Padding, ceilMode: Bool, location: SourceLocation
    ) throws {
        self.kernel = kernel
        self.input = input
        self.strides = strides
        self.dilations = dilations
        let effective = (h: (kernel.h - 1) * dilations.h + 1, w: (kernel.w - 1) * dilations.w + 1)
        switch padding {
        case .explicit(let pads):
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
                size(input.h, pads[0], pads[0] + pads[2], effective.h, strides.h),
                size(input.w, pads[1], pads[1] + pads[3], effective.w, strides.w)
            )
        case .sameUpper, .sameLower:
            func same(_ input: Int, _ effective: Int, _ stride: Int) -> (Int, Int, Int) {
                let out = (input + stride - 1) / stride
                let total = max(0, (out - 1) * stride + effective - input)
                let small = total / 2
                let large = total - small
                return padding == .sameUpper ? (out, small, large) : (out, large, small)
            }
            let h = same(input.h, effective.h, strides.h)
            let w = same(input.w, effective.w, strides.w)
            output = (h.0, w.0)
            padBegin = (h.1, w.1)
            padEnd = (h.2, w.2)
        case .valid:
            padBegin = (0, 0)
            padEnd = (0, 0)
            output = (
                input.h >= effective.h ? (input.h - effective.h) / strides.h + 1 : 0,
                input.w >= effective.w ? (input.w - effective.w) / strides.w + 1 : 0
            )
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
