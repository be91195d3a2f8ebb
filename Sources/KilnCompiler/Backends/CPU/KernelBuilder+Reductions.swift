// Reductions along contiguous floats on SIMD vectors: one partial result per
// lane, folded across lanes by a fixed pairwise tree at the end. The order is
// fixed at compile time, so results do not depend on threads or calls.

import CLLVM

extension KernelBuilder {
    /// Folds `count` values, produced `width` lanes at a time by
    /// `values(offset, lanes)`, into one scalar with `combine` (associative,
    /// with `identity` as its neutral element).
    func reduceVectors(
        count: Int, width: Int, identity: Float, _ values: (IRValue, Int) -> IRValue,
        combine: (IRValue, IRValue) -> IRValue
    ) -> IRValue {
        let accumulator = variable(splatConstant(constant(identity), lanes: width))
        accumulateVectors(into: accumulator, count: count, width: width, identity: identity, values, combine: combine)
        return foldLanes(read(accumulator), combine: combine)
    }

    /// Combines `count` values into the lanes of a vector variable; the lanes
    /// past `count` in a short last vector contribute `identity`.
    func accumulateVectors(
        into accumulator: IRValue, count: Int, width: Int, identity: Float, _ values: (IRValue, Int) -> IRValue,
        combine: (IRValue, IRValue) -> IRValue
    ) {
        forEachVector(count: count, width: width) { offset, lanes in
            var value = values(offset, lanes)
            if lanes < width {
                value = select(laneMask(width: width, count: lanes), value, splatConstant(constant(identity), lanes: width))
            }
            write(accumulator, combine(read(accumulator), value))
        }
    }

    /// One lane from all of a vector's lanes: halves combined until one is left.
    func foldLanes(_ vector: IRValue, combine: (IRValue, IRValue) -> IRValue) -> IRValue {
        var value = vector
        var width = Int(LLVMGetVectorSize(LLVMTypeOf(vector)))
        precondition(width & (width - 1) == 0, "lanes are folded in halves")
        while width > 1 {
            let half = width / 2
            func lanes(_ range: Range<Int>) -> IRValue {
                var picks: [IRValue?] = range.map { LLVMConstInt(LLVMInt32TypeInContext(context), UInt64($0), 0) }
                return LLVMBuildShuffleVector(
                    builder, value, LLVMGetUndef(LLVMTypeOf(value)), LLVMConstVector(&picks, UInt32(half)), "")
            }
            value = combine(lanes(0..<half), lanes(half..<2 * half))
            width = half
        }
        return LLVMBuildExtractElement(builder, value, LLVMConstInt(LLVMInt32TypeInContext(context), 0, 0), "")
    }
}
