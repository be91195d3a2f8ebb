// A strided window read as a stride-1 one: the zero-bordered image split
// into strides.h × strides.w phase planes (rows ≡ ph, columns ≡ pw modulo
// the strides), so tap (kh, kw) of every output reads one phase plane at a
// constant offset. A strided convolution then runs as an implicit GEMM over
// contiguous rows, like a stride-1 one, instead of materialising im2col.

/// The phase planes of one image channel for a window geometry.
struct PhasePlanes {
    let plane: PaddedPlane
    let strides: (h: Int, w: Int)
    let dilations: (h: Int, w: Int)
    /// Rows and columns (the row pitch) of each phase plane.
    let height: Int
    let width: Int

    init(_ geometry: WindowGeometry) {
        plane = PaddedPlane(geometry)
        strides = geometry.strides
        dilations = geometry.dilations
        height = (plane.paddedHeight + strides.h - 1) / strides.h
        width = (plane.paddedWidth + strides.w - 1) / strides.w
    }

    var phases: Int { strides.h * strides.w }
    var planeElements: Int { height * width }
    /// Elements per image channel: every phase plane.
    var channelElements: Int { phases * planeElements }

    /// Offset of tap (kh, kw) from output (oh, ow)'s position `oh·width + ow`
    /// within a channel's phase planes.
    func tapOffset(kh: Int, kw: Int) -> Int {
        let (y, x) = (kh * dilations.h, kw * dilations.w)
        let phase = (y % strides.h) * strides.w + x % strides.w
        return phase * planeElements + (y / strides.h) * width + x / strides.w
    }

    /// Writes channel `index` of `input` as its phase planes at
    /// `output[index · channelElements]`, zeros where a phase reads padding.
    func emit(_ b: KernelBuilder, input: IRValue, output: IRValue, index: IRValue, vectorWidth: Int) {
        if phases == 1 {
            plane.emit(b, input: input, padded: output, plane: index, fill: 0, vectorWidth: vectorWidth)
            return
        }
        let inBase = b.mul(index, plane.height * plane.width)
        let channelBase = b.mul(index, channelElements)
        for ph in 0..<strides.h {
            for pw in 0..<strides.w {
                let base = b.add(channelBase, (ph * strides.w + pw) * planeElements)
                // Phase row i reads image row i·sh + ph − top; column j reads i·sw + pw − left.
                let rows = PhasePlanes.inside(size: plane.height, border: plane.top, phase: ph, stride: strides.h, count: height)
                let columns = PhasePlanes.inside(
                    size: plane.width, border: plane.left, phase: pw, stride: strides.w, count: width)
                b.fill(count: rows.lowerBound * width, with: 0, output, base, width: vectorWidth)
                b.fill(
                    count: (height - rows.upperBound) * width, with: 0, output, b.add(base, rows.upperBound * width),
                    width: vectorWidth)
                b.loop(rows) { i in
                    let row = b.add(base, b.mul(i, width))
                    let sourceRow = b.sub(b.mul(i, strides.h), b.constant(plane.top - ph))
                    let source = b.add(
                        b.add(inBase, b.mul(sourceRow, plane.width)), columns.lowerBound * strides.w + pw - plane.left)
                    b.fill(count: columns.lowerBound, with: 0, output, row, width: vectorWidth)
                    b.forEachVector(count: columns.count, width: vectorWidth) { offset, lanes in
                        let value = b.loadStridedVector(
                            input, b.add(source, b.mul(offset, strides.w)), width: vectorWidth, count: lanes,
                            stride: strides.w)
                        b.storeVector(value, output, b.add(row, b.add(offset, columns.lowerBound)), count: lanes)
                    }
                    b.fill(
                        count: width - columns.upperBound, with: 0, output, b.add(row, columns.upperBound),
                        width: vectorWidth)
                }
            }
        }
    }

    /// Phase indices i < count whose image index i·stride + phase − border
    /// lies in 0..<size.
    static func inside(size: Int, border: Int, phase: Int, stride: Int, count: Int) -> Range<Int> {
        func firstAtLeast(_ limit: Int) -> Int {  // smallest i ≥ 0 with i·stride + phase − border ≥ limit
            let needed = limit + border - phase
            return needed <= 0 ? 0 : (needed + stride - 1) / stride
        }
        let lower = min(firstAtLeast(0), count)
        return lower..<max(lower, min(firstAtLeast(size), count))
    }
}
