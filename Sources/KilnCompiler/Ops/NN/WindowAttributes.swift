// The window attributes Conv, MaxPool and AveragePool share: strides,
// dilations, pads and auto_pad, parsed and range-checked once.

/// Parsed window attributes, resolved into a ``WindowGeometry`` once the
/// input size is known. 1-D windows (over [N, C, L]) are held as 2-D ones
/// with a unit first axis: ops run them as 2-D over [N, C, 1, L].
struct WindowAttributes: Sendable {
    var kernelShape: [Int]?
    var strides: (h: Int, w: Int)
    var dilations: (h: Int, w: Int)
    var padding: WindowGeometry.Padding
    var ceilMode: Bool
    /// How many spatial axes the attributes that were given describe (nil: none given).
    var spatialRank: Int?
    /// `auto_pad` as written, and which attributes the op takes, for rewriting the node as 2-D.
    private var autoPad: String
    private var allowsDilations: Bool
    private var allowsCeilMode: Bool

    init(_ attributes: AttributeReader, allowsDilations: Bool = true, allowsCeilMode: Bool = false) throws {
        var spatialRank: Int?
        func note(_ rank: Int, _ name: String) throws {
            guard spatialRank == nil || spatialRank == rank else {
                throw attributes.error("attribute '\(name)' describes \(rank) spatial axes, the others \(spatialRank ?? 0)")
            }
            spatialRank = rank
        }
        func pair(_ name: String) throws -> (h: Int, w: Int) {
            guard let values = try attributes.ints(name) else { return (1, 1) }
            guard (1...2).contains(values.count), values.allSatisfy({ (1...4096).contains($0) }) else {
                throw attributes.error("attribute '\(name)' must hold one or two values in 1...4096, got \(values)")
            }
            try note(values.count, name)
            return values.count == 1 ? (1, values[0]) : (values[0], values[1])
        }
        if let kernel = try attributes.ints("kernel_shape") {
            guard kernel.count <= 2 else {
                throw CompileError(
                    .unsupportedFeature, at: attributes.location,
                    "only 1-D and 2-D windows are supported, got kernel_shape \(kernel)")
            }
            guard !kernel.isEmpty, kernel.allSatisfy({ (1...4096).contains($0) }) else {
                throw attributes.error("kernel_shape must hold one or two values in 1...4096, got \(kernel)")
            }
            try note(kernel.count, "kernel_shape")
            kernelShape = kernel.count == 1 ? [1, kernel[0]] : kernel
        }
        strides = try pair("strides")
        dilations = allowsDilations ? try pair("dilations") : (1, 1)
        ceilMode = allowsCeilMode ? try attributes.flag("ceil_mode") : false
        autoPad = try attributes.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET":
            let pads = try attributes.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 2 || pads.count == 4, pads.allSatisfy({ (0...4096).contains($0) }) else {
                throw attributes.error("attribute 'pads' must hold two or four values in 0...4096, got \(pads)")
            }
            if try attributes.ints("pads") != nil { try note(pads.count / 2, "pads") }
            padding = .explicit(pads.count == 2 ? [0, pads[0], 0, pads[1]] : pads)
        case "SAME_UPPER": padding = .sameUpper
        case "SAME_LOWER": padding = .sameLower
        case "VALID": padding = .valid
        default: throw attributes.error("unknown auto_pad value '\(autoPad)'")
        }
        self.spatialRank = spatialRank
        self.allowsDilations = allowsDilations
        self.allowsCeilMode = allowsCeilMode
    }

    /// Whether an input of `rank` runs as a 1-D window, checked against the attributes.
    func isOneDimensional(_ x: TensorType, _ inputs: OpInputs) throws -> Bool {
        guard x.rank == 3 || x.rank == 4 else {
            throw inputs.error(
                .unsupportedFeature, "input \(x.shape) has \(x.rank - 2) spatial axes; Kiln supports 1-D and 2-D windows")
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

    /// `shape` ([N, C, L]) with a unit axis before the last: [N, C, 1, L].
    static func lifted(_ shape: [Int]) -> [Int] { Array(shape.dropLast()) + [1] + Array(shape.suffix(1)) }

    /// The geometry over an NCHW input `x` with a `kernel` window.
    func geometry(input x: TensorType, kernel: (h: Int, w: Int), location: SourceLocation) throws -> WindowGeometry {
        try WindowGeometry(
            input: (x.shape[2], x.shape[3]), kernel: kernel, strides: strides, dilations: dilations, padding: padding,
            ceilMode: ceilMode, location: location)
    }
}
