// The App of the scratch package Scripts/check-real-models-plugin.sh builds:
// every model of Fixtures/real compiled by the Kiln build plugin, called once
// through its generated class with its reference inputs, and its outputs
// compared with ONNX Runtime's at the tolerance Fixtures/real/cases.json
// gives. It also compares the outputs `kilnc run` wrote for the same inputs.
//
// Usage: App <Fixtures/real> <directory holding kilnc run's <model>/output_*.pb>

import Foundation
import Kiln
import Models
import SwiftProtobuf

struct RealModelCases: Decodable {
    var cases: [RealModelCase]
}

/// One model's call through its generated class: reference inputs in, outputs in graph order.
typealias Runner = ([Onnx_TensorProto]) throws -> [[Float]]

/// Every committed real model must have a runner: a model added to Fixtures/real
/// without one fails the check instead of being skipped.
let runners: [String: Runner] = [
    "squeezenet1_1": { inputs in
        // Class, input and output names from squeezenet1_1.kiln.json.
        [try SqueezeNet().predict(photo: try floats(inputs[0])).scores]
    },
    "bert_encoder": { inputs in
        let outputs = try BertEncoderModel().predict(
            inputIds: try int64s(inputs[0]), attentionMask: try int64s(inputs[1]), tokenTypeIds: try int64s(inputs[2]))
        return [outputs.lastHiddenState, outputs.poolerOutput]
    },
    "lstm_classifier": { inputs in
        [try LstmClassifierModel().predict(features: try floats(inputs[0])).logits]
    },
    "gru_tagger": { inputs in
        [try GruTaggerModel().predict(tokenIds: try int64s(inputs[0])).tagLogits]
    },
    "audio_m5": { inputs in
        [try AudioM5Model().predict(waveform: try floats(inputs[0])).logProbs]
    },
    "segmentation_head": { inputs in
        [try SegmentationHeadModel().predict(image: try floats(inputs[0])).masks]
    },
    "qdq_cnn_int8": { inputs in
        [try QdqCnnInt8Model().predict(image: try floats(inputs[0])).logits]
    },
]

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: App <Fixtures/real> <kilnc run outputs>")
    exit(2)
}
let fixtures = arguments[1]
let kilncOutputs = arguments[2]
let cases = try JSONDecoder().decode(
    RealModelCases.self, from: try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/cases.json"))
).cases

var failures = 0
for modelCase in cases {
    let name = modelCase.name
    do {
        guard let runner = runners[name] else {
            throw HarnessError(description: "no runner: add one for the new model to Scripts/plugin-real-models/main.swift")
        }
        let data = "\(fixtures)/\(name)/test_data_set_0"
        let expected = try readTensors(in: data, prefix: "output").map(floats)
        let fromPlugin = try runner(try readTensors(in: data, prefix: "input"))
        let fromKilnc = try readTensors(in: "\(kilncOutputs)/\(name)", prefix: "output").map(floats)
        for (source, actual) in [("plugin", fromPlugin), ("kilnc run", fromKilnc)] {
            guard actual.count == expected.count else {
                throw HarnessError(description: "\(source): \(actual.count) outputs, the reference has \(expected.count)")
            }
            for (index, (values, reference)) in zip(actual, expected).enumerated() {
                let (worst, problem) = mismatch(values, reference, modelCase)
                if let problem { throw HarnessError(description: "\(source): output \(index): \(problem)") }
                print("ok   \(name) (\(source)) output \(index): max |error| \(worst)")
            }
        }
    } catch {
        print("FAIL \(name): \(error)")
        failures += 1
    }
}
// The target `kilnc init` scaffolded in the same package (Fixtures/mlp as
// mlp.onnx in target Mlp, with the config init wrote): its generated class.
do {
    let data = "\(fixtures)/../mlp/test_data_set_0"
    let expected = try floats(try readTensor("\(data)/output_0.pb"))
    let actual = try MlpModel().predict(input: try floats(try readTensor("\(data)/input_0.pb"))).probabilities
    let (worst, problem) = mismatch(actual, expected, RealModelCase(name: "mlp", atol: 1e-5, rtol: 1e-5))
    if let problem { throw HarnessError(description: problem) }
    print("ok   mlp (target scaffolded by kilnc init): max |error| \(worst)")
} catch {
    print("FAIL mlp (target scaffolded by kilnc init): \(error)")
    failures += 1
}
// Fixtures/state/lstm_step (as lstm_step.onnx with its config): the LSTM's h
// and c stay inside the model, so `predict` takes one step's x and returns y;
// 50 steps must match ONNX Runtime fed the state by hand, and a reset or a
// restored snapshot must repeat the steps after it.
do {
    let steps = "\(fixtures)/../state/lstm_step"
    let stream = try LstmStepModel()
    let step = { (number: Int) throws -> [Float] in
        let x = try floats(try readTensor("\(steps)/test_data_set_\(number)/input_0.pb"))
        let outputs = try stream.predict(x: x)
        return outputs.y
    }
    var worst = 0.0
    var outputs: [[Float]] = []
    for number in 0..<50 {
        let expected = try floats(try readTensor("\(steps)/test_data_set_\(number)/output_0.pb"))
        outputs.append(try step(number))
        let (error, problem) = mismatch(outputs[number], expected, RealModelCase(name: "lstm_step", atol: 1e-4, rtol: 1e-4))
        if let problem { throw HarnessError(description: "step \(number): \(problem)") }
        worst = max(worst, error)
    }
    // Pipelined on the device, two steps in flight: each reads the state the one before left.
    guard stream.activeDevice == .vulkan else { throw HarnessError(description: "not on Vulkan: \(stream.fallbackReason ?? "?")") }
    stream.resetState()
    var pending: [(KilnPendingCall, Int)] = []
    for number in 0..<50 {
        pending.append((try stream.submit(x: try floats(try readTensor("\(steps)/test_data_set_\(number)/input_0.pb"))), number))
        if pending.count == 2 || number == 49 {
            for (call, number) in pending {
                guard try stream.outputs(of: call).y == outputs[number] else {
                    throw HarnessError(description: "pipelined step \(number) differs from the synchronous one")
                }
            }
            pending.removeAll()
        }
    }
    stream.resetState()
    guard try step(0) == outputs[0] else { throw HarnessError(description: "resetState did not start over") }
    let snapshot = stream.stateSnapshot()
    let next = try step(1)
    try stream.restoreState(snapshot)
    guard try step(1) == next, next == outputs[1] else { throw HarnessError(description: "restoreState did not repeat a step") }
    // The span accessors: the first step again, written and read without unsafe pointers.
    stream.resetState()
    let first = try floats(try readTensor("\(steps)/test_data_set_0/input_0.pb"))
    stream.withX { span in
        for index in span.indices { span[index] = first[index] }
    }
    stream.run()
    let viaSpans = stream.withY { span in (0..<span.count).map { span[$0] } }
    guard viaSpans == outputs[0] else { throw HarnessError(description: "the span accessors gave other numbers") }
    print("ok   lstm_step (state inside the model, 50 steps, pipelined on \(stream.runtime.vulkanDevice?.name ?? "?"), reset, snapshot, spans): max |error| \(worst)")
} catch {
    print("FAIL lstm_step (state inside the model): \(error)")
    failures += 1
}
// Fixtures/bounded/cnn (as bounded_cnn.onnx with its config {"batch": {"max": 8}}):
// `predict` takes the batch from the input's count, and `predict(batch:)` runs
// samples in as few calls as the bound allows.
do {
    let folder = "\(fixtures)/../bounded/cnn"
    // Its config lists Vulkan: the generated initialiser's default `.automatic` runs on lavapipe here.
    let model = try BoundedCnnModel()
    guard model.activeDevice == .vulkan, model.fallbackReason == nil else {
        throw HarnessError(description: "not on Vulkan: \(model.fallbackReason ?? "no reason given")")
    }
    guard BoundedCnnModel.maxBatch == 8, model.batch == 8 else { throw HarnessError(description: "the bound is not 8") }
    var worst = 0.0
    var samples: [[Float]] = []
    var expectedPerSample: [[Float]] = []
    for number in 0..<4 {
        let x = try floats(try readTensor("\(folder)/test_data_set_\(number)/input_0.pb"))
        let expected = try floats(try readTensor("\(folder)/test_data_set_\(number)/output_0.pb"))
        let outputs = try model.predict(x: x)
        let (error, problem) = mismatch(outputs.probabilities, expected, RealModelCase(name: "bounded", atol: 1e-4, rtol: 1e-4))
        if let problem { throw HarnessError(description: "data set \(number): \(problem)") }
        worst = max(worst, error)
        let batch = expected.count / 10
        guard model.batch == batch, outputs.r2.count == batch * 16 * 64 else {
            throw HarnessError(description: "data set \(number): batch \(model.batch), expected \(batch)")
        }
        for item in 0..<batch {
            samples.append(Array(x[(item * 768)..<((item + 1) * 768)]))
            expectedPerSample.append(Array(expected[(item * 10)..<((item + 1) * 10)]))
        }
    }
    // 19 samples: calls of 8, 8 and 3.
    let results = try model.predict(batch: samples)
    for (result, expected) in zip(results, expectedPerSample) {
        let (_, problem) = mismatch(result.probabilities, expected, RealModelCase(name: "bounded", atol: 1e-4, rtol: 1e-4))
        if let problem { throw HarnessError(description: "predict(batch:): \(problem)") }
    }
    guard results.count == samples.count, model.batch == samples.count % 8 else {
        throw HarnessError(description: "predict(batch:) gave \(results.count) results")
    }
    do {
        _ = try model.predict(x: [Float](repeating: 0, count: 9 * 768))
        throw HarnessError(description: "a batch of 9 was accepted")
    } catch let error as KilnError {
        guard case .extentOutOfBounds(_, "batch", 8, 9) = error else { throw error }
    }
    // Pipelined: each data set submitted while the one before runs; each collected after.
    var pendingCalls: [(KilnPendingCall, [Float])] = []
    for number in 0..<4 {
        let x = try floats(try readTensor("\(folder)/test_data_set_\(number)/input_0.pb"))
        let expected = try floats(try readTensor("\(folder)/test_data_set_\(number)/output_0.pb"))
        pendingCalls.append((try model.submit(x: x), expected))
        if pendingCalls.count == 2 || number == 3 {
            for (call, expected) in pendingCalls {
                let (_, problem) = mismatch(
                    try model.outputs(of: call).probabilities, expected, RealModelCase(name: "bounded", atol: 1e-4, rtol: 1e-4))
                if let problem { throw HarnessError(description: "pipelined call \(call.number): \(problem)") }
            }
            pendingCalls.removeAll()
        }
    }
    // The same call on the CPU build of the same binary.
    let onCPU = try BoundedCnnModel(device: .cpu)
    let (_, problem) = mismatch(
        try onCPU.predict(x: samples.prefix(5).flatMap { $0 }).probabilities, expectedPerSample.prefix(5).flatMap { $0 },
        RealModelCase(name: "bounded", atol: 1e-4, rtol: 1e-4))
    if let problem { throw HarnessError(description: "on the CPU: \(problem)") }
    print("ok   bounded_cnn (on \(model.runtime.vulkanDevice?.name ?? "?"): batches 1, 7, 8, 3, pipelined, and predict(batch:) of \(samples.count)): max |error| \(worst)")
} catch {
    print("FAIL bounded_cnn (bounded batch): \(error)")
    failures += 1
}
// Fixtures/bounded/pair (as bounded_pair.onnx): tokens and mask carry the
// batch, temperature is shared; `predict(batch:temperature:)` takes `Sample`s.
do {
    let folder = "\(fixtures)/../bounded/pair"
    let model = try BoundedPairModel()
    var samples: [BoundedPairModel.Sample] = []
    var expectedPerSample: [(probabilities: [Float], count: Float)] = []
    var temperature: [Float] = []
    var worst = 0.0
    for number in 0..<4 {
        let data = "\(folder)/test_data_set_\(number)"
        let tokens = try int64s(try readTensor("\(data)/input_0.pb"))
        let mask = try floats(try readTensor("\(data)/input_1.pb"))
        temperature = try floats(try readTensor("\(data)/input_2.pb"))
        let probabilities = try floats(try readTensor("\(data)/output_0.pb"))
        let counts = try floats(try readTensor("\(data)/output_1.pb"))
        let outputs = try model.predict(tokens: tokens, mask: mask, temperature: temperature)
        let (error, problem) = mismatch(outputs.probabilities, probabilities, RealModelCase(name: "pair", atol: 1e-5, rtol: 1e-5))
        if let problem { throw HarnessError(description: "data set \(number): \(problem)") }
        guard outputs.counts == counts, model.batch == counts.count else {
            throw HarnessError(description: "data set \(number): counts \(outputs.counts), expected \(counts)")
        }
        worst = max(worst, error)
        for item in 0..<counts.count {
            samples.append(
                BoundedPairModel.Sample(
                    tokens: Array(tokens[(item * 6)..<((item + 1) * 6)]), mask: Array(mask[(item * 6)..<((item + 1) * 6)])))
            expectedPerSample.append((Array(probabilities[(item * 8)..<((item + 1) * 8)]), counts[item]))
        }
    }
    // 19 samples: calls of 8, 8 and 3, the temperature shared by all.
    let results = try model.predict(batch: samples, temperature: temperature)
    guard results.count == samples.count, model.batch == samples.count % 8 else {
        throw HarnessError(description: "predict(batch:temperature:) gave \(results.count) results at batch \(model.batch)")
    }
    for (index, (result, expected)) in zip(results, expectedPerSample).enumerated() {
        let (_, problem) = mismatch(result.probabilities, expected.probabilities, RealModelCase(name: "pair", atol: 1e-5, rtol: 1e-5))
        if let problem { throw HarnessError(description: "predict(batch:temperature:), sample \(index): \(problem)") }
        guard result.counts == [expected.count] else {
            throw HarnessError(description: "predict(batch:temperature:), sample \(index): count \(result.counts)")
        }
    }
    do {
        _ = try model.predict(batch: samples.prefix(2), temperature: [1, 2])
        throw HarnessError(description: "a shared temperature of 2 values was accepted")
    } catch let error as KilnError {
        guard case .shapeMismatch("temperature", _, 2) = error else { throw error }
    }
    print("ok   bounded_pair (two batched inputs and a shared one, batches 1, 7, 8, 3, and predict(batch:temperature:) of \(samples.count)): max |error| \(worst)")
} catch {
    print("FAIL bounded_pair (batched and shared inputs): \(error)")
    failures += 1
}
print("real models through the plugin: \(cases.count - failures) passed, \(failures) failed, and the kilnc init target")
exit(failures == 0 ? 0 : 1)
