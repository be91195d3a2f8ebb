// Ops that compute through a Conv step (the integer convolutions, LpPool)
// pass their window attributes on unchanged, and take their output shape
// from Conv's own rules, so pads and auto_pad mean one thing everywhere.

/// Window attributes read from a node for a Conv step.
struct ForwardedConvolution: Sendable {
    /// The attributes as the node wrote them (those it has of Conv's window set).
    let attributes: [String: Attribute]
    let opset: Int

    /// Reads the window attributes, and `group` when the op has one (LpPool
    /// sets its own, so a `group` written there stays unknown, and refused).
    init(_ reader: AttributeReader, readsGroup: Bool = true) {
        var attributes: [String: Attribute] = [:]
        for name in ["auto_pad", "dilations", "kernel_shape", "pads", "strides"] + (readsGroup ? ["group"] : []) {
            if let value = reader.raw(name) { attributes[name] = value }
        }
        self.attributes = attributes
        opset = reader.opset
    }

    /// The attributes for the Conv step, `group` set when the op decides it.
    func stepAttributes(group: Int? = nil) -> [String: Attribute] {
        var result = attributes
        if let group { result["group"] = .int(group) }
        return result
    }

    /// The output shape of the float32 Conv over `x` and weights of `w`'s shape.
    func outputShape(_ x: TensorType, _ w: TensorType, group: Int? = nil, _ inputs: OpInputs) throws -> [Int] {
        let reader = AttributeReader(attributes: stepAttributes(group: group), opset: opset, location: inputs.location)
        let operands = OpInputs(
            types: [TensorType(.float32, x.shape), TensorType(.float32, w.shape)], constants: [nil, nil],
            outputCount: 1, location: inputs.location)
        return try Conv(reader).inferTypes(operands)[0].shape
    }
}
