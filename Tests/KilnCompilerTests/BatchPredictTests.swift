// `predict(batch:)`'s text: which inputs make a sample, which every call
// shares, and shared inputs whose names the body's locals would shadow.

import Testing

@testable import KilnCompiler

@Suite struct BatchPredictTests {
    func input(_ index: Int, _ name: String, item: Bool) -> SwiftAPIEmitter.BatchInput {
        SwiftAPIEmitter.BatchInput(
            index: index, onnx: name, name: name, element: "Float", isItem: item, doc: "`\(name)`", itemDoc: "`\(name)`")
    }

    func text(_ inputs: [SwiftAPIEmitter.BatchInput]) -> String {
        let extent = ExtentMembers(BoundedDim(name: "batch", bound: 4), taken: [])
        return SwiftAPIEmitter.batchPredict(
            inputs: inputs, outputs: [("y", "Float")], extent: extent, access: "public")
    }

    @Test func oneBatchedInputTakesCollectionsOfItsValues() {
        let source = text([input(0, "x", item: true)])
        #expect(source.contains("func predict<Samples: Collection>(batch samples: Samples) throws(KilnError) -> [Outputs]"))
        #expect(source.contains("where Samples.Element: Collection, Samples.Element.Element == Float {"))
        #expect(source.contains("try runtime.setInputItem(0, item, sample)\n"))
        #expect(!source.contains("struct Sample"))
    }

    @Test func severalBatchedInputsTakeSamplesAndSharedInputsAreParameters() {
        let source = text([input(0, "tokens", item: true), input(1, "scale", item: false), input(2, "mask", item: true)])
        #expect(source.contains("public struct Sample: Sendable {"))
        #expect(source.contains("public init(tokens: [Float], mask: [Float]) {"))
        #expect(source.contains("(batch samples: Samples, scale: some Collection<Float>)"))
        #expect(source.contains("where Samples.Element == Sample {"))
        #expect(source.contains("try runtime.setInput(1, scale)\n"))
        #expect(source.contains("try runtime.setInputItem(0, item, sample.tokens)\n"))
        #expect(source.contains("try runtime.setInputItem(2, item, sample.mask)\n"))
    }

    @Test func aSharedInputNamedLikeALocalKeepsItsLabelUnderAnotherName() {
        let source = text([
            input(0, "x", item: true), input(1, "results", item: false), input(2, "resultsInput", item: false),
            input(3, "chunk", item: false),
        ])
        #expect(source.contains("results resultsInput2: some Collection<Float>"))
        #expect(source.contains(", resultsInput: some Collection<Float>"))
        #expect(source.contains("chunk chunkInput: some Collection<Float>"))
        #expect(source.contains("try runtime.setInput(1, resultsInput2)\n"))
        #expect(source.contains("try runtime.setInput(2, resultsInput)\n"))
        #expect(source.contains("try runtime.setInput(3, chunkInput)\n"))
    }

    @Test func aModelWithoutABatchedInputHasNoBatchForm() {
        #expect(text([input(0, "x", item: false)]).isEmpty)
    }
}
