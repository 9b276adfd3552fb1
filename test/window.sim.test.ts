/**
 * Simulation tests of the sliding-window unit: generated RTL against the behavioural model's
 * vectors in the generic stream-block testbench (seeded stalls on both streams, then full speed,
 * several images back to back), lint-clean; the measured cycles per image and latency equal to
 * the cycle model's figures; and a window with one bank address off by one, which the testbench
 * rejects. Icarus Verilog runs every case; Verilator the two that cover both HDL flavours and
 * both resets (its builds dominate the run time).
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { lintDesign, verifyDesign, type Simulator } from '../generator/eda/simulate.js';
import { generateWindow, type WindowGenOptions } from '../generator/rtl/stream/window.js';
import { describeSimulation, printedFigure, tempDir } from './helpers.js';

interface Case {
  readonly name: string;
  readonly options: WindowGenOptions;
  readonly simulators: readonly Simulator[];
  /** Whether the unit must reach the rate bound max(H*W*ceil(C/P_in), Ho*Wo*ceil(K/S)). */
  readonly atBound?: boolean;
}

const BOTH: readonly Simulator[] = ['iverilog', 'verilator'];
const ICARUS: readonly Simulator[] = ['iverilog'];

const CASES: readonly Case[] = [
  { name: '5x5x3, 3x3, padding 1, P_in 1, S 4 (C < S < K)', options: { h: 5, w: 5, c: 3, p: 1, bits: 8, kh: 3, padding: 1, s: 4 }, simulators: BOTH },
  {
    name: '7x9x5, 3x3, stride 2, padding 2, P_in 2, S 7, Verilog-2005, async reset',
    options: { h: 7, w: 9, c: 5, p: 2, bits: 8, kh: 3, stride: 2, padding: 2, s: 7, hdl: 'verilog', reset: 'async', seed: 2 },
    simulators: BOTH,
  },
  { name: 'LeNet conv1: 28x28x1, 5x5, S = K = 25 (input-bound)', options: { h: 28, w: 28, c: 1, p: 1, bits: 8, kh: 5, s: 25, images: 1 }, simulators: ICARUS, atBound: true },
  { name: 'LeNet conv2: 12x12x32, 5x5, P_in 8, S 32 (output-bound)', options: { h: 12, w: 12, c: 32, p: 8, bits: 8, kh: 5, s: 32, images: 1 }, simulators: ICARUS },
  { name: '3x2x2, 3x3, padding 2 (W < kw, the ring longer than the image), S 1', options: { h: 3, w: 2, c: 2, p: 1, bits: 8, kh: 3, padding: 2, s: 1 }, simulators: ICARUS },
  { name: '6x6x4, 1x1, stride 2 (one bank; rows the window never reads)', options: { h: 6, w: 6, c: 4, p: 4, bits: 8, kh: 1, stride: 2, s: 4, seed: 3 }, simulators: ICARUS },
  { name: '6x6x5, 5x5, stride 2, padding 2, P_in 3 (a partial word), S = K = 125', options: { h: 6, w: 6, c: 5, p: 3, bits: 8, kh: 5, stride: 2, padding: 2, s: 125 }, simulators: ICARUS },
  { name: '1x1x1, 1x1, S 1, Verilog-2005', options: { h: 1, w: 1, c: 1, p: 1, bits: 8, kh: 1, s: 1, hdl: 'verilog' }, simulators: ICARUS },
  { name: '4x5x1, 1x3, unsigned 4-bit zero-extended to 5 bits', options: { h: 4, w: 5, c: 1, p: 1, bits: 4, signed: false, kh: 1, kw: 3, s: 3 }, simulators: ICARUS },
  { name: '5x7x6, 3x3, stride 2, padding 1, 3-bit sign-extended to 9 bits, S = K, Verilog-2005', options: { h: 5, w: 7, c: 6, p: 6, bits: 3, outBits: 9, kh: 3, stride: 2, padding: 1, s: 54, hdl: 'verilog' }, simulators: ICARUS },
  { name: '9x9x7, 5x5, padding 2, P_in 3, S 13, 5-bit', options: { h: 9, w: 9, c: 7, p: 3, bits: 5, kh: 5, padding: 2, s: 13, images: 1 }, simulators: ICARUS },
  { name: '9x9x4, 3x3, stride 2, padding 1, slack W + 1: at the rate bound', options: { h: 9, w: 9, c: 4, p: 4, bits: 8, kh: 3, stride: 2, padding: 1, s: 6, slack: 10 }, simulators: ICARUS, atBound: true },
  { name: '1x5x8, 1x1, P_in 2, S 5: a memory reads its second word while wq stays 0', options: { h: 1, w: 5, c: 8, p: 2, bits: 3, signed: false, kh: 1, s: 5, seed: 54 }, simulators: ICARUS },
  { name: '6x7x10, 3x2, padding 1, P_in 4, S 9 (C > S), async reset', options: { h: 6, w: 7, c: 10, p: 4, bits: 8, kh: 3, kw: 2, padding: 1, s: 9, reset: 'async' }, simulators: ICARUS },
];

describe('sliding window in simulation', function () {
  const root = tempDir('window-sim');

  CASES.forEach((c, index) => {
    it(`${c.name}: bit-exact with stalls, at the cycle model's rate and latency, lint-clean`, async function () {
      const design = generateWindow(c.options);
      const dir = join(root, `case${index}`);
      writeDesignFiles(dir, design.files, false);
      const lint = lintDesign(dir);
      expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);
      const report = await verifyDesign(dir, c.simulators);
      for (const r of report.results) {
        expect(r.ok, describeSimulation(r)).to.equal(true);
        const cycles = printedFigure(r.output, 'cycles per image');
        expect(cycles, `${r.simulator}: cycles per image`).to.be.closeTo(design.figures.idealCyclesPerImage, 0.01);
        if (c.atBound) expect(cycles, `${r.simulator}: cycles per image`).to.be.closeTo(design.figures.rateBoundCycles, 0.01);
        expect(printedFigure(r.output, 'latency'), `${r.simulator}: latency`).to.equal(design.figures.latencyBound);
      }
    });
  });

  it('a window with one bank address off by one is rejected by the testbench', async function () {
    const design = generateWindow(CASES[1].options);
    const dir = join(root, 'broken');
    writeDesignFiles(dir, design.files, false);
    const rtl = join(dir, 'rtl', `${design.top}.v`);
    const text = readFileSync(rtl, 'utf8');
    const line = 'assign rpa[5] = rpwrap_5[PA_W-1:0];';
    expect(text).to.contain(line);
    writeFileSync(rtl, text.replace(line, "assign rpa[5] = rpwrap_5[PA_W-1:0] + 1'b1;"));
    const [r] = (await verifyDesign(dir, ICARUS)).results;
    expect(r.ok).to.equal(false);
    expect(r.exitCode).to.not.equal(0);
    expect(r.failed).to.be.above(0);
    expect(r.output).to.match(/^MISMATCH beat \d+ \(image \d+, beat \d+ of it; position \(\d+, \d+\), k \d+\.\.\d+\)/m);
  });
});
