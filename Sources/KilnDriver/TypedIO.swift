// Moves typed tensors between files and a loaded model's arena, for tools
// and tests that do not know a model's dtypes at compile time.

import Kiln
import KilnCompiler

extension KilnModel {
    /// Copies `data` into input `index`, checking dtype and shape.
    public func setInput(_ index: Int, from data: TensorData) throws {
        let info = inputs[index]
        guard info.dtype?.rawValue == UInt32(data.dtype.rawValue) else {
            throw DriverError(
                "input '\(info.name)' is \(info.dtype.map(String.init(describing:)) ?? "of an unknown type"), "
                    + "the data is \(data.dtype)")
        }
        if let axis = info.boundedAxis, let dim = boundedDims.first {
            // The data's extent on the bounded axis becomes the model's.
            let perItem = info.shape[axis] / dim.bound
            guard data.shape.count == info.shape.count,
                data.shape.indices.allSatisfy({ $0 == axis || data.shape[$0] == info.shape[$0] }),
                data.shape[axis] % perItem == 0
            else {
                throw DriverError(
                    "input '\(info.name)' has shape \(info.shape) with axis \(axis) up to the bound, "
                        + "the data has \(data.shape)")
            }
            try setExtent(data.shape[axis] / perItem)
        } else {
            guard info.shape == data.shape else {
                throw DriverError("input '\(info.name)' has shape \(info.shape), the data has \(data.shape)")
            }
        }
        let destination = inputBytes(index)
        data.bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
    }

    /// Output `index` as typed data, copied out of the arena.
    public func outputData(_ index: Int) throws -> TensorData {
        let info = outputs[index]
        guard let code = info.dtype?.rawValue, let dtype = DType(rawValue: Int(code)) else {
            throw DriverError("output '\(info.name)' has an element type this driver does not know")
        }
        return TensorData(dtype: dtype, shape: outputShape(index), bytes: Array(outputBytes(index)))
    }
}
