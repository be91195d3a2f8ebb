// Elements of every dtype in the bound buffers, which shaders see as
// arrays of 32-bit words: how each dtype's elements lie in those words, the
// value a shader holds for one element, and loading and storing them.
//
// Bytes and half-words share a word with their neighbours, and a shader may
// only write whole words without racing another invocation: a shader whose
// result is packed writes one word per invocation (``ShaderElements/perElement``).

/// How a dtype's elements lie in the buffers' 32-bit words.
enum ShaderStorage: Equatable {
    /// One word per element (float32, int32, uint32).
    case word
    /// Two words per element, the low word first (int64, uint64, float64).
    case pair
    /// `bytes` (1 or 2) per element, several to a word, the lowest address in the low bits.
    case packed(bytes: Int)

    init(_ dtype: DType) {
        switch dtype.byteSize {
        case 4: self = .word
        case 8: self = .pair
        default: self = .packed(bytes: dtype.byteSize)
        }
    }

    /// Elements sharing one word.
    var elementsPerWord: Int { if case .packed(let bytes) = self { 4 / bytes } else { 1 } }
}

/// One element as a shader holds it.
enum ShaderScalar {
    /// A float32, or a float16 or bfloat16 widened to one (exactly; the
    /// store rounds back to nearest even, as the CPU computes them).
    case float(SPIRVID)
    /// An integer of 32 bits or fewer (signed ones narrower than 32 bits
    /// sign-extended, unsigned ones zero-extended), as a uint's bits.
    case int(SPIRVID)
    /// An int64 as its two words (shaders may not assume 64-bit integers).
    case long(low: SPIRVID, high: SPIRVID)
    /// A float64, which the shader declares (ShaderMath+Double): it runs
    /// only on devices with the optional shaderFloat64 feature.
    case double(SPIRVID)
    case bool(SPIRVID)
    /// An element only moved, never computed with: its words, or for a
    /// packed dtype its bits in the low bits of one word.
    case bits([SPIRVID])
}

extension ShaderScalar {
    var kind: ShaderValueKind {
        switch self {
        case .float: .float
        case .int: .int
        case .long: .long
        case .double: .double
        case .bool: .bool
        case .bits: .bits
        }
    }
}

/// An element's value kept in function variables (``ShaderBuilder/elementVariable(_:)``).
struct ShaderElementVariable {
    let words: [SPIRVID]
    let kind: ShaderValueKind
}

/// Which ``ShaderScalar`` case holds a dtype's elements.
enum ShaderValueKind: Equatable {
    case float, int, long, double, bool, bits

    init(_ dtype: DType) {
        switch dtype {
        case .float32, .float16, .bfloat16: self = .float
        case .int32, .int16, .int8, .uint32, .uint16, .uint8, .int4, .uint4, .int2, .uint2: self = .int
        case .int64, .uint64: self = .long
        case .float64: self = .double
        case .bool: self = .bool
        default: self = .bits
        }
    }
}

extension ShaderBuilder {
    /// Element `index` of `buffer`, holding `dtype`. Floats come through the
    /// texel view (``load(_:_:)``); every other dtype through the storage
    /// buffer as words, since a view may flush the denormals small integers are.
    /// With `fresh`, a float32 comes through the storage buffer too, so it
    /// is what this invocation last wrote there (``reload(_:_:)``).
    func loadElement(_ dtype: DType, _ buffer: ShaderBuffer, _ index: SPIRVID, fresh: Bool = false) -> ShaderScalar {
        switch ShaderStorage(dtype) {
        case .word:
            if dtype == .float32 { return .float(fresh ? reload(buffer, index) : load(buffer, index)) }
            let word = loadWord(buffer, index)
            return ShaderValueKind(dtype) == .int ? .int(word) : .bits([word])
        case .pair:
            let first = mul(index, 2)
            let (low, high) = (loadWord(buffer, first), loadWord(buffer, add(first, 1)))
            switch ShaderValueKind(dtype) {
            case .long: return .long(low: low, high: high)
            case .double: return .double(double(low: low, high: high))
            default: return .bits([low, high])
            }
        case .packed(let bytes):
            let perWord = 4 / bytes
            let word = loadWord(buffer, div(index, perWord))
            let shift = mul(mod(index, perWord), 8 * bytes)
            let extract: SPIRVOp = dtype.isSignedInteger ? .bitFieldSExtract : .bitFieldUExtract
            // A 4- or 2-bit integer is its byte's low bits (as the CPU loads it).
            let field = m.value(extract, uint, [word, shift, u(dtype.narrowIntegerBits ?? 8 * bytes)])
            switch ShaderValueKind(dtype) {
            case .bool: return .bool(m.value(.iNotEqual, bool, [field, u(0)]))
            case .int: return .int(field)
            case .float: return .float(widened(field, from: dtype))
            default: return .bits([field])
            }
        }
    }

    /// The words that store `value` as `dtype` (for a packed dtype, one
    /// word with the element in its low bits and zeros above).
    func elementWords(_ value: ShaderScalar, _ dtype: DType) -> [SPIRVID] {
        let storage = ShaderStorage(dtype)
        switch value {
        case .float(let x):
            return [dtype == .float16 || dtype == .bfloat16 ? narrowed(x, to: dtype) : m.value(.bitcast, uint, [x])]
        case .long(let low, let high): return [low, high]
        case .double(let x): return words(ofDouble: x)
        case .bool(let flag): return [oneOrZero(flag)]
        case .bits(let words): return words
        case .int(let word):
            guard case .packed(let bytes) = storage else { return [word] }
            // A 4- or 2-bit integer wraps to its bits, its byte holding them sign-extended (as the CPU stores it).
            let wrapped = dtype.narrowIntegerBits.map { bits in
                m.value(dtype.isSignedInteger ? .bitFieldSExtract : .bitFieldUExtract, uint, [word, u(0), u(bits)])
            }
            return [m.value(.bitwiseAnd, uint, [wrapped ?? word, u((1 << (8 * bytes)) - 1)])]
        }
    }

    /// Stores `value` as element `index` of `buffer`, whose dtype takes
    /// whole words (not a packed one: see ``storePackedWord(_:_:_:_:)``).
    func storeElement(_ value: ShaderScalar, _ dtype: DType, _ buffer: ShaderBuffer, _ index: SPIRVID) {
        if case .float(let x) = value, dtype == .float32 { return store(x, buffer, index) }
        let words = elementWords(value, dtype)
        if words.count == 1 { return storeWord(words[0], buffer, index) }
        let first = mul(index, words.count)
        for (part, word) in words.enumerated() { storeWord(word, buffer, add(first, part)) }
    }

    /// Word `word` of `buffer` made of `lanes`, the packed elements it
    /// holds in order (one per ``ShaderStorage/elementsPerWord``).
    func storePackedWord(_ lanes: [SPIRVID], bytes: Int, _ buffer: ShaderBuffer, _ word: SPIRVID) {
        var packed = lanes[0]
        for (lane, bits) in lanes.enumerated().dropFirst() {
            packed = m.value(.bitwiseOr, uint, [packed, m.value(.shiftLeftLogical, uint, [bits, u(8 * bytes * lane)])])
        }
        storeWord(packed, buffer, word)
    }

    /// `condition ? a : b` for elements of the same kind.
    func select(_ condition: SPIRVID, _ a: ShaderScalar, _ b: ShaderScalar) -> ShaderScalar? {
        switch (a, b) {
        case (.float(let x), .float(let y)): return .float(select(condition, x, y))
        case (.int(let x), .int(let y)): return .int(m.value(.select, uint, [condition, x, y]))
        case (.bool(let x), .bool(let y)): return .bool(m.value(.select, bool, [condition, x, y]))
        case (.double(let x), .double(let y)): return .double(m.value(.select, double, [condition, x, y]))
        case (.long(let xl, let xh), .long(let yl, let yh)):
            return .long(low: m.value(.select, uint, [condition, xl, yl]), high: m.value(.select, uint, [condition, xh, yh]))
        case (.bits(let x), .bits(let y)) where x.count == y.count:
            return .bits(zip(x, y).map { m.value(.select, uint, [condition, $0, $1]) })
        default: return nil
        }
    }

    /// `value` (of `dtype`) where `valid` holds, else zero: what an index
    /// outside its axis picks (as on the CPU).
    func elementOrZero(_ valid: SPIRVID, _ value: ShaderScalar, _ dtype: DType) -> ShaderScalar {
        guard let chosen = select(valid, value, zeroElement(dtype)) else { preconditionFailure("an element and a zero of one dtype") }
        return chosen
    }

    /// 1 where `flag` holds, else 0, as a uint.
    func oneOrZero(_ flag: SPIRVID) -> SPIRVID { m.value(.select, uint, [flag, u(1), u(0)]) }

    /// The element of `dtype` whose bits are all zero.
    func zeroElement(_ dtype: DType) -> ShaderScalar {
        switch ShaderValueKind(dtype) {
        case .float: return .float(f(0))
        case .int: return .int(u(0))
        case .long: return .long(low: u(0), high: u(0))
        case .double: return .double(d(0))
        case .bool: return .bool(m.constant(false))
        case .bits: return .bits(Array(repeating: u(0), count: ShaderStorage(dtype) == .pair ? 2 : 1))
        }
    }

    // MARK: - Variables

    /// Function variables holding an element across loop iterations, one
    /// uint per word (a float's bits, a bool as 0 or 1), starting at `initial`.
    func elementVariable(_ initial: ShaderScalar) -> ShaderElementVariable {
        let variables = words(of: initial).map { wordVariable($0) }
        return ShaderElementVariable(words: variables, kind: initial.kind)
    }

    func read(_ variable: ShaderElementVariable) -> ShaderScalar {
        let words = variable.words.map { readWord($0) }
        switch variable.kind {
        case .float: return .float(m.value(.bitcast, float, [words[0]]))
        case .int: return .int(words[0])
        case .long: return .long(low: words[0], high: words[1])
        case .double: return .double(double(low: words[0], high: words[1]))
        case .bool: return .bool(m.value(.iNotEqual, bool, [words[0], u(0)]))
        case .bits: return .bits(words)
        }
    }

    func write(_ variable: ShaderElementVariable, _ value: ShaderScalar) {
        for (target, word) in zip(variable.words, words(of: value)) { write(target, word) }
    }

    /// `value`'s words as uints, in registers.
    private func words(of value: ShaderScalar) -> [SPIRVID] {
        switch value {
        case .float(let x): return [m.value(.bitcast, uint, [x])]
        case .int(let v): return [v]
        case .long(let low, let high): return [low, high]
        case .double(let x): return words(ofDouble: x)
        case .bool(let flag): return [oneOrZero(flag)]
        case .bits(let words): return words
        }
    }

    /// The float64 whose bits are the two words, the low one first.
    func double(low: SPIRVID, high: SPIRVID) -> SPIRVID {
        m.value(.bitcast, double, [m.value(.compositeConstruct, m.vectorType(uint, 2), [low, high])])
    }

    /// A float64's bits as two words, the low one first.
    func words(ofDouble x: SPIRVID) -> [SPIRVID] {
        let pair = m.value(.bitcast, m.vectorType(uint, 2), [x])
        return [0, 1].map { m.value(.compositeExtract, uint, [pair], literals: [UInt32($0)]) }
    }

    // MARK: - Half-precision floats

    /// `x` rounded to `half` (float16 or bfloat16) as a store rounds it,
    /// widened back exactly: for a value the CPU stores between steps.
    func rounded(_ x: SPIRVID, to half: DType) -> SPIRVID {
        widened(narrowed(x, to: half), from: half)
    }

    /// The float16 or bfloat16 in the low bits of `bits` as a float32 (exactly).
    private func widened(_ bits: SPIRVID, from half: DType) -> SPIRVID {
        half == .float16 ? halfToFloat(bits) : m.value(.bitcast, float, [m.value(.shiftLeftLogical, uint, [bits, u(16)])])
    }

    /// `x` rounded to `half` (float16 or bfloat16), in the low 16 bits.
    private func narrowed(_ x: SPIRVID, to half: DType) -> SPIRVID {
        half == .float16 ? floatToHalf(x) : floatToBFloat16(x)
    }

    /// The float16 in the low bits of `bits`, widened exactly by its fields
    /// (a driver's UnpackHalf2x16 may flush subnormal halves).
    private func halfToFloat(_ bits: SPIRVID) -> SPIRVID {
        let sign = m.value(.shiftLeftLogical, uint, [m.value(.bitwiseAnd, uint, [bits, u(0x8000)]), u(16)])
        let exponent = m.value(.bitFieldUExtract, uint, [bits, u(10), u(5)])
        let mantissa = m.value(.bitwiseAnd, uint, [bits, u(0x3FF)])
        let normal = m.value(.bitwiseOr, uint, [m.value(.shiftLeftLogical, uint, [m.value(.iAdd, uint, [exponent, u(112)]), u(23)]), m.value(.shiftLeftLogical, uint, [mantissa, u(13)])])
        let special = m.value(.bitwiseOr, uint, [u(0x7F80_0000), m.value(.shiftLeftLogical, uint, [mantissa, u(13)])])
        // Subnormal halves are mantissa · 2⁻²⁴, a normal float.
        let small = m.value(.bitcast, uint, [fmul(m.value(.convertUToF, float, [mantissa]), f(0x1p-24))])
        let magnitude = m.value(
            .select, uint,
            [m.value(.iEqual, bool, [exponent, u(0)]), small, m.value(.select, uint, [m.value(.iEqual, bool, [exponent, u(31)]), special, normal])])
        return m.value(.bitcast, float, [m.value(.bitwiseOr, uint, [sign, magnitude])])
    }

    /// `x` rounded to the nearest float16, ties to even (as LLVM's fptrunc),
    /// overflowing to infinity, NaN kept quiet; in the low 16 bits.
    private func floatToHalf(_ x: SPIRVID) -> SPIRVID {
        let bits = m.value(.bitcast, uint, [x])
        let sign = m.value(.bitwiseAnd, uint, [m.value(.shiftRightLogical, uint, [bits, u(16)]), u(0x8000)])
        let magnitude = m.value(.bitwiseAnd, uint, [bits, u(0x7FFF_FFFF)])
        // Normal halves: rebias the exponent, round the 13 dropped bits to even.
        let odd = m.value(.bitwiseAnd, uint, [m.value(.shiftRightLogical, uint, [magnitude, u(13)]), u(1)])
        let rebiased = m.value(.iSub, uint, [magnitude, u(0x3800_0000)])
        let normal = m.value(.shiftRightLogical, uint, [m.value(.iAdd, uint, [rebiased, m.value(.iAdd, uint, [odd, u(0xFFF)])]), u(13)])
        // Subnormal halves: adding 0.5 puts 2⁻²⁴ at the float's last bit, so the addition rounds to even.
        let aligned = fadd(m.value(.bitcast, float, [magnitude]), f(0.5))
        let subnormal = m.value(.iSub, uint, [m.value(.bitcast, uint, [aligned]), u(0x3F00_0000)])
        let quietNaN = m.value(.bitwiseOr, uint, [u(0x7E00), m.value(.bitwiseAnd, uint, [m.value(.shiftRightLogical, uint, [magnitude, u(13)]), u(0x3FF)])])
        var half = m.value(.select, uint, [m.value(.uLessThan, bool, [magnitude, u(0x3880_0000)]), subnormal, normal])
        // From 65520 on, a float rounds past the largest half.
        half = m.value(.select, uint, [m.value(.uGreaterThanEqual, bool, [magnitude, u(0x477F_F000)]), u(0x7C00), half])
        half = m.value(.select, uint, [m.value(.uGreaterThan, bool, [magnitude, u(0x7F80_0000)]), quietNaN, half])
        return m.value(.bitwiseOr, uint, [sign, half])
    }

    /// `x`'s upper 16 bits rounded to nearest even, NaN kept quiet (as the CPU stores bfloat16).
    private func floatToBFloat16(_ x: SPIRVID) -> SPIRVID {
        let bits = m.value(.bitcast, uint, [x])
        let odd = m.value(.bitwiseAnd, uint, [m.value(.shiftRightLogical, uint, [bits, u(16)]), u(1)])
        let rounded = m.value(.iAdd, uint, [bits, m.value(.iAdd, uint, [odd, u(0x7FFF)])])
        let quiet = m.value(.bitwiseOr, uint, [bits, u(0x40_0000)])
        return m.value(.shiftRightLogical, uint, [m.value(.select, uint, [isNaN(x), quiet, rounded]), u(16)])
    }
}
