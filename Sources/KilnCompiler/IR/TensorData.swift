// Constant tensor contents: initializers, folded values, prepacked weights.
// Stored as little-endian bytes with a dtype, so data movement (gather,
// concat, transpose, broadcast) works on any element type without a case
// per type, and the weights blob is the storage itself.

/// The contents of a constant tensor.
public struct TensorData: Sendable, Equatable {
    public var dtype: DType
    public var shape: [Int]
    /// Row-major elements, little-endian, `elementCount × dtype.byteSize` bytes.
    public var bytes: [UInt8]

    /// Wraps bytes already laid out for `dtype` and `shape`.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.reduce(1, *) * dtype.byteSize == bytes.count, "shape/byte count mismatch")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor.
    public init(shape: [Int], floats: [Float]) {
        #if _endian(little)
            // The bytes are little-endian floats: on such a host, the array's own memory.
            self.init(dtype: .float32, shape: shape, bytes: floats.withUnsafeBytes { Array($0) })
        #else
            self.init(dtype: .float32, shape: shape, bytes: Self.encode(floats.map { UInt64($0.bitPattern) }, width: 4))
        #endif
    }

    /// An int64 tensor.
    public init(shape: [Int], int64s: [Int64]) {
        self.init(dtype: .int64, shape: shape, bytes: Self.encode(int64s.map { UInt64(bitPattern: $0) }, width: 8))
    }

    /// A tensor of `shape` whose every element is 0 (all bits clear; for
    /// float8e8m0, which has no zero, its smallest value).
    public static func zeros(_ dtype: DType = .float32, shape: [Int]) -> TensorData {
        TensorData(dtype: dtype, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *) * dtype.byteSize))
    }

    /// A bool tensor (one byte per element, 0 or 1).
    public init(shape: [Int], bools: [Bool]) {
        self.init(dtype: .bool, shape: shape, bytes: bools.map { $0 ? 1 : 0 })
    }

    /// A tensor of any dtype from real values, converted as ONNX `Cast` does:
    /// floats round to nearest, integers truncate toward zero and wrap,
    /// bool is `value != 0`.
    /// Casts to the 8- and 4-bit float types saturate (or not) and round to
    /// float8e8m0 as `conversion` says.
    public init(dtype: DType, shape: [Int], converting values: [Double], _ conversion: FloatConversion = .init()) {
        let bits: [UInt64] = values.map { Self.bits(of: $0, as: dtype, conversion) }
        self.init(dtype: dtype, shape: shape, bytes: Self.encode(bits, width: dtype.byteSize))
    }

    /// A tensor of any dtype from integers (wrapping into narrower types).
    public init(dtype: DType, shape: [Int], converting values: [Int64]) {
        if dtype.isFloatingPoint {
            self.init(dtype: dtype, shape: shape, converting: values.map { Double($0) })
            return
        }
        let bits: [UInt64] = values.map { dtype == .bool ? ($0 != 0 ? 1 : 0) : Self.wrapped($0, to: dtype) }
        self.init(dtype: dtype, shape: shape, bytes: Self.encode(bits, width: dtype.byteSize))
    }

    /// A 4- or 2-bit tensor from ONNX's packed layout: `8 / dtype.packedBits`
    /// elements per byte, the first in the low bits.
    public init(dtype: DType, shape: [Int], unpacking packed: [UInt8]) {
        let bits = dtype.packedBits ?? 8
        let count = shape.reduce(1, *)
        let perByte = 8 / bits
        let codes: [Int64] = (0..<count).map { index in
            Int64((packed[index / perByte] >> UInt8(bits * (index % perByte))) & UInt8(1 << bits - 1))
        }
        if dtype.isInteger {
            self.init(dtype: dtype, shape: shape, converting: codes)
        } else {
            self.init(dtype: dtype, shape: shape, bytes: codes.map { UInt8($0) })
        }
    }

    /// The elements in ONNX's file layout: 4- and 2-bit types packed (see
    /// ``init(dtype:shape:unpacking:)``), others as they are.
    public var fileBytes: [UInt8] {
        guard let bits = dtype.packedBits else { return bytes }
        let perByte = 8 / bits
        var packed = [UInt8](repeating: 0, count: (bytes.count + perByte - 1) / perByte)
        for (index, byte) in bytes.enumerated() {
            packed[index / perByte] |= (byte & UInt8(1 << bits - 1)) << UInt8(bits * (index % perByte))
        }
        return packed
    }

    public var type: TensorType { TensorType(dtype, shape) }
    public var elementCount: Int { shape.reduce(1, *) }

    // MARK: - Element access

    /// The raw little-endian bits of element `index`, zero-extended.
    public func bits(at index: Int) -> UInt64 {
        let width = dtype.byteSize
        var value: UInt64 = 0
        for byte in 0..<width { value |= UInt64(bytes[index * width + byte]) << (8 * byte) }
        return value
    }

    /// Element `index` as a real number (exact for every integer up to 2⁵³).
    public func double(at index: Int) -> Double {
        let raw = bits(at: index)
        switch dtype {
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        case .float64: return Double(bitPattern: raw)
        case .float16: return Double(Self.float(fromHalf: UInt16(truncatingIfNeeded: raw)))
        case .bfloat16: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw) << 16))
        case .float8e8m0: return Double(ScaleExponent.decode(UInt8(truncatingIfNeeded: raw)))
        case .bool: return raw != 0 ? 1 : 0
        default:
            if let format = MinifloatFormat.of(dtype) { return Double(format.decode(UInt8(truncatingIfNeeded: raw))) }
            return Double(int64(at: index))
        }
    }

    /// Element `index` as an integer: floats truncate toward zero and
    /// saturate (NaN becomes `Int64.min`, which no range check accepts).
    public func int64(at index: Int) -> Int64 {
        if dtype.isFloatingPoint { return Self.saturatingInt64(double(at: index)) }
        let raw = bits(at: index)
        if dtype == .bool { return raw != 0 ? 1 : 0 }
        let width = dtype.narrowIntegerBits ?? 8 * dtype.byteSize
        if dtype.isSignedInteger { return Self.signExtend(raw, bits: width) }
        return width == 64 ? Int64(bitPattern: raw) : Int64(raw & (1 << UInt64(width) - 1))
    }

    /// Every element's raw bits, zero-extended (uint64 values as they are).
    public var bitPatterns: [UInt64] { (0..<elementCount).map(bits(at:)) }

    /// Every element as Float.
    public var floats: [Float] {
        if dtype == .float32 {
            return (0..<elementCount).map { Float(bitPattern: UInt32(truncatingIfNeeded: bits(at: $0))) }
        }
        return (0..<elementCount).map { Float(double(at: $0)) }
    }

    /// Every element as Double.
    public var doubles: [Double] { (0..<elementCount).map(double(at:)) }

    /// Every element as Int64 (see ``int64(at:)``). int64 and int32, what
    /// indices and shapes are, are read straight from the bytes: per element,
    /// `int64(at:)` asks several questions of the dtype, and a fuzzed model's
    /// Gather of 30 M constant indices took 41 s under ASan that way.
    /// int64 is one copy of the bytes (on a little-endian host): the fold of
    /// a 20 M-index Gather spent half its time here, element by element.
    public var int64s: [Int64] {
        switch dtype {
        case .int64:
            var values = [Int64](repeating: 0, count: elementCount)
            values.withUnsafeMutableBytes { target in
                bytes.withUnsafeBytes { source in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(target.count)))
                }
            }
            return Int64(1).littleEndian == 1 ? values : values.map { Int64(littleEndian: $0) }
        case .int32:
            return bytes.withUnsafeBytes { raw in
                (0..<elementCount).map { Int64(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self).littleEndian) }
            }
        default: return (0..<elementCount).map(int64(at:))
        }
    }

    /// The same elements under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> TensorData {
        TensorData(dtype: dtype, shape: newShape, bytes: bytes)
    }

    /// The elements at `offset + Σ index × stride` for every index of
    /// `shape`, in row-major order: a broadcast (stride 0), slice or
    /// transpose of this tensor, walked row by row without an index table,
    /// so folding one stays linear in time and needs no memory beyond the
    /// result. Every walked position must be an element of this tensor.
    public func strided(shape: [Int], strides: [Int], offset: Int = 0) -> TensorData {
        let width = dtype.byteSize
        let count = shape.reduce(1, *)
        var out = [UInt8](repeating: 0, count: count * width)
        let inner = shape.last ?? 1
        let step = strides.last ?? 0
        guard count > 0 else { return TensorData(dtype: dtype, shape: shape, bytes: out) }
        bytes.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                Shape.forEachRow(of: shape, strides: [strides], start: [offset]) { row, bases in
                    let destination = to + row * inner * width
                    if step == 1 {
                        destination.copyMemory(from: from + bases[0] * width, byteCount: inner * width)
                        return
                    }
                    for column in 0..<inner {
                        let element = from + (bases[0] + column * step) * width
                        (destination + column * width).copyMemory(from: element, byteCount: width)
                    }
                }
            }
        }
        return TensorData(dtype: dtype, shape: shape, bytes: out)
    }

    /// A tensor of `shape` whose element `i` is this tensor's element
    /// `sources[i]`: the primitive behind gathers and selections.
    public func picking(_ sources: [Int], shape: [Int]) -> TensorData {
        pickingRows(sources, length: 1, shape: shape)
    }

    /// A tensor of `shape` made of runs of `length` elements, run `i` this
    /// tensor's elements `sources[i]·length ..< (sources[i] + 1)·length`
    /// (Gather's slices). Copies bytes, so folding a gather of tens of
    /// millions of elements takes a fraction of a second even in a debug build.
    public func pickingRows(_ sources: [Int], length: Int, shape: [Int]) -> TensorData {
        let run = length * dtype.byteSize
        var out = [UInt8](repeating: 0, count: sources.count * run)
        bytes.withUnsafeBytes { from in
            out.withUnsafeMutableBytes { to in
                guard let source = from.baseAddress, let target = to.baseAddress, run > 0 else { return }
                sources.withUnsafeBufferPointer { rows in
                    var index = 0
                    while index < rows.count {
                        // Callers check indices first; a bad one must stop here, not read past the tensor.
                        precondition(rows[index] >= 0 && (rows[index] + 1) * run <= from.count, "row outside the tensor")
                        (target + index * run).copyMemory(from: source + rows[index] * run, byteCount: run)
                        index += 1
                    }
                }
            }
        }
        return TensorData(dtype: dtype, shape: shape, bytes: out)
    }

    /// `pattern` repeated `count` times, by doubling copies (ConstantOfShape's fill).
    static func repeating(_ pattern: [UInt8], count: Int) -> [UInt8] {
        var out = [UInt8](repeating: pattern.first ?? 0, count: pattern.count * count)
        guard pattern.count > 1, count > 0 else { return out }
        out.withUnsafeMutableBytes { to in
            guard let target = to.baseAddress else { return }
            pattern.withUnsafeBytes { from in
                if let source = from.baseAddress { target.copyMemory(from: source, byteCount: pattern.count) }
            }
            var filled = pattern.count
            while filled < to.count {
                let chunk = Swift.min(filled, to.count - filled)
                (target + filled).copyMemory(from: target, byteCount: chunk)
                filled += chunk
            }
        }
        return out
    }

    /// The elements converted to `target` as ONNX `Cast` does.
    public func converted(to target: DType, _ conversion: FloatConversion = .init()) -> TensorData {
        if target == dtype { return self }
        if dtype.isFloatingPoint || target.isFloatingPoint || target == .bool {
            return TensorData(dtype: target, shape: shape, converting: doubles, conversion)
        }
        return TensorData(dtype: target, shape: shape, converting: int64s)
    }

    // MARK: - Encoding

    private static func encode(_ values: [UInt64], width: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * width)
        for value in values {
            for byte in 0..<width { out.append(UInt8(truncatingIfNeeded: value >> (8 * byte))) }
        }
        return out
    }

    private static func signExtend(_ raw: UInt64, bits: Int) -> Int64 {
        let shift = UInt64(64 - bits)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }

    /// `value` wrapped into `dtype` as its stored bits: the 4- and 2-bit
    /// integers keep their low bits, sign-extended through the byte when signed.
    static func wrapped(_ value: Int64, to dtype: DType) -> UInt64 {
        guard let width = dtype.narrowIntegerBits else { return UInt64(bitPattern: value) }
        let kept = UInt64(bitPattern: value) & (1 << UInt64(width) - 1)
        return dtype.isSignedInteger ? UInt64(bitPattern: signExtend(kept, bits: width)) & 0xff : kept
    }

    static func saturatingInt64(_ value: Double) -> Int64 {
        guard !value.isNaN else { return .min }
        if value >= 9.2233720368547758e18 { return .max }
        if value <= -9.2233720368547758e18 { return .min }
        return Int64(value.rounded(.towardZero))
    }

    /// The bit pattern of `value` stored as `dtype`.
    static func bits(of value: Double, as dtype: DType, _ conversion: FloatConversion = .init()) -> UInt64 {
        switch dtype {
        case .float32: return UInt64(Float(value).bitPattern)
        case .float64: return value.bitPattern
        case .float16: return UInt64(half(from: Float(value)))
        case .bfloat16: return UInt64(bfloat16(from: Float(value)))
        case .float8e8m0:
            return UInt64(ScaleExponent.encode(Float(value), saturate: conversion.saturate, rounding: conversion.rounding))
        case .bool: return value != 0 ? 1 : 0
        default:
            if let format = MinifloatFormat.of(dtype) {
                return UInt64(format.encode(Float(value), saturate: conversion.saturate))
            }
            return wrapped(saturatingInt64(value), to: dtype)
        }
    }

    /// IEEE binary16 from binary32, rounding to nearest even.
    static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xff)
        var mantissa = bits & 0x7f_ffff
        if exponent == 0xff { return sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0) }
        let unbiased = exponent - 127 + 15
        if unbiased >= 0x1f { return sign | 0x7c00 }
        if unbiased <= 0 {
            guard unbiased >= -10 else { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - unbiased)
            var result = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway: UInt32 = 1 << (shift - 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result += 1 }
            return sign | UInt16(result)
        }
        var result = UInt32(unbiased) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1fff
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) { result += 1 }
        return sign | UInt16(truncatingIfNeeded: result)
    }

    /// IEEE binary32 from binary16 (exact).
    static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1f
        let mantissa = UInt32(bits) & 0x3ff
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1f { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// bfloat16 from binary32, rounding to nearest even (NaN stays NaN).
    static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = ((bits >> 16) & 1) + 0x7fff
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
