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
}
