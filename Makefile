# flexor-rtl. `make demo` and `make test` install what they need (npm packages, simulators).
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE_STAMP := node_modules/.package-lock.json
SIM_STAMP  := .build/simulators.stamp
BUILD_STAMP := dist/.build-stamp
TS_SOURCES := $(shell find generator test bench -name '*.ts' 2>/dev/null) tsconfig.json package.json
FLEXOR := node dist/generator/cli.js
DEMO_DIR := rtl-out/demo-decoder

.PHONY: help deps build demo test lint bench clean golden golden-check

help:
	@echo "make demo   generate the default decoder (Nin=16, Nout=20, nTap=2) into $(DEMO_DIR) and verify it"
	@echo "make test   the whole test suite (unit, golden files, simulations in Icarus and Verilator)"
	@echo "make bench  benchmarks (decode throughput)"
	@echo "make lint   type-check the generator and lint the demo RTL with verilator -Wall"
	@echo "make deps   install npm packages and the simulators (iverilog, verilator) where missing"
	@echo "make build  compile the TypeScript into dist/"
	@echo "make clean  remove dist/, rtl-out/ contents and build stamps"
	@echo "make golden        rewrite test/golden/rtl/ after an intended change to the emitted RTL"
	@echo "make golden-check  fail if test/golden/rtl/ is stale"

deps: $(NODE_STAMP) $(SIM_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

$(SIM_STAMP): sim/install-simulators.sh
	bash sim/install-simulators.sh
	@mkdir -p $(dir $@) && touch $@

build: $(BUILD_STAMP)

$(BUILD_STAMP): $(NODE_STAMP) $(TS_SOURCES)
	npx tsc -p .
	@touch $@

demo: deps build
	rm -rf $(DEMO_DIR)
	$(FLEXOR) generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 -o $(DEMO_DIR)
	$(FLEXOR) verify $(DEMO_DIR)
	$(FLEXOR) lint $(DEMO_DIR)
	@echo "demo: the decoder in $(DEMO_DIR) passed in Icarus Verilog and Verilator and is lint-clean; see $(DEMO_DIR)/README.md"

test: deps build
	npx mocha 'dist/test/**/*.test.js'

lint: deps build
	rm -rf rtl-out/lint-decoder
	$(FLEXOR) generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 --registered -o rtl-out/lint-decoder
	$(FLEXOR) lint rtl-out/lint-decoder

golden: deps build
	node dist/test/golden-rtl.js --update

golden-check: deps build
	node dist/test/golden-rtl.js --check

bench: deps build
	node dist/bench/decode.js

clean:
	rm -rf dist .build
	find rtl-out -mindepth 1 ! -name README.md -exec rm -rf {} +
