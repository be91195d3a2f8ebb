// The window attributes Conv, MaxPool and AveragePool share: strides,
// dilations, pads and auto_pad, parsed and range-checked once.

/// Parsed 2-D window attributes, resolved into a ``WindowGeometry`` once the
/// input size is known.
struct WindowAttributes: Sendable {
    var kernelShape: [Int]?
    var strides: (h: Int, w: Int)
    var dilations: (h: Int, w: Int)
    var padding: WindowGeometry.Padding
    var ceilMode: Bool

    init(_ attributes: AttributeReader, allowsDilations: Bool = true, allowsCeilMode: Bool = false) throws {
        func pair(_ name: String) throws -> (h: Int, w: Int) {
            guard let values = try attributes.ints(name) else { return (1, 1) }
            guard values.count == 2, values.allSatisfy({ (1...4096).contains($0) }) else {
                throw attributes.error("attribute '\(name)' must hold two values in 1...4096, got \(values)")
            }
            return (values[0], values[1])
        }
        kernelShape = try attributes.ints("kernel_shape")
        if let kernelShape, kernelShape.count != 2 {
            throw CompileError(
                .unsupportedFeature, at: attributes.location,
                "only 2-D windows are supported (kernel_shape of two values), got kernel_shape \(kernelShape)")
        }
        if let kernelShape, !kernelShape.allSatisfy({ (1...4096).contains($0) }) {
            throw attributes.error("kernel_shape must hold two values in 1...4096, got \(kernelShape)")
        }
        strides = try pair("strides")
        dilations = allowsDilations ? try pair("dilations") : (1, 1)
        ceilMode = allowsCeilMode ? try attributes.flag("ceil_mode") : false
        let autoPad = try attributes.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET":
            let pads = try attributes.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ (0...4096).contains($0) }) else {
                throw attributes.error("attribute 'pads' must hold four values in 0...4096, got \(pads)")
            }
            padding = .explicit(pads)
        case "SAME_UPPER": padding = .sameUpper
        case "SAME_LOWER": padding = .sameLower
        case "VALID": padding = .valid
        default: throw attributes.error("unknown auto_pad value '\(autoPad)'")
        }
    }

    /// The geometry over an NCHW input `x` with a `kernel` window.
    func geometry(input x: TensorType, kernel: (h: Int, w: Int), location: SourceLocation) throws -> WindowGeometry {
        try WindowGeometry(
            input: (x.shape[2], x.shape[3]), kernel: kernel, strides: strides, dilations: dilations, padding: padding,
            ceilMode: ceilMode, location: location)
    }
}
