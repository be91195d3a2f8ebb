// The model's constant data as one binary blob, embedded with `.incbin`:
// it lands in .rodata untouched, paged in lazily, never decoded at load.

/// Accumulates constant tensors at 64-byte aligned offsets. Identical
/// contents are stored once: an unrolled recurrent layer prepacks the same
/// weights for every time step under a different key.
final class WeightsBlob {
    static let alignment = 64
    private(set) var bytes: [UInt8] = []
    private var offsets: [String: Int] = [:]
    /// Offsets of earlier contents by (digest, length), compared byte by byte on a hit.
    private var byContent: [ContentKey: [Int]] = [:]

    private struct ContentKey: Hashable {
        var digest: UInt64
        var count: Int
    }

    /// Adds `data` under `key` (once per key, once per content) and returns its byte offset.
    func offset(for key: String, _ data: () -> [UInt8]) -> Int {
        if let existing = offsets[key] { return existing }
        let data = data()
        let content = ContentKey(digest: Self.digest(of: data), count: data.count)
        for candidate in byContent[content, default: []]
        where bytes[candidate..<candidate + data.count].elementsEqual(data) {
            offsets[key] = candidate
            return candidate
        }
        let padding = (WeightsBlob.alignment - bytes.count % WeightsBlob.alignment) % WeightsBlob.alignment
        bytes.append(contentsOf: repeatElement(0, count: padding))
        let offset = bytes.count
        bytes.append(contentsOf: data)
        offsets[key] = offset
        byContent[content, default: []].append(offset)
        return offset
    }

    /// Adds `region` whole under `key` (it stays one contiguous range, which
    /// a device binds) and adopts its entries: a later request for one of
    /// its keys or contents gets the copy inside the region. The CPU build's
    /// constants, raw as the Vulkan build keeps them too, are then stored once.
    func offset(for key: String, adopting region: WeightsBlob) -> Int {
        let base = offset(for: key) { region.bytes }
        // Region entries sit on the alignment within it, and so at `base + offset`.
        precondition(base % WeightsBlob.alignment == 0)
        for (name, offset) in region.offsets where offsets[name] == nil { offsets[name] = base + offset }
        for (content, offsets) in region.byContent { byContent[content, default: []] += offsets.map { base + $0 } }
        return base
    }

    /// A digest of the bytes: the descriptor records it so the assembly text
    /// changes (and is reassembled) whenever the weights change. Computed
    /// once per size of the blob (a ResNet's is about 100 MB).
    var digest: UInt64 {
        if let cachedDigest, cachedDigest.count == bytes.count { return cachedDigest.value }
        let value = Self.digest(of: bytes)
        cachedDigest = (bytes.count, value)
        return value
    }
    private var cachedDigest: (count: Int, value: UInt64)?

    /// FNV-1a over 8-byte little-endian words, then the tail bytes: a
    /// change detector, not a cryptographic hash, at memory speed.
    static func digest(of bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            for index in 0..<words {
                hash ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                hash &*= 0x0000_0100_0000_01b3
            }
            for byte in raw[(words * 8)...] {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
        }
        return hash
    }
}
