// Shaders that pick elements by index tensors (int32 or int64, read as
// 32-bit words): one invocation per output element.

enum IndexingShaders {
    /// Slices of input 0 along `axis` picked by input 1's indices; negative
    /// ones count from the end, out-of-range ones give zeros (as on the CPU).
    static func gather(_ context: ShaderContext, axis: Int) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let dataID = context.input(0), let indicesID = context.input(1) else {
            throw context.unsupported("Gather needs data and indices")
        }
        let indexType = context.type(indicesID).dtype
        guard indexType == .int64 || indexType == .int32 else {
            throw context.unsupported("indices of \(indexType) are not lowered; int32 and int64 are")
        }
        let count = context.type(indicesID).elementCount
        let (_, size, inner) = Shape.split(context.shape(dataID), around: axis)
        return try ContractionShaders.perElement(context, count: context.type(context.output).elementCount) {
            b, index throws(ShaderLowering.Unsupported) in
            let (data, indices) = (try context.buffer(dataID, b), try context.buffer(indicesID, b))
            let k = b.mod(index, inner)
            let position = b.mod(b.div(index, inner), count)
            let outer = b.div(index, inner * count)
            var valid: SPIRVID? = nil
            let low: SPIRVID
            if indexType == .int64 {
                low = b.loadWord(indices, b.mul(position, 2))
                // In range of int32 only when the high word extends the low word's sign.
                let high = b.loadWord(indices, b.add(b.mul(position, 2), 1))
                let negative = b.m.value(.sLessThan, b.bool, [low, b.u(0)])
                let sign = b.m.value(.select, b.uint, [negative, b.u(-1), b.u(0)])
                valid = b.m.value(.iEqual, b.bool, [high, sign])
            } else {
                low = b.loadWord(indices, position)
            }
            let negative = b.m.value(.sLessThan, b.bool, [low, b.u(0)])
            let wrapped = b.m.value(.select, b.uint, [negative, b.add(low, size), low])
            let inside = b.less(wrapped, b.u(size))
            let take = valid.map { b.and($0, inside) } ?? inside
            let result = b.variable(b.f(0))
            b.ifThen(take) {
                b.write(result, b.load(data, b.add(b.mul(b.add(b.mul(outer, size), wrapped), inner), k)))
            }
            return b.read(result)
        }
    }
}
