// Reads and writes tensors as ONNX TensorProto files, the layout of ONNX's
// backend tests (`test_data_set_N/input_0.pb`, `output_0.pb`, …), with their
// element types.

import Foundation
import KilnCompiler

/// A named tensor loaded from or saved to a `.pb` file.
public struct TensorFile: Sendable {
    public var name: String
    public var data: TensorData

    public init(name: String, data: TensorData) {
        self.name = name
        self.data = data
    }

    public var shape: [Int] { data.shape }

    /// Reads a serialized `TensorProto`.
    public static func read(path: String) throws -> TensorFile {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw DriverError("cannot read tensor file \(path)")
        }
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: bytes)
        } catch {
            throw DriverError("\(path) is not a serialized ONNX TensorProto: \(error)")
        }
        let tensor = try ONNXImporter(modelPath: path).tensorData(proto, what: "tensor '\(proto.name)'")
        return TensorFile(name: proto.name, data: tensor)
    }

    /// Writes a `TensorProto` with raw little-endian data.
    public func write(path: String) throws {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = data.shape.map { Int64($0) }
        proto.dataType = Int32(data.dtype.rawValue)
        proto.rawData = Data(data.fileBytes)
        do {
            try OutputWriter.write(try proto.serializedData(), to: path)
        } catch {
            throw DriverError("cannot write \(path): \((error as NSError).localizedDescription)")
        }
    }

    /// `input_0.pb`, `input_1.pb`, … (or `output_…`) in a directory, in order.
    public static func readAll(directory: String, prefix: String) throws -> [TensorFile] {
        switch FileKind(atPath: directory) {
        case .missing: throw DriverError("the folder \(directory) does not exist")
        case .file: throw DriverError("\(directory) is a file, not a folder of \(prefix)_0.pb, …")
        case .folder: break
        }
        var tensors: [TensorFile] = []
        while true {
            let path = "\(directory)/\(prefix)_\(tensors.count).pb"
            guard FileManager.default.fileExists(atPath: path) else { break }
            tensors.append(try read(path: path))
        }
        return tensors
    }
}
