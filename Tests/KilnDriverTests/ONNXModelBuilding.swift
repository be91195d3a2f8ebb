// Small ONNX models written by tests themselves, for cases no committed
// fixture covers (every float value, inputs fixed by a config).

import Foundation
import KilnCompiler

/// A tensor input or output declaration of a static shape.
func onnxValueInfo(_ name: String, _ dtype: DType, _ shape: [Int]) -> Onnx_ValueInfoProto {
    var info = Onnx_ValueInfoProto()
    info.name = name
    var tensor = Onnx_TypeProto.Tensor()
    tensor.elemType = Int32(dtype.rawValue)
    tensor.shape.dim = shape.map { size in
        var dim = Onnx_TensorShapeProto.Dimension()
        dim.dimValue = Int64(size)
        return dim
    }
    info.type.tensorType = tensor
    return info
}

/// A one-graph model importing the default domain at `opset`, serialized to `path`.
func writeONNXModel(
    to path: String, nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
    initializers: [Onnx_TensorProto] = [], opset: Int = 13
) throws {
    var model = Onnx_ModelProto()
    model.irVersion = 8
    var imported = Onnx_OperatorSetIdProto()
    imported.version = Int64(opset)
    model.opsetImport = [imported]
    model.graph.node = nodes
    model.graph.input = inputs
    model.graph.output = outputs
    model.graph.initializer = initializers
    try model.serializedData().write(to: URL(fileURLWithPath: path))
}
