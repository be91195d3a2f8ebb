// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: the loss of class
// scores X [N, C, d…] against integer targets [N, d…], optionally weighted
// per class [C], with an `ignore_index` whose positions count nothing, and
// reduced by `none`, `sum` or `mean` (the weighted mean). Both decompose:
// the target becomes a one-hot mask (Equal against the class indices along
// axis 1), so the score of each target is a masked sum, with no gather.
// A target outside [0, C) that is not ignored picks no score (a loss of 0)
// where ONNX Runtime reports an error; the class weight it would take is 0.

/// What both losses parse and how they reduce.
struct LossAttributes: Sendable {
    enum Reduction: String, Sendable { case none, sum, mean }
    let reduction: Reduction
    let ignoreIndex: Int?
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        let name = try attributes.string("reduction", default: "mean")
        guard let reduction = Reduction(rawValue: name) else {
            throw attributes.error("reduction must be none, sum or mean, got '\(name)'")
        }
        self.reduction = reduction
        ignoreIndex = attributes.has("ignore_index") ? try attributes.int("ignore_index", default: 0) : nil
        opset = attributes.opset
    }

    /// Checks scores [N, C, d…], targets [N, d…] and weights [C]; the loss's type.
    func lossType(_ inputs: OpInputs) throws -> TensorType {
        let x = try inputs.require(0, "input scores", in: allFloats)
        let target = try inputs.require(1, "target", in: [.int32, .int64])
        guard x.rank >= 2, target.shape == [x.shape[0]] + x.shape.dropFirst(2) else {
            throw inputs.error(
                .shapeMismatch, "target \(target.shape) must be scores \(x.shape) without the class axis (1)")
        }
        if inputs.has(2) {
            let weight = try inputs.require(2, "weight", in: [x.dtype])
            guard weight.shape == [x.shape[1]] else {
                throw inputs.error(.shapeMismatch, "weight \(weight.shape) must hold one value per class, [\(x.shape[1])]")
            }
        }
        return TensorType(x.dtype, reduction == .none ? target.shape : [])
    }

    /// The loss of `scores` (an operand holding log-probabilities, [N, C, d…])
    /// against the node's target (input 1) and weight (input 2), appended to `steps`.
    func appendLoss(
        of scores: Decomposition.Operand, _ inputs: OpInputs, to steps: inout [Decomposition.Step]
    ) throws -> Decomposition.Operand {
        typealias Step = Decomposition.Step
        let x = try inputs.type(0)
        let target = try inputs.type(1)
        func add(_ step: Step) -> Decomposition.Operand {
            steps.append(step)
            return .step(steps.count - 1)
        }
        let classes = x.shape[1]
        // Class indices along axis 1, broadcast over the others: [1, C, 1, …].
        var classShape = Array(repeating: 1, count: x.rank)
        classShape[1] = classes
        let indices = TensorData(
            dtype: target.dtype, shape: classShape, converting: (0..<classes).map { Int64($0) })
        var expandedTarget = x.shape
        expandedTarget[1] = 1
        let targetColumn = add(Step("Reshape", [.input(1), .int64s(expandedTarget)]))
        let oneHot = add(Step("Equal", [targetColumn, .constant(indices)]))
        let zero = Decomposition.Operand.constant(TensorData(dtype: x.dtype, shape: [], converting: [0.0]))
        let axis = [1]
        let picked = add(.reduce(ReduceSum.self, add(Step("Where", [oneHot, scores, zero])), axes: axis, opset: opset))
        var loss = add(Step("Neg", [add(Step("Reshape", [picked, .int64s(target.shape)]))]))
        // Per-position weights: the target's class weight, 0 where ignored.
        var weights: Decomposition.Operand? = nil
        if inputs.has(2) {
            let classWeights = add(Step("Reshape", [.input(2), .int64s(classShape)]))
            let gathered = add(.reduce(ReduceSum.self, add(Step("Where", [oneHot, classWeights, zero])), axes: axis, opset: opset))
            weights = add(Step("Reshape", [gathered, .int64s(target.shape)]))
        }
        if let ignoreIndex {
            let ignored = TensorData(dtype: target.dtype, shape: [], converting: [Int64(ignoreIndex)])
            let counted = add(Step("Not", [add(Step("Equal", [.input(1), .constant(ignored)]))]))
            let one = Decomposition.Operand.constant(TensorData(dtype: x.dtype, shape: [], converting: [1.0]))
            weights = add(Step("Where", [counted, weights ?? one, zero]))
        }
        if let weights { loss = add(Step("Mul", [loss, weights])) }
        let everyAxis = Array(0..<target.rank)
        func total(_ operand: Decomposition.Operand) -> Decomposition.Operand {
            add(Step("Reshape", [add(.reduce(ReduceSum.self, operand, axes: everyAxis, opset: opset)), .int64s([])]))
        }
        switch reduction {
        case .none: return loss
        case .sum: return total(loss)
        case .mean:
            if let weights { return add(Step("Div", [total(loss), total(weights)])) }
            let count = TensorData(dtype: x.dtype, shape: [], converting: [Double(target.shape.reduce(1, *))])
            return add(Step("Div", [total(loss), .constant(count)]))
        }
    }
}

/// NegativeLogLikelihoodLoss: −X[n, target, d…] per position (X holds log-probabilities).
struct NegativeLogLikelihoodLoss: Operator {
    static let opType = "NegativeLogLikelihoodLoss"
    let loss: LossAttributes

    init(_ attributes: AttributeReader) throws { loss = try LossAttributes(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [try loss.lossType(inputs)] }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var steps: [Decomposition.Step] = []
        let result = try loss.appendLoss(of: .input(0), inputs, to: &steps)
        return .decompose(Decomposition(steps: steps, outputs: [result]))
    }
}

/// SoftmaxCrossEntropyLoss: the NLL of log-softmax(X) over the class axis;
/// an optional second output returns those log-probabilities.
struct SoftmaxCrossEntropyLoss: Operator {
    static let opType = "SoftmaxCrossEntropyLoss"
    let loss: LossAttributes

    init(_ attributes: AttributeReader) throws { loss = try LossAttributes(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let result = try loss.lossType(inputs)
        return inputs.outputCount > 1 ? [result, try inputs.type(0)] : [result]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        typealias Step = Decomposition.Step
        // log-softmax along axis 1 whatever the opset: x − max − ln Σ e^(x − max).
        let opset = loss.opset
        var steps: [Step] = [
            .reduce(ReduceMax.self, .input(0), axes: [1], opset: opset),
            Step("Sub", [.input(0), .step(0)]),
            Step("Exp", [.step(1)]),
            .reduce(ReduceSum.self, .step(2), axes: [1], opset: opset),
            Step("Log", [.step(3)]),
            Step("Sub", [.step(1), .step(4)]),
        ]
        let logProbabilities = Decomposition.Operand.step(5)
        let result = try loss.appendLoss(of: logProbabilities, inputs, to: &steps)
        return .decompose(Decomposition(steps: steps, outputs: Array([result, logProbabilities].prefix(inputs.outputCount))))
    }
}
