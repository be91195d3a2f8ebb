// Classifies the held-out scikit-learn digits with the model Kiln compiled at
// build time, and checks every prediction against ONNX Runtime's.

import DigitsTestSet
import Kiln

#if canImport(Glibc)
    import Glibc
#endif

/// `value` with two decimals, without Foundation.
func twoDecimals(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

func seconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

do {
    let model = try DigitsModel()
    let count = Int(digits_test_count)
    var correct = 0
    var agreeing = 0
    var latencies: [Double] = []
    latencies.reserveCapacity(count)

    for index in 0..<count {
        // Write the pixels straight into the model's input buffer (no copy), then run.
        let pixels = model.image
        for offset in 0..<pixels.count { pixels[offset] = digits_test_image(Int32(index))[offset] }
        let start = seconds()
        model.run()
        latencies.append((seconds() - start) * 1e6)
        let probabilities = model.probabilities
        let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? -1
        if predicted == Int(digits_test_label(Int32(index))) { correct += 1 }
        if predicted == Int(digits_test_ort_prediction(Int32(index))) { agreeing += 1 }
    }
    latencies.sort()
    func percent(_ n: Int) -> String { twoDecimals(Double(n) * 100 / Double(count)) }
    print("Digits demo: \(count) held-out images, model compiled by Kiln at build time")
    print("CPU build: \(model.cpuVariant) (of \(model.runtime.cpuVariants.joined(separator: ", ")))")
    print("accuracy: \(percent(correct)) % (\(correct)/\(count))")
    print("agreement with ONNX Runtime: \(percent(agreeing)) % (\(agreeing)/\(count))")
    print(
        "latency per image: median \(twoDecimals(latencies[count / 2])) µs, "
            + "p90 \(twoDecimals(latencies[count * 9 / 10])) µs")
} catch {
    print("error: \(error)")
    exit(1)
}
