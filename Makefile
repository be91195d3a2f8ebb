# Kiln's two entry points on a fresh Debian machine:
#   make demo   build the Digits example (model compiled at build time) and run it
#   make test   unit + fixture tests, then build, run and check the example
# Both install the system packages they need first.

SWIFT ?= swift

.PHONY: deps demo test test-swift test-examples test-plugin-errors bench fixtures proto conformance \
	conformance-subset reference clean

deps:
	@bash Scripts/install-system-deps.sh

demo: deps
	cd Examples/Digits && $(SWIFT) build -c release
	cd Examples/Digits && "$$($(SWIFT) build -c release --show-bin-path)/App"

test: deps test-swift test-examples test-plugin-errors

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

test-examples:
	bash Scripts/check-digits-example.sh

test-plugin-errors:
	bash Scripts/check-plugin-errors.sh

# Kiln against ONNX Runtime, one thread each (needs PyPI for the venv).
bench: deps
	bash Benchmarks/run.sh

# Regenerate Fixtures/ and the demo's model and test set (needs PyPI).
fixtures:
	bash Scripts/make_fixtures.sh

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

clean:
	rm -rf .build Examples/Digits/.build .build-plugin-errors
