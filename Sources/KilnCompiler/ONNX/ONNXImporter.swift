// Decodes an ONNX ModelProto and imports it into the graph IR: inputs with
// static shapes, initializers as constants, nodes with decoded attributes.

import Foundation
import SwiftProtobuf

/// Turns ONNX bytes into a `Graph`. Problems are `CompileError`s naming the file.
public struct ONNXImporter {
    /// The model file, for diagnostics and for resolving external data.
    public var modelPath: String
    public var config: ModelConfig

    public init(modelPath: String, config: ModelConfig = ModelConfig()) {
        self.modelPath = modelPath
        self.config = config
    }

    private var fileLocation: SourceLocation { SourceLocation(file: modelPath) }

    /// Reads the model file and imports it.
    public func importModel() throws -> Graph {
        switch FileKind(atPath: modelPath) {
        case .missing: throw CompileError(.unreadableFile, at: fileLocation, "the model file does not exist")
        case .folder: throw CompileError(.unreadableFile, at: fileLocation, "this is a folder, not an ONNX model file")
        case .file: break
        }
        guard let data = FileManager.default.contents(atPath: modelPath) else {
            throw CompileError(.unreadableFile, at: fileLocation, "cannot read the model file (check its permissions)")
        }
        return try importModel(data: data)
    }

    /// Imports a model from its serialized bytes.
    public func importModel(data: Data) throws -> Graph {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw CompileError(
                .malformedModel, at: fileLocation,
                "not a valid ONNX model: the protobuf could not be decoded (\(error)); "
                    + "the file may be truncated or not an ONNX file")
        }
        guard model.irVersion > 0, model.hasGraph, !model.graph.output.isEmpty else {
            throw CompileError(
                .malformedModel, at: fileLocation,
                "not a valid ONNX model: it has no IR version or no graph with outputs")
        }
        guard model.irVersion <= Int64(ONNXSchemas.newestIRVersion) else {
            throw CompileError(
                .malformedModel, at: fileLocation,
                "the model has IR version \(model.irVersion); onnx \(ONNXSchemas.onnxVersion) defines versions up to "
                    + "\(ONNXSchemas.newestIRVersion), so this file's format may mean something Kiln cannot read")
        }
        let opset = try defaultOpset(of: model)
        return try importGraph(model.graph, opset: opset)
    }

    /// The default domain's opset; 0 when the model imports only other
    /// domains (its nodes are then reported as unsupported, by domain).
    private func defaultOpset(of model: Onnx_ModelProto) throws -> Int {
        guard !model.opsetImport.isEmpty else {
            throw CompileError(.malformedModel, at: fileLocation, "the model imports no opset at all")
        }
        let versions = Set(model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map(\.version))
        guard versions.count <= 1 else {
            throw CompileError(
                .malformedModel, at: fileLocation,
                "the model imports the default ONNX domain at several opsets (\(versions.sorted().map(String.init).joined(separator: ", "))); it must name one")
        }
        guard let version = versions.first else { return 0 }
        guard (1...Int64(ONNXSchemas.newestOpset)).contains(version) else {
            throw CompileError(
                .malformedModel, at: fileLocation,
                "the model imports opset \(version) of the default ONNX domain; ONNX defines opsets 1 to "
                    + "\(ONNXSchemas.newestOpset) (as of onnx \(ONNXSchemas.onnxVersion))")
        }
        return Int(version)
    }

    private func importGraph(_ proto: Onnx_GraphProto, opset: Int) throws -> Graph {
        var graph = Graph(modelFile: modelPath, opset: opset)
        var byName: [String: ValueID] = [:]
        // What defined each name, for values defined twice (one producer per value, as ONNX requires).
        var origin: [String: String] = [:]
        func define(_ name: String, by definer: String, at location: SourceLocation) {
            if let earlier = origin[name] {
                graph.problems.append(
                    CompileError(
                        .malformedModel, at: location,
                        "'\(name)' is defined twice, by \(earlier) and by \(definer); every value must have exactly "
                            + "one producer"))
            } else {
                origin[name] = definer
            }
        }

        // An initializer or input Kiln cannot take is recorded and the import goes
        // on, so the nodes that read it are still checked for their own problems.
        for initializer in proto.initializer {
            define(initializer.name, by: "initializer '\(initializer.name)'", at: fileLocation)
            do {
                let data = try tensorData(initializer, what: "initializer '\(initializer.name)'")
                byName[initializer.name] = graph.addValue(Value(name: initializer.name, constant: data))
            } catch let error as CompileError {
                let id = graph.addValue(Value(name: initializer.name))
                graph.record(error, unavailable: [id])
                byName[initializer.name] = id
            }
        }
        let stateInputs = Set((config.state ?? []).map(\.input))
        var initialState: [String: TensorData] = [:]
        var listedInputs: Set<String> = []
        for input in proto.input {
            guard listedInputs.insert(input.name).inserted else {
                graph.problems.append(
                    CompileError(.malformedModel, at: fileLocation, "graph input '\(input.name)' is listed twice"))
                continue
            }
            // Older exporters list initializers as graph inputs too (their
            // defaults): a constant, unless the config makes it state, which
            // the initializer then starts from.
            if let existing = byName[input.name] {
                guard stateInputs.contains(input.name), let initial = graph[existing].constant else { continue }
                let id = graph.addValue(Value(name: input.name, type: initial.type))
                initialState[input.name] = initial
                byName[input.name] = id
                graph.inputs.append(id)
                continue
            }
            define(input.name, by: "graph input '\(input.name)'", at: fileLocation)
            if let pinned = config.constants[input.name] {
                let data = try pinnedValue(pinned, for: input)
                byName[input.name] = graph.addValue(Value(name: input.name, constant: data))
                continue
            }
            let id = graph.addValue(Value(name: input.name))
            do {
                graph[id].type = try inputType(input)
            } catch let error as CompileError {
                graph.record(error, unavailable: [id])
            }
            byName[input.name] = id
            graph.inputs.append(id)
        }
        let inputNames = Set(proto.input.map(\.name)).subtracting(proto.initializer.map(\.name))
        let unknown = config.constants.keys.filter { !inputNames.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw CompileError(
                .invalidConfig, at: fileLocation,
                "constants name \(unknown.map { "'\($0)'" }.joined(separator: ", ")), which the model has no "
                    + "graph input called; its inputs are \(inputNames.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        for (index, nodeProto) in proto.node.enumerated() {
            let name = nodeProto.name.isEmpty ? "\(nodeProto.opType)_\(index)" : nodeProto.name
            let location = SourceLocation(file: modelPath, node: name, opType: nodeProto.opType, opset: opset)
            if opset == 0, nodeProto.domain.isEmpty || nodeProto.domain == "ai.onnx" {
                throw CompileError(
                    .malformedModel, at: location, "the node uses the default ONNX domain, which the model does not import")
            }
            var inputs: [ValueID?] = []
            for inputName in nodeProto.input {
                if inputName.isEmpty {
                    inputs.append(nil)
                    continue
                }
                guard let id = byName[inputName] else {
                    throw CompileError(
                        .malformedModel, at: location,
                        "input '\(inputName)' is not a graph input, an initializer or an earlier node's output "
                            + "(is the graph topologically sorted?)")
                }
                inputs.append(id)
            }
            var outputs: [ValueID] = []
            for (position, outputName) in nodeProto.output.enumerated() {
                let valueName = outputName.isEmpty ? "\(name):\(position)" : outputName
                let id = graph.addValue(Value(name: valueName))
                if !outputName.isEmpty {
                    define(outputName, by: "node '\(name)'", at: location)
                    byName[outputName] = id
                }
                outputs.append(id)
            }
            var attributes: [String: Attribute] = [:]
            for attribute in nodeProto.attribute {
                guard attributes[attribute.name] == nil else {
                    throw CompileError(.malformedModel, at: location, "attribute '\(attribute.name)' is given twice")
                }
                attributes[attribute.name] = try decode(attribute, at: location)
            }
            graph.nodes.append(
                Node(
                    name: name, opType: nodeProto.opType, domain: nodeProto.domain, inputs: inputs,
                    outputs: outputs, attributes: attributes))
        }
        let outputNames = proto.output.map(\.name)
        if let kept = config.outputs {
            let unknown = kept.filter { !outputNames.contains($0) }
            if !unknown.isEmpty {
                throw CompileError(
                    .invalidConfig, at: fileLocation,
                    "outputs names \(unknown.map { "'\($0)'" }.joined(separator: ", ")), which the model has no "
                        + "graph output called; its outputs are \(outputNames.map { "'\($0)'" }.joined(separator: ", "))")
            }
        }
        let stateOutputs = Set((config.state ?? []).map(\.output))
        for output in proto.output where config.outputs?.contains(output.name) ?? true || stateOutputs.contains(output.name) {
            guard let id = byName[output.name] else {
                throw CompileError(
                    .malformedModel, at: fileLocation, "graph output '\(output.name)' is not produced by any node")
            }
            graph.outputs.append(id)
            graph.declaredOutputTypes[id] = try declaredType(output)
        }
        if config.outputs != nil {
            // The outputs left out are not computed: neither is what only they need.
            graph.removeNodesNoOutputNeeds()
        }
        // With problems recorded (say, a state's initializer Kiln cannot
        // decode), those are the errors to show, not a missing state input.
        if graph.problems.isEmpty { graph.state = try statePairs(in: graph, initial: initialState) }
        try recordBoundedDims(in: &graph, inputs: proto.input)
        return graph
    }

    /// Notes which input axes the config's bounded dims size. One bounded
    /// dim per model: items of two independent dims cannot both be
    /// contiguous blocks.
    private func recordBoundedDims(in graph: inout Graph, inputs: [Onnx_ValueInfoProto]) throws {
        guard config.dims.values.contains(where: { if case .bounded = $0 { true } else { false } }) else { return }
        let location = SourceLocation(file: ModelConfig.path(besideModel: modelPath))
        let stateInputs = Set(graph.state.map { graph.inputs[$0.input] })
        for info in inputs {
            guard let id = graph.inputs.first(where: { graph[$0].name == info.name }),
                case .tensorType(let tensor)? = info.type.value
            else { continue }
            for (axis, dim) in tensor.shape.dim.enumerated() {
                guard case .dimParam(let name)? = dim.value, case .bounded(let bound)? = config.dims[name] else {
                    continue
                }
                if !graph.boundedDims.contains(where: { $0.name == name }) {
                    graph.boundedDims.append(BoundedDim(name: name, bound: bound))
                }
                guard !stateInputs.contains(id) else {
                    throw CompileError(
                        .invalidConfig, at: location,
                        "state input '\(info.name)' is sized by the bounded dim '\(name)'; state keeps one shape "
                            + "between calls, so give the dim a size: {\"dims\": {\"\(name)\": \(bound)}}")
                }
                if let earlier = graph.boundedInputAxes[id] {
                    throw CompileError(
                        .invalidConfig, at: location,
                        "input '\(info.name)' has bounded dims on axes \(earlier) and \(axis); Kiln bounds one axis "
                            + "per input: give the other a size in dims")
                }
                graph.boundedInputAxes[id] = axis
            }
        }
        if graph.boundedDims.count > 1 {
            let names = graph.boundedDims.map { "'\($0.name)'" }.joined(separator: " and ")
            throw CompileError(
                .invalidConfig, at: location,
                "dims bounds \(names); Kiln bounds one dim per model so far: give all but the batch dim a size "
                    + "(e.g. {\"dims\": {\"\(graph.boundedDims[1].name)\": \(graph.boundedDims[1].bound)}})")
        }
    }

    /// The config's state pairs as positions in the graph's inputs and outputs.
    private func statePairs(in graph: Graph, initial: [String: TensorData]) throws -> [StatePair] {
        let location = SourceLocation(file: ModelConfig.path(besideModel: modelPath))
        func list(_ ids: [ValueID]) -> String { ids.map { "'\(graph[$0].name)'" }.joined(separator: ", ") }
        return try (config.state ?? []).map { pair in
            if config.constants[pair.input] != nil {
                throw CompileError(
                    .invalidConfig, at: location,
                    "state input '\(pair.input)' is also fixed by constants; state changes from call to call")
            }
            guard let input = graph.inputs.firstIndex(where: { graph[$0].name == pair.input }) else {
                throw CompileError(
                    .invalidConfig, at: location,
                    "state input '\(pair.input)' is no graph input of the model; its inputs are \(list(graph.inputs))")
            }
            guard let output = graph.outputs.firstIndex(where: { graph[$0].name == pair.output }) else {
                throw CompileError(
                    .invalidConfig, at: location,
                    "state output '\(pair.output)' is no graph output of the model; its outputs are \(list(graph.outputs))")
            }
            return StatePair(input: input, output: output, initial: initial[pair.input])
        }
    }

    /// A graph output's declared type; only tensors can be declared, as
    /// Kiln computes nothing else.
    private func declaredType(_ info: Onnx_ValueInfoProto) throws -> DeclaredType? {
        guard let declared = info.type.value else { return nil }
        guard case .tensorType(let tensor) = declared else {
            throw CompileError(
                .unsupportedFeature, at: fileLocation,
                "graph output '\(info.name)' is declared as a non-tensor type (a sequence, map or optional); "
                    + "Kiln computes tensors only")
        }
        var dtype: DType? = nil
        if tensor.elemType != 0 {
            guard let known = DType(rawValue: Int(tensor.elemType)) else {
                throw CompileError(
                    .unsupportedFeature, at: fileLocation,
                    "graph output '\(info.name)' is declared \(DTypeName.name(of: Int(tensor.elemType))), "
                        + "which Kiln does not support")
            }
            dtype = known
        }
        // Inputs fixed by the config make another model: its output shapes
        // may differ from the exporter's declaration (ReduceSum over other axes).
        guard tensor.hasShape, config.constants.isEmpty else { return DeclaredType(dtype: dtype, shape: nil) }
        let shape = tensor.shape.dim.map { dim -> Int? in
            switch dim.value {
            case .dimValue(let size)? where size >= 0: Int(exactly: size)
            case .dimParam(let name)?: config.dims[name]?.compiledSize
            default: nil
            }
        }
        return DeclaredType(dtype: dtype, shape: shape)
    }

    // MARK: - Inputs

    private func inputType(_ info: Onnx_ValueInfoProto) throws -> TensorType {
        let location = fileLocation
        guard case .tensorType(let tensor)? = info.type.value else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "input '\(info.name)' is not a tensor; only tensor inputs are supported")
        }
        guard let dtype = DType(rawValue: Int(tensor.elemType)) else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "input '\(info.name)' has element type \(DTypeName.name(of: Int(tensor.elemType))), "
                    + "which Kiln does not support")
        }
        guard tensor.hasShape else {
            throw CompileError(
                .dynamicShape, at: location,
                "input '\(info.name)' has no shape; Kiln needs static shapes (export the model with fixed input sizes)")
        }
        var shape: [Int] = []
        for (axis, dim) in tensor.shape.dim.enumerated() {
            switch dim.value {
            case .dimValue(let value)? where value >= 0:
                shape.append(Int(value))
            case .dimParam(let param)? where !param.isEmpty:
                guard let size = config.dims[param]?.compiledSize else {
                    throw CompileError(
                        .dynamicShape, at: location,
                        "input '\(info.name)' has dynamic dimension '\(param)' (axis \(axis)) with no size; "
                            + "give it one in \(configFileName): {\"dims\": {\"\(param)\": 1}}")
                }
                shape.append(size)
            default:
                throw CompileError(
                    .dynamicShape, at: location,
                    "input '\(info.name)' has an unknown dimension at axis \(axis); "
                        + "export the model with a fixed size or a named dimension sized in \(configFileName)")
            }
        }
        guard Shape.checkedElementCount(shape) != nil else {
            throw CompileError(.malformedModel, at: location, "input '\(info.name)' has an impossible shape \(shape)")
        }
        return TensorType(dtype, shape)
    }

    /// A graph input fixed by the config: its declared type, or the pinned
    /// tensor's own where the declaration leaves dims open.
    private func pinnedValue(_ pinned: InputConstant, for input: Onnx_ValueInfoProto) throws -> TensorData {
        let type: TensorType
        do {
            type = try inputType(input)
        } catch let error as CompileError where error.kind == .dynamicShape {
            guard case .tensor(let data) = pinned else { throw error }
            guard case .tensorType(let tensor)? = input.type.value, Int(tensor.elemType) == data.dtype.rawValue,
                tensor.shape.dim.count == data.shape.count
            else {
                throw CompileError(
                    .invalidConfig, at: fileLocation,
                    "the constant for input '\(input.name)' is \(data.type), which does not fit the input's declaration")
            }
            type = data.type
        }
        do {
            return try pinned.tensor(as: type)
        } catch {
            throw CompileError(.invalidConfig, at: fileLocation, "the constant for input '\(input.name)' \(error.message)")
        }
    }

    private var configFileName: String { ModelConfig.fileName(besideModel: modelPath) }

    // MARK: - Tensors

    /// Decodes a TensorProto, checking that its payload matches its dims.
    package func tensorData(_ proto: Onnx_TensorProto, what: String) throws -> TensorData {
        let location = fileLocation
        var shape: [Int] = []
        for dim in proto.dims {
            guard dim >= 0 else {
                throw CompileError(.invalidInitializer, at: location, "\(what) has a negative dimension \(dim)")
            }
            shape.append(Int(dim))
        }
        guard let count = Shape.checkedElementCount(shape) else {
            throw CompileError(.invalidInitializer, at: location, "\(what) has an impossible shape \(shape)")
        }
        let raw = try rawBytes(proto, what: what)

        func checkCount(_ actual: Int) throws {
            guard actual == count else {
                throw CompileError(
                    .invalidInitializer, at: location,
                    "\(what) has \(actual) elements, but shape \(shape) needs \(count)")
            }
        }
        func checkBytes(_ raw: [UInt8], width: Int) throws {
            guard raw.count == count * width else {
                throw CompileError(
                    .invalidInitializer, at: location,
                    "\(what) has \(raw.count) bytes of data, but shape \(shape) of "
                        + "\(DTypeName.name(of: Int(proto.dataType))) needs \(count * width)")
            }
        }

        guard let dtype = DType(rawValue: Int(proto.dataType)) else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "\(what) has element type \(DTypeName.name(of: Int(proto.dataType))), which Kiln does not support")
        }
        if let bits = dtype.packedBits {
            // Several elements per byte, low bits first, in raw_data or one byte per int32_data entry.
            let packed = raw ?? proto.int32Data.map { UInt8(truncatingIfNeeded: $0) }
            let perByte = 8 / bits
            guard packed.count == (count + perByte - 1) / perByte else {
                throw CompileError(
                    .invalidInitializer, at: location,
                    "\(what) has \(packed.count) bytes of \(dtype) data, but shape \(shape) needs "
                        + "\((count + perByte - 1) / perByte) (\(perByte) elements per byte)")
            }
            return TensorData(dtype: dtype, shape: shape, unpacking: packed)
        }
        if let raw {
            try checkBytes(raw, width: dtype.byteSize)
            return TensorData(dtype: dtype, shape: shape, bytes: raw)
        }
        // The typed repeated fields: which one holds a dtype is fixed by onnx.proto.
        switch dtype {
        case .float32:
            try checkCount(proto.floatData.count)
            return TensorData(shape: shape, floats: proto.floatData)
        case .float64:
            try checkCount(proto.doubleData.count)
            return TensorData(dtype: dtype, shape: shape, converting: proto.doubleData)
        case .int64:
            try checkCount(proto.int64Data.count)
            return TensorData(shape: shape, int64s: proto.int64Data)
        case .uint32, .uint64:
            try checkCount(proto.uint64Data.count)
            return TensorData(dtype: dtype, shape: shape, converting: proto.uint64Data.map { Int64(bitPattern: $0) })
        case .float16, .bfloat16:
            // Stored as their bit patterns in int32_data.
            try checkCount(proto.int32Data.count)
            let bits = proto.int32Data.flatMap { value -> [UInt8] in
                [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
            }
            return TensorData(dtype: dtype, shape: shape, bytes: bits)
        case .int32, .int16, .int8, .uint16, .uint8, .bool:
            try checkCount(proto.int32Data.count)
            return TensorData(dtype: dtype, shape: shape, converting: proto.int32Data.map { Int64($0) })
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            // Codes, one per int32_data entry.
            try checkCount(proto.int32Data.count)
            return TensorData(dtype: dtype, shape: shape, bytes: proto.int32Data.map { UInt8(truncatingIfNeeded: $0) })
        case .uint4, .int4, .float4e2m1, .uint2, .int2:
            preconditionFailure("packed types are decoded above")
        }
    }

    /// The raw payload: `raw_data`, or the external file it points to; nil
    /// when the tensor uses the typed repeated fields instead.
    private func rawBytes(_ proto: Onnx_TensorProto, what: String) throws -> [UInt8]? {
        if proto.dataLocation == .external {
            guard !proto.hasRawData else {
                throw CompileError(
                    .invalidInitializer, at: fileLocation,
                    "\(what) has both raw_data and external data; which one holds its values is ambiguous")
            }
            let known: Set<String> = ["location", "offset", "length", "checksum", "basepath"]
            if let unknown = proto.externalData.map(\.key).first(where: { !known.contains($0) }) {
                throw CompileError(
                    .invalidInitializer, at: fileLocation,
                    "\(what) has external data key '\(unknown)', which ONNX does not define (known: "
                        + "\(known.sorted().joined(separator: ", "))); ignoring it could change what is read")
            }
            let entries = Dictionary(proto.externalData.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            guard let file = entries["location"], !file.isEmpty else {
                throw CompileError(
                    .invalidInitializer, at: fileLocation, "\(what) has external data with no valid 'location'")
            }
            let directory = URL(fileURLWithPath: modelPath).deletingLastPathComponent()
            let path = directory.appendingPathComponent(file).path
            // The data must stay inside the model's folder: no absolute path, no `..`,
            // no symbolic link leading out (a model from the internet must not embed
            // files from the machine that builds it).
            let root = directory.resolvingSymlinksInPath().standardizedFileURL.path
            for key in ["offset", "length"] {
                if let text = entries[key], Int(text).map({ $0 < 0 }) ?? true {
                    throw CompileError(
                        .invalidInitializer, at: fileLocation,
                        "\(what) has external data \(key) '\(text)'; it must be a whole number of bytes, 0 or more")
                }
            }
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
            if resolved == root {
                throw CompileError(
                    .invalidInitializer, at: fileLocation,
                    "\(what) stores its data in '\(file)', which is the model's folder, not a file")
            }
            guard !file.hasPrefix("/"), !file.split(separator: "/").contains(".."), resolved.hasPrefix(root + "/") else {
                throw CompileError(
                    .invalidInitializer, at: fileLocation,
                    "\(what) stores its data in '\(file)', which leads outside the model's folder '\(root)' "
                        + "(to '\(resolved)'); Kiln reads external data only from files inside that folder")
            }
            switch FileKind(atPath: path) {
            case .missing:
                throw CompileError(
                    .invalidInitializer, at: fileLocation,
                    "\(what) stores its data in '\(file)', which does not exist next to the model")
            case .folder:
                throw CompileError(
                    .invalidInitializer, at: fileLocation, "\(what) stores its data in '\(file)', which is a folder")
            case .file: break
            }
            // Read only this tensor's bytes: a large model keeps hundreds of
            // tensors in one multi-gigabyte file.
            guard let handle = FileHandle(forReadingAtPath: path),
                let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            else {
                throw CompileError(
                    .invalidInitializer, at: fileLocation, "\(what) stores its data in '\(path)', which cannot be read")
            }
            defer { try? handle.close() }
            let offset = Int(entries["offset"] ?? "0") ?? -1
            let length = entries["length"].map { Int($0) ?? -1 } ?? (size - max(offset, 0))
            let (end, overflow) = offset.addingReportingOverflow(length)
            guard offset >= 0, length >= 0, !overflow, end <= size else {
                throw CompileError(
                    .invalidInitializer, at: fileLocation,
                    "\(what) reads \(entries["length"] ?? "all") bytes at offset \(entries["offset"] ?? "0") of '\(file)', "
                        + "which has \(size)")
            }
            do {
                try handle.seek(toOffset: UInt64(offset))
                let data = try handle.read(upToCount: length) ?? Data()
                guard data.count == length else { throw CocoaError(.fileReadUnknown) }
                return [UInt8](data)
            } catch {
                throw CompileError(
                    .invalidInitializer, at: fileLocation, "\(what): reading '\(path)' failed: \(error)")
            }
        }
        return proto.hasRawData ? [UInt8](proto.rawData) : nil
    }

    // MARK: - Attributes

    private func decode(_ attribute: Onnx_AttributeProto, at location: SourceLocation) throws -> Attribute {
        switch attribute.type {
        case .float: return .float(attribute.f)
        case .int: return .int(Int(attribute.i))
        case .string: return .string(String(decoding: attribute.s, as: UTF8.self))
        case .tensor:
            return .tensor(
                try tensorData(attribute.t, what: "attribute '\(attribute.name)' of node '\(location.node ?? "")'"))
        case .floats: return .floats(attribute.floats)
        case .ints: return .ints(attribute.ints.map { Int($0) })
        case .strings: return .strings(attribute.strings.map { String(decoding: $0, as: UTF8.self) })
        default:
            // Older exporters leave `type` unset; infer it from the populated field.
            if attribute.hasF { return .float(attribute.f) }
            if attribute.hasI { return .int(Int(attribute.i)) }
            if attribute.hasS { return .string(String(decoding: attribute.s, as: UTF8.self)) }
            if !attribute.ints.isEmpty { return .ints(attribute.ints.map { Int($0) }) }
            if !attribute.floats.isEmpty { return .floats(attribute.floats) }
            throw CompileError(
                .unsupportedFeature, at: location,
                "attribute '\(attribute.name)' has a type Kiln does not support (graphs, sparse tensors, type protos)")
        }
    }
}
