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
    /// A float32.
    case float(SPIRVID)
    /// An integer of 32 bits or fewer (signed ones narrower than 32 bits
    /// sign-extended, unsigned ones zero-extended), as a uint's bits.
    case int(SPIRVID)
    /// An int64 as its two words (shaders may not assume 64-bit integers).
    case long(low: SPIRVID, high: SPIRVID)
    case bool(SPIRVID)
    /// An element only moved, never computed with: its words, or for a
    /// packed dtype its bits in the low bits of one word.
    case bits([SPIRVID])
}

/// Which ``ShaderScalar`` case holds a dtype's elements.
enum ShaderValueKind: Equatable {
    case float, int, long, bool, bits

    init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float
        case .int32, .int16, .int8, .uint32, .uint16, .uint8: self = .int
        case .int64: self = .long
        case .bool: self = .bool
        default: self = .bits
        }
    }
}

extension ShaderBuilder {
    /// Element `index` of `buffer`, holding `dtype`. Floats come through the
    /// texel view (``load(_:_:)``); every other dtype through the storage
    /// buffer as words, since a view may flush the denormals small integers are.
    func loadElement(_ dtype: DType, _ buffer: ShaderBuffer, _ index: SPIRVID) -> ShaderScalar {
        switch ShaderStorage(dtype) {
        case .word:
            if dtype == .float32 { return .float(load(buffer, index)) }
            let word = loadWord(buffer, index)
            return ShaderValueKind(dtype) == .int ? .int(word) : .bits([word])
        case .pair:
            let first = mul(index, 2)
            let (low, high) = (loadWord(buffer, first), loadWord(buffer, add(first, 1)))
            return dtype == .int64 ? .long(low: low, high: high) : .bits([low, high])
        case .packed(let bytes):
            let perWord = 4 / bytes
            let word = loadWord(buffer, div(index, perWord))
            let shift = mul(mod(index, perWord), 8 * bytes)
            let extract: SPIRVOp = dtype.isSignedInteger ? .bitFieldSExtract : .bitFieldUExtract
            let field = m.value(extract, uint, [word, shift, u(8 * bytes)])
            switch ShaderValueKind(dtype) {
            case .bool: return .bool(m.value(.iNotEqual, bool, [field, u(0)]))
            case .int: return .int(field)
            default: return .bits([field])
            }
        }
    }

    /// The words that store `value` as `dtype` (for a packed dtype, one
    /// word with the element in its low bits and zeros above).
    func elementWords(_ value: ShaderScalar, _ dtype: DType) -> [SPIRVID] {
        let storage = ShaderStorage(dtype)
        switch value {
        case .float(let x): return [m.value(.bitcast, uint, [x])]
        case .long(let low, let high): return [low, high]
        case .bool(let flag): return [m.value(.select, uint, [flag, u(1), u(0)])]
        case .bits(let words): return words
        case .int(let word):
            guard case .packed(let bytes) = storage else { return [word] }
            return [m.value(.bitwiseAnd, uint, [word, u((1 << (8 * bytes)) - 1)])]
        }
    }

    /// Stores `value` as element `index` of `buffer`, whose dtype takes
    /// whole words (not a packed one: see ``storePackedWord(_:_:_:_:)``).
    func storeElement(_ value: ShaderScalar, _ dtype: DType, _ buffer: ShaderBuffer, _ index: SPIRVID) {
        if case .float(let x) = value { return store(x, buffer, index) }
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
        case (.long(let xl, let xh), .long(let yl, let yh)):
            return .long(low: m.value(.select, uint, [condition, xl, yl]), high: m.value(.select, uint, [condition, xh, yh]))
        case (.bits(let x), .bits(let y)) where x.count == y.count:
            return .bits(zip(x, y).map { m.value(.select, uint, [condition, $0, $1]) })
        default: return nil
        }
    }

    /// The element of `dtype` whose bits are all zero.
    func zeroElement(_ dtype: DType) -> ShaderScalar {
        switch ShaderValueKind(dtype) {
        case .float: return .float(f(0))
        case .int: return .int(u(0))
        case .long: return .long(low: u(0), high: u(0))
        case .bool: return .bool(m.constant(false))
        case .bits: return .bits(Array(repeating: u(0), count: ShaderStorage(dtype) == .pair ? 2 : 1))
        }
    }
}
