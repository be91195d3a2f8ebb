// Builders for the per-op unit tests: an op parsed from plain attribute
// values at a chosen opset, its inputs from plain types and constants, and
// comparable views of errors and lowerings, so each test states only the
// node it is about and the numbers it expects.

import Testing

@testable import KilnCompiler

/// Where every test node claims to be, so tests can check that errors name it.
let opTestLocation = KilnCompiler.SourceLocation(file: "ops.onnx", node: "node", opType: "Op", opset: 13)

extension Operator {
    /// The op as the compiler parses a node with `attributes` in a model importing `opset`.
    static func parse(_ attributes: [String: Attribute] = [:], opset: Int = 13) throws -> Self {
        try Self(AttributeReader(attributes: attributes, opset: opset, location: opTestLocation))
    }
}

/// One input of a test node: its type, and its contents when it is a compile-time constant.
struct Operand {
    var type: TensorType?
    var data: TensorData?

    /// An input computed at run time.
    static func value(_ dtype: DType, _ shape: [Int]) -> Operand { Operand(type: TensorType(dtype, shape)) }
    /// A compile-time constant.
    static func constant(_ data: TensorData) -> Operand { Operand(type: data.type, data: data) }
    /// An omitted optional input (an empty name in ONNX).
    static let absent = Operand(type: nil)

    /// Constant int64s, a vector unless `shape` says otherwise.
    static func int64s(_ values: [Int64], shape: [Int]? = nil) -> Operand {
        .constant(TensorData(shape: shape ?? [values.count], int64s: values))
    }
    /// Constant float32s, a vector unless `shape` says otherwise.
    static func floats(_ values: [Float], shape: [Int]? = nil) -> Operand {
        .constant(TensorData(shape: shape ?? [values.count], floats: values))
    }
    /// Constant bools, a vector unless `shape` says otherwise.
    static func bools(_ values: [Bool], shape: [Int]? = nil) -> Operand {
        .constant(TensorData(shape: shape ?? [values.count], bools: values))
    }
}

extension OpInputs {
    /// A node's inputs, in order, for a node declaring `outputCount` outputs.
    init(_ operands: Operand..., outputCount: Int = 1) {
        self.init(
            types: operands.map(\.type), constants: operands.map(\.data), outputCount: outputCount,
            location: opTestLocation)
    }
}

extension TensorData {
    /// An int32 tensor (a vector unless `shape` says otherwise): folding must keep narrow types narrow.
    static func int32s(_ values: [Int32], shape: [Int]? = nil) -> TensorData {
        TensorData(dtype: .int32, shape: shape ?? [values.count], converting: values.map { Int64($0) })
    }
}

/// A `.replace` lowering's outputs in a form tests can compare.
enum ReplacedBy: Equatable {
    case input(Int)
    case constant(TensorData)
}

extension Lowering {
    /// The core operation, or nil when the node is not lowered to one.
    var coreOp: CoreOp? {
        switch self {
        case .core(let op): op
        default: nil
        }
    }

    /// What each output is replaced by, or nil when the node is not replaced.
    var replacements: [ReplacedBy]? {
        guard case .replace(let list) = self else { return nil }
        return list.map {
            switch $0 {
            case .input(let position): .input(position)
            case .constant(let data): .constant(data)
            }
        }
    }
}

/// Runs `body` expecting a ``CompileError`` of `kind` that names the test node
/// and whose message mentions each of `fragments` (so it says what is wrong).
@discardableResult
func expectCompileError<Result>(
    _ kind: CompileError.Kind, _ fragments: String..., sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ body: () throws -> Result
) -> CompileError? {
    let error = #expect(throws: CompileError.self, sourceLocation: sourceLocation) { _ = try body() }
    guard let error else { return nil }
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    #expect(error.location == opTestLocation, "the error does not name the node", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(
            error.message.contains(fragment), "\"\(error.message)\" does not mention \"\(fragment)\"",
            sourceLocation: sourceLocation)
    }
    return error
}
