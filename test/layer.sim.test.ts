/**
 * Simulation tests of generated layers: bit-exact against the golden model in Icarus Verilog and
 * Verilator with random stalls on every stream, the throughput measured by the testbench itself,
 * lint-clean RTL; a corrupted weight image the testbench must reject; and --pipeline layers, bit-exact
 * and later by exactly the cycles their stages add.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateLayer, type LayerGenOptions } from '../generator/rtl/layer/generate.js';
import { planLayer } from '../generator/rtl/layerplan.js';
import { resolveLayer, type LayerOptions } from '../generator/core/layer.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { lintDesign, verifyDesign } from '../generator/eda/simulate.js';
import { describeSimulation, printedFigure, tempDir } from './helpers.js';

interface Case {
  readonly name: string;
  readonly options: LayerGenOptions;
  /** Whether the steady-state throughput must be within 5% of the ideal (every case, now). */
  readonly throughput: boolean;
}

const CASES: readonly Case[] = [
  { name: 'ResNet-20 16,16,3,3 at 0.8 bits per weight, lanes 4, simd 16', options: { shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16 }, throughput: true },
  { name: '32,16,3,3, q = 2, Nin = 12, streamed weights, Verilog-2005', options: { shape: [32, 16, 3, 3], nIn: 12, nOut: 20, nTap: 2, seed: 2, planes: 2, lanes: 4, simd: 16, weights: 'stream', hdl: 'verilog' }, throughput: true },
  { name: 'linear 10,64, dense matrix, Nin = 7, async reset', options: { shape: [10, 64], nIn: 7, nOut: 10, dense: true, seed: 3, lanes: 2, simd: 8, reset: 'async' }, throughput: true },
  // A ResNet-20 stage-3 shape (32 units, 2 slices per fetch), the largest case and the longest run in
  // Icarus: 3 vectors with stalls (the two extremes and a seeded one) instead of 6; the 4 at full
  // speed that give the throughput are unchanged.
  { name: '64,64,3,3 in the io layout, Nin = 8, lanes 16, simd 32, 3 vectors with stalls', options: { shape: [64, 64, 3, 3], nIn: 8, nOut: 10, nTap: 2, seed: 4, layout: 'io', lanes: 16, simd: 32, vectors: 3 }, throughput: true },
  { name: 'lanes = 1, simd = 1', options: { shape: [4, 3, 2, 2], nIn: 3, nOut: 5, nTap: 2, seed: 5, lanes: 1, simd: 1, hdl: 'verilog' }, throughput: true },
  { name: 'lanes = N, simd = K (one step per vector)', options: { shape: [6, 10], nIn: 4, nOut: 5, nTap: 2, seed: 6, lanes: 6, simd: 10 }, throughput: true },
  { name: 'io, one row per unit (every step emits), streamed', options: { shape: [8, 4], nIn: 3, nOut: 5, nTap: 2, seed: 7, layout: 'io', lanes: 4, simd: 4, weights: 'stream' }, throughput: true },
  { name: 'bias, requantization to 8 bits, lanes and simd dividing nothing', options: { shape: [8, 4, 3, 3], nIn: 9, nOut: 12, nTap: 3, seed: 7, lanes: 3, simd: 5, bias: true, requantShift: 10, outBits: 8 }, throughput: true },
  { name: 'collector columns at their least gap (5 steps, 2 beats, rows = lanes = 2)', options: { shape: [4, 20], nIn: 4, nOut: 5, nTap: 2, seed: 3, lanes: 2, simd: 4 }, throughput: true },
  { name: 'one beat per vector read in place (3 steps apart), async reset', options: { shape: [4, 24], nIn: 4, nOut: 5, nTap: 2, seed: 10, lanes: 4, simd: 8, reset: 'async' }, throughput: true },
  { name: 'results 3 steps apart for 6 beats: collector and output buffer, Verilog-2005', options: { shape: [12, 12], nIn: 4, nOut: 6, nTap: 2, seed: 11, lanes: 2, simd: 4, hdl: 'verilog' }, throughput: true },
  { name: 'weights and activations in block RAM (banks read a step ahead), T = 6 chunks', options: { shape: [8, 4, 3, 3], nIn: 9, nOut: 12, nTap: 3, seed: 9, lanes: 3, simd: 7, romStyle: 'block', actStyle: 'block' }, throughput: true },
  { name: 'block RAM, one step per vector, Verilog-2005, async reset', options: { shape: [6, 10], nIn: 4, nOut: 5, nTap: 2, seed: 10, lanes: 6, simd: 10, romStyle: 'block', actStyle: 'block', hdl: 'verilog', reset: 'async' }, throughput: true },
  { name: 'io, q = 2, streamed, bias, Verilog-2005, async reset', options: { shape: [7, 3, 2, 2], nIn: 5, nOut: 9, nTap: 2, seed: 8, layout: 'io', lanes: 3, simd: 5, planes: 2, weights: 'stream', bias: true, hdl: 'verilog', reset: 'async' }, throughput: true },
];

describe('generated layers in simulation', function () {
  const root = tempDir('layer-sim');

  CASES.forEach((c, index) => {
    it(`${c.name}: bit-exact in Icarus and Verilator with back-pressure, lint-clean`, async function () {
      const dir = join(root, `case${index}`);
      writeDesignFiles(dir, generateLayer(c.options).files, false);
      const lint = lintDesign(dir);
      expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);

      const report = await verifyDesign(dir, ['iverilog', 'verilator']);
      const config = resolveLayer(c.options as LayerOptions);
      const ideal = Math.ceil(config.n / config.lanes) * Math.ceil(config.k / config.simd);
      expect(planLayer(config).stepsPerVector).to.equal(ideal);
      for (const r of report.results) {
        expect(r.ok, describeSimulation(r)).to.equal(true);
        const cycles = printedFigure(r.output, 'cycles per vector');
        const macs = printedFigure(r.output, 'MACs per cycle');
        expect(cycles, `${r.simulator}: cycles per vector`).to.be.at.least(ideal);
        if (c.throughput) expect(cycles, `${r.simulator}: cycles per vector against ${ideal}`).to.be.at.most(ideal * 1.05);
        expect(macs).to.be.closeTo((config.planes * config.n * config.k) / cycles, 0.01);
      }
    });
  });
});

describe('a collector whose columns fill in the wrong lane order', function () {
  it('is rejected by the testbench (Icarus): the beats leave with lanes swapped', async function () {
    const dir = join(tempDir('layer-columns'), 'layer');
    const design = generateLayer({ shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16, vectors: 2 });
    writeDesignFiles(dir, design.files, false);
    // Lane LANES - 1 - k instead of lane k in fill cycle k: each column holds its lanes reversed.
    const topPath = join(dir, 'rtl', `${design.top}.sv`);
    const rtl = readFileSync(topPath, 'utf8');
    const broken = rtl.replace('acc_final_q[(gp*LANES + {{30{1\'b0}}, fill_lane_q})*ACC_W +: ACC_W]', 'acc_final_q[(gp*LANES + {{30{1\'b0}}, ~fill_lane_q})*ACC_W +: ACC_W]');
    expect(broken, 'the fill select in the generated top').to.not.equal(rtl);
    writeFileSync(topPath, broken);
    const report = await verifyDesign(dir, ['iverilog']);
    expect(report.ok).to.equal(false);
    expect(report.results[0].failed).to.be.greaterThan(0);
    expect(report.results[0].output).to.match(/^MISMATCH vector \d+ channel \d+: expected -?\d+ got -?\d+$/m);
  });
});

describe('a corrupted weight image', function () {
  it('(one encrypted bit flipped) is rejected by the testbench in both simulators', async function () {
    const dir = join(tempDir('layer-corrupt'), 'layer');
    const design = generateLayer({ shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16 });
    writeDesignFiles(dir, design.files, false);
    // Slice 0 of plane 0 is unit 0's first slice: the lowest Nin bits of word 0 of unit 0's ROM.
    // Its bit 0 is encrypted bit x[0], which rows 10 and 12 of the seed-1 matrix use (docs/MATRIX.md).
    const hexPath = join(dir, 'rtl', `${design.top}_weights_u0.hex`);
    const lines = readFileSync(hexPath, 'utf8').split('\n');
    lines[0] = lines[0].slice(0, -1) + (parseInt(lines[0].slice(-1), 16) ^ 1).toString(16);
    writeFileSync(hexPath, lines.join('\n'));

    const report = await verifyDesign(dir, ['iverilog', 'verilator']);
    expect(report.ok).to.equal(false);
    expect(report.changed).to.deep.equal([`rtl/${design.top}_weights_u0.hex`]);
    for (const r of report.results) {
      expect(r.ok, r.simulator).to.equal(false);
      expect(r.exitCode, r.simulator).to.not.equal(0);
      expect(r.failed, r.simulator).to.be.greaterThan(0);
      expect(r.output, r.simulator).to.match(/^MISMATCH vector \d+ channel 0: expected -?\d+ got -?\d+$/m);
    }
  });
});

describe('pipelined layers (--pipeline)', function () {
  const PIPELINED: readonly { name: string; options: LayerGenOptions; added: number }[] = [
    { name: 'q = 2, decoders,mac:1,scale (2 stages in each tree), streamed, Verilog-2005', options: { shape: [8, 32], nIn: 12, nOut: 20, nTap: 2, seed: 2, planes: 2, lanes: 2, simd: 16, weights: 'stream', hdl: 'verilog', pipeline: 'decoders,mac:1,scale' }, added: 4 },
    { name: 'one tree of single cells, mac:1 (3 stages), a collector of 3 banks, async reset', options: { shape: [4, 16], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 1, simd: 16, reset: 'async', pipeline: 'mac:1' }, added: 3 },
    { name: 'io, one step per vector, bias and requantization, every stage', options: { shape: [4, 6], nIn: 4, nOut: 5, nTap: 2, seed: 5, layout: 'io', lanes: 4, simd: 6, bias: true, requantShift: 4, outBits: 6, pipeline: 'decoders,mac:1,scale' }, added: 3 },
  ];
  const root = tempDir('layer-pipe');

  PIPELINED.forEach((c, index) => {
    it(`${c.name}: bit-exact in both simulators with back-pressure, lint-clean, ${c.added} cycles later, as fast`, async function () {
      const run = async (options: LayerGenOptions, name: string, simulators: readonly ('iverilog' | 'verilator')[]) => {
        const dir = join(root, `case${index}-${name}`);
        writeDesignFiles(dir, generateLayer(options).files, false);
        const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
        return { dir, added: manifest.latency.addedCycles as number, report: await verifyDesign(dir, simulators) };
      };
      const piped = await run(c.options, 'piped', ['iverilog', 'verilator']);
      const lint = lintDesign(piped.dir);
      expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);
      // The same layer without stages, in one simulator (both measure the same cycles).
      const plain = await run({ ...c.options, pipeline: 'none' }, 'plain', ['iverilog']);
      const p = plain.report.results[0];
      expect(p.ok, describeSimulation(p)).to.equal(true);
      for (const r of piped.report.results) {
        expect(r.ok, describeSimulation(r)).to.equal(true);
        // The cycles measured against those the manifest states, then against the stages asked for.
        expect(printedFigure(r.output, 'first-vector latency') - printedFigure(p.output, 'first-vector latency'), `${r.simulator}: latency added`).to.equal(piped.added);
        expect(printedFigure(r.output, 'cycles per vector'), `${r.simulator}: cycles per vector`).to.equal(printedFigure(p.output, 'cycles per vector'));
      }
      expect(piped.added).to.equal(c.added);
    });
  });
});
