# flexor-rtl. `make demo` and `make test` install what they need (npm packages, simulators).
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE_STAMP := .build/node-modules.stamp
SIM_STAMP  := .build/simulators.stamp
PY_STAMP   := .build/python-packages.stamp
BUILD_STAMP := dist/.build-stamp
TS_SOURCES := $(shell find generator test bench -name '*.ts' 2>/dev/null) tsconfig.json package.json
FLEXOR := node dist/generator/cli/flexor.js
DEMO_DIR := rtl-out/demo-decoder
DEMO_LAYER := rtl-out/demo-layer
DEMO_CNN := rtl-out/demo-cnn
LENET5_DIR := rtl-out/lenet5
RESNET20_DIR := rtl-out/resnet20-mixed
# Each layer parallel enough for this many cycles per image (as written, one MAC a layer: 2.4M).
RESNET20_CYCLES := 32768
PYTHON := /usr/bin/python3
DIGITS_DIR := rtl-out/digits

# The test sets: *.sim.test.js files run the simulators (iverilog, verilator), *.synth.test.js
# files run Yosys; the unit set is every other *.test.js, and runs under test/unit-guard/run.ts,
# which fails it if any test reaches for those tools.
# mocha runs the files TEST_JOBS at a time, each in a worker process (TEST_JOBS=1: one after another).
# *.pnr.test.js files run place and route and the ASIC flow: opt-in (make test-pnr), in neither set.
TESTS := 'dist/test/**/*.test.js'
PNR_TESTS := 'dist/test/**/*.pnr.test.js'
NO_PNR := --ignore $(PNR_TESTS)
UNIT_TESTS := --ignore 'dist/test/**/*.sim.test.js' --ignore 'dist/test/**/*.synth.test.js' $(NO_PNR) $(TESTS)
TEST_JOBS ?= 2
MOCHA_JOBS = --parallel --jobs $(TEST_JOBS)

.PHONY: help deps build demo test test-unit lint bench clean golden golden-check lenet5 resnet20 resnet20-synth example-digits pnr-tools asic-tools test-pnr bitstream

help:
	@echo "make demo   generate and verify the default decoder ($(DEMO_DIR)), a ResNet-20 layer ($(DEMO_LAYER))"
	@echo "            and the small CNN as one streaming accelerator ($(DEMO_CNN))"
	@echo "make lenet5 LeNet-5 (docs/examples/lenet5.yaml) as one accelerator, 4 images in Verilator (about 4 minutes)"
	@echo "make resnet20  ResNet-20 (docs/examples/resnet20-mixed-net.yaml) as one accelerator, 2 images in Verilator (long)"
	@echo "make resnet20-synth  every distinct block of that accelerator synthesized on its own (very long;"
	@echo "            RESNET20_SYNTH_BLOCKS=REGEX picks blocks, e.g. '^s1b' for stage 1)"
	@echo "make test   the whole test suite (unit, golden files, simulations in Icarus and Verilator, Yosys); same as npm test"
	@echo "            two test files at a time; TEST_JOBS=1 for one after another"
	@echo "make test-pnr   opt-in: place and route (nextpnr-ice40) and ASIC (OSU 0.18 um, OpenSTA) tests; installs the tools"
	@echo "make pnr-tools  install @yowasp/nextpnr-ice40 (about 220 MB) into tools/pnr/; make asic-tools: qflow-tech-osu018, opensta"
	@echo "make bitstream  the registered default decoder to an iCE40 UP5K bitstream, $(BITSTREAM_DIR).bin (docs/IMPLEMENTATION.md)"
	@echo "make test-unit  the quick set: the tests that run no simulator and no Yosys; fails if one does"
	@echo "make bench  benchmarks (golden decode and exact encode, network golden model, LeNet-5 in Verilator)"
	@echo "make lint   type-check the generator and lint the demo RTL with verilator -Wall"
	@echo "make deps   install npm packages and the simulators (iverilog, verilator) where missing"
	@echo "make build  compile the TypeScript into dist/"
	@echo "make clean  remove dist/, rtl-out/ contents and build stamps"
	@echo "make golden        rewrite test/golden/rtl/ after an intended change to the emitted RTL"
	@echo "make golden-check  fail if test/golden/rtl/ is stale"
	@echo "make example-digits  train the FleXOR digits CNN in PyTorch into $(DIGITS_DIR), check it against the"
	@echo "            golden models, generate its accelerator, run the test split through it in Verilator,"
	@echo "            print the results table, run the Python tests (docs/TRAINING.md)"

deps: $(NODE_STAMP) $(SIM_STAMP)

# npm ci only when node_modules does not hold what package.json and package-lock.json ask for
# (npm ls checks it): a checkout newer than a complete install, or beside a shared one, keeps it.
$(NODE_STAMP): package.json package-lock.json
	npm ls --all >/dev/null 2>&1 || npm ci --no-audit --no-fund
	@mkdir -p $(dir $@) && touch $@

$(SIM_STAMP): sim/install-simulators.sh tools/apt-install.sh
	bash sim/install-simulators.sh
	@mkdir -p $(dir $@) && touch $@

$(PY_STAMP): python/install-python-packages.sh tools/apt-install.sh
	bash python/install-python-packages.sh
	@mkdir -p $(dir $@) && touch $@

build: $(BUILD_STAMP)

# dist/ is rebuilt from scratch, so that a test file renamed or removed leaves no compiled copy behind.
$(BUILD_STAMP): $(NODE_STAMP) $(TS_SOURCES)
	rm -rf dist
	npx tsc -p .
	chmod +x dist/generator/cli/flexor.js
	@touch $@

demo: deps build
	$(FLEXOR) generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 -o $(DEMO_DIR) --force
	$(FLEXOR) verify $(DEMO_DIR)
	$(FLEXOR) lint $(DEMO_DIR)
	$(FLEXOR) generate layer --shape 16,16,3,3 --nin 16 --nout 20 --ntap 2 --seed 1 --lanes 4 --simd 16 -o $(DEMO_LAYER) --force
	$(FLEXOR) verify $(DEMO_LAYER)
	$(FLEXOR) lint $(DEMO_LAYER)
	$(FLEXOR) network docs/examples/small-cnn.yaml -o $(DEMO_CNN) --force
	$(FLEXOR) verify $(DEMO_CNN)
	$(FLEXOR) lint $(DEMO_CNN)
	@echo
	@echo "demo: the three designs passed in Icarus Verilog and Verilator, bit-exact against the golden model, and are lint-clean:"
	@echo "  $(DEMO_DIR)  the XOR decoder (Nin=16, Nout=20, nTap=2: 0.8 bits per weight); see its README.md"
	@echo "  $(DEMO_LAYER)    a ResNet-20 3x3 layer (16x16x3x3) at 0.8 bits per weight, 4 lanes x 16 simd; see its README.md"
	@echo "  $(DEMO_CNN)      the small CNN of docs/examples/small-cnn.yaml, image in, logits and label out; see its README.md"

test: deps build
	npx mocha $(MOCHA_JOBS) $(NO_PNR) $(TESTS)

# Opt-in: place and route (nextpnr-ice40, about 220 MB of npm package in tools/pnr/, installed here
# if missing) and the ASIC estimate (Debian's qflow-tech-osu018 and opensta, installed if missing).
# Several minutes: the default ResNet-20 layer alone takes a few minutes to place and route.
PNR_STAMP := tools/pnr/node_modules/@yowasp/nextpnr-ice40/package.json

pnr-tools: $(PNR_STAMP)

$(PNR_STAMP): tools/pnr/package.json tools/pnr/package-lock.json
	npm ci --no-audit --no-fund --prefix tools/pnr
	@touch $@

asic-tools:
	bash tools/install-asic-tools.sh

test-pnr: deps build pnr-tools asic-tools
	npx mocha $(PNR_TESTS)

# The default decoder, registered, to a bitstream for iCE40 UP5K (the pins of an iCEBreaker:
# docs/IMPLEMENTATION.md, "A bitstream").
BITSTREAM_DIR := rtl-out/bitstream-decoder
bitstream: deps build pnr-tools
	$(FLEXOR) generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 --registered -o $(BITSTREAM_DIR) --force
	$(FLEXOR) pnr $(BITSTREAM_DIR) --device up5k --clock-mhz 12 --bitstream $(BITSTREAM_DIR).bin --pcf $(BITSTREAM_DIR).pcf --force

test-unit: $(NODE_STAMP) build
	node dist/test/unit-guard/run.js $(MOCHA_JOBS) $(UNIT_TESTS)

lint: deps build
	$(FLEXOR) generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 --registered -o rtl-out/lint-decoder --force
	$(FLEXOR) lint rtl-out/lint-decoder
	$(FLEXOR) generate layer --shape 16,16,3,3 --nin 16 --nout 20 --ntap 2 --seed 1 --lanes 4 --simd 16 -o rtl-out/lint-layer --force
	$(FLEXOR) lint rtl-out/lint-layer

golden: deps build
	node dist/test/golden-rtl.js --update

# Opt-in: the paper's LeNet-5 whole, too long for make test (Icarus Verilog takes far longer still).
lenet5: deps build
	$(FLEXOR) network docs/examples/lenet5.yaml -o $(LENET5_DIR) --force
	$(FLEXOR) verify $(LENET5_DIR) --simulator verilator
	$(FLEXOR) lint $(LENET5_DIR)

# Two seeded images at full speed (no stalls): the second gives cycles per image.
resnet20: deps build
	$(FLEXOR) network docs/examples/resnet20-mixed-net.yaml --images 2 --cycles-per-image $(RESNET20_CYCLES) -o $(RESNET20_DIR) --force
	$(FLEXOR) verify $(RESNET20_DIR) --simulator verilator

# The blocks of the ResNet-20 accelerator (generated as for make resnet20 unless $(RESNET20_DIR) holds
# it) synthesized one by one in the embedded Yosys (xilinx); blocks that differ only in their names
# (62 distinct designs of 114 blocks) run once, the others come from the synthesis cache
# (bench/netsynth-blocks.ts, docs/NETWORK.md "Synthesis block by block").
RESNET20_SYNTH_BLOCKS ?=
resnet20-synth: deps build
	test -f $(RESNET20_DIR)/manifest.json || $(FLEXOR) network docs/examples/resnet20-mixed-net.yaml --images 2 --cycles-per-image $(RESNET20_CYCLES) -o $(RESNET20_DIR) --force
	node dist/bench/netsynth-blocks.js $(RESNET20_DIR) '$(RESNET20_SYNTH_BLOCKS)'

golden-check: deps build
	node dist/test/golden-rtl.js --check

# Trains python/train_digits.py (seed 1, about half a minute on one core) into $(DIGITS_DIR), checks the
# float golden model against PyTorch and the integer one's accuracy, generates the accelerator into
# $(DIGITS_DIR)-acc, runs every test image through its RTL in Verilator (the logits must equal the
# golden model's) and prints the results table (python/verify_digits.py); then the Python tests.
# Not part of `make test`, which checks the committed copy, test/fixtures/digits/ (its README.md).
example-digits: deps $(PY_STAMP) build
	rm -rf $(DIGITS_DIR)
	$(PYTHON) python/train_digits.py --out $(DIGITS_DIR) --seed 1
	$(PYTHON) python/verify_digits.py $(DIGITS_DIR) --rtl $(DIGITS_DIR)-acc --simulator verilator
	$(PYTHON) -m unittest discover -s python/tests

bench: deps build
	node dist/bench/decode.js
	node dist/bench/encode.js
	node dist/bench/network.js
	node dist/bench/network-sim.js

clean:
	rm -rf dist .build
	find rtl-out -mindepth 1 ! -name README.md -exec rm -rf {} +
