// LoadedModel builds a compiled model into a shared object and loads it;
// the instance it hands out must keep that object loaded on its own.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct LoadedModelTests {
    @Test func theRuntimeOutlivesItsLoadedModel() throws {
        let path = fixturesDirectory.appendingPathComponent("mlp/model.onnx").path
        let runtime = try LoadedModel(modelPath: path).runtime  // the LoadedModel is released here
        let input = try TensorFile.readAll(directory: fixturesDirectory.appendingPathComponent("mlp/test_data_set_0").path, prefix: "input")
        let expected = try TensorFile.readAll(directory: fixturesDirectory.appendingPathComponent("mlp/test_data_set_0").path, prefix: "output")
        try runtime.setInput(0, from: input[0].data)
        runtime.run()
        let comparison = Comparison(
            name: "probabilities", actual: try runtime.outputData(0), expected: expected[0].data, absolute: 1e-5,
            relative: 1e-5)
        #expect(comparison.passed, "\(comparison)")
    }
}
