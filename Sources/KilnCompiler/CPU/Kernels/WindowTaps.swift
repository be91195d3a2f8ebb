// The loop structure Conv and pooling share: for each window tap (kh, kw),
// known at compile time, a loop nest over exactly the output positions whose
// input lies inside the image, so no bounds checks run in the inner loop.

/// A rectangle of output positions.
struct OutputRegion {
    var rows: Range<Int>
    var columns: Range<Int>
    var isEmpty: Bool { rows.isEmpty || columns.isEmpty }
}

extension WindowGeometry {
    /// Rows (or columns) where tap offset `offset` reads inside the input.
    func validRows(_ kh: Int) -> Range<Int> {
        WindowGeometry.validRange(
            size: input.h, outputs: output.h, stride: strides.h, offset: kh * dilations.h - padBegin.h)
    }

    func validColumns(_ kw: Int) -> Range<Int> {
        WindowGeometry.validRange(
            size: input.w, outputs: output.w, stride: strides.w, offset: kw * dilations.w - padBegin.w)
    }

    /// The output positions whose whole window lies inside the input: there
    /// every tap can be applied in one pass without bounds checks.
    var interior: OutputRegion {
        func intersect(_ ranges: [Range<Int>]) -> Range<Int> {
            let lower = ranges.map(\.lowerBound).max() ?? 0
            let upper = ranges.map(\.upperBound).min() ?? 0
            return lower < upper ? lower..<upper : 0..<0
        }
        return OutputRegion(
            rows: intersect((0..<kernel.h).map(validRows)), columns: intersect((0..<kernel.w).map(validColumns)))
    }

    /// The output plane minus `interior`, as up to four rectangles.
    func border(around interior: OutputRegion) -> [OutputRegion] {
        let all = OutputRegion(rows: 0..<output.h, columns: 0..<output.w)
        guard !interior.isEmpty else { return [all] }
        return [
            OutputRegion(rows: 0..<interior.rows.lowerBound, columns: all.columns),
            OutputRegion(rows: interior.rows.upperBound..<output.h, columns: all.columns),
            OutputRegion(rows: interior.rows, columns: 0..<interior.columns.lowerBound),
            OutputRegion(rows: interior.rows, columns: interior.columns.upperBound..<output.w),
        ].filter { !$0.isEmpty }
    }

    /// Input element offset (from the plane's start) read by tap (kh, kw) at output (oh, ow).
    func inputIndex(_ b: KernelBuilder, inBase: IRValue, oh: IRValue, ow: IRValue, kh: Int, kw: Int) -> IRValue {
        let row = b.add(b.mul(oh, strides.h), kh * dilations.h - padBegin.h)
        return b.add(b.add(inBase, b.mul(row, input.w)), b.add(b.mul(ow, strides.w), kw * dilations.w - padBegin.w))
    }

    /// Emits, per tap, `perTap(tap)` once (it may emit set-up code such as a
    /// weight load) and then its returned `update(outIndex, inIndex)` per
    /// output position of `region` (the whole plane by default) where the
    /// tap reads inside the input. Indices are element offsets from
    /// `outBase`/`inBase` into row-major planes.
    func emitTaps(
        _ b: KernelBuilder, outBase: IRValue, inBase: IRValue, region: OutputRegion? = nil,
        perTap: (_ tap: Int) -> ((_ outIndex: IRValue, _ inIndex: IRValue) -> Void)
    ) {
        let region = region ?? OutputRegion(rows: 0..<output.h, columns: 0..<output.w)
        for kh in 0..<kernel.h {
            let rows = validRows(kh).clamped(to: region.rows)
            for kw in 0..<kernel.w {
                let columns = validColumns(kw).clamped(to: region.columns)
                guard !rows.isEmpty, !columns.isEmpty else { continue }
                let update = perTap(kh * kernel.w + kw)
                b.loop(rows) { oh in
                    let outRow = b.add(outBase, b.mul(oh, output.w))
                    b.loop(columns) { ow in
                        update(b.add(outRow, ow), inputIndex(b, inBase: inBase, oh: oh, ow: ow, kh: kh, kw: kw))
                    }
                }
            }
        }
    }
}
