// Window arithmetic the convolution and pooling kernels share: which
// outputs a tap reads inside the image, where it reads, and the padded copy
// of a plane that lets every window read without bounds checks.

extension WindowGeometry {
    /// Output rows whose tap row `kh` reads inside the input.
    func validRows(_ kh: Int) -> Range<Int> {
        WindowGeometry.validRange(
            size: input.h, outputs: output.h, stride: strides.h, offset: kh * dilations.h - padBegin.h)
    }

    /// Output columns whose tap column `kw` reads inside the input.
    func validColumns(_ kw: Int) -> Range<Int> {
        WindowGeometry.validRange(
            size: input.w, outputs: output.w, stride: strides.w, offset: kw * dilations.w - padBegin.w)
    }

    /// Input element offset (from the plane's start) read by tap (kh, kw) at output (oh, ow).
    func inputIndex(_ b: KernelBuilder, inBase: IRValue, oh: IRValue, ow: IRValue, kh: Int, kw: Int) -> IRValue {
        let row = b.add(b.mul(oh, strides.h), kh * dilations.h - padBegin.h)
        return b.add(b.add(inBase, b.mul(row, input.w)), b.add(b.mul(ow, strides.w), kw * dilations.w - padBegin.w))
    }
}

/// An image channel copied into scratch with a border, so every window tap
/// reads inside the buffer and loops need no bounds checks.
struct PaddedPlane {
    let height: Int
    let width: Int
    let top: Int
    let left: Int
    let paddedHeight: Int
    let paddedWidth: Int

    var elements: Int { paddedHeight * paddedWidth }
    var needed: Bool { paddedHeight != height || paddedWidth != width }

    /// The border a window geometry needs: its padding, and room for
    /// ceil-mode windows that reach past the end padding.
    init(_ geometry: WindowGeometry) {
        height = geometry.input.h
        width = geometry.input.w
        top = geometry.padBegin.h
        left = geometry.padBegin.w
        let reachH = (geometry.output.h - 1) * geometry.strides.h + (geometry.kernel.h - 1) * geometry.dilations.h + 1
        let reachW = (geometry.output.w - 1) * geometry.strides.w + (geometry.kernel.w - 1) * geometry.dilations.w + 1
        paddedHeight = max(height + top + geometry.padEnd.h, reachH)
        paddedWidth = max(width + left + geometry.padEnd.w, reachW)
    }

    /// Copies plane `plane` of `input` into plane `plane` of `padded`, the border set to `fill`.
    func emit(_ b: KernelBuilder, input: IRValue, padded: IRValue, plane: IRValue, fill: Float, vectorWidth: Int) {
        let outBase = b.mul(plane, elements)
        let inBase = b.mul(plane, height * width)
        let bottom = (top + height) * paddedWidth
        b.fill(count: top * paddedWidth, with: fill, padded, outBase, width: vectorWidth)
        b.fill(count: elements - bottom, with: fill, padded, b.add(outBase, bottom), width: vectorWidth)
        b.loop(0..<height) { row in
            let outRow = b.add(outBase, b.mul(b.add(row, top), paddedWidth))
            b.fill(count: left, with: fill, padded, outRow, width: vectorWidth)
            b.copy(
                count: width, from: input, b.add(inBase, b.mul(row, width)), to: padded, b.add(outRow, left),
                width: vectorWidth)
            b.fill(
                count: paddedWidth - left - width, with: fill, padded, b.add(outRow, left + width), width: vectorWidth)
        }
    }
}
