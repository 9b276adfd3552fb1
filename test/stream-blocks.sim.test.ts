/**
 * Simulation tests of the stream blocks (docs/STREAMS.md): each block's RTL against its model's
 * vectors in Icarus Verilog and Verilator, SystemVerilog and Verilog-2005, with seeded stalls on
 * both streams, lint-clean; its measured throughput and latency against the generator's figures;
 * and the generic testbench rejecting a broken block and a block that never answers.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { lintDesign, verifyDesign, type Simulator } from '../generator/eda/simulate.js';
import { generateFifo } from '../generator/rtl/stream/fifo.js';
import { generateRequantTail } from '../generator/rtl/stream/requant.js';
import { generateMaxPool } from '../generator/rtl/stream/maxpool.js';
import { generateAvgPool } from '../generator/rtl/stream/avgpool.js';
import { generateFlatten } from '../generator/rtl/stream/flatten.js';
import { generateArgmax } from '../generator/rtl/stream/argmax.js';
import { generateWidthConverter } from '../generator/rtl/stream/width.js';
import { generateFork } from '../generator/rtl/stream/fork.js';
import { generateAdd } from '../generator/rtl/stream/add.js';
import { generateShortcut } from '../generator/rtl/stream/shortcut.js';
import type { StreamBlockDesign } from '../generator/rtl/stream/package.js';
import { describeSimulation, printedFigure, tempDir } from './helpers.js';
import { headerView } from '../generator/rtl/design.js';
import { testRandom } from '../generator/core/prng.js';
import { streamTestbench } from '../generator/rtl/stream/testbench.js';

interface Case {
  readonly name: string;
  readonly design: () => StreamBlockDesign;
  /** Icarus alone for the larger sweep; both simulators for each block's two main cases. */
  readonly simulators?: readonly Simulator[];
}

const BOTH: readonly Simulator[] = ['iverilog', 'verilator'];
const ICARUS: readonly Simulator[] = ['iverilog'];
const V = { hdl: 'verilog', reset: 'async' } as const;

/**
 * Each block: a SystemVerilog case and a Verilog-2005 case with the asynchronous reset in both
 * simulators, then degenerate and odd configurations in Icarus (every case is linted).
 */
const CASES: readonly Case[] = [
  { name: 'requant tail, signed 20 -> 8 bits, N = 10, LANES = 4', design: () => generateRequantTail({ n: 10, lanes: 4, inBits: 20, bits: 8, ho: 2, wo: 3 }) },
  { name: 'requant tail, ReLU 9 -> 8 bits, LANES not dividing N', design: () => generateRequantTail({ n: 7, lanes: 3, inBits: 9, bits: 8, ho: 2, wo: 2, signed: false, ...V }) },
  { name: 'requant tail, N = 1 (8 -> 8 bits: no clamp)', design: () => generateRequantTail({ n: 1, lanes: 1, inBits: 8, bits: 8, ho: 1, wo: 1 }), simulators: ICARUS },
  { name: 'requant tail, ReLU 40 -> 1 bit', design: () => generateRequantTail({ n: 4, lanes: 2, inBits: 40, bits: 1, ho: 2, wo: 2, signed: false, seed: 2 }), simulators: ICARUS },
  { name: 'requant tail, 64 -> 32 bits signed', design: () => generateRequantTail({ n: 3, lanes: 2, inBits: 64, bits: 32, ho: 2, wo: 1, ...V }), simulators: ICARUS },
  { name: 'requant tail, 6 -> 12 bits (sign extension), LANES = N', design: () => generateRequantTail({ n: 5, lanes: 5, inBits: 6, bits: 12, ho: 3, wo: 1 }), simulators: ICARUS },

  { name: 'max pool 2 x 2 on 4 x 6 x 5, P = 2', design: () => generateMaxPool({ h: 4, w: 6, c: 5, p: 2, bits: 8, k: 2 }) },
  { name: 'max pool 2 x 2 on 5 x 7 x 3, P = C, unsigned (last row and column dropped)', design: () => generateMaxPool({ h: 5, w: 7, c: 3, p: 3, bits: 8, k: 2, signed: false, ...V }) },
  { name: 'max pool k = H = W = 3, C = P = 1', design: () => generateMaxPool({ h: 3, w: 3, c: 1, p: 1, bits: 4, k: 3 }), simulators: ICARUS },
  { name: 'max pool k = 1 (no buffer)', design: () => generateMaxPool({ h: 3, w: 2, c: 4, p: 4, bits: 6, k: 1, ...V }), simulators: ICARUS },
  { name: 'max pool 3 x 3 on 6 x 6 x 7, P = 3, 16 bits', design: () => generateMaxPool({ h: 6, w: 6, c: 7, p: 3, bits: 16, k: 3, seed: 3 }), simulators: ICARUS },

  { name: 'global average pool 3 x 3 x 5, P = 2, signed', design: () => generateAvgPool({ h: 3, w: 3, c: 5, p: 2, bits: 8 }) },
  { name: 'global average pool 4 x 4 x 3, P = C, unsigned (M = 1, S = 4)', design: () => generateAvgPool({ h: 4, w: 4, c: 3, p: 3, bits: 8, signed: false, ...V }) },
  { name: 'global average pool 1 x 1 x 1 (no buffer)', design: () => generateAvgPool({ h: 1, w: 1, c: 1, p: 1, bits: 4 }), simulators: ICARUS },
  { name: 'global average pool 6 x 6 x 4, unsigned 6 bits (H*W even, not a power of two)', design: () => generateAvgPool({ h: 6, w: 6, c: 4, p: 4, bits: 6, signed: false }), simulators: ICARUS },
  { name: 'global average pool 5 x 3 x 7, P = 3, signed 16 bits', design: () => generateAvgPool({ h: 5, w: 3, c: 7, p: 3, bits: 16, ...V }), simulators: ICARUS },
  { name: 'global average pool 6 x 6 x 5, P = 2, signed (H*W even, not a power of two: R is not 2^(S-1))', design: () => generateAvgPool({ h: 6, w: 6, c: 5, p: 2, bits: 8 }) },
  { name: 'global average pool 3 x 1 x 3, P = 2, signed 32 bits (M and R past 2^31, the product past 64 bits)', design: () => generateAvgPool({ h: 3, w: 1, c: 3, p: 2, bits: 32, ...V }) },

  { name: 'flatten 2 x 3 x 5, P = 2, S = 4', design: () => generateFlatten({ h: 2, w: 3, c: 5, p: 2, s: 4, bits: 8 }) },
  { name: 'flatten 4 x 4 x 8, P = C = 8, S = 16 (17 banks)', design: () => generateFlatten({ h: 4, w: 4, c: 8, p: 8, s: 16, bits: 8, ...V }) },
  { name: 'flatten 1 x 1 x 6, S = K, unsigned 4 -> 5 bits', design: () => generateFlatten({ h: 1, w: 1, c: 6, p: 3, s: 6, bits: 4, signed: false }), simulators: ICARUS },
  { name: 'flatten 3 x 3 x 1, P = S = 1', design: () => generateFlatten({ h: 3, w: 3, c: 1, p: 1, s: 1, bits: 8, ...V }), simulators: ICARUS },
  { name: 'flatten 2 x 2 x 7, P = 3, S = 5, unsigned 5 -> 8 bits', design: () => generateFlatten({ h: 2, w: 2, c: 7, p: 3, s: 5, bits: 5, signed: false, outBits: 8 }), simulators: ICARUS },
  { name: 'flatten 2 x 4 x 16, P = 16, S = 3 (reading slower than writing)', design: () => generateFlatten({ h: 2, w: 4, c: 16, p: 16, s: 3, bits: 3 }), simulators: ICARUS },

  { name: 'argmax N = 10, LANES = 4', design: () => generateArgmax({ n: 10, lanes: 4, inBits: 16 }) },
  { name: 'argmax N = 2, LANES = 2', design: () => generateArgmax({ n: 2, lanes: 2, inBits: 12, ...V }) },
  { name: 'argmax N = 1', design: () => generateArgmax({ n: 1, lanes: 1, inBits: 8 }), simulators: ICARUS },
  { name: 'argmax N = 2, LANES = 1', design: () => generateArgmax({ n: 2, lanes: 1, inBits: 8, ...V }), simulators: ICARUS },
  { name: 'argmax N = LANES = 7 (one beat, a tree of 8 leaves)', design: () => generateArgmax({ n: 7, lanes: 7, inBits: 5 }), simulators: ICARUS },
  { name: 'argmax N = 100, LANES = 3, 33 bits', design: () => generateArgmax({ n: 100, lanes: 3, inBits: 33, images: 20 }), simulators: ICARUS },

  { name: 'FIFO, depth 4, 12 bits', design: () => generateFifo({ dataBits: 12, depth: 4 }) },
  { name: 'FIFO, depth 2, 1 bit', design: () => generateFifo({ dataBits: 1, depth: 2, seed: 2, ...V }) },
  { name: 'FIFO, depth 5 (not a power of two), 70 bits', design: () => generateFifo({ dataBits: 70, depth: 5, seed: 3 }), simulators: ICARUS },
  { name: 'FIFO, depth 16, images of 40 beats', design: () => generateFifo({ dataBits: 8, depth: 16, beatsPerImage: 40, ...V }), simulators: ICARUS },

  { name: 'width converter 3 -> 4 values per beat, C = 5', design: () => generateWidthConverter({ h: 2, w: 2, c: 5, from: 3, to: 4, bits: 8 }) },
  { name: 'width converter 8 -> 3, C = 8', design: () => generateWidthConverter({ h: 2, w: 3, c: 8, from: 8, to: 3, bits: 4, ...V }) },
  { name: 'width converter 1 -> 1, C = 1', design: () => generateWidthConverter({ h: 1, w: 3, c: 1, from: 1, to: 1, bits: 8 }), simulators: ICARUS },
  { name: 'width converter 4 -> 12 = C', design: () => generateWidthConverter({ h: 2, w: 2, c: 12, from: 4, to: 12, bits: 6, ...V }), simulators: ICARUS },
  { name: 'width converter 7 -> 2, C = 7', design: () => generateWidthConverter({ h: 2, w: 2, c: 7, from: 7, to: 2, bits: 16 }), simulators: ICARUS },
  { name: 'width converter 2 -> 7, C = 7', design: () => generateWidthConverter({ h: 2, w: 2, c: 7, from: 2, to: 7, bits: 16, ...V }), simulators: ICARUS },

  { name: 'fork, 12 bits, images of 7 beats', design: () => generateFork({ dataBits: 12, beatsPerImage: 7 }) },
  { name: 'fork, 1 bit, images of 1 beat', design: () => generateFork({ dataBits: 1, beatsPerImage: 1, seed: 2, ...V }) },
  { name: 'fork, 130 bits', design: () => generateFork({ dataBits: 130, beatsPerImage: 5, seed: 3 }), simulators: ICARUS },

  { name: 'add 3 x 2 x 5, P = 2, signed a + unsigned b / 2, saturated to 8 bits', design: () => generateAdd({ h: 3, w: 2, c: 5, p: 2, aBits: 8, aSigned: true, bBits: 8, bSigned: false, multipliers: [32768, 16384], shift: 15, satBits: 8 }) },
  { name: 'add 2 x 3 x 4, P = C, folded ReLU (9 -> 8 bits unsigned)', design: () => generateAdd({ h: 2, w: 3, c: 4, p: 4, aBits: 8, aSigned: true, bBits: 8, bSigned: false, multipliers: [20000, 50001], shift: 16, satBits: 9, relu: true, ...V }) },
  { name: 'add, S = 0 (no rounding term), 5- and 4-bit inputs', design: () => generateAdd({ h: 2, w: 2, c: 3, p: 3, aBits: 5, aSigned: true, bBits: 4, bSigned: true, multipliers: [3, 1], shift: 0, satBits: 6 }), simulators: ICARUS },
  { name: 'add 16-bit inputs, M = 65535, S = 31', design: () => generateAdd({ h: 1, w: 2, c: 3, p: 2, aBits: 16, aSigned: true, bBits: 15, bSigned: false, multipliers: [65535, 65535], shift: 31, satBits: 16, seed: 4 }), simulators: ICARUS },

  { name: 'shortcut 4 x 4 x 4 -> 2 x 2 x 8 (stride 2, 2 zero channels each side)', design: () => generateShortcut({ h: 4, w: 4, c: 4, bits: 8, stride: 2, channels: 8 }) },
  { name: 'shortcut 5 x 3 x 3 -> 3 x 2 x 5, odd sides, offset 0, signed', design: () => generateShortcut({ h: 5, w: 3, c: 3, bits: 5, signed: true, stride: 2, channels: 5, offset: 0, ...V }) },
  { name: 'shortcut stride 1, no new channels (identity)', design: () => generateShortcut({ h: 2, w: 3, c: 2, bits: 8, stride: 1, channels: 2 }), simulators: ICARUS },
];

describe('stream blocks in simulation', function () {
  const root = tempDir('stream-sim');

  CASES.forEach((c, index) => {
    it(`${c.name}: bit-exact with stalls on both streams, at the ideal rate, lint-clean`, async function () {
      const design = c.design();
      const dir = join(root, `case${index}`);
      writeDesignFiles(dir, design.files, false);
      const lint = lintDesign(dir);
      expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);
      const report = await verifyDesign(dir, c.simulators ?? BOTH);
      const { idealCyclesPerImage, latencyBound } = design.figures;
      for (const r of report.results) {
        expect(r.ok, describeSimulation(r)).to.equal(true);
        expect(r.output).to.match(new RegExp(`^${r.expected} passed, 0 failed$`, 'm'));
        const cycles = printedFigure(r.output, 'cycles per (?:image|vector)');
        expect(cycles, `${r.simulator}: cycles per image`).to.be.within(idealCyclesPerImage, idealCyclesPerImage * 1.05 + 1);
        expect(printedFigure(r.output, 'latency'), `${r.simulator}: latency`).to.be.at.most(latencyBound);
      }
    });
  });
});

describe('the stream-block testbench and broken blocks', function () {
  const root = tempDir('stream-broken');

  it('rejects corrupted expected beats (tdata and tlast), naming the beat, in both simulators', async function () {
    const dir = join(root, 'corrupt');
    writeDesignFiles(dir, generateFifo({ dataBits: 12, depth: 4 }).files, false);
    const path = join(dir, 'tb', 'expected.hex');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = `${(parseInt(lines[2].slice(0, 3), 16) ^ 0x10).toString(16).padStart(3, '0')} 0`;
    lines[5] = lines[5].replace(/ 0$/, ' 1');
    writeFileSync(path, lines.join('\n'));
    const report = await verifyDesign(dir, BOTH);
    expect(report.changed).to.deep.equal(['tb/expected.hex']);
    for (const r of report.results) {
      expect(r.ok, r.simulator).to.equal(false);
      expect(r.exitCode, r.simulator).to.not.equal(0);
      expect(r.failed, r.simulator).to.equal(2);
      expect(r.output).to.match(/^MISMATCH beat 2 \(image 0, beat 2 of it\): expected tdata [0-9a-f]{3} tlast 0, got tdata [0-9a-f]{3} tlast 0$/m);
      expect(r.output).to.match(/^MISMATCH beat 5 \(image 0, beat 5 of it\): expected tdata ([0-9a-f]{3}) tlast 1, got tdata \1 tlast 0$/m);
      expect(r.output).to.match(new RegExp(`^${r.expected - 2} passed, 2 failed$`, 'm'));
    }
  });

  it('rejects a mutated block (a max pool turned into a min pool), naming the pixel and channels', async function () {
    const dir = join(root, 'minpool');
    const design = generateMaxPool({ h: 4, w: 4, c: 3, p: 2, bits: 8, k: 2 });
    writeDesignFiles(dir, design.files, false);
    const rtl = join(dir, 'rtl', `${design.top}.sv`);
    const text = readFileSync(rtl, 'utf8');
    expect(text).to.contain('$signed(a) > $signed(m)');
    writeFileSync(rtl, text.replace('$signed(a) > $signed(m)', '$signed(a) < $signed(m)'));
    const r = (await verifyDesign(dir, ICARUS)).results[0];
    expect(r.ok).to.equal(false);
    expect(r.exitCode).to.not.equal(0);
    expect(r.failed).to.be.greaterThan(0);
    expect(r.output).to.match(/^MISMATCH beat \d+ \(image \d+, beat [01] of it; pixel \([01], [01]\), channels (0\.\.1|2\.\.2)\): expected tdata [0-9a-f]{4} tlast [01], got tdata [0-9a-f]{4} tlast [01]$/m);
  });

  it('drives and checks ports without tlast', async function () {
    const dir = join(root, 'nolast');
    const design = generateFifo({ dataBits: 8, depth: 4, beatsPerImage: 5 });
    writeDesignFiles(dir, design.files, false);
    const header = headerView('test', { test: 'nolast' });
    const rng = testRandom(4, 0);
    const images = Array.from({ length: 6 }, () => {
      const beats = Array.from({ length: 5 }, () => ({ data: BigInt(rng.below(256)), last: false }));
      return { input: beats, output: beats };
    });
    const tb = streamTestbench({
      header,
      module: design.testbenchTop,
      dut: design.top,
      reset: 'sync',
      input: { prefix: 's_axis_in', dataBits: 8, last: false },
      output: { prefix: 'm_axis_out', dataBits: 8, last: false },
      images,
      stallImages: 2,
      seed: 4,
    });
    for (const f of tb.files) writeFileSync(join(dir, f.path), f.contents);
    expect(tb.files[0].contents).to.not.contain('_tlast (');
    const r = (await verifyDesign(dir, ICARUS)).results[0];
    expect(r.output).to.match(/^30 passed, 0 failed$/m);
  });

  it('fails with the watchdog when the block never answers', async function () {
    const dir = join(root, 'silent');
    const design = generateFifo({ dataBits: 8, depth: 2, hdl: 'verilog' });
    writeDesignFiles(dir, design.files, false);
    const rtl = join(dir, 'rtl', `${design.top}.v`);
    writeFileSync(rtl, readFileSync(rtl, 'utf8').replace('assign m_axis_out_tvalid = out_valid_q;', "assign m_axis_out_tvalid = 1'b0;"));
    const r = (await verifyDesign(dir, ICARUS)).results[0];
    expect(r.ok).to.equal(false);
    expect(r.exitCode).to.not.equal(0);
    expect(r.output).to.match(/^WATCHDOG: no beat moved for 1000 cycles: \d+ of \d+ input beats taken, 0 of \d+ output beats received$/m);
    expect(r.output).to.match(new RegExp(`^0 passed, ${r.expected} failed$`, 'm'));
  });
});
