# Kiln's two entry points on a fresh Debian machine:
#   make demo   build the Digits example (model compiled at build time) and run it
#   make test   unit + fixture tests, then build, run and check the example
# Both install the system packages they need first.

SWIFT ?= swift

.PHONY: bench-bounded test-c-without-vulkan test-bundle deps demo test test-swift test-examples test-examples-release test-plugin-errors test-real-models-plugin test-init test-report check-sanitizers check-vulkan-validation malformed malformed-times fuzz fuzz-smoke bench bench-vulkan fixtures proto conformance conformance-vulkan \
	conformance-subset reference real-models check-real-models docs device-kit clean

deps:
	@bash Scripts/install-system-deps.sh

demo: deps
	cd Examples/Digits && $(SWIFT) build -c release
	cd Examples/Digits && "$$($(SWIFT) build -c release --show-bin-path)/App"

test: deps test-c-without-vulkan test-swift test-examples test-plugin-errors test-real-models-plugin test-init test-bundle test-report docs fuzz-smoke

# The runtime must build where libvulkan-dev is missing (a user's machine):
# compile its Vulkan file as it is compiled there, with the header stubs.
test-c-without-vulkan:
	cc -fsyntax-only -Wall -Wextra -Werror -DKILN_WITHOUT_VULKAN_HEADERS -I Sources/CKiln/include Sources/CKiln/kiln_vulkan.c

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

test-examples:
	bash Scripts/check-digits-example.sh

# The same checks on the release build `make demo` makes (12 min cold on 2 cores:
# SwiftPM builds the plugin's tool twice in release).
test-examples-release:
	CONFIGURATION=release bash Scripts/check-digits-example.sh

test-plugin-errors:
	bash Scripts/check-plugin-errors.sh

# `kilnc bundle`: a compiled model as a package a tools-version 5.9 app depends on.
test-bundle:
	bash Scripts/check-bundle.sh

# Every model of Fixtures/real built through the plugin in one package, called
# through its generated class and through `kilnc run`, compared with ONNX Runtime.
test-real-models-plugin:
	bash Scripts/check-real-models-plugin.sh

# The README's quick start: `kilnc init` writes a new package around a model,
# `swift run App` builds it through the plugin and runs it.
test-init:
	bash Scripts/check-init.sh

# `kilnc report` pages rendered by headless Chromium: content counted, screenshot taken.
test-report:
	bash Scripts/check-report.sh

# libFuzzer + ASan over the compiler front end (FUZZ_SECONDS, default 600);
# make test runs one minute of it.
fuzz:
	bash Scripts/fuzz.sh

fuzz-smoke:
	FUZZ_SECONDS=60 bash Scripts/fuzz.sh

# The Swift tests under AddressSanitizer (with LeakSanitizer) and under
# ThreadSanitizer, each in its own build folder (about 8 min each on 2 cores).
# Under ASan the tests that drive the Vulkan driver are skipped: Mesa's
# lavapipe leaks small allocations from its own module, which the loader
# unloads before LeakSanitizer reports, so no suppression can name them.
check-sanitizers: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp \
		$(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan \
		--skip "VulkanTests|VulkanFixtureTests|VulkanDeviceCLITests|theShaderRunsOnTheDevice"
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan

# The Vulkan suites under the Khronos validation layer (installs vulkan-validationlayers).
check-vulkan-validation: deps
	SWIFT="$(SWIFT)" bash Scripts/check-vulkan-validation.sh

# Kiln against ONNX Runtime, OpenVINO and OpenBLAS, one thread each (THREADS=2: two; needs PyPI for the venv).
bench: deps
	bash Benchmarks/run.sh

# Kiln's Vulkan build against ncnn (Vulkan) and IREE (vulkan-spirv) on the same models, on
# lavapipe (needs PyPI; IREE_TIMEOUT, default 600, limits each IREE step in seconds).
bench-vulkan: deps
	bash Benchmarks/vulkan_compare.sh

# A bounded batch dim against static builds of each batch (ResNet-18, MobileNetV2).
bench-bounded: deps
	bash Benchmarks/bounded.sh

# Regenerate Fixtures/Malformed/: the hostile-model corpus the tests run (needs PyPI).
malformed:
	bash -c '. Scripts/venv.sh && "$$VENV/bin/python" Scripts/make_malformed.py'

# Wall time and peak memory of the release kilnc on every corpus case.
malformed-times: deps
	bash Scripts/malformed-times.sh

# Regenerate Fixtures/ and the demo's model and test set (needs PyPI).
fixtures:
	bash Scripts/make_fixtures.sh

# Regenerate Fixtures/real/: real architectures exported by PyTorch with random
# weights, models of at most 5 MB (needs PyPI; torch lives in Scripts/.venv-models).
real-models:
	bash Scripts/make_real_models.sh

# The larger real models (ShuffleNetV2, MobileNetV3-Small, EfficientNet-B0, GoogLeNet,
# DenseNet-121): write them to .build/real-models/ and check each one with
# `kilnc verify` at its tolerance (needs PyPI).
check-real-models:
	$(SWIFT) build --product kilnc
	bash Scripts/make_real_models.sh --large --check "$$($(SWIFT) build --show-bin-path)/kilnc"

# Re-record the golden generated Swift and headers under Tests/Reference/
# (review the diff before committing it).
reference:
	$(SWIFT) build --build-tests
	KILN_RECORD_REFERENCE=1 $(SWIFT) test --skip-build --filter GoldenTests

# Regenerate Sources/KilnCompiler/ONNX/onnx.pb.swift (needs PyPI).
proto:
	bash Scripts/generate-onnx-proto.sh

# ONNX's own backend node tests through `kilnc verify`; prints a line per op and
# rewrites Docs/Conformance.md (needs PyPI). Runner options go in CONFORMANCE_ARGS,
# e.g. make conformance CONFORMANCE_ARGS="--ops Relu,Conv -j 4".
conformance: deps
	SWIFT="$(SWIFT)" bash Scripts/conformance.sh $(CONFORMANCE_ARGS)

# The same run, then refresh Fixtures/conformance/: the smallest passing case of
# every op, which the tests run without Python.
conformance-subset: deps
	SWIFT="$(SWIFT)" bash Scripts/conformance.sh --subset Fixtures/conformance $(CONFORMANCE_ARGS)

# The same cases, each compiled with a Vulkan build and run on the machine's
# Vulkan device (lavapipe here); rewrites Docs/ConformanceVulkan.md, listing what
# has no SPIR-V lowering yet (needs PyPI).
conformance-vulkan: deps
	SWIFT="$(SWIFT)" bash Scripts/conformance.sh --device vulkan $(CONFORMANCE_ARGS)

# The Vulkan check for a machine with a GPU but no Swift toolchain (issue 9's
# real-GPU run): builds .build/device-kit.tar.xz and runs it here on lavapipe
# (Scripts/device-kit.sh says how to run it there; needs PyPI).
device-kit: deps
	SWIFT="$(SWIFT)" bash Scripts/device-kit.sh

# The DocC archive of the Kiln runtime (Sources/Kiln/Kiln.docc and the API) with
# the toolchain's docc, into .build-docs/Kiln.doccarchive; warnings fail it.
docs:
	SWIFT="$(SWIFT)" bash Scripts/build-docs.sh

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz Examples/Digits/.build Examples/Digits/.build-static .build-plugin .build-docs .build-report .build-init
