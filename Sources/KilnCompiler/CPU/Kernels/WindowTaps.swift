// The loop structure Conv and pooling share: for each window tap (kh, kw),
// known at compile time, a loop nest over exactly the output positions whose
// input lies inside the image, so no bounds checks run in the inner loop.

extension WindowGeometry {
    /// Emits, per tap, `perTap(tap)` once (it may emit set-up code such as a
    /// weight load) and then its returned `update(outIndex, inIndex)` per
    /// output position. Indices are element offsets from `outBase`/`inBase`
    /// into row-major planes of `output.w` and `input.w` columns.
    func emitTaps(
        _ b: KernelBuilder, outBase: IRValue, inBase: IRValue,
        perTap: (_ tap: Int) -> ((_ outIndex: IRValue, _ inIndex: IRValue) -> Void)
    ) {
        for kh in 0..<kernel.h {
            let rowOffset = kh * dilations.h - padBegin.h
            let rows = WindowGeometry.validRange(size: input.h, outputs: output.h, stride: strides.h, offset: rowOffset)
            for kw in 0..<kernel.w {
                let columnOffset = kw * dilations.w - padBegin.w
                let columns = WindowGeometry.validRange(
                    size: input.w, outputs: output.w, stride: strides.w, offset: columnOffset)
                guard !rows.isEmpty, !columns.isEmpty else { continue }
                let update = perTap(kh * kernel.w + kw)
                b.loop(rows) { oh in
                    let outRow = b.add(outBase, b.mul(oh, output.w))
                    let inRow = b.add(inBase, b.mul(b.add(b.mul(oh, strides.h), rowOffset), input.w))
                    b.loop(columns) { ow in
                        update(b.add(outRow, ow), b.add(inRow, b.add(b.mul(ow, strides.w), columnOffset)))
                    }
                }
            }
        }
    }
}
