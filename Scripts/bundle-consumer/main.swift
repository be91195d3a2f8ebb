// The App of the consumer package Scripts/check-bundle.sh builds: a package
// with tools-version 5.9 and no experimental feature that depends on the
// package `kilnc bundle` wrote for Fixtures/bounded/cnn. It calls the model
// through its generated class at the fixture's batches and compares with
// ONNX Runtime's outputs.
//
// Usage: App <Fixtures/bounded/cnn>

import BoundedCnn
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    print("usage: App <Fixtures/bounded/cnn>")
    exit(2)
}
do {
    let model = try BoundedCnnModel()
    var worst = 0.0
    for number in 0..<4 {
        let data = "\(arguments[1])/test_data_set_\(number)"
        let expected = try floats(try readTensor("\(data)/output_0.pb"))
        let outputs = try model.predict(x: try floats(try readTensor("\(data)/input_0.pb")))
        let limits = RealModelCase(name: "bounded_cnn", atol: 1e-4, rtol: 1e-4)
        let (error, problem) = mismatch(outputs.probabilities, expected, limits)
        if let problem { throw HarnessError(description: "data set \(number) (batch \(model.batch)): \(problem)") }
        worst = max(worst, error)
    }
    print("ok   bounded_cnn through its bundle (batches 1, 7, 8, 3): max |error| \(worst)")
} catch {
    print("FAIL bounded_cnn through its bundle: \(error)")
    exit(1)
}
