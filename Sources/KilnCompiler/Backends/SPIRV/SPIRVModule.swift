// A SPIR-V module builder in Swift, so that Kiln needs no shader compiler
// (glslc, glslang) at a user's build time: compute shaders are built as
// words directly. It writes each instruction into the section the SPIR-V
// spec's logical layout puts it in (capabilities, imports, memory model,
// entry points and modes, names, decorations, types and globals, functions)
// and joins them at the end, so callers may declare a type while emitting a
// function body. Types and constants are made once per distinct value.

/// A SPIR-V result id.
public struct SPIRVID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt32
    public var description: String { "%\(value)" }
}

/// Builds one SPIR-V module for Vulkan compute (SPIR-V 1.3, Vulkan 1.1).
public struct SPIRVModule {
    /// SPIR-V 1.3: what every Vulkan 1.1 device accepts.
    public static let version: UInt32 = 0x0001_0300

    private var nextID: UInt32 = 1
    private var capabilities: [UInt32] = []
    /// The capabilities `capabilities` declares, so each is declared once.
    private var declaredCapabilities: Set<UInt32> = []
    private var imports: [UInt32] = []
    private var memoryModel: [UInt32] = []
    private var entryPoints: [UInt32] = []
    private var executionModes: [UInt32] = []
    private var names: [UInt32] = []
    private var annotations: [UInt32] = []
    private var globals: [UInt32] = []
    private var functions: [UInt32] = []
    private var typeCache: [[UInt32]: SPIRVID] = [:]
    private var constantCache: [[UInt32]: SPIRVID] = [:]
    private var glslImport: SPIRVID?
    /// Where the current function's next Function variable goes: SPIR-V
    /// wants them all at the start of its first block, and kernels find the
    /// loops that need them as they go.
    private var variableInsertionPoint: Int?

    public init() {
        require(capability: 1)  // Shader
        emit(&memoryModel, .memoryModel, [0, 1])  // Logical, GLSL450
    }

    /// A fresh result id.
    public mutating func makeID() -> SPIRVID {
        defer { nextID += 1 }
        return SPIRVID(value: nextID)
    }

    /// The finished module's words: header, then every section in order.
    public var words: [UInt32] {
        [0x0723_0203, Self.version, 0, nextID, 0] + capabilities + imports + memoryModel + entryPoints
            + executionModes + names + annotations + globals + functions
    }

    /// The words as little-endian bytes, as a `.spv` file or an embedded blob holds them.
    public var bytes: [UInt8] {
        words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
    }

    // MARK: - Instructions

    private func emit(_ section: inout [UInt32], _ op: SPIRVOp, _ operands: [UInt32]) {
        section.append(UInt32(operands.count + 1) << 16 | UInt32(op.rawValue))
        section.append(contentsOf: operands)
    }

    /// A nul-terminated UTF-8 string padded to whole words.
    static func literal(_ text: String) -> [UInt32] {
        var bytes = Array(text.utf8) + [0]
        while bytes.count % 4 != 0 { bytes.append(0) }
        return stride(from: 0, to: bytes.count, by: 4).map { index in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index + $1]) << (8 * $1) }
        }
    }

    /// A debug name for `id` (kept by validators and disassemblers, free at run time).
    public mutating func name(_ id: SPIRVID, _ text: String) {
        emit(&names, .name, [id.value] + Self.literal(text))
    }

    public mutating func decorate(_ id: SPIRVID, _ decoration: SPIRVDecoration, _ literals: [UInt32] = []) {
        emit(&annotations, .decorate, [id.value, decoration.rawValue] + literals)
    }

    public mutating func decorateMember(
        _ structure: SPIRVID, _ member: Int, _ decoration: SPIRVDecoration, _ literals: [UInt32] = []
    ) {
        emit(&annotations, .memberDecorate, [structure.value, UInt32(member), decoration.rawValue] + literals)
    }

    // MARK: - Types

    private mutating func type(_ op: SPIRVOp, _ operands: [UInt32]) -> SPIRVID {
        let key = [UInt32(op.rawValue)] + operands
        if let known = typeCache[key] { return known }
        let id = makeID()
        emit(&globals, op, [id.value] + operands)
        typeCache[key] = id
        return id
    }

    public mutating func voidType() -> SPIRVID { type(.typeVoid, []) }
    public mutating func boolType() -> SPIRVID { type(.typeBool, []) }
    public mutating func uintType() -> SPIRVID { type(.typeInt, [32, 0]) }
    public mutating func intType() -> SPIRVID { type(.typeInt, [32, 1]) }
    public mutating func floatType() -> SPIRVID { type(.typeFloat, [32]) }
    /// float64, which declares the Float64 capability: a device runs the
    /// module only with its optional shaderFloat64 feature (``usesFloat64``).
    public mutating func doubleType() -> SPIRVID {
        require(capability: 10)  // Float64
        return type(.typeFloat, [64])
    }
    /// Whether the module computes in float64 (``doubleType()``).
    public var usesFloat64: Bool { declaredCapabilities.contains(10) }
    public mutating func vectorType(_ element: SPIRVID, _ count: Int) -> SPIRVID {
        type(.typeVector, [element.value, UInt32(count)])
    }
    public mutating func pointerType(_ storage: SPIRVStorageClass, _ pointee: SPIRVID) -> SPIRVID {
        type(.typePointer, [storage.rawValue, pointee.value])
    }
    public mutating func functionType(returning result: SPIRVID, _ parameters: [SPIRVID] = []) -> SPIRVID {
        type(.typeFunction, [result.value] + parameters.map(\.value))
    }

    /// A fixed-size array of `count` `element`s (workgroup memory).
    public mutating func arrayType(_ element: SPIRVID, count: Int) -> SPIRVID {
        type(.typeArray, [element.value, constant(UInt32(count)).value])
    }

    /// A plain struct of `members` (the result of OpUMulExtended).
    public mutating func structType(_ members: [SPIRVID]) -> SPIRVID { type(.typeStruct, members.map(\.value)) }

    /// A runtime array of `element` with its stride decorated (a new type
    /// each call: decorations belong to one type).
    public mutating func runtimeArrayType(_ element: SPIRVID, stride: Int) -> SPIRVID {
        let id = makeID()
        emit(&globals, .typeRuntimeArray, [id.value, element.value])
        decorate(id, .arrayStride, [UInt32(stride)])
        return id
    }

    /// A `Block` struct whose members sit at `offsets` (a new type each call).
    public mutating func blockType(_ members: [SPIRVID], offsets: [Int]) -> SPIRVID {
        let id = makeID()
        emit(&globals, .typeStruct, [id.value] + members.map(\.value))
        decorate(id, .block)
        for (index, offset) in offsets.enumerated() { decorateMember(id, index, .offset, [UInt32(offset)]) }
        return id
    }

    // MARK: - Constants and globals

    private mutating func constant(_ op: SPIRVOp, _ type: SPIRVID, _ operands: [UInt32]) -> SPIRVID {
        let key = [UInt32(op.rawValue), type.value] + operands
        if let known = constantCache[key] { return known }
        let id = makeID()
        emit(&globals, op, [type.value, id.value] + operands)
        constantCache[key] = id
        return id
    }

    public mutating func constant(_ value: UInt32) -> SPIRVID { constant(.constant, uintType(), [value]) }
    public mutating func constant(_ value: Int32) -> SPIRVID {
        constant(.constant, intType(), [UInt32(bitPattern: value)])
    }
    public mutating func constant(_ value: Bool) -> SPIRVID { constant(value ? .constantTrue : .constantFalse, boolType(), []) }
    public mutating func constant(_ value: Float) -> SPIRVID { constant(.constant, floatType(), [value.bitPattern]) }
    /// A float64 constant: its low word first, as SPIR-V orders wide literals.
    public mutating func constant(_ value: Double) -> SPIRVID {
        let bits = value.bitPattern
        return constant(.constant, doubleType(), [UInt32(truncatingIfNeeded: bits), UInt32(truncatingIfNeeded: bits >> 32)])
    }

    /// A specialization constant: `value` unless the pipeline gives constant
    /// `specID` another at creation (workgroup sizes, tile counts).
    public mutating func specConstant(_ value: UInt32, specID: UInt32) -> SPIRVID {
        let id = makeID()
        emit(&globals, .specConstant, [uintType().value, id.value, value])
        decorate(id, .specID, [specID])
        return id
    }

    /// A boolean specialization constant: `value` unless the pipeline gives
    /// constant `specID` another at creation.
    public mutating func specConstant(_ value: Bool, specID: UInt32) -> SPIRVID {
        let id = makeID()
        emit(&globals, value ? .specConstantTrue : .specConstantFalse, [boolType().value, id.value])
        decorate(id, .specID, [specID])
        return id
    }

    /// A module-scope variable.
    public mutating func variable(_ pointer: SPIRVID, _ storage: SPIRVStorageClass) -> SPIRVID {
        let id = makeID()
        emit(&globals, .variable, [pointer.value, id.value, storage.rawValue])
        return id
    }

    /// A storage buffer of `element`s at (`set`, `binding`): a `Block`
    /// struct holding one runtime array. Returns the variable.
    public mutating func storageBuffer(
        of element: SPIRVID, stride: Int, set: Int, binding: Int, readOnly: Bool = false
    ) -> SPIRVID {
        let array = runtimeArrayType(element, stride: stride)
        let block = blockType([array], offsets: [0])
        let buffer = variable(pointerType(.storageBuffer, block), .storageBuffer)
        decorate(buffer, .descriptorSet, [UInt32(set)])
        decorate(buffer, .binding, [UInt32(binding)])
        if readOnly { decorate(buffer, .nonWritable) }
        return buffer
    }

    /// A subgroup-wide reduction (GroupOperation Reduce) of `value` by
    /// `op`, one of the OpGroupNonUniformF… arithmetic instructions;
    /// declares the capabilities they need (GroupNonUniform, GroupNonUniformArithmetic).
    public mutating func subgroupReduce(_ op: SPIRVOp, _ type: SPIRVID, _ value: SPIRVID) -> SPIRVID {
        require(capability: 61)
        require(capability: 63)
        let id = makeID()
        // Scope Subgroup (3), GroupOperation Reduce (0).
        emit(&functions, op, [type.value, id.value, constant(UInt32(3)).value, 0, value.value])
        return id
    }

    /// An Input variable holding built-in `builtIn`, a uint (or a uvec3 where `vector`).
    public mutating func builtInVariable(_ builtIn: SPIRVBuiltIn, vector: Bool = false) -> SPIRVID {
        if [.numSubgroups, .subgroupID, .subgroupLocalInvocationID].contains(builtIn) { require(capability: 61) }
        let type = vector ? vectorType(uintType(), 3) : uintType()
        let variable = variable(pointerType(.input, type), .input)
        decorate(variable, .builtIn, [builtIn.rawValue])
        return variable
    }

    /// Declares `capability` (a SPIR-V capability number) unless it already is.
    private mutating func require(capability: UInt32) {
        guard declaredCapabilities.insert(capability).inserted else { return }
        emit(&capabilities, .capability, [capability])
    }

    /// A 1-D float image over a buffer, sampled (GLSL's `samplerBuffer`'s image):
    /// float, Buffer, not depth, not arrayed, not multisampled, sampled, format Unknown.
    private mutating func floatBufferImageType() -> SPIRVID {
        type(.typeImage, [floatType().value, 5, 0, 0, 0, 1, 0])
    }

    /// A uniform texel buffer of 32-bit floats at (`set`, `binding`) (GLSL's
    /// `samplerBuffer`): read with ``fetch(_:_:)``. Returns the variable.
    public mutating func texelBuffer(set: Int, binding: Int) -> SPIRVID {
        require(capability: 46)  // SampledBuffer
        let sampled = type(.typeSampledImage, [floatBufferImageType().value])
        let buffer = variable(pointerType(.uniformConstant, sampled), .uniformConstant)
        decorate(buffer, .descriptorSet, [UInt32(set)])
        decorate(buffer, .binding, [UInt32(binding)])
        return buffer
    }

    /// The float at element `index` (a uint) of texel buffer `buffer`.
    public mutating func fetch(_ buffer: SPIRVID, _ index: SPIRVID) -> SPIRVID {
        component(fetchTexel(buffer, index), 0)
    }

    /// Texel `index` (a uint) of texel buffer `buffer` as a vec4: one float
    /// and 0, 0, 1 through an R32 view, four floats through an R32G32B32A32 one.
    public mutating func fetchTexel(_ buffer: SPIRVID, _ index: SPIRVID) -> SPIRVID {
        let image = floatBufferImageType()
        let sampled = value(.load, type(.typeSampledImage, [image.value]), [buffer])
        return value(.fetch, vectorType(floatType(), 4), [value(.image, image, [sampled]), value(.bitcast, intType(), [index])])
    }

    /// Component `index` of float vector `vector`.
    public mutating func component(_ vector: SPIRVID, _ index: Int) -> SPIRVID {
        value(.compositeExtract, floatType(), [vector], literals: [UInt32(index)])
    }

    /// `GLSL.std.450`, imported once.
    public mutating func glsl() -> SPIRVID {
        if let glslImport { return glslImport }
        let id = makeID()
        emit(&imports, .extInstImport, [id.value] + Self.literal("GLSL.std.450"))
        glslImport = id
        return id
    }

    /// Declares `function` a GLCompute entry point called `name` with a
    /// fixed workgroup size; `interface` lists its Input variables.
    public mutating func computeEntryPoint(
        _ function: SPIRVID, name: String, interface: [SPIRVID], localSize: (Int, Int, Int)
    ) {
        emit(&entryPoints, .entryPoint, [5, function.value] + Self.literal(name) + interface.map(\.value))
        emit(
            &executionModes, .executionMode,
            [function.value, 17, UInt32(localSize.0), UInt32(localSize.1), UInt32(localSize.2)])
    }

    // MARK: - Function bodies

    /// Starts a function returning `result` of type `type`; then ``label(_:)``.
    public mutating func beginFunction(_ result: SPIRVID, type: SPIRVID) -> SPIRVID {
        let id = makeID()
        emit(&functions, .function, [result.value, id.value, 0, type.value])
        variableInsertionPoint = nil
        return id
    }

    public mutating func endFunction() {
        emit(&functions, .functionEnd, [])
        variableInsertionPoint = nil
    }

    /// A Function-storage variable of the current function, declared at the
    /// start of its first block whenever it is asked for.
    public mutating func functionVariable(of type: SPIRVID) -> SPIRVID {
        let pointer = pointerType(.function, type)
        let id = makeID()
        var words: [UInt32] = []
        emit(&words, .variable, [pointer.value, id.value, SPIRVStorageClass.function.rawValue])
        let point = variableInsertionPoint ?? functions.count
        functions.insert(contentsOf: words, at: point)
        variableInsertionPoint = point + words.count
        return id
    }

    /// A `GLSL.std.450` instruction.
    public mutating func glsl(_ instruction: GLSLInstruction, _ type: SPIRVID, _ operands: [SPIRVID]) -> SPIRVID {
        glsl(instruction.rawValue, type, operands)
    }

    /// Starts the block `id` (a fresh id when nil); returns it.
    @discardableResult
    public mutating func label(_ id: SPIRVID? = nil) -> SPIRVID {
        let block = id ?? makeID()
        emit(&functions, .label, [block.value])
        if variableInsertionPoint == nil { variableInsertionPoint = functions.count }
        return block
    }

    /// An instruction with a result: `op` of `type` over `operands`.
    public mutating func value(_ op: SPIRVOp, _ type: SPIRVID, _ operands: [SPIRVID], literals: [UInt32] = []) -> SPIRVID {
        let id = makeID()
        emit(&functions, op, [type.value, id.value] + operands.map(\.value) + literals)
        return id
    }

    /// An instruction without a result.
    public mutating func statement(_ op: SPIRVOp, _ operands: [SPIRVID], literals: [UInt32] = []) {
        emit(&functions, op, operands.map(\.value) + literals)
    }

    /// A `GLSL.std.450` instruction (`FMax` is 40, `Exp` 27, …).
    public mutating func glsl(_ instruction: UInt32, _ type: SPIRVID, _ operands: [SPIRVID]) -> SPIRVID {
        let set = glsl()
        let id = makeID()
        emit(&functions, .extInst, [type.value, id.value, set.value, instruction] + operands.map(\.value))
        return id
    }

    /// Opens structured `if condition {`: the caller emits the body, then ``endIf(_:)``.
    public mutating func beginIf(_ condition: SPIRVID) -> SPIRVID {
        let (then, merge) = (makeID(), makeID())
        statement(.selectionMerge, [merge], literals: [0])
        statement(.branchConditional, [condition, then, merge])
        label(then)
        return merge
    }

    /// Closes the `if` that ``beginIf(_:)`` opened; its merge block follows.
    public mutating func endIf(_ merge: SPIRVID) {
        statement(.branch, [merge])
        label(merge)
    }

    /// An open structured loop: the blocks ``endLoop(_:)`` closes it with.
    public struct OpenLoop {
        let counter: SPIRVID
        let step: SPIRVID
        let header: SPIRVID
        let next: SPIRVID
        let merge: SPIRVID
        /// The loop's index in this iteration.
        public let index: SPIRVID
    }

    /// Opens `for (i = start; i < end; i += step) {` over uint, the counter
    /// in a Function variable (a new one when nil): the caller emits the
    /// body using the returned `index`, then ``endLoop(_:)``.
    public mutating func beginLoop(from start: SPIRVID, to end: SPIRVID, step: SPIRVID, counter: SPIRVID? = nil) -> OpenLoop {
        let uint = uintType()
        let bool = boolType()
        let counter = counter ?? functionVariable(of: uint)
        statement(.store, [counter, start])
        let (header, check, body, next, merge) = (makeID(), makeID(), makeID(), makeID(), makeID())
        statement(.branch, [header])
        label(header)
        statement(.loopMerge, [merge, next], literals: [0])
        statement(.branch, [check])
        label(check)
        let index = value(.load, uint, [counter])
        statement(.branchConditional, [value(.uLessThan, bool, [index, end]), body, merge])
        label(body)
        return OpenLoop(counter: counter, step: step, header: header, next: next, merge: merge, index: index)
    }

    /// Closes a loop ``beginLoop(from:to:step:counter:)`` opened.
    public mutating func endLoop(_ loop: OpenLoop) {
        statement(.branch, [loop.next])
        label(loop.next)
        statement(.store, [loop.counter, value(.iAdd, uintType(), [value(.load, uintType(), [loop.counter]), loop.step])])
        statement(.branch, [loop.header])
        label(loop.merge)
    }

    /// Structured `for (i = start; i < end; i += step) { body(i) }` (see ``beginLoop(from:to:step:counter:)``).
    public mutating func loop(
        from start: SPIRVID, to end: SPIRVID, step: SPIRVID, counter: SPIRVID? = nil,
        _ body: (inout SPIRVModule, SPIRVID) -> Void
    ) {
        let open = beginLoop(from: start, to: end, step: step, counter: counter)
        body(&self, open.index)
        endLoop(open)
    }
}
