// Initializers stored outside the model file (ONNX external data): read
// from their offset without loading the whole file, and refused with an
// error naming the tensor when the offsets are impossible.

import Foundation
import Testing

@testable import KilnCompiler

@Suite struct ExternalDataTests {
    /// A model `y = x + w` whose `w` (float32 [2,3]) lives in `weights.bin`.
    func model(offset: String, length: String?, location: String = "weights.bin") throws -> (path: String, data: Data) {
        var w = Onnx_TensorProto()
        w.name = "w"
        w.dims = [2, 3]
        w.dataType = Int32(DType.float32.rawValue)
        w.dataLocation = .external
        var entries = [("location", location), ("offset", offset)]
        if let length { entries.append(("length", length)) }
        w.externalData = entries.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        var x = Onnx_ValueInfoProto()
        x.name = "x"
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(DType.float32.rawValue)
        tensorType.shape.dim = [Int64(2), 3].map { size in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = size
            return dim
        }
        x.type.tensorType = tensorType
        var y = Onnx_ValueInfoProto()
        y.name = "y"
        var add = Onnx_NodeProto()
        add.opType = "Add"
        add.name = "add"
        add.input = ["x", "w"]
        add.output = ["y"]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 13
        model.opsetImport = [opset]
        model.graph.node = [add]
        model.graph.input = [x]
        model.graph.output = [y]
        model.graph.initializer = [w]

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-external-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // 8 bytes of padding, then six floats 1...6, then 4 more bytes.
        var bytes = [UInt8](repeating: 0xAB, count: 8)
        bytes += TensorData(shape: [6], floats: [1, 2, 3, 4, 5, 6]).bytes
        bytes += [0, 0, 0, 0]
        try Data(bytes).write(to: directory.appendingPathComponent("weights.bin"))
        return (directory.appendingPathComponent("model.onnx").path, try model.serializedData())
    }

    @Test func readsTheTensorAtItsOffset() throws {
        let (path, data) = try model(offset: "8", length: "24")
        let prepared = try Compiler.prepare(data: data, modelPath: path)
        let w = try #require(prepared.graph.values.first { $0.name == "w" })
        #expect(w.constant?.floats == [1, 2, 3, 4, 5, 6])
    }

    /// A location that leads out of the model's folder is refused, however it gets there.
    @Test func locationsOutsideTheModelFolderAreRefused() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-outside-\(UUID()).bin")
        try Data(TensorData(shape: [6], floats: [1, 2, 3, 4, 5, 6]).bytes).write(to: outside)
        defer { try? FileManager.default.removeItem(at: outside) }
        for location in ["link.bin", "../\(outside.lastPathComponent)", outside.path] {
            let (path, data) = try model(offset: "0", length: "24", location: location)
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent("link.bin"), withDestinationURL: outside)
            do {
                _ = try Compiler.prepare(data: data, modelPath: path)
                Issue.record("external data at '\(location)' must be refused")
            } catch let error as CompileError {
                #expect(error.kind == .invalidInitializer)
                #expect(error.message.contains("outside the model's folder"), "\(error.message)")
            }
        }
    }

    @Test(arguments: [
        ("8", "28"),  // past the end
        ("9223372036854775800", "24"),  // offset + length overflows
        ("-8", "24"),
        ("8", "x"),
    ])
    func impossibleRangesAreErrorsNamingTheTensor(_ offset: String, _ length: String) throws {
        let (path, data) = try model(offset: offset, length: length)
        do {
            _ = try Compiler.prepare(data: data, modelPath: path)
            Issue.record("offset \(offset), length \(length) must be refused")
        } catch let error as CompileError {
            #expect(error.kind == .invalidInitializer)
            #expect(error.message.contains("initializer 'w'"))
        }
    }
}
