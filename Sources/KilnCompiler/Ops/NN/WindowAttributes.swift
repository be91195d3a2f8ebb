// The window attributes Conv, MaxPool and AveragePool share: strides,
// dilations, pads and auto_pad, parsed and range-checked once.

/// Parsed window attributes, resolved into a ``WindowGeometry`` once the
/// input size is known. 1-D windows (over [N, C, L]) are held as 2-D ones
/// with a unit first axis: ops run them as 2-D over [N, C, 1, L]. 3-D
/// windows (over [N, C, D, H, W]) keep their (H, W) part here and their D
/// part in ``depth``: pooling runs them as a pass over (H, W), then over D.
struct WindowAttributes: Sendable {
    /// The window along D of a 3-D window.
    struct Depth: Sendable {
        var kernel: Int?
        var stride = 1
        var dilation = 1
        /// Explicit pads before and after along D (none with auto_pad).
        var pads: (begin: Int, end: Int)?
    }

    var kernelShape: [Int]?
    var strides: (h: Int, w: Int)
    var dilations: (h: Int, w: Int)
    var padding: WindowGeometry.Padding
    /// Set for 3-D windows only.
    var depth: Depth?
    var ceilMode: Bool
    /// How many spatial axes the attributes that were given describe (nil: none given).
    var spatialRank: Int?
    /// `auto_pad` as written, and which attributes the op takes, for rewriting the node as 2-D.
    private var autoPad: String
    private var allowsDilations: Bool
    private var allowsCeilMode: Bool

    /// `padsBelowKernel`: pooling refuses a pad as large as the kernel.
    init(
        _ attributes: AttributeReader, allowsDilations: Bool = true, allowsCeilMode: Bool = false,
        padsBelowKernel: Bool = false
    ) throws {
        var spatialRank: Int?
        func note(_ rank: Int, _ name: String) throws {
            guard spatialRank == nil || spatialRank == rank else {
                throw attributes.error("attribute '\(name)' describes \(rank) spatial axes, the others \(spatialRank ?? 0)")
            }
            spatialRank = rank
        }
        var depth = Depth()
        /// One value per spatial axis: the last two returned, a third's first one kept in `depth`.
        func pair(_ name: String, into depthValue: WritableKeyPath<Depth, Int>) throws -> (h: Int, w: Int) {
            guard let values = try attributes.ints(name) else { return (1, 1) }
            guard (1...3).contains(values.count), values.allSatisfy({ (1...4096).contains($0) }) else {
                throw attributes.error("attribute '\(name)' must hold one to three values in 1...4096, got \(values)")
            }
            try note(values.count, name)
            if values.count == 3 { depth[keyPath: depthValue] = values[0] }
            return values.count == 1 ? (1, values[0]) : (values[values.count - 2], values[values.count - 1])
        }
        if let kernel = try attributes.ints("kernel_shape") {
            guard (1...3).contains(kernel.count), kernel.allSatisfy({ (1...4096).contains($0) }) else {
                throw attributes.error("kernel_shape must hold one to three values in 1...4096, got \(kernel)")
            }
            try note(kernel.count, "kernel_shape")
            if kernel.count == 3 { depth.kernel = kernel[0] }
            kernelShape = kernel.count == 1 ? [1, kernel[0]] : Array(kernel.suffix(2))
        }
        strides = try pair("strides", into: \.stride)
        dilations = allowsDilations ? try pair("dilations", into: \.dilation) : (1, 1)
        ceilMode = allowsCeilMode ? try attributes.flag("ceil_mode") : false
        autoPad = try attributes.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET":
            let pads = try attributes.ints("pads") ?? Array(repeating: 0, count: 2 * max(2, spatialRank ?? 2))
            guard [2, 4, 6].contains(pads.count), pads.allSatisfy({ (0...4096).contains($0) }) else {
                throw attributes.error("attribute 'pads' must hold two, four or six values in 0...4096, got \(pads)")
            }
            if try attributes.ints("pads") != nil { try note(pads.count / 2, "pads") }
            switch pads.count {
            case 2: padding = .explicit([0, pads[0], 0, pads[1]])
            case 4: padding = .explicit(pads)
            default:
                depth.pads = (pads[0], pads[3])
                padding = .explicit([pads[1], pads[2], pads[4], pads[5]])
            }
        case "SAME_UPPER": padding = .sameUpper
        case "SAME_LOWER": padding = .sameLower
        case "VALID": padding = .valid
        default: throw attributes.error("unknown auto_pad value '\(autoPad)'")
        }
        if padsBelowKernel, let kernel = try attributes.ints("kernel_shape"), let pads = try attributes.ints("pads"),
            pads.count == 2 * kernel.count
        {
            // A pooling window that can lie wholly in the padding has no
            // defined value (ONNX Runtime refuses it too).
            for (axis, size) in kernel.enumerated() where max(pads[axis], pads[axis + kernel.count]) >= size {
                throw attributes.error(
                    "pads \(pads) reach the kernel size \(kernel) on spatial axis \(axis); a pooling window must "
                        + "always overlap the input, so each pad must be smaller than the kernel")
            }
        }
        self.spatialRank = spatialRank
        self.depth = spatialRank == 3 ? depth : nil
        self.allowsDilations = allowsDilations
        self.allowsCeilMode = allowsCeilMode
    }

    /// Whether an input of `rank` runs as a 1-D window, checked against the attributes.
    func isOneDimensional(_ x: TensorType, _ inputs: OpInputs) throws -> Bool {
        guard x.rank == 3 || x.rank == 4 else {
            throw inputs.error(
                .unsupportedFeature, "input \(x.shape) has \(x.rank - 2) spatial axes; Kiln supports 1-D to 3-D windows")
        }
        if let spatialRank, spatialRank != x.rank - 2 {
            throw inputs.error(.shapeMismatch, "the window attributes describe \(spatialRank) spatial axes; the input \(x.shape) has \(x.rank - 2)")
        }
        return x.rank == 3
    }

    /// The attributes of the same window written for 2-D (a 1-D window lifted).
    var twoDimensionalAttributes: [String: Attribute] {
        var attributes: [String: Attribute] = ["strides": .ints([strides.h, strides.w]), "auto_pad": .string(autoPad)]
        if allowsDilations { attributes["dilations"] = .ints([dilations.h, dilations.w]) }
        if let kernelShape { attributes["kernel_shape"] = .ints(kernelShape) }
        if case .explicit(let pads) = padding { attributes["pads"] = .ints(pads) }
        if allowsCeilMode { attributes["ceil_mode"] = .int(ceilMode ? 1 : 0) }
        return attributes
    }

    /// The D part of a 3-D window written as a 2-D window over (D, 1), for
    /// the pass over D of [N, C, D, H·W]; nil for other windows.
    var depthAttributes: [String: Attribute]? {
        guard let depth else { return nil }
        var attributes: [String: Attribute] = ["strides": .ints([depth.stride, 1]), "auto_pad": .string(autoPad)]
        if allowsDilations { attributes["dilations"] = .ints([depth.dilation, 1]) }
        if let kernel = depth.kernel { attributes["kernel_shape"] = .ints([kernel, 1]) }
        if let pads = depth.pads { attributes["pads"] = .ints([pads.begin, 0, pads.end, 0]) }
        if allowsCeilMode { attributes["ceil_mode"] = .int(ceilMode ? 1 : 0) }
        return attributes
    }

    /// The geometry along D of a 3-D window sliding over `length` positions
    /// with `kernel` taps: its output size and pads are in the `h` fields.
    func depthGeometry(length: Int, kernel: Int, location: SourceLocation) throws -> WindowGeometry {
        let depth = self.depth ?? Depth()
        var padding = self.padding
        if case .explicit = padding {
            let pads = depth.pads ?? (0, 0)
            padding = .explicit([pads.begin, 0, pads.end, 0])
        }
        return try WindowGeometry(
            input: (length, 1), kernel: (kernel, 1), strides: (depth.stride, 1), dilations: (depth.dilation, 1),
            padding: padding, ceilMode: ceilMode, location: location)
    }

    /// `shape` ([N, C, L]) with a unit axis before the last: [N, C, 1, L].
    static func lifted(_ shape: [Int]) -> [Int] { Array(shape.dropLast()) + [1] + Array(shape.suffix(1)) }

    /// The geometry over an NCHW input `x` with a `kernel` window.
    func geometry(input x: TensorType, kernel: (h: Int, w: Int), location: SourceLocation) throws -> WindowGeometry {
        try WindowGeometry(
            input: (x.shape[2], x.shape[3]), kernel: kernel, strides: strides, dilations: dilations, padding: padding,
            ceilMode: ceilMode, location: location)
    }
}
