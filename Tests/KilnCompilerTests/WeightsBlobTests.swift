// The weights blob: aligned offsets, one copy per key and per content.

import Testing

@testable import KilnCompiler

@Suite struct WeightsBlobTests {
    @Test func identicalContentsAreStoredOnce() {
        let blob = WeightsBlob()
        let a = blob.offset(for: "step0:packed") { [1, 2, 3] }
        let b = blob.offset(for: "step1:packed") { [1, 2, 3] }
        let c = blob.offset(for: "other") { [1, 2, 4] }
        #expect(a == b)
        #expect(c != a && c % WeightsBlob.alignment == 0)
        #expect(blob.offset(for: "other") { [] } == c)
        #expect(blob.bytes.count == c + 3)
    }
}
