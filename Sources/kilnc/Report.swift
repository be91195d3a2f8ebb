// `kilnc report`: compiles a model, profiles it and writes one self-contained
// HTML page (KilnDriver's ModelReport) to open in any browser.

import ArgumentParser
import Foundation
import Kiln
import KilnCompiler
import KilnDriver

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one HTML page about a model: fused graph, memory plan, sizes and per-kernel times.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: TargetOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the page.", valueName: "report.html"))
    var output: String
    @Option(help: "Profiled calls the kernel times are medians over.") var runs = 50
    @Option(help: "Threads running kernels, the caller included (default: the config's, else 1).")
    var threads: Int?
    @OptionGroup var device: DeviceOptions

    func validate() throws {
        if let threads, !(1...ModelConfig.maximumThreads).contains(threads) {
            throw ValidationError("--threads must be between 1 and \(ModelConfig.maximumThreads), got \(threads)")
        }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be between 1 and 10000, got \(runs)") }
    }

    func run() throws {
        let (prepared, config) = try model.prepare(device: device.device)
        guard let build = target.resolve(config).first else { throw ValidationError("no target CPU") }
        let report = try ModelReport.profile(
            prepared, target: build, threads: .workers(threads ?? prepared.defaultThreads), calls: runs,
            device: device.device)
        reportFallback(report.fallbackReason)
        if let device = report.vulkanDevice, report.kernels.isEmpty { reportNoTimestamps(device.name) }
        _ = try OutputWriter.write(report.html, to: output)
        print("wrote \(output): \(report.kernels.count) kernels, \(prepared.graph.nodes.count) nodes")
        if let device = report.vulkanDevice { print("timed on \(device)") }
    }
}
