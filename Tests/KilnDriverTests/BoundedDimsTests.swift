// Bounded dynamic dims: what the numeric fixtures under Fixtures/bounded/
// (calls at batch 1, 7, 8, 3 against ONNX Runtime) do not show: that calls
// really skip the tiles past the extent, the errors for extents and counts,
// and the models Kiln must refuse rather than compute wrongly.

import Foundation
@testable import KilnCompiler
import KilnDriver
import Testing

@testable import Kiln

@Suite struct BoundedDimsTests {
    func load(_ fixture: String) throws -> LoadedModel {
        let folder = fixturesDirectory.appendingPathComponent(fixture).path
        return try LoadedModel(
            modelPath: "\(folder)/model.onnx", config: try ModelConfig.load(path: "\(folder)/model.kiln.json"))
    }

    @Test func callsSkipTheTilesPastTheExtent() throws {
        let loaded = try load("bounded/cnn")
        let model = loaded.runtime
        #expect(model.boundedDims == [KilnBoundedDim(name: "batch", bound: 8)])
        #expect(model.inputs[0].boundedAxis == 0 && model.outputs.map(\.boundedAxis) == [0, 0])
        #expect(model.extent() == 8 && model.input(0).count == 8 * 768)
        let full = (0..<model.kernelCount).map { model.dispatchShape($0).tiles }
        try model.setExtent(1)
        let one = (0..<model.kernelCount).map { model.dispatchShape($0).tiles }
        // Every kernel with more than one tile follows the batch, but for the
        // 8×8 Winograd GEMM: its 8 images × 4 tiles are 32 columns, one panel
        // of vectors, which a smaller batch would not make cheaper.
        let untrimmed = (0..<model.kernelCount).filter { full[$0] > 1 && one[$0] == full[$0] }.map(model.kernelName)
        #expect(untrimmed.allSatisfy { $0 == "conv2 (Conv winograd-gemm)" }, "kernels that run every tile at batch 1: \(untrimmed)")
        // One image runs conv2's Winograd lowered for one image, as a static
        // build would, conv3's direct GEMM (its 6×6 map has too few tiles
        // for Winograd with one image) and the classifier's Gemm for one
        // row; the bound's lowerings of the three not at all. (Which direct
        // lowering conv3 takes depends on the host's vector width: an
        // implicit GEMM and a compaction with AVX-512, channel vectors with AVX2.)
        let single = (0..<model.kernelCount).filter { full[$0] == 0 && one[$0] > 0 }.map(model.kernelName)
        let winograd = ["winograd-input", "winograd-gemm", "winograd-output"]
        let direct = single.dropFirst(3).dropLast()
        #expect(single.prefix(3).elementsEqual(winograd.map { "conv2 (Conv \($0))" }) && single.last == "fc (Gemm)", "\(single)")
        #expect(direct.contains("conv3 (Conv gemm)") && direct.allSatisfy { $0.hasPrefix("conv3 (Conv ") && !$0.contains("winograd") }, "\(single)")
        let skipped = (0..<model.kernelCount).filter { full[$0] > 0 && one[$0] == 0 }.map(model.kernelName)
        #expect(skipped == ["conv2", "conv3"].flatMap { node in winograd.map { "\(node) (Conv \($0))" } } + ["fc (Gemm)"])
        #expect(one.reduce(0, +) * 4 < full.reduce(0, +))
        #expect(model.inputShape(0) == [1, 3, 16, 16] && model.outputShape(1) == [1, 16, 8, 8])
        #expect(model.input(0).count == 768 && model.output(0).count == 10)
        try model.setExtent(8)
        #expect((0..<model.kernelCount).map { model.dispatchShape($0).tiles } == full)
    }

    /// A float32 declaration whose axis 0 is the symbolic dim `batch`.
    func batched(_ name: String, _ shape: [Int]) -> Onnx_ValueInfoProto {
        var info = onnxValueInfo(name, .float32, shape)
        info.type.tensorType.shape.dim[0].dimParam = "batch"
        return info
    }

    /// The model at `path` compiled with `batch` bounded to 8 and loaded;
    /// the model file and the config written beside it are removed.
    func loadBoundedTo8(_ path: String) throws -> KilnModel {
        let configPath = ModelConfig.path(besideModel: path)
        defer { for file in [path, configPath] { try? FileManager.default.removeItem(atPath: file) } }
        try #"{"dims": {"batch": {"max": 8}}}"#.write(toFile: configPath, atomically: true, encoding: .utf8)
        return try LoadedModel(modelPath: path, config: try ModelConfig.load(path: configPath)).runtime
    }

    @Test func aWinogradGEMMOverPartOfAChunkComputesEachImageAsTheBoundDoes() throws {
        // 16 channels of 20×20: F(4,3)'s 25 tiles an image, the bound's 8
        // images one cache-sized chunk of GEMM columns. A call of 2 to 7
        // images multiplies only its images' columns, laid out densely for
        // them: two-vector panels and a masked rest of one vector or two
        // (50 and 75 columns), or one narrow panel.
        let (channels, side, bound) = (16, 20, 8)
        var weights = Onnx_TensorProto()
        (weights.name, weights.dataType, weights.dims) = ("w", 1, [16, 16, 3, 3])
        weights.floatData = (0..<channels * channels * 9).map { Float(($0 * 7919) % 23) / 23 - 0.5 }
        let path = try writeModel(
            [node("Conv", ["x", "w"], "y", ints: ["pads": [1, 1, 1, 1], "kernel_shape": [3, 3]])],
            x: [bound, channels, side, side], axis: 0, output: batched("y", [bound, channels, side, side]),
            initializers: [weights])
        let model = try loadBoundedTo8(path)
        #expect((0..<model.kernelCount).map(model.kernelName).contains("y_node (Conv winograd-gemm)"))
        let size = channels * side * side
        let images = (0..<bound).map { image in (0..<size).map { Float(sin(Double(image * size + $0) * 0.37)) } }
        func run(_ extent: Int) throws -> [[Float]] {
            try model.setExtent(extent)
            for image in 0..<extent { try model.setInputItem(0, image, images[image]) }
            model.run()
            return (0..<extent).map { model.outputItem(0, $0, as: Float.self) }
        }
        let full = try run(bound)
        for extent in 1..<bound {
            for (image, result) in try run(extent).enumerated() {
                let error = zip(result, full[image]).map { abs($0 - $1) }.max() ?? .infinity
                #expect(error < 1e-4, "image \(image) at extent \(extent): \(error) from the bound's")
            }
        }
    }

    @Test func kernelsOfFewTilesStopAfterTheCallsItems() throws {
        // Tanh's 192 elements and ReduceMean's 32 rows are one tile each, a
        // transpose's and a concatenation's tiles its rows: at extent 2 of 8
        // each computes items 0 and 1 only, and leaves the rest of its
        // output as the last call at the bound wrote it (not computed from
        // the inputs there since).
        let (bound, rows, columns) = (8, 4, 6)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-prefix-\(UUID().uuidString).onnx").path
        try writeONNXModel(
            to: path,
            nodes: [
                node("Tanh", ["x"], "t"), node("ReduceMean", ["x"], "r", ints: ["axes": [2]], int: ["keepdims": 0]),
                node("Transpose", ["x"], "p", ints: ["perm": [0, 2, 1]]), node("Concat", ["x", "x"], "c", int: ["axis": 2]),
            ],
            inputs: [batched("x", [bound, rows, columns])],
            outputs: [
                batched("t", [bound, rows, columns]), batched("r", [bound, rows]), batched("p", [bound, columns, rows]),
                batched("c", [bound, rows, 2 * columns]),
            ])
        let model = try loadBoundedTo8(path)
        let size = rows * columns
        func fill(_ seed: Int, items: Range<Int>) throws {
            for item in items {
                try model.setInputItem(0, item, (0..<size).map { Float(sin(Double(seed * 1000 + item * size + $0))) })
            }
        }
        func outputs() -> [[Float]] { (0..<4).map { Array(model.output($0)) } }
        try fill(1, items: 0..<bound)
        model.run()
        let first = outputs()
        try fill(2, items: 0..<bound)  // what a kernel running the whole bound would compute from
        try model.setExtent(2)
        try fill(3, items: 0..<2)
        model.run()
        let two = outputs()
        try model.setExtent(bound)
        let after = outputs()
        for (index, name) in ["t", "r", "p", "c"].enumerated() {
            let perItem = first[index].count / bound
            #expect(after[index][..<(2 * perItem)] == two[index][...], "\(name): items 0 and 1 as the call computed them")
            #expect(after[index][(2 * perItem)...] == first[index][(2 * perItem)...], "\(name): items 2 to 7 untouched")
            #expect(after[index][..<(2 * perItem)] != first[index][..<(2 * perItem)], "\(name): the call computed items 0 and 1")
        }
    }

    @Test func extentsAndCountsOutsideTheBoundAreErrors() throws {
        let model = try load("bounded/encoder").runtime
        #expect(throws: KilnError.extentOutOfBounds(model: "model.onnx", dim: "batch", bound: 8, given: 9)) {
            try model.setExtent(9)
        }
        #expect(throws: KilnError.self) { try model.setExtent(0) }
        #expect(throws: KilnError.itemCountMismatch(tensor: "x", dim: "batch", elementsPerItem: 96, bound: 8, givenCount: 100)) {
            try model.setExtent(forInput: 0, count: 100)
        }
        let error = KilnError.extentOutOfBounds(model: "model.onnx", dim: "batch", bound: 8, given: 9)
        #expect(error.description.contains("'batch'") && error.description.contains("1 to 8"))
        try model.setExtent(forInput: 0, count: 3 * 96)
        #expect(model.extent() == 3 && model.outputShape(1) == [3, 192] && model.outputShape(2) == [3, 8, 6])
        // One sample at a time, the way predict(batch:) moves them.
        #expect(throws: KilnError.self) { try model.setInputItem(0, 0, [Float](repeating: 0, count: 95)) }
        try model.setInputItem(0, 2, [Float](repeating: 1, count: 96))
        model.run()
        #expect(model.outputItem(0, 2, as: Float.self).count == 8)
    }

    /// Writes a model whose input `x` has the symbolic dim `batch` at `axis`.
    func writeModel(
        _ nodes: [Onnx_NodeProto], x shape: [Int], axis: Int, output: Onnx_ValueInfoProto,
        initializers: [Onnx_TensorProto] = [], extra: [Onnx_ValueInfoProto] = []
    ) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bounded-\(UUID().uuidString).onnx").path
        var x = onnxValueInfo("x", .float32, shape)
        x.type.tensorType.shape.dim[axis].dimParam = "batch"
        try writeONNXModel(to: path, nodes: nodes, inputs: [x] + extra, outputs: [output], initializers: initializers)
        return path
    }

    func node(_ op: String, _ inputs: [String], _ output: String, ints: [String: [Int64]] = [:], int: [String: Int64] = [:])
        -> Onnx_NodeProto
    {
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = (op, output + "_node", inputs, [output])
        for (name, values) in ints.sorted(by: { $0.key < $1.key }) {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.ints) = (name, .ints, values)
            node.attribute.append(attribute)
        }
        for (name, value) in int.sorted(by: { $0.key < $1.key }) {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.i) = (name, .int, value)
            node.attribute.append(attribute)
        }
        return node
    }

    func compileError(_ path: String, _ config: String = #"{"dims": {"batch": {"max": 4}}}"#) throws -> String? {
        let configPath = ModelConfig.path(besideModel: path)
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: configPath) }
        do {
            _ = try Compiler.prepare(modelPath: path, config: try ModelConfig.load(path: configPath))
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aComputationThatMixesItemsIsRefusedNamingTheNode() throws {
        let path = try writeModel(
            [node("ReduceMean", ["x"], "y", ints: ["axes": [0]], int: ["keepdims": 0])], x: [4, 3], axis: 0,
            output: onnxValueInfo("y", .float32, [3]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(try compileError(path))
        #expect(error.contains("y_node") && error.contains("ReduceMean") && error.contains("mixes the items"))
        #expect(error.contains(#"{"dims": {"batch": 4}}"#), "the error shows the config that fixes it")
    }

    @Test func theBoundUsedAsANumberIsRefused() throws {
        // y = x · batch size, the size read through Shape: at extent 2 it would still multiply by 4.
        var zero = Onnx_TensorProto()
        (zero.name, zero.dataType, zero.dims, zero.int64Data) = ("zero", 7, [1], [0])
        var cast = node("Cast", ["size"], "size_f")
        var to = Onnx_AttributeProto()
        (to.name, to.type, to.i) = ("to", .int, 1)
        cast.attribute = [to]
        let path = try writeModel(
            [node("Shape", ["x"], "shape"), node("Gather", ["shape", "zero"], "size"), cast,
             node("Mul", ["x", "size_f"], "y")],
            x: [4, 3], axis: 0, output: onnxValueInfo("y", .float32, [4, 3]), initializers: [zero])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(try compileError(path))
        #expect(error.contains("y_node") && error.contains("size of the bounded dim 'batch'"))
    }

    @Test func aBoundedFastAxisIsRefusedWithTheFix() throws {
        let path = try writeModel([node("Relu", ["x"], "y")], x: [2, 4], axis: 1, output: onnxValueInfo("y", .float32, [2, 4]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(try compileError(path))
        #expect(error.contains("outermost axis") && error.contains(#"{"dims": {"batch": 4}}"#))
    }

    @Test func configErrorsNameTheKey() throws {
        let path = try writeModel([node("Relu", ["x"], "y")], x: [4, 3], axis: 0, output: onnxValueInfo("y", .float32, [4, 3]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try compileError(path) == nil)
        #expect(try compileError(path, #"{"dims": {"batch": {"max": 0}}}"#)?.contains("dims.batch.max must be a bound") == true)
        #expect(try compileError(path, #"{"dims": {"batch": {"max": 4, "min": 1}}}"#)?.contains(#"unknown key "min""#) == true)
        #expect(try compileError(path, #"{"dims": {"batch": {}}}"#)?.contains(#"needs "max""#) == true)
        #expect(try compileError(path, #"{"dims": {"batch": "4"}}"#) != nil)
    }

    @Test func twoBoundedDimsAreRefused() throws {
        let path = try writeModel(
            [node("Add", ["x", "z"], "y")], x: [4, 3], axis: 0, output: onnxValueInfo("y", .float32, [4, 3]),
            extra: [{
                var z = onnxValueInfo("z", .float32, [4, 3])
                z.type.tensorType.shape.dim[1].dimParam = "other"
                return z
            }()])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(try compileError(path, #"{"dims": {"batch": {"max": 4}, "other": {"max": 3}}}"#))
        #expect(error.contains("one dim per model"))
        #expect(try compileError(path, #"{"dims": {"batch": {"max": 4}, "other": 3}}"#) == nil)
    }
}
