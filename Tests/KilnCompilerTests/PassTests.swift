// Unit tests for the graph passes: folding, canonicalisation, fusion, planning.

import Foundation
import Testing

@testable import KilnCompiler

let fixtureRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

@Suite struct PassTests {
    @Test func shapeSubgraphFoldsAway() throws {
        let model = try Compiler.prepare(
            modelPath: fixtureRoot.appendingPathComponent("shape_subgraph/model.onnx").path)
        let ops = model.graph.nodes.map(\.opType)
        #expect(ops == ["Relu", "Reshape", "Sigmoid"])
        #expect(model.graph.type(of: model.graph.outputs[0]).shape == [2, 60])
    }

    @Test func batchNormFoldsIntoConvAndReluFuses() throws {
        let model = try Compiler.prepare(modelPath: fixtureRoot.appendingPathComponent("resnet_small/model.onnx").path)
        let ops = model.graph.nodes.map(\.opType)
        #expect(!ops.contains("BatchNormalization"))
        #expect(!ops.contains("Relu"))
        #expect(model.graph.nodes.contains { $0.opType == "Conv" && $0.epilogue == .relu })
        // The residual Add and its Relu become one elementwise node.
        #expect(model.graph.nodes.contains { $0.opType == "Add+Relu" && $0.epilogue == nil })
    }

    /// A bias Add after a MatMul (either operand order) starts the product's
    /// sums, and a Relu after it still fuses as the product's epilogue;
    /// LayerNormalization with per-element parameters is one node.
    @Test func matMulBiasAndLayerNormFuse() throws {
        for (fixture, epilogue) in [("matmul_bias_relu", Activation.relu), ("matmul_deep_bias_first", nil)] {
            let model = try Compiler.prepare(modelPath: fixtureRoot.appendingPathComponent("ops/\(fixture)/model.onnx").path)
            #expect(model.graph.nodes.count == 1, "\(fixture)")
            let node = try #require(model.graph.nodes.first)
            #expect(node.core == .matMul && node.inputs.count == 3 && node.epilogue == epilogue, "\(fixture)")
        }
        let norm = try Compiler.prepare(modelPath: fixtureRoot.appendingPathComponent("ops/layer_norm_wide_offset/model.onnx").path)
        #expect(norm.graph.nodes.map(\.core) == [.layerNormalization(axis: 2, epsilon: 1e-5)])
        // A broadcast [1] scale keeps the decomposition.
        let broadcast = try Compiler.prepare(
            modelPath: fixtureRoot.appendingPathComponent("ops/layer_norm_scalar_scale/model.onnx").path)
        #expect(broadcast.graph.nodes.count > 1)
    }

    /// A 1×1 convolution and the depthwise one reading it become one node,
    /// unless the expanded tensor is needed elsewhere or the pair is not
    /// exactly expand (1×1, stride 1, no pads) then depthwise (no multiplier).
    @Test func expansionFusesIntoDepthwise() throws {
        func prepare(
            expandPads: [Int] = [0, 0, 0, 0], multiplier: Int = 1, expandedIsOutput: Bool = false
        ) throws -> Graph {
            var graph = Graph(modelFile: "block.onnx", opset: 17)
            let x = graph.addValue(Value(name: "x", type: TensorType(.float32, [1, 4, 6, 6])))
            let w1 = graph.addValue(Value(name: "w1", constant: TensorData(shape: [8, 4, 1, 1], floats: .init(repeating: 0.5, count: 32))))
            let wd = graph.addValue(
                Value(name: "wd", constant: TensorData(shape: [8 * multiplier, 1, 3, 3], floats: .init(repeating: 0.1, count: 72 * multiplier))))
            let (expanded, activated, y) = (
                graph.addValue(Value(name: "e")), graph.addValue(Value(name: "a")), graph.addValue(Value(name: "y"))
            )
            graph.inputs = [x]
            graph.nodes = [
                Node(name: "expand", opType: "Conv", inputs: [x, w1], outputs: [expanded], attributes: ["pads": .ints(expandPads)]),
                Node(name: "relu", opType: "Relu", inputs: [expanded], outputs: [activated]),
                Node(
                    name: "depthwise", opType: "Conv", inputs: [activated, wd], outputs: [y],
                    attributes: ["group": .int(8), "pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])]),
            ]
            graph.outputs = expandedIsOutput ? [y, activated] : [y]
            return try Compiler.prepare(graph: graph, modelPath: "block.onnx").graph
        }
        let fused = try prepare()
        #expect(fused.nodes.count == 1)
        let node = try #require(fused.nodes.first)
        guard case .convolution(let parameters)? = node.core else {
            Issue.record("not a convolution: \(String(describing: node.core))")
            return
        }
        #expect(parameters.expansion == .init(activation: .relu))
        #expect(node.inputs.count == 5 && node.input(2) == nil && node.input(4) == nil)
        #expect(try prepare(expandPads: [1, 1, 1, 1]).nodes.count == 2)
        #expect(try prepare(multiplier: 2).nodes.count == 2)
        #expect(try prepare(expandedIsOutput: true).nodes.count == 2)
    }

    @Test func foldsGatherConcatAndArithmetic() throws {
        var graph = Graph(modelFile: "fold.onnx", opset: 13)
        let data = graph.addValue(Value(name: "d", constant: TensorData(shape: [4], int64s: [2, 3, 5, 7])))
        let index = graph.addValue(Value(name: "i", constant: TensorData(shape: [], int64s: [-1])))
        let picked = graph.addValue(Value(name: "p"))
        let doubled = graph.addValue(Value(name: "q"))
        let joined = graph.addValue(Value(name: "j"))
        graph.nodes = [
            Node(name: "g", opType: "Gather", inputs: [data, index], outputs: [picked]),
            Node(name: "m", opType: "Mul", inputs: [picked, index], outputs: [doubled]),
            Node(name: "c", opType: "Concat", inputs: [data, data], outputs: [joined], attributes: ["axis": .int(0)]),
        ]
        graph.outputs = [doubled, joined]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        #expect(graph.nodes.isEmpty)
        #expect(graph[doubled].constant == TensorData(shape: [], int64s: [-7]))
        #expect(graph[joined].constant?.int64s == [2, 3, 5, 7, 2, 3, 5, 7])
    }

    @Test func passThroughChainsAreRemoved() throws {
        var graph = Graph(modelFile: "chain.onnx", opset: 13)
        let x = graph.addValue(Value(name: "x", type: TensorType(.float32, [3])))
        let a = graph.addValue(Value(name: "a"))
        let b = graph.addValue(Value(name: "b"))
        let y = graph.addValue(Value(name: "y"))
        graph.inputs = [x]
        graph.nodes = [
            Node(name: "i", opType: "Identity", inputs: [x], outputs: [a]),
            Node(name: "d", opType: "Dropout", inputs: [a], outputs: [b]),
            Node(name: "r", opType: "Relu", inputs: [b], outputs: [y]),
        ]
        graph.outputs = [y]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        try graph.lowerToCore()
        try graph.verify()
        #expect(graph.nodes.map(\.opType) == ["Relu"])
        #expect(graph.nodes[0].inputs == [x])
        #expect(graph.nodes[0].core == .elementwise(.activation(.relu)))
    }

    /// An op defined by other ops (Mean of three operands: two Adds and a
    /// Div by a constant 3) is rewritten, and each step typed and lowered;
    /// the node's output keeps its value and name.
    @Test func decompositionsAreLoweredStepByStep() throws {
        var graph = Graph(modelFile: "mean.onnx", opset: 13)
        let operands = (0..<3).map { graph.addValue(Value(name: "x\($0)", type: TensorType(.float32, [2, 3]))) }
        let y = graph.addValue(Value(name: "y"))
        graph.inputs = operands
        graph.nodes = [Node(name: "m", opType: "Mean", inputs: operands, outputs: [y])]
        graph.outputs = [y]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        try graph.lowerToCore()
        try graph.verify()
        #expect(graph.nodes.map(\.core) == [
            .elementwise(.binary(.add)), .elementwise(.binary(.add)), .elementwise(.binary(.divide)),
        ])
        #expect(graph.nodes.map(\.name) == ["m/Add_0", "m/Add_1", "m/Div_2"])
        #expect(graph.nodes.last?.outputs == [y] && graph.outputs == [y])
        let divisor = try #require(graph.nodes.last?.input(1))
        #expect(graph[divisor].constant == TensorData(dtype: .float32, shape: [], converting: [3.0]))
    }

    /// Variadic ops fold in shape arithmetic (`Max(shape, 1)` feeding a Reshape).
    @Test func variadicOpsFoldOnConstants() throws {
        var graph = Graph(modelFile: "fold.onnx", opset: 13)
        let a = graph.addValue(Value(name: "a", constant: TensorData(shape: [3], int64s: [4, -1, 7])))
        let b = graph.addValue(Value(name: "b", constant: TensorData(shape: [], int64s: [1])))
        let c = graph.addValue(Value(name: "c", constant: TensorData(shape: [3], int64s: [2, 0, 9])))
        let maximum = graph.addValue(Value(name: "max"))
        let mean = graph.addValue(Value(name: "mean"))
        let x = graph.addValue(Value(name: "x", constant: TensorData(shape: [2], floats: [1, 2])))
        graph.nodes = [
            Node(name: "m", opType: "Max", inputs: [a, b, c], outputs: [maximum]),
            Node(name: "n", opType: "Mean", inputs: [x, x, x, x], outputs: [mean]),
        ]
        graph.outputs = [maximum, mean]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        #expect(graph.nodes.isEmpty)
        #expect(graph[maximum].constant?.int64s == [4, 1, 9])
        #expect(graph[mean].constant?.floats == [1, 2])
    }

    /// Dropout with its mask output (SqueezeNet 1.1, opset 9) must not survive
    /// to the backend: the output is the input and the mask a constant.
    @Test func dropoutWithMaskIsRemoved() throws {
        var graph = Graph(modelFile: "mask.onnx", opset: 9)
        let x = graph.addValue(Value(name: "x", type: TensorType(.float32, [2, 3])))
        let y = graph.addValue(Value(name: "y"))
        let mask = graph.addValue(Value(name: "mask"))
        let z = graph.addValue(Value(name: "z"))
        graph.inputs = [x]
        graph.nodes = [
            Node(name: "d", opType: "Dropout", inputs: [x], outputs: [y, mask], attributes: ["ratio": .float(0.5)]),
            Node(name: "r", opType: "Relu", inputs: [y], outputs: [z]),
        ]
        graph.outputs = [z, mask]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        try graph.lowerToCore()
        try graph.verify()
        #expect(graph.nodes.map(\.opType) == ["Relu"])
        // Before opset 10 the mask has the input's type: all ones.
        #expect(graph[mask].constant == TensorData(shape: [2, 3], floats: Array(repeating: 1, count: 6)))
    }

    /// VGG-19's first fully connected weight (4096×25088 float32, 411 MB) can
    /// be made by ConstantOfShape; constants that size fold, absurd ones are refused.
    @Test func largeConstantsFoldAndAbsurdOnesAreRefused() throws {
        func fold(_ dims: [Int64]) throws -> TensorData? {
            var graph = Graph(modelFile: "big.onnx", opset: 13)
            let shape = graph.addValue(Value(name: "s", constant: TensorData(shape: [dims.count], int64s: dims)))
            let y = graph.addValue(Value(name: "y"))
            graph.nodes = [Node(name: "c", opType: "ConstantOfShape", inputs: [shape], outputs: [y])]
            graph.outputs = [y]
            try graph.resolveOperators()
            try graph.inferShapesAndFold()
            return graph[y].constant
        }
        #expect(try fold([4096, 12544])?.bytes.count == 4096 * 12544 * 4)
        #expect(throws: CompileError.self) { try fold([1 << 20, 1 << 20]) }
    }

    /// Folding has one budget for the whole model: Concats that double a
    /// small constant (each fold within the per-node limit) stop with an
    /// error naming the node that crosses it, before allocating past it.
    @Test func foldingStopsAtTheModelsBudget() throws {
        var graph = Graph(modelFile: "doubling.onnx", opset: 13)
        var previous = graph.addValue(Value(name: "c0", constant: TensorData(shape: [1024], floats: Array(repeating: 1, count: 1024))))
        for step in 1...20 {
            let next = graph.addValue(Value(name: "c\(step)"))
            graph.nodes.append(
                Node(name: "cat\(step)", opType: "Concat", inputs: [previous, previous], outputs: [next],
                     attributes: ["axis": .int(0)]))
            previous = next
        }
        graph.outputs = [previous]
        try graph.resolveOperators()
        do {
            try graph.inferShapesAndFold()
            Issue.record("a constant doubled twenty times (4 GiB) must be refused")
        } catch let error as CompileError {
            #expect(error.location.node == "cat16", "\(error)")
            #expect(error.message.contains("in all for this model (256 MiB plus twice its weights)"), "\(error)")
        }
    }

    @Test func plannerNeverOverlapsLiveBuffers() throws {
        for fixture in ["mlp", "lenet", "resnet_small", "digits"] {
            let model = try Compiler.prepare(
                modelPath: fixtureRoot.appendingPathComponent("\(fixture)/model.onnx").path)
            let graph = model.graph
            let plan = Compiler.schedule(model, target: .host).plan
            // Live range of every run-time value (views share their source's bytes, so skip them).
            var ranges: [ValueID: (Int, Int)] = [:]
            func touch(_ id: ValueID, _ time: Int) {
                guard graph[id].constant == nil else { return }
                let range = ranges[id] ?? (time, time)
                ranges[id] = (min(range.0, time), max(range.1, time))
            }
            for input in graph.inputs { touch(input, -1); touch(input, graph.nodes.count) }
            for (time, node) in graph.nodes.enumerated() {
                for case let input? in node.inputs { touch(input, time) }
                for output in node.outputs { touch(output, time) }
            }
            for output in graph.outputs { touch(output, graph.nodes.count) }
            let views = Set(graph.nodes.filter { $0.core == .view }.flatMap(\.outputs))
            let ids = ranges.keys.filter { !views.contains($0) }.sorted()
            for (i, a) in ids.enumerated() {
                let offsetA = try #require(plan.offsets[a])
                #expect(offsetA % plan.alignment == 0)
                #expect(offsetA + graph.type(of: a).byteCount <= plan.arenaSize)
                for b in ids[(i + 1)...] {
                    let (ra, rb) = (ranges[a]!, ranges[b]!)
                    guard ra.0 <= rb.1 && rb.0 <= ra.1 else { continue }
                    let offsetB = try #require(plan.offsets[b])
                    let disjoint =
                        offsetA + graph.type(of: a).byteCount <= offsetB
                        || offsetB + graph.type(of: b).byteCount <= offsetA
                    #expect(disjoint, "\(fixture): \(graph[a].name) and \(graph[b].name) overlap while both live")
                }
            }
            // Scratch (im2col) buffers must not overlap anything live while their node runs.
            for (node, offset) in plan.scratchOffsets {
                let size = KernelLowering.scratchBytes(graph.nodes[node], in: graph, target: .host)
                #expect(offset + size <= plan.arenaSize)
                for id in ids where ranges[id]!.0 <= node && node <= ranges[id]!.1 {
                    let other = plan.offsets[id]!
                    #expect(
                        offset + size <= other || other + graph.type(of: id).byteCount <= offset,
                        "\(fixture): scratch of node \(node) overlaps \(graph[id].name)")
                }
            }
            // Reuse must actually happen: the arena is smaller than all buffers laid end to end.
            let scratch = graph.nodes.map {
                MemoryPlanner.align(KernelLowering.scratchBytes($0, in: graph, target: .host), plan.alignment)
            }
            let total =
                ids.map { MemoryPlanner.align(graph.type(of: $0).byteCount, plan.alignment) }.reduce(0, +)
                + scratch.reduce(0, +)
            if fixture != "mlp" { #expect(plan.arenaSize < total, "\(fixture): no buffer reuse") }
        }
    }

    @Test func outputsThatAreInputsOrConstantsGetCopies() throws {
        var graph = Graph(modelFile: "copies.onnx", opset: 13)
        let x = graph.addValue(Value(name: "x", type: TensorType(.float32, [2])))
        let c = graph.addValue(Value(name: "c", constant: TensorData(shape: [2], floats: [1, 2])))
        graph.inputs = [x]
        graph.outputs = [x, c, x]
        graph.materializeOutputs()
        try graph.verify()
        #expect(graph.nodes.count == 3)
        #expect(Set(graph.outputs).count == 3)
        #expect(!graph.outputs.contains(x) && !graph.outputs.contains(c))
    }
}

@Suite struct NamingTests {
    @Test func modelAndClassNames() {
        #expect(ModelNaming.modelName(forFile: "/a/my-net_v2.onnx") == "my_net_v2")
        #expect(ModelNaming.modelName(forFile: "2layer.onnx") == "_2layer")
        #expect(ModelNaming.className(forModel: "my-net_v2") == "MyNetV2Model")
        #expect(ModelNaming.className(forModel: "digits") == "DigitsModel")
        #expect(ModelNaming.className(forModel: "2layer") == "_2layerModel")
    }

    @Test func swiftMemberNames() {
        #expect(SwiftIdentifier.lowerCamel("input.1") == "input1")
        #expect(SwiftIdentifier.lowerCamel("pixel_values") == "pixelValues")
        #expect(SwiftIdentifier.lowerCamel("3d") == "t3d")
        #expect(
            SwiftIdentifier.unique(["x", "x", "run", "class"], reserved: ["run"]) == [
                "x", "x2", "runTensor", "classTensor",
            ])
    }
}
