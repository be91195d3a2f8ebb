// Names from a model file reach generated Swift, C and assembly only
// escaped: a newline or comment terminator in a value or file name must not
// become a line of source in the user's build.

import Testing

@testable import KilnCompiler

@Suite struct GeneratedTextTests {
    static let hostile = "x\n#error injected */ public let y = 1\u{2028}z\"\\"

    @Test func commentsCannotBeEscaped() {
        let text = GeneratedText.comment(Self.hostile)
        #expect(!text.contains("\n") && !text.contains("*/") && !text.contains("\u{2028}"))
        #expect(text.hasPrefix("x\\u{a}#error injected * / public let"))
    }

    @Test func stringLiteralsAreEscaped() {
        #expect(GeneratedText.swiftStringLiteral("a\"b\\c\nd") == "\"a\\\"b\\\\c\\u{a}d\"")
    }

    @Test func hostileNamesStayInsideCommentsOfTheGeneratedClass() throws {
        var graph = Graph(modelFile: "evil\n#error file.onnx", opset: 13)
        let x = graph.addValue(Value(name: Self.hostile, type: TensorType(.float32, [2])))
        let y = graph.addValue(Value(name: "out */ #error"))
        graph.inputs = [x]
        graph.nodes = [Node(name: "r", opType: "Relu", inputs: [x], outputs: [y])]
        graph.outputs = [y]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        try graph.lowerToCore()
        let model = PreparedModel(name: "evil", graph: graph, fileName: "evil\n#error file.onnx")
        let swift = SwiftAPIEmitter.source(for: model, module: "Models", className: "EvilModel")
        let header = HeaderEmitter.header(for: model)
        for line in (swift + header).split(separator: "\n") {
            let code = line.drop { $0 == " " }
            #expect(!code.hasPrefix("#error") && !code.hasPrefix("public let y"), "injected line: \(line)")
        }
        #expect(swift.contains("public var xErrorInjectedPublicLetY1Z: UnsafeMutableBufferPointer<Float>"))
    }

    /// Bidirectional controls would let a comment read differently from
    /// what the compiler sees ("Trojan Source").
    @Test func bidirectionalControlsAreSpelledOut() {
        let text = GeneratedText.comment("a\u{202E}b\u{2066}c\u{200F}d")
        #expect(text == "a\\u{202e}b\\u{2066}c\\u{200f}d")
    }

    /// Keywords and contextual keywords never become bare identifiers.
    @Test func keywordsGetASuffix() {
        #expect(
            SwiftIdentifier.unique(["await", "self", "some", "Type", "x"], reserved: [])
                == ["awaitTensor", "selfTensor", "someTensor", "type", "x"])
    }

    /// Past a handful of inputs, `predict` takes an `Inputs` struct: hundreds
    /// of generic parameters exceed what the type checker can solve.
    @Test func manyInputsGoThroughAnInputsStruct() throws {
        var graph = Graph(modelFile: "many.onnx", opset: 13)
        let xs = (0..<40).map { graph.addValue(Value(name: "x\($0)", type: TensorType(.float32, [1]))) }
        let y = graph.addValue(Value(name: "y"))
        graph.inputs = xs
        graph.nodes = [Node(name: "s", opType: "Sum", inputs: xs, outputs: [y])]
        graph.outputs = [y]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        try graph.lowerToCore()
        let swift = SwiftAPIEmitter.source(
            for: PreparedModel(name: "many", graph: graph, fileName: "many.onnx"), module: "M", className: "ManyModel")
        #expect(swift.contains("public struct Inputs: Sendable {"))
        #expect(swift.contains("public func predict(_ inputs: Inputs) throws(KilnError) -> Outputs {"))
        #expect(swift.contains("try runtime.setInput(39, inputs.x39)"))
        #expect(!swift.contains("some Collection"))
    }

    /// Span accessors are `with` + the property's name, unless that name is
    /// taken: then the tensor keeps its pointer property only, deterministically.
    @Test func spanAccessorsNeverCollide() {
        #expect(SwiftAPIEmitter.spanAccessorNames(["image", "logits"]) == ["image": "withImage", "logits": "withLogits"])
        // `withImage` is a tensor's own name: `image` gets no accessor, `withImage` gets `withWithImage`.
        #expect(SwiftAPIEmitter.spanAccessorNames(["image", "withImage"]) == ["withImage": "withWithImage"])
        // `_x` and `_X` would both want `with_x`/`with_X`: distinct, both kept; `run` would want `withRun`.
        #expect(SwiftAPIEmitter.spanAccessorNames(["_x", "_X", "run2"]).count == 3)
    }
}
