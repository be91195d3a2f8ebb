// Reading ONNX TensorProto files and comparing floats, for the apps of the
// scratch packages the integration checks build (check-real-models-plugin.sh,
// check-bundle.sh): copied into each beside its main.swift and onnx.pb.swift.

import Foundation
import SwiftProtobuf

/// A tolerance: |actual − expected| ≤ atol + rtol·|expected|.
struct RealModelCase: Decodable {
    var name: String
    var atol: Double
    var rtol: Double
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

func readTensor(_ path: String) throws -> Onnx_TensorProto {
    try Onnx_TensorProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Reads `input_0.pb`, `input_1.pb`, … (or `output_…`) until the next index is missing.
func readTensors(in directory: String, prefix: String) throws -> [Onnx_TensorProto] {
    var tensors: [Onnx_TensorProto] = []
    while FileManager.default.fileExists(atPath: "\(directory)/\(prefix)_\(tensors.count).pb") {
        tensors.append(try readTensor("\(directory)/\(prefix)_\(tensors.count).pb"))
    }
    return tensors
}

func elementCount(_ tensor: Onnx_TensorProto) -> Int { tensor.dims.reduce(1) { $0 * Int($1) } }

/// Little-endian raw data as `T`, or nil when the tensor keeps its values in a typed field.
func rawValues<T: BitwiseCopyable>(_ tensor: Onnx_TensorProto, as type: T.Type) throws -> [T]? {
    guard !tensor.rawData.isEmpty else { return nil }
    let count = elementCount(tensor)
    guard tensor.rawData.count == count * MemoryLayout<T>.size else {
        throw HarnessError(description: "tensor '\(tensor.name)': \(tensor.rawData.count) raw bytes for \(count) elements")
    }
    return tensor.rawData.withUnsafeBytes { bytes in
        (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
    }
}

func floats(_ tensor: Onnx_TensorProto) throws -> [Float] {
    guard tensor.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
        throw HarnessError(description: "tensor '\(tensor.name)' has data type \(tensor.dataType), expected float")
    }
    return try rawValues(tensor, as: Float.self) ?? tensor.floatData
}

func int64s(_ tensor: Onnx_TensorProto) throws -> [Int64] {
    guard tensor.dataType == Int32(Onnx_TensorProto.DataType.int64.rawValue) else {
        throw HarnessError(description: "tensor '\(tensor.name)' has data type \(tensor.dataType), expected int64")
    }
    return try rawValues(tensor, as: Int64.self) ?? tensor.int64Data
}

/// Nil when every value is within `atol + rtol·|expected|`, else what went wrong.
func mismatch(_ actual: [Float], _ expected: [Float], _ limits: RealModelCase) -> (Double, String?) {
    guard actual.count == expected.count else {
        return (.infinity, "\(actual.count) values, the reference has \(expected.count)")
    }
    var worst = 0.0
    var bad = 0
    for (a, e) in zip(actual, expected) {
        let error = abs(Double(a) - Double(e))
        worst = max(worst, error.isNaN ? .infinity : error)
        if !(error <= limits.atol + limits.rtol * abs(Double(e))) { bad += 1 }
    }
    return (worst, bad == 0 ? nil : "\(bad) of \(expected.count) values outside atol \(limits.atol) + rtol \(limits.rtol)")
}
