// The layer every Kiln compute shader is written in: the interface the
// runtime binds (kiln_abi.h: the arena at binding 0, the weights blob at
// binding 1, as float arrays, and both again as float texel buffers at
// bindings 2 and 3 and four-float ones at 4 and 5, which loads go through)
// and typed helpers over
// SPIRVModule, so a lowering reads like the loop it computes.

/// A float array a shader reads or writes: one of the two bound buffers
/// and the index of the tensor's first element in it.
struct ShaderBuffer {
    let variable: SPIRVID
    let base: Int
}

/// One compute shader and how to dispatch it.
struct ShaderPlan {
    /// Which step of the node this shader is, when a node lowers to several.
    var label: String?
    var words: [UInt32]
    /// vkCmdDispatch's counts.
    var workgroups: (x: Int, y: Int, z: Int)
    /// vkCmdDispatch's counts on a CPU device (specialization constant 2),
    /// where the shader lays its work out otherwise there; nil: `workgroups`.
    var cpuDeviceWorkgroups: (x: Int, y: Int, z: Int)? = nil
    /// Bytes of the Vulkan build's scratch (ShaderContext.scratchOffset) it uses.
    var scratchBytes = 0
    /// One of a Winograd convolution's shaders (whose weights are transformed).
    var isWinograd = false
    /// The same shader with subgroup operations, for devices that run them
    /// (kiln_abi.h's `subgroupExecutable`); nil where it uses none.
    var subgroupWords: [UInt32]? = nil
    /// The workgroup axis (0 x, 1 y, 2 z) along which workgroups hold a
    /// bounded dim's items in order, so a call below the bound runs only
    /// the first of them (kiln_abi.h's `itemAxes`); nil: every workgroup.
    var itemAxis: Int? = nil
    /// The same for the counts on a CPU device (`cpuDeviceWorkgroups`).
    var cpuDeviceItemAxis: Int? = nil
    /// Whether the shader computes in float64, which a device runs only with
    /// its optional shaderFloat64 feature (kiln_abi.h's `deviceFeatures`).
    var usesFloat64 = false
}

/// Which index of a grid numbers a bounded dim's items in order (item-major):
/// the units (an output's elements, with its items outermost) or the rows.
struct ShaderItems: Equatable {
    enum Index { case units, rows }
    var index: Index
    /// Every item spans the same whole number of them, none shared with
    /// another item (a convolution's tiles of one image's row), so the items
    /// stay in order, and each in its share, when the grid packs its rows
    /// and units together; where a unit or row may hold parts of two items
    /// (a tile of columns across images), only a layout that keeps the
    /// index along an axis of its own trims safely.
    var whole = false

    static let units = ShaderItems(index: .units)
    static let rows = ShaderItems(index: .rows)
    static let wholeUnits = ShaderItems(index: .units, whole: true)
    static let wholeRows = ShaderItems(index: .rows, whole: true)
}

/// How the lanes of a workgroup combine their values (``ShaderBuilder/workgroupReduce(_:_:lane:)``).
enum ShaderReduction {
    case sum, product, maximum, minimum

    /// The value that leaves any other unchanged.
    var identity: Float {
        switch self {
        case .sum: 0
        case .product: 1
        case .maximum: -.infinity
        case .minimum: .infinity
        }
    }

    /// Two values (float32, or of float `type`) combined, NaN when either is NaN (as the CPU kernels give).
    func combine(_ b: ShaderBuilder, _ x: SPIRVID, _ y: SPIRVID, type: SPIRVID? = nil) -> SPIRVID {
        let type = type ?? b.float
        switch self {
        case .sum: return b.m.value(.fAdd, type, [x, y])
        case .product: return b.m.value(.fMul, type, [x, y])
        case .maximum: return b.fmax(x, y, type: type)
        case .minimum: return b.fmin(x, y, type: type)
        }
    }

    /// The subgroup instruction that reduces by it.
    var subgroupInstruction: SPIRVOp {
        switch self {
        case .sum: .groupNonUniformFAdd
        case .product: .groupNonUniformFMul
        case .maximum: .groupNonUniformFMax
        case .minimum: .groupNonUniformFMin
        }
    }
}

/// Builds one shader whose `main` runs `body` once per unit of work.
final class ShaderBuilder {
    /// Invocations per workgroup: a multiple of every common subgroup size (32, 64).
    static let localSize = 64
    /// Below this many workgroups of units holding a bounded dim's items,
    /// ``grid(_:rows:items:_:)`` packs the rows with the units, unit-major:
    /// at one workgroup per item or more, trimming is as fine as the items.
    /// (lavapipe runs unit-major packing about 10% slower at the bound:
    /// neighbouring lanes read different rows' weights.)
    static let itemGroups = 8

    /// The most workgroups one dimension of a dispatch may count on every
    /// Vulkan device (maxComputeWorkGroupCount's required minimum).
    static let maximumGroups = 65535

    var m = SPIRVModule()
    let void: SPIRVID
    let uint: SPIRVID
    let float: SPIRVID
    let bool: SPIRVID
    /// float64, declared only by shaders that compute in it.
    lazy var double = m.doubleType()
    /// Binding 0 and 1 of set 0.
    let arena: SPIRVID
    let weights: SPIRVID
    private let floatPointer: SPIRVID
    private let invocation: SPIRVID
    private let workgroup: SPIRVID

    /// Whether this build may use subgroup operations: the variant for devices that run them.
    let subgroups: Bool
    /// Whether the shader combines lanes (``workgroupReduce(_:_:lane:)``),
    /// which a variant with subgroup operations does faster.
    private(set) var combinesLanes = false
    /// The workgroup axis holding items in order, as the layout emitted
    /// last set it (``grid(_:rows:items:_:)``, or a layout of its own).
    var itemAxis: Int?

    private init(subgroups: Bool = false) {
        self.subgroups = subgroups
        (void, uint, float, bool) = (m.voidType(), m.uintType(), m.floatType(), m.boolType())
        arena = m.storageBuffer(of: float, stride: 4, set: 0, binding: 0)
        weights = m.storageBuffer(of: float, stride: 4, set: 0, binding: 1, readOnly: true)
        floatPointer = m.pointerType(.storageBuffer, float)
        invocation = m.builtInVariable(.globalInvocationID, vector: true)
        workgroup = m.builtInVariable(.workgroupID, vector: true)
    }

    /// A shader running `body(index)` for index 0 ..< `units`, one
    /// invocation each, over as many workgroups as that takes.
    /// `itemMajor`: the units hold a bounded dim's items in order.
    static func perUnit<E: Error>(
        _ units: Int, label: String? = nil, itemMajor: Bool = false, _ body: (ShaderBuilder, SPIRVID) throws(E) -> Void
    ) throws(E) -> ShaderPlan {
        try grid(units, rows: 1, label: label, items: itemMajor ? .units : nil) { b, index, _ throws(E) in
            try body(b, index)
        }
    }

    /// Whether `grid` numbers rows along x with the units: when the units
    /// fill less than a workgroup (lavapipe runs idle invocations all the
    /// same: with Winograd's products over its 7×7 and 14×14 maps on rows
    /// along y, ResNet-18 took 195 ms instead of 100), and when there are
    /// more rows than a dispatch's y may count.
    static func packsRows(units: Int, rows: Int) -> Bool {
        rows > 1 && (units < localSize || rows > maximumGroups)
    }

    /// A shader running `body(index, row)` for index 0 ..< `units` and row
    /// 0 ..< `rows`: the row is the workgroup's y, the same for all its
    /// invocations, so what a row reads (a block of weights) is the same
    /// in the whole workgroup, unless the units fill less than a workgroup
    /// or the rows pass 65535 (``packsRows(units:rows:)``): then rows follow
    /// each other along x.
    /// Indices run along x, then past 65535 workgroups along z. `items`:
    /// which index holds a bounded dim's items in order, if one does.
    static func grid<E: Error>(
        _ units: Int, rows: Int, label: String? = nil, items: ShaderItems? = nil,
        _ body: (ShaderBuilder, SPIRVID, SPIRVID) throws(E) -> Void
    ) throws(E) -> ShaderPlan {
        try shader(label: label) { b throws(E) in try b.grid(units, rows: rows, items: items, body) }
    }

    /// A shader whose `main` is what `body` emits, dispatched with the counts it returns.
    /// One that combines lanes gets a variant with subgroup operations too.
    static func shader<E: Error>(
        label: String?, _ body: (ShaderBuilder) throws(E) -> (x: Int, y: Int, z: Int)
    ) throws(E) -> ShaderPlan {
        func build(subgroups: Bool) throws(E) -> (ShaderBuilder, (x: Int, y: Int, z: Int)) {
            let b = ShaderBuilder(subgroups: subgroups)
            let main = b.m.beginFunction(b.void, type: b.m.functionType(returning: b.void))
            b.m.name(main, "main")
            b.m.label()
            let workgroups = try body(b)
            b.m.statement(.return, [])
            b.m.endFunction()
            b.m.computeEntryPoint(main, name: "main", interface: b.interface, localSize: (localSize, 1, 1))
            return (b, workgroups)
        }
        let (b, workgroups) = try build(subgroups: false)
        var plan = ShaderPlan(label: label, words: b.m.words, workgroups: workgroups, itemAxis: b.itemAxis)
        plan.usesFloat64 = b.m.usesFloat64
        if b.combinesLanes { plan.subgroupWords = try build(subgroups: true).0.m.words }
        return plan
    }

    /// A shader with two layouts of its work over different dispatch
    /// counts, which specialization constant 2 picks when the pipeline is
    /// made: `gpu`'s by default, `cpuDevice`'s on a CPU device such as
    /// lavapipe, which runs every lane of a workgroup whether it has work or
    /// not and gains nothing from workgroup memory. Each emits its layout
    /// and returns its counts.
    static func shaped<E: Error>(
        label: String? = nil,
        gpu: (ShaderBuilder) throws(E) -> (x: Int, y: Int, z: Int),
        cpuDevice: (ShaderBuilder) throws(E) -> (x: Int, y: Int, z: Int)
    ) throws(E) -> ShaderPlan {
        var cpuDeviceWorkgroups = (x: 0, y: 0, z: 0)
        var cpuDeviceItemAxis: Int?
        var plan = try shader(label: label) { b throws(E) in
            let onCPU = b.m.specConstant(false, specID: 2)
            try b.ifThen(onCPU) { () throws(E) in cpuDeviceWorkgroups = try cpuDevice(b) }
            cpuDeviceItemAxis = b.itemAxis
            b.itemAxis = nil
            // A specialization constant: the same in every lane, so barriers inside stay uniform.
            var workgroups = (x: 0, y: 0, z: 0)
            try b.ifThen(b.m.value(.logicalNot, b.bool, [onCPU])) { () throws(E) in workgroups = try gpu(b) }
            return workgroups
        }
        plan.cpuDeviceWorkgroups = cpuDeviceWorkgroups
        plan.cpuDeviceItemAxis = cpuDeviceItemAxis
        return plan
    }

    /// Emits ``grid(_:rows:label:_:)``'s layout into the current function and returns its counts.
    func grid<E: Error>(
        _ units: Int, rows: Int, items: ShaderItems? = nil, _ body: (ShaderBuilder, SPIRVID, SPIRVID) throws(E) -> Void
    ) throws(E) -> (x: Int, y: Int, z: Int) {
        // Units holding items over a few workgroups would trim coarsely (112
        // units, 8 items: 1 of 2 workgroups for the first item): packed
        // unit-major, a call of 1 item of 8 runs 7 of 56.
        let fewItemGroups = items == .wholeUnits && rows > 1 && units < Self.localSize * Self.itemGroups
        if Self.packsRows(units: units, rows: rows) || fewItemGroups {
            // Row-major, so neighbouring lanes share a row (what it reads),
            // unless whole units hold the items: then unit-major, so a call
            // below the bound runs only the first units' workgroups. (Packed,
            // an item's share rounds up per unit or row before it multiplies:
            // with parts of items in them, the first ⌈count · n / B⌉ would fall short.)
            guard items == .wholeUnits else {
                return try grid(units * rows, rows: 1, items: items == .wholeRows ? .units : nil) { b, index, _ throws(E) in
                    try body(b, b.mod(index, units), b.div(index, units))
                }
            }
            return try grid(units * rows, rows: 1, items: .units) { b, index, _ throws(E) in
                try body(b, b.div(index, rows), b.mod(index, rows))
            }
        }
        let groups = Swift.max(1, (units + Self.localSize - 1) / Self.localSize)
        let columns = Swift.min(groups, Self.maximumGroups)
        let slabs = (groups + columns - 1) / columns
        let uint3 = m.vectorType(uint, 3)
        let x = m.value(.compositeExtract, uint, [m.value(.load, uint3, [invocation])], literals: [0])
        let row = rows == 1 ? u(0) : workgroupID(1)
        let slab = slabs == 1 ? u(0) : workgroupID(2)
        let index = add(mul(slab, columns * Self.localSize), x)
        try ifThen(less(index, u(units))) { () throws(E) in try body(self, index, row) }
        // The units run along x, then in slabs of whole x rows along z.
        itemAxis = items.map { $0.index == .rows ? 1 : slabs > 1 ? 2 : 0 }
        return (columns, Swift.max(rows, 1), slabs)
    }

    /// Component `axis` of this workgroup's ID.
    func workgroupID(_ axis: Int) -> SPIRVID {
        m.value(.compositeExtract, uint, [m.value(.load, m.vectorType(uint, 3), [workgroup])], literals: [UInt32(axis)])
    }

    /// This invocation's index in its workgroup, 0 ..< ``localSize``.
    var lane: SPIRVID {
        m.value(.compositeExtract, uint, [m.value(.load, m.vectorType(uint, 3), [localInvocation])], literals: [0])
    }

    private lazy var localInvocation = builtIn(.localInvocationID, vector: true)

    /// The entry point's Input variables.
    private lazy var interface = [invocation, workgroup]

    /// A shader giving each row 0 ..< `rows` a whole workgroup, whose
    /// ``localSize`` invocations run `body(row, lane)` together: for a few
    /// long rows (a classifier's softmax, a reduction to a handful of
    /// values), which one invocation per row would leave to a single lane.
    /// Every invocation reaches the body, so it may use ``workgroupReduce(_:_:lane:)``.
    /// Rows run along x, then past 65535 workgroups along y.
    static func perRow<E: Error>(
        _ rows: Int, label: String? = nil, itemMajor: Bool = false, _ body: (ShaderBuilder, SPIRVID, SPIRVID) throws(E) -> Void
    ) throws(E) -> ShaderPlan {
        try shader(label: label) { b throws(E) in
            let columns = Swift.max(1, Swift.min(rows, maximumGroups))
            let slabs = (rows + columns - 1) / columns
            let lane = b.lane
            let x = b.workgroupID(0)
            let row = slabs == 1 ? x : b.add(b.mul(b.workgroupID(1), columns), x)
            // A whole workgroup past the last row skips the body together (barriers stay uniform).
            if rows % columns == 0 {
                try body(b, row, lane)
            } else {
                try b.ifThen(b.less(row, b.u(rows))) { () throws(E) in try body(b, row, lane) }
            }
            b.itemAxis = itemMajor ? (slabs > 1 ? 1 : 0) : nil
            return (columns, slabs, 1)
        }
    }

    /// `reduction` over every lane's `value` of the workgroup; every lane
    /// gets the result. By halving through workgroup memory, or, in the
    /// variant with subgroup operations, by a subgroup reduction and then
    /// one value per subgroup through workgroup memory.
    func workgroupReduce(_ value: SPIRVID, _ reduction: ShaderReduction, lane: SPIRVID) -> SPIRVID {
        combinesLanes = true
        let slot = { (index: SPIRVID) in self.sharedElement(self.shared, index) }
        guard subgroups else {
            m.statement(.store, [slot(lane), value])
            barrier()
            var width = Self.localSize / 2
            while width >= 1 {
                ifThen(less(lane, u(width))) {
                    let pair = [slot(lane), slot(add(lane, width))].map { m.value(.load, float, [$0]) }
                    m.statement(.store, [slot(lane), reduction.combine(self, pair[0], pair[1])])
                }
                barrier()
                width /= 2
            }
            let result = m.value(.load, float, [slot(u(0))])
            // Nobody overwrites the result before every lane has read it.
            barrier()
            return result
        }
        var partial = m.subgroupReduce(reduction.subgroupInstruction, float, value)
        if reduction == .maximum || reduction == .minimum {
            // Subgroup minima and maxima leave NaN undefined; a count of NaNs says whether one was there.
            let nans = m.subgroupReduce(.groupNonUniformFAdd, float, select(isNaN(value), f(1), f(0)))
            partial = select(m.value(.fOrdGreaterThan, bool, [nans, f(0)]), f(.nan), partial)
        }
        let first = m.value(.iEqual, bool, [m.value(.load, uint, [subgroupLane]), u(0)])
        ifThen(first) { m.statement(.store, [slot(m.value(.load, uint, [subgroupIndex])), partial]) }
        barrier()
        let result = variable(m.value(.load, float, [slot(u(0))]))
        let open = m.beginLoop(from: u(1), to: m.value(.load, uint, [subgroupCount]), step: u(1))
        write(result, reduction.combine(self, read(result), m.value(.load, float, [slot(open.index)])))
        m.endLoop(open)
        let combined = read(result)
        barrier()
        return combined
    }

    private lazy var subgroupLane = builtIn(.subgroupLocalInvocationID)
    private lazy var subgroupIndex = builtIn(.subgroupID)
    private lazy var subgroupCount = builtIn(.numSubgroups)

    /// A built-in's Input variable, listed in the entry point's interface.
    private func builtIn(_ builtIn: SPIRVBuiltIn, vector: Bool = false) -> SPIRVID {
        let variable = m.builtInVariable(builtIn, vector: vector)
        interface.append(variable)
        return variable
    }

    /// The workgroup's floats, one per lane.
    private lazy var shared = workgroupArray(Self.localSize)

    /// A new array of `count` floats in workgroup memory, which every lane of a workgroup shares.
    func workgroupArray(_ count: Int) -> SPIRVID {
        m.variable(m.pointerType(.workgroup, m.arrayType(float, count: count)), .workgroup)
    }

    /// Element `index` of the workgroup array `array`.
    func sharedElement(_ array: SPIRVID, _ index: SPIRVID) -> SPIRVID {
        m.value(.accessChain, m.pointerType(.workgroup, float), [array, index])
    }

    /// Every lane of the workgroup waits here, and sees the others' workgroup-memory writes.
    func barrier() {
        // Execution and memory scope Workgroup (2); acquire-release (0x8) on workgroup memory (0x100).
        m.statement(.controlBarrier, [u(2), u(2), u(0x108)])
    }

    /// `body(i)` for i = `lane`, `lane` + ``localSize``, … below `count`: a row's elements shared among the lanes.
    func strided<E: Error>(_ count: Int, lane: SPIRVID, _ body: (SPIRVID) throws(E) -> Void) throws(E) {
        // The same trip count in every lane (a lane-dependent start made lavapipe's loop 14 times slower).
        let full = count / Self.localSize
        try loop(full) { (j: SPIRVID) throws(E) in try body(add(mul(j, Self.localSize), lane)) }
        guard count % Self.localSize != 0 else { return }
        let last = add(lane, full * Self.localSize)
        try ifThen(less(last, u(count))) { () throws(E) in try body(last) }
    }

    // MARK: - Constants and uint arithmetic (wrapping, as index math wants)

    func u(_ value: Int) -> SPIRVID { m.constant(UInt32(truncatingIfNeeded: value)) }
    func f(_ value: Float) -> SPIRVID { m.constant(value) }
    func d(_ value: Double) -> SPIRVID { m.constant(value) }

    func add(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.iAdd, uint, [a, b]) }
    func add(_ a: SPIRVID, _ b: Int) -> SPIRVID { b == 0 ? a : add(a, u(b)) }
    func sub(_ a: SPIRVID, _ b: Int) -> SPIRVID { b == 0 ? a : m.value(.iSub, uint, [a, u(b)]) }
    func mul(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.iMul, uint, [a, b]) }
    func mul(_ a: SPIRVID, _ b: Int) -> SPIRVID { b == 1 ? a : mul(a, u(b)) }
    func div(_ a: SPIRVID, _ b: Int) -> SPIRVID { b == 1 ? a : m.value(.uDiv, uint, [a, u(b)]) }
    func mod(_ a: SPIRVID, _ b: Int) -> SPIRVID { m.value(.uMod, uint, [a, u(b)]) }
    func less(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.uLessThan, bool, [a, b]) }
    func and(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.logicalAnd, bool, [a, b]) }
    /// Both conditions, either alone where the other is nil (known true), or nil for neither.
    func and(_ a: SPIRVID?, _ b: SPIRVID?) -> SPIRVID? {
        guard let a, let b else { return a ?? b }
        return and(a, b)
    }

    /// Σ coordinates[k] · strides[k], skipping zero strides.
    func linear(_ coordinates: [SPIRVID], _ strides: [Int], base: Int = 0) -> SPIRVID {
        var sum = u(base)
        for (coordinate, stride) in zip(coordinates, strides) where stride != 0 { sum = add(sum, mul(coordinate, stride)) }
        return sum
    }

    /// The coordinates of row-major `index` in `shape` (0 for axes of size 1).
    func coordinates(of index: SPIRVID, in shape: [Int]) -> [SPIRVID] {
        let strides = Shape.strides(of: shape)
        return shape.indices.map { axis in
            guard shape[axis] > 1 else { return u(0) }
            let quotient = div(index, strides[axis])
            // The first axis needs no remainder: the index is below the element count.
            return axis == 0 ? quotient : mod(quotient, shape[axis])
        }
    }

    // MARK: - Float arithmetic

    func fadd(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.fAdd, float, [a, b]) }
    func fsub(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.fSub, float, [a, b]) }
    func fmul(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.fMul, float, [a, b]) }
    func fdiv(_ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.fDiv, float, [a, b]) }
    func fma(_ a: SPIRVID, _ b: SPIRVID, _ c: SPIRVID) -> SPIRVID { m.glsl(.fma, float, [a, b, c]) }
    func glsl(_ instruction: GLSLInstruction, _ x: SPIRVID) -> SPIRVID { m.glsl(instruction, float, [x]) }
    func select(_ condition: SPIRVID, _ a: SPIRVID, _ b: SPIRVID) -> SPIRVID { m.value(.select, float, [condition, a, b]) }
    func isNaN(_ x: SPIRVID) -> SPIRVID { m.value(.isNan, bool, [x]) }

    /// The larger (or smaller) of two floats (float32, or of float `type`),
    /// NaN when either is NaN (as the CPU kernels give).
    func fmax(_ a: SPIRVID, _ b: SPIRVID, type: SPIRVID? = nil) -> SPIRVID {
        propagatingNaN(a, b, m.glsl(.fMax, type ?? float, [a, b]), type ?? float)
    }
    func fmin(_ a: SPIRVID, _ b: SPIRVID, type: SPIRVID? = nil) -> SPIRVID {
        propagatingNaN(a, b, m.glsl(.fMin, type ?? float, [a, b]), type ?? float)
    }
    private func propagatingNaN(_ a: SPIRVID, _ b: SPIRVID, _ result: SPIRVID, _ type: SPIRVID) -> SPIRVID {
        m.value(.select, type, [m.value(.logicalOr, bool, [isNaN(a), isNaN(b)]), m.value(.fAdd, type, [a, b]), result])
    }

    // MARK: - Memory and control flow

    /// The float at `index` of `buffer`, read through the buffer's uniform
    /// texel view (bindings 2 and 3) where the view covers the whole buffer.
    /// lavapipe reads a storage buffer lane by lane, with two branches per
    /// lane, but fetches texels as one gather: ResNet-18 ran 2.0 times as
    /// fast (446 → 220 ms). Where a device's views are shorter (maxTexelBufferElements may
    /// be as low as 65536), specialization constants 0 (the arena) and 1
    /// (the weights), set by the executor, keep the storage buffer.
    /// Texel fetches need not see what the same dispatch wrote: read that
    /// with ``reload(_:_:)``.
    func load(_ buffer: ShaderBuffer, _ index: SPIRVID) -> SPIRVID {
        let (view, covers) = buffer.variable == arena ? (arenaView, arenaCovered) : (weightsView, weightsCovered)
        let at = add(index, buffer.base)
        return select(covers, m.fetch(view, at), element(buffer.variable, at))
    }

    /// The four floats at `index` ..< `index` + 4 of `buffer`, in one fetch
    /// through the buffer's four-float texel view (bindings 4 and 5) where
    /// the float view covers the buffer (the four-float one then does too):
    /// lavapipe gathers one texel per fetch, so a row of 8 neighbours costs 2
    /// gathers, not 8. `buffer.base` + `index` must be a multiple of 4
    /// (``isQuadAligned(_:)`` tells for the base).
    func load4(_ buffer: ShaderBuffer, _ index: SPIRVID) -> [SPIRVID] {
        let (view, covers) = buffer.variable == arena ? (arenaQuads, arenaCovered) : (weightsQuads, weightsCovered)
        let at = add(index, buffer.base)
        let texel = m.fetchTexel(view, div(at, 4))
        return (0..<4).map { select(covers, m.component(texel, $0), element(buffer.variable, add(at, $0))) }
    }

    /// Whether `buffer`'s first float starts a four-float texel.
    static func isQuadAligned(_ buffer: ShaderBuffer) -> Bool { buffer.base % 4 == 0 }

    /// The float at `index` of `buffer` where `inside` holds, else 0,
    /// without a branch: an index outside (a window's padding) is never read.
    func load(_ buffer: ShaderBuffer, _ index: SPIRVID, where inside: SPIRVID) -> SPIRVID {
        select(inside, load(buffer, m.value(.select, uint, [inside, index, u(0)])), f(0))
    }

    /// The float at `index` of `buffer` as this shader last wrote it.
    func reload(_ buffer: ShaderBuffer, _ index: SPIRVID) -> SPIRVID {
        element(buffer.variable, add(index, buffer.base))
    }

    private lazy var arenaView = m.texelBuffer(set: 0, binding: 2)
    private lazy var weightsView = m.texelBuffer(set: 0, binding: 3)
    private lazy var arenaQuads = m.texelBuffer(set: 0, binding: 4)
    private lazy var weightsQuads = m.texelBuffer(set: 0, binding: 5)
    private lazy var arenaCovered = m.specConstant(true, specID: 0)
    private lazy var weightsCovered = m.specConstant(true, specID: 1)

    private func element(_ variable: SPIRVID, _ at: SPIRVID) -> SPIRVID {
        m.value(.load, float, [m.value(.accessChain, floatPointer, [variable, u(0), at])])
    }

    /// The 32-bit word at `index` as a uint: integer tensors (indices) lie in
    /// the same buffers, read through the float array (not the texel view: a
    /// device may flush denormals, which small integers are as floats) and
    /// reinterpreted.
    func loadWord(_ buffer: ShaderBuffer, _ index: SPIRVID) -> SPIRVID {
        m.value(.bitcast, uint, [element(buffer.variable, add(index, buffer.base))])
    }

    /// Stores `value` when `column` (of a tile that may reach past the
    /// row's end) is below `width`; `width` a multiple of `tile` needs no test.
    func store(_ value: SPIRVID, _ buffer: ShaderBuffer, _ index: SPIRVID, column: SPIRVID, below width: Int, tile: Int) {
        if width % tile == 0 { return store(value, buffer, index) }
        ifThen(less(column, u(width))) { store(value, buffer, index) }
    }

    func store(_ value: SPIRVID, _ buffer: ShaderBuffer, _ index: SPIRVID) {
        m.statement(.store, [m.value(.accessChain, floatPointer, [buffer.variable, u(0), add(index, buffer.base)]), value])
    }

    /// `for i in 0 ..< count { body(i) }`.
    func loop<E: Error>(_ count: Int, _ body: (SPIRVID) throws(E) -> Void) throws(E) {
        guard count > 0 else { return }
        if count == 1 { return try body(u(0)) }
        let open = m.beginLoop(from: u(0), to: u(count), step: u(1))
        try body(open.index)
        m.endLoop(open)
    }

    /// `if condition { body() }`.
    func ifThen<E: Error>(_ condition: SPIRVID, _ body: () throws(E) -> Void) throws(E) {
        let merge = m.beginIf(condition)
        try body()
        m.endIf(merge)
    }

    /// `body()`, under `condition` where there is one.
    func ifThen<E: Error>(_ condition: SPIRVID?, _ body: () throws(E) -> Void) throws(E) {
        guard let condition else { return try body() }
        try ifThen(condition, body)
    }

    /// A variable of the function of `type` (float by default), starting at `initial`.
    func variable(_ initial: SPIRVID, of type: SPIRVID? = nil) -> SPIRVID {
        let variable = m.functionVariable(of: type ?? float)
        m.statement(.store, [variable, initial])
        return variable
    }

    func read(_ variable: SPIRVID, of type: SPIRVID? = nil) -> SPIRVID { m.value(.load, type ?? float, [variable]) }

    /// A uint variable of the function, starting at `initial`.
    func wordVariable(_ initial: SPIRVID) -> SPIRVID {
        let variable = m.functionVariable(of: uint)
        m.statement(.store, [variable, initial])
        return variable
    }

    func readWord(_ variable: SPIRVID) -> SPIRVID { m.value(.load, uint, [variable]) }

    /// Stores the uint `value`'s bits as the 32-bit word at `index` (an
    /// integer tensor's element, or half of an int64 one).
    func storeWord(_ value: SPIRVID, _ buffer: ShaderBuffer, _ index: SPIRVID) {
        store(m.value(.bitcast, float, [value]), buffer, index)
    }
    func write(_ variable: SPIRVID, _ value: SPIRVID) { m.statement(.store, [variable, value]) }
}
