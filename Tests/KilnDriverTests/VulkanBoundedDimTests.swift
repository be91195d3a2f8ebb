// A bounded batch on Vulkan: a call below the bound runs only the
// workgroups that hold its items (the descriptor's itemAxes, read through
// indirect dispatches), in both of the shaders' layouts, and gives the CPU
// build's answers at every extent, the extent changing from call to call.

import Foundation
@_spi(Testing) @_spi(Tools) import Kiln
@testable import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanBoundedDimTests {
    static let bound = 4

    /// x [batch, 16, 16, 16] → a one-group 5×5 convolution to 40 channels
    /// (ReLU), a 1×1 to 48, a 3×3 to 32 (Winograd), 2×2 max pooling; then
    /// per item a MatMul of its 32 × 64 map by 64 × 40, and a classifier
    /// (Gemm, Softmax) over the flattened map, and the map's means per channel.
    static func writeModel(in directory: URL) throws -> String {
        func tensor(_ name: String, _ shape: [Int], seed: Int) -> Onnx_TensorProto {
            var proto = Onnx_TensorProto()
            (proto.name, proto.dataType) = (name, 1)
            proto.dims = shape.map(Int64.init)
            let count = shape.reduce(1, *)
            proto.floatData = VulkanRowShaderTests.values(count, seed: seed).map { $0 / Float(count / shape[0]).squareRoot() }
            return proto
        }
        func int64s(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
            var proto = Onnx_TensorProto()
            (proto.name, proto.dataType, proto.dims, proto.int64Data) = (name, 7, [Int64(values.count)], values)
            return proto
        }
        let bounded = BoundedDimsTests()
        let nodes = [
            bounded.node("Conv", ["x", "w1", "b1"], "c1", ints: ["kernel_shape": [5, 5], "pads": [2, 2, 2, 2]]),
            bounded.node("Relu", ["c1"], "r1"),
            bounded.node("Conv", ["r1", "w2"], "c2", ints: ["kernel_shape": [1, 1]]),
            bounded.node("Conv", ["c2", "w3", "b3"], "c3", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]]),
            bounded.node("MaxPool", ["c3"], "p", ints: ["kernel_shape": [2, 2], "strides": [2, 2]]),
            bounded.node("Reshape", ["p", "maps"], "m"),
            bounded.node("MatMul", ["m", "w4"], "products"),
            bounded.node("Flatten", ["p"], "f"),
            bounded.node("Gemm", ["f", "w5"], "logits"),
            bounded.node("Softmax", ["logits"], "probabilities", int: ["axis": 1]),
            bounded.node("ReduceMean", ["p"], "means", ints: ["axes": [2, 3]], int: ["keepdims": 0]),
        ]
        var x = onnxValueInfo("x", .float32, [bound, 16, 16, 16])
        x.type.tensorType.shape.dim[0].dimParam = "batch"
        let outputs = [("products", [bound, 32, 40]), ("probabilities", [bound, 40]), ("means", [bound, 32])].map { name, shape in
            var value = onnxValueInfo(name, .float32, shape)
            value.type.tensorType.shape.dim[0].dimParam = "batch"
            return value
        }
        let path = directory.appendingPathComponent("model.onnx").path
        try writeONNXModel(
            to: path, nodes: nodes, inputs: [x], outputs: outputs,
            initializers: [
                tensor("w1", [40, 16, 5, 5], seed: 1), tensor("b1", [40], seed: 2), tensor("w2", [48, 40, 1, 1], seed: 3),
                tensor("w3", [32, 48, 3, 3], seed: 4), tensor("b3", [32], seed: 5), int64s("maps", [-1, 32, 64]),
                tensor("w4", [64, 40], seed: 6), tensor("w5", [2048, 40], seed: 7),
            ])
        let config = #"{"dims": {"batch": {"max": \#(bound)}}, "backends": ["cpu", "vulkan"]}"#
        try config.write(toFile: ModelConfig.path(besideModel: path), atomically: true, encoding: .utf8)
        return path
    }

    static func input(items: Int, seed: Int) -> [Float] {
        VulkanRowShaderTests.values(items * 16 * 16 * 16, seed: seed)
    }

    /// Winograd products whose images hold 4 columns each (an 8×8 map's
    /// F(4,3) tiles: register tiles of 4) and 9 (a 12×12 map's, padded to
    /// 16): on lavapipe both trim to the call's images, with the CPU's
    /// answers, in the CPU-device layout and in the GPU one.
    @Test func winogradProductsTrimToTheCallsImages() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-vulkan-winograd-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bounded = BoundedDimsTests()
        let nodes = [
            bounded.node("Conv", ["small", "w"], "y8", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]]),
            bounded.node("Conv", ["large", "w"], "y12", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]]),
        ]
        func batched(_ name: String, _ side: Int) -> Onnx_ValueInfoProto {
            var value = onnxValueInfo(name, .float32, [Self.bound, 16, side, side])
            value.type.tensorType.shape.dim[0].dimParam = "batch"
            return value
        }
        var weights = Onnx_TensorProto()
        (weights.name, weights.dataType, weights.dims) = ("w", 1, [16, 16, 3, 3])
        weights.floatData = VulkanRowShaderTests.values(16 * 16 * 9, seed: 3).map { $0 / 12 }
        let path = directory.appendingPathComponent("model.onnx").path
        try writeONNXModel(
            to: path, nodes: nodes, inputs: [batched("small", 8), batched("large", 12)], outputs: [batched("y8", 8), batched("y12", 12)],
            initializers: [weights])
        try #"{"dims": {"batch": {"max": \#(Self.bound)}}, "backends": ["cpu", "vulkan"]}"#
            .write(toFile: ModelConfig.path(besideModel: path), atomically: true, encoding: .utf8)
        let config = try ModelConfig.load(path: ModelConfig.path(besideModel: path))
        let build = try VulkanBackend.compile(Compiler.schedule(Compiler.prepare(modelPath: path, config: config), target: .host)).get()
        let products = build.dispatches.filter { $0.name.hasSuffix("(Conv winograd-gemm)") }
        #expect(products.count == 2, "\(build.dispatches.map(\.name))")
        for product in products { #expect(product.cpuDeviceItemAxis != nil, "\(product.name) runs every workgroup on lavapipe") }

        let loaded = try LoadedModel(modelPath: path, config: config)
        let cpu = try KilnModel(descriptor: loaded.descriptor, device: .cpu)
        let vulkan = try KilnModel(descriptor: loaded.descriptor, profiling: true, device: .vulkan)
        (cpu.codeOwner, vulkan.codeOwner) = (loaded, loaded)
        var workgroups: [Int: Int] = [:]
        for (call, items) in [Self.bound, 1, 3, 2].enumerated() {
            for model in [cpu, vulkan] {
                try model.setExtent(items)
                try model.setInput(0, VulkanRowShaderTests.values(items * 16 * 64, seed: call))
                try model.setInput(1, VulkanRowShaderTests.values(items * 16 * 144, seed: 10 + call))
                model.run()
            }
            for output in 0..<2 {
                let (expected, actual) = (Array(cpu.output(output, as: Float.self)), Array(vulkan.output(output, as: Float.self)))
                let worst = zip(expected, actual).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 1
                #expect(actual.count == expected.count && worst <= 1e-4, "extent \(items), output \(output): \(worst)")
            }
            workgroups[items] = vulkan.kernelProfile().filter { $0.name.hasSuffix("(Conv winograd-gemm)") }.map(\.tiles).reduce(0, +)
        }
        let (one, all) = (try #require(workgroups[1]), try #require(workgroups[Self.bound]))
        #expect(one * 2 < all, "the products ran \(one) workgroups at 1 image, \(all) at \(Self.bound)")

        // The GPU layout over the padded columns, run by lavapipe, at 3 images.
        try Self.verifyGPULayout(
            path, cpu, items: 3,
            inputs: [
                TensorFile(name: "small", data: TensorData(shape: [3, 16, 8, 8], floats: VulkanRowShaderTests.values(3 * 16 * 64, seed: 7))),
                TensorFile(name: "large", data: TensorData(shape: [3, 16, 12, 12], floats: VulkanRowShaderTests.values(3 * 16 * 144, seed: 8))),
            ])
    }

    /// `kilnc verify` of the model at `path` on Vulkan in the GPU layout
    /// (`KILN_VULKAN_SHAPES=gpu`, run by lavapipe) at `items`, against
    /// `cpu`'s outputs for `inputs`.
    static func verifyGPULayout(_ path: String, _ cpu: KilnModel, items: Int, inputs: [TensorFile]) throws {
        let data = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("test_data_set_\(items)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try cpu.setExtent(items)
        for (index, input) in inputs.enumerated() {
            try cpu.setInput(index, from: input.data)
            try input.write(path: data.appendingPathComponent("input_\(index).pb").path)
        }
        cpu.run()
        for output in cpu.outputs.indices {
            try TensorFile(name: cpu.outputs[output].name, data: try cpu.outputData(output))
                .write(path: data.appendingPathComponent("output_\(output).pb").path)
        }
        let (status, out, err) = try kilnc(
            ["verify", path, "--device", "vulkan", "--data", data.path, "--rtol", "1e-3", "--atol", "1e-4"],
            environment: ["KILN_VULKAN_SHAPES": "gpu"])
        #expect(status == 0, "\(items) items: \(out) \(err)")
        #expect(out.components(separatedBy: ": ok (0/").count == cpu.outputs.count + 1, "\(items) items: \(out) \(err)")
    }

    @Test func callsBelowTheBoundRunOnlyTheirItemsWorkgroups() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-vulkan-bounded-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.writeModel(in: directory)
        let config = try ModelConfig.load(path: ModelConfig.path(besideModel: path))

        // Every product, convolution, pooling and row shader marks its item
        // axis in both layouts, Winograd's products too: their few tiles of
        // columns are packed with the 36 matrices' rows, unit-major, since
        // each image's columns fill whole register tiles.
        let build = try VulkanBackend.compile(Compiler.schedule(Compiler.prepare(modelPath: path, config: config), target: .host)).get()
        for dispatch in build.dispatches {
            #expect(dispatch.itemAxis != nil, "\(dispatch.name) runs every workgroup on a GPU")
            #expect(dispatch.cpuDeviceItemAxis != nil, "\(dispatch.name) runs every workgroup on a CPU device")
        }
        // On a GPU the products' 64 × 64 tiles hold items along z (a matrix
        // per image) or, for Winograd's products, along x (image-major
        // columns, here all in one tile).
        let tiled = ["c1_node (Conv)": 2, "c2_node (Conv)": 2, "products_node (MatMul)": 2, "c3_node (Conv winograd-gemm)": 0]
        for (name, axis) in tiled {
            let dispatch = try #require(build.dispatches.first { $0.name == name }, "no dispatch \(name)")
            let described = dispatch.itemAxis.map(String.init) ?? "none"
            #expect(dispatch.cpuDeviceWorkgroups != nil && dispatch.itemAxis == axis, "\(name): item axis \(described)")
            let counts = [dispatch.workgroups.x, dispatch.workgroups.y, dispatch.workgroups.z]
            #expect(counts[axis] >= Self.bound || axis == 0, "\(name): \(counts) workgroups")
        }

        let loaded = try LoadedModel(modelPath: path, config: config)
        let cpu = try KilnModel(descriptor: loaded.descriptor, device: .cpu)
        let vulkan = try KilnModel(descriptor: loaded.descriptor, profiling: true, device: .vulkan)
        (cpu.codeOwner, vulkan.codeOwner) = (loaded, loaded)
        var workgroups: [Int: [Int]] = [:]
        for (call, items) in [Self.bound, 1, 3, 2, Self.bound].enumerated() {
            let x = Self.input(items: items, seed: call)
            for model in [cpu, vulkan] {
                try model.setExtent(items)
                try model.setInput(0, x)
                model.run()
            }
            for output in 0..<3 {
                let (expected, actual) = (Array(cpu.output(output, as: Float.self)), Array(vulkan.output(output, as: Float.self)))
                #expect(actual.count == expected.count)
                let worst = zip(expected, actual).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
                #expect(worst <= 1e-3, "extent \(items), output \(output): worst relative error \(worst)")
            }
            workgroups[items] = vulkan.kernelProfile().map(\.tiles)
        }
        // On lavapipe (the CPU-device layout) a dispatch marked runs ⌈count / 4⌉
        // workgroups along its item axis at 1 item, and all of them at 4.
        let (one, all) = (try #require(workgroups[1]), try #require(workgroups[Self.bound]))
        try #require(one.count == build.dispatches.count)
        for (index, dispatch) in build.dispatches.enumerated() {
            let counts = dispatch.cpuDeviceWorkgroups ?? dispatch.workgroups
            var trimmed = [counts.x, counts.y, counts.z]
            if let axis = dispatch.cpuDeviceItemAxis { trimmed[axis] = (trimmed[axis] + Self.bound - 1) / Self.bound }
            #expect(all[index] == counts.x * counts.y * counts.z, "\(dispatch.name) at \(Self.bound) items")
            #expect(one[index] == trimmed.reduce(1, *), "\(dispatch.name): \(one[index]) workgroups at 1 item")
        }
        #expect(one.reduce(0, +) * 2 < all.reduce(0, +))

        // Pipelined calls, two in flight at different extents: each slot keeps its own counts.
        let extents = [1, Self.bound, 2, 3, 1]
        var expected: [[Float]] = []
        for (call, items) in extents.enumerated() {
            try cpu.setExtent(items)
            try cpu.setInput(0, Self.input(items: items, seed: 20 + call))
            cpu.run()
            expected.append(Array(cpu.output(0, as: Float.self)))
        }
        var pending: [(KilnPendingCall, Int)] = []
        for (call, items) in extents.enumerated() {
            try vulkan.setExtent(items)
            try vulkan.setNextInput(0, Self.input(items: items, seed: 20 + call))
            pending.append((try vulkan.submit(), call))
            guard pending.count == 2 || call == extents.count - 1 else { continue }
            for (submitted, number) in pending {
                try vulkan.wait(for: submitted)
                let actual = Array(vulkan.output(0, of: submitted, as: Float.self))
                let worst = zip(expected[number], actual).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
                #expect(actual.count == expected[number].count && worst <= 1e-3, "pipelined call \(number): \(worst)")
            }
            pending.removeAll()
        }

        // The GPU layout (workgroup tiles, a workgroup per row), run by lavapipe, at 1 and 3 items.
        for items in [1, 3] {
            let x = TensorData(shape: [items, 16, 16, 16], floats: Self.input(items: items, seed: 10 + items))
            try Self.verifyGPULayout(path, cpu, items: items, inputs: [TensorFile(name: "x", data: x)])
        }
    }
}
