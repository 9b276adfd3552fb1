/**
 * Unit tests of the stream blocks: the stream formats of docs/STREAMS.md, each block's
 * behavioural model against a direct reference, the generators' checks and figures, and the
 * generic testbench's files.
 */
import { expect } from 'chai';
import {
  byteBits,
  featureMapAt,
  featureMapBeats,
  featureMapFromBeats,
  makeFeatureMap,
  packValues,
  unpackValues,
  valueRange,
  vectorFromBeats,
  vectorStreamBeats,
} from '../generator/core/streams.js';
import { testRandom } from '../generator/core/prng.js';
import { headerView } from '../generator/rtl/design.js';
import { beatLines, streamTestbench, type StreamTestbenchSpec } from '../generator/rtl/stream/testbench.js';
import { generateFifo } from '../generator/rtl/stream/fifo.js';
import { generateRequantTail, requantTailFigures } from '../generator/rtl/stream/requant.js';
import { generateMaxPool, maxPoolFigures } from '../generator/rtl/stream/maxpool.js';
import { avgPoolWidths, generateAvgPool, resolveAvgPool } from '../generator/rtl/stream/avgpool.js';
import { flattenBanks, flattenFigures, generateFlatten, planFlatten } from '../generator/rtl/stream/flatten.js';
import { argmaxFigures, generateArgmax } from '../generator/rtl/stream/argmax.js';
import { generateWidthConverter, widthConverterFigures } from '../generator/rtl/stream/width.js';
import { generateAdd } from '../generator/rtl/stream/add.js';
import { generateFork } from '../generator/rtl/stream/fork.js';
import { generateShortcut } from '../generator/rtl/stream/shortcut.js';
import type { StreamBlockDesign } from '../generator/rtl/stream/package.js';
import { InputError } from '../generator/core/errors.js';
import { applyDivider, findAverageDivider, globalAveragePool, maxPool, roundHalfUpDiv } from '../generator/core/pool.js';
import { argmax, clampValue, requantTail } from '../generator/core/tail.js';
import { flatten, rebeat } from '../generator/core/reshape.js';

describe('stream formats', function () {
  it('pack value i at bits [i*bits, (i+1)*bits), two\'s complement, and unpack them back', function () {
    expect(packValues([1, -1, 2], 4)).to.equal(0x2f1n);
    expect(unpackValues(0x2f1n, 4, 3, true)).to.deep.equal([1n, -1n, 2n]);
    expect(unpackValues(0x2f1n, 4, 3, false)).to.deep.equal([1n, 15n, 2n]);
    const rng = testRandom(5, 0);
    for (let t = 0; t < 50; t++) {
      const bits = 1 + rng.below(33);
      const values = Array.from({ length: 1 + rng.below(7) }, () => BigInt(rng.below(2 ** Math.min(bits, 32))) - (bits > 1 ? 1n << BigInt(Math.min(bits, 32) - 1) : 0n));
      expect(unpackValues(packValues(values, bits), bits, values.length, bits > 1)).to.deep.equal(values);
    }
    expect(byteBits(1)).to.equal(8);
    expect(byteBits(24)).to.equal(24);
  });

  it('carry a feature map in raster order, channels fastest, ceil(C/P) beats per pixel, tlast at the end', function () {
    // 1 x 2 x 3, P = 2: pixel 0 = channels (0,1) then (2, zero); pixel 1 likewise.
    const fm = makeFeatureMap(1, 2, 3, (_y, x, c) => 10 * x + c - 5);
    const beats = featureMapBeats(fm, 2, 8);
    expect(beats.map((b) => b.data)).to.deep.equal([packValues([-5, -4], 8), packValues([-3], 8), packValues([5, 6], 8), packValues([7], 8)]);
    expect(beats.map((b) => b.last)).to.deep.equal([false, false, false, true]);
    expect(featureMapFromBeats(beats, fm, 2, 8, true)).to.deep.equal(fm);
  });

  it('carry a vector in ceil(K/S) beats, element b*S + i in slot i, tlast on the last beat', function () {
    const vector = [1, 2, 3, 4, 5];
    const beats = vectorStreamBeats(vector, 2, 3);
    expect(beats).to.deep.equal([
      { data: packValues([1, 2], 3), last: false },
      { data: packValues([3, 4], 3), last: false },
      { data: packValues([5], 3), last: true },
    ]);
    expect(vectorFromBeats(beats, 5, 2, 3, false)).to.deep.equal(vector.map(BigInt));
  });
});

describe('the generic stream testbench', function () {
  const header = headerView('test', { test: 1 });
  const beat = (data: bigint, last = false) => ({ data, last });
  const spec = (over: Partial<StreamTestbenchSpec> = {}): StreamTestbenchSpec => ({
    header,
    module: 'tb_dut',
    dut: 'dut',
    reset: 'sync',
    input: { prefix: 's_axis_in', dataBits: 8 },
    output: { prefix: 'm_axis_out', dataBits: 12 },
    images: Array.from({ length: 4 }, () => ({ input: [beat(1n), beat(2n, true)], output: [beat(0xabcn, true)] })),
    stallImages: 1,
    seed: 1,
    ...over,
  });

  it('writes one beat per line: tdata in hex at the port width, a space, tlast', function () {
    expect(beatLines([beat(0x5n), beat(0xabcn, true)], 12, 'x')).to.equal('005 0\nabc 1\n');
    expect(beatLines([beat(1n)], 1, 'x')).to.equal('1 0\n');
    expect(() => beatLines([beat(0x100n)], 8, 'x')).to.throw(RangeError, /does not fit 8 bits/);
    const tb = streamTestbench(spec());
    expect(tb.files.map((f) => f.path)).to.deep.equal(['tb/tb_dut.sv', 'tb/in.hex', 'tb/expected.hex']);
    expect(tb.files[1].contents).to.equal('01 0\n02 1\n'.repeat(4));
    expect(tb.files[2].contents).to.equal('abc 1\n'.repeat(4));
    expect(tb.manifest).to.include({ top: 'tb_dut', fileList: 'tb_dut.f', vectors: 4, images: 4, stallImages: 1, inBeatsPerImage: 2, outBeatsPerImage: 1 });
  });

  it('adds describe.hex and the mismatch format when the generator describes beats', function () {
    const tb = streamTestbench(spec({ describeBeat: { format: 'pixel (%0d, %0d)', values: (b) => [b, 26] } }));
    expect(tb.files.map((f) => f.path)).to.include('tb/describe.hex');
    expect(tb.files.find((f) => f.path === 'tb/describe.hex')!.contents).to.equal('0 1a\n');
    expect(tb.files[0].contents).to.contain('pixel (%0d, %0d)').and.contain('desc_mem[base + 1]');
    expect(() => streamTestbench(spec({ describeBeat: { format: 'pixel %0d', values: () => [1, 2] } }))).to.throw(/one %0d per number/);
  });

  it('refuses images of different lengths and fewer than 3 full-speed images', function () {
    expect(() => streamTestbench(spec({ stallImages: 2 }))).to.throw(/fewer than 3 at full speed/);
    const images = [...spec().images, { input: [beat(1n)], output: [beat(1n)] }];
    expect(() => streamTestbench(spec({ images }))).to.throw(/image 4 has 1\/1 beats/);
  });
});

describe('generateFifo', function () {
  it('checks its options, naming them', function () {
    expect(() => generateFifo({ dataBits: 8, depth: 1 })).to.throw(InputError, /^depth: must be an integer from 2 to 65536; got 1$/);
    expect(() => generateFifo({ dataBits: 0, depth: 4 })).to.throw(InputError, /^dataBits: /);
    expect(() => generateFifo({ dataBits: 8, depth: 4, hdl: 'vhdl' as 'sv' })).to.throw(InputError, /^hdl: must be sv or verilog/);
    expect(() => generateFifo({ dataBits: 8, depth: 4, name: '9x' })).to.throw(InputError, /^name: /);
  });

  it('reports its figures and passes its vectors through unchanged', function () {
    const design = generateFifo({ dataBits: 8, depth: 6, beatsPerImage: 10 });
    expect(design.figures).to.deep.equal({ idealCyclesPerImage: 10, bufferBits: 7 * 9, latencyBound: 7 });
    const file = (path: string) => design.files.find((f) => f.path === path)!.contents as string;
    expect(file('tb/in.hex')).to.equal(file('tb/expected.hex'));
    expect(file('tb/in.hex').split('\n')[0]).to.equal('ff 0');
    const manifest = JSON.parse(file('manifest.json')) as { kind: string; testbench: { vectors: number }; figures: object };
    expect(manifest.kind).to.equal('stream-fifo');
    expect(manifest.testbench.vectors).to.equal(60);
    expect(design.top).to.equal('flexor_fifo_w8_d6');
    expect(generateFifo({ dataBits: 8, depth: 6, name: 'q0' }).top).to.equal('flexor_q0');
  });
});

describe('block models against direct references', function () {
  const rng = testRandom(11, 0);
  const randomMap = (h: number, w: number, c: number, lo: number, hi: number) => makeFeatureMap(h, w, c, () => lo + rng.below(hi - lo + 1));

  it('max pool: the largest of each k x k window, floor mode, on a hand example and random maps', function () {
    // 3 x 5 x 1, k = 2: one output row of two windows; the last row and column are dropped.
    const fm = makeFeatureMap(3, 5, 1, (y, x) => [[1, 9, -3, 4, 7], [2, -8, 5, 5, 0], [6, 6, 6, 6, 6]][y][x]);
    expect(maxPool(fm, 2)).to.deep.equal({ h: 1, w: 2, c: 1, values: [9, 5] });
    for (let t = 0; t < 20; t++) {
      const [h, w, c, k] = [1 + rng.below(7), 1 + rng.below(7), 1 + rng.below(4), 1 + rng.below(3)];
      if (k > Math.min(h, w)) continue;
      const map = randomMap(h, w, c, -128, 127);
      const out = maxPool(map, k);
      for (let y = 0; y < out.h; y++)
        for (let x = 0; x < out.w; x++)
          for (let ch = 0; ch < c; ch++) {
            const window = map.values.filter((_, i) => {
              const [py, px, pc] = [Math.floor(i / c / w), Math.floor(i / c) % w, i % c];
              return pc === ch && Math.floor(py / k) === y && Math.floor(px / k) === x;
            });
            expect(featureMapAt(out, y, x, ch)).to.equal(window.sort((a, b) => a - b).pop());
          }
    }
  });

  it('the average pool dividers of the simulated configurations equal round_half_up(sum / HW) on every sum (brute force)', function () {
    const configs = [
      { h: 3, w: 3, bits: 8, signed: true },
      { h: 4, w: 4, bits: 8, signed: false },
      { h: 1, w: 1, bits: 4, signed: true },
      { h: 6, w: 6, bits: 6, signed: false },
      { h: 6, w: 6, bits: 8, signed: true },
      { h: 2, w: 3, bits: 5, signed: true },
      { h: 5, w: 3, bits: 16, signed: true },
    ];
    for (const c of configs) {
      const divider = resolveAvgPool({ ...c, c: 1, p: 1 });
      const n = c.h * c.w;
      const { min, max } = valueRange(c.bits, c.signed);
      let bad = 0;
      for (let sum = n * min; sum <= n * max; sum++) if (applyDivider(BigInt(sum), divider) !== roundHalfUpDiv(BigInt(sum), BigInt(n))) bad++;
      expect(bad, `${c.h} x ${c.w}, ${c.bits} bits: ${JSON.stringify(divider)}`).to.equal(0);
    }
  });

  it('global average pool: round_half_up of each channel\'s mean', function () {
    const map = randomMap(3, 5, 4, 0, 255);
    const divider = findAverageDivider(15, 0, 255)!;
    const out = globalAveragePool(map, divider);
    const sums = [0, 1, 2, 3].map((ch) => map.values.filter((_, i) => i % 4 === ch).reduce((a, b) => a + b, 0));
    expect(out.values).to.deep.equal(sums.map((s) => Math.floor(s / 15 + 0.5)));
  });

  it('requantization tail: signed saturation or ReLU clamp, as an ho x wo x N map', function () {
    expect([-200n, -129n, -128n, 0n, 127n, 128n, 1n << 40n].map((v) => clampValue(v, 8, true))).to.deep.equal([-128, -128, -128, 0, 127, 127, 127]);
    expect([-5n, 0n, 255n, 256n].map((v) => clampValue(v, 8, false))).to.deep.equal([0, 0, 255, 255]);
    expect(clampValue(3n, 1, false)).to.equal(1);
    const fm = requantTail([[300n, -2n], [5n, -300n]], 1, 2, 8, true);
    expect(fm).to.deep.equal({ h: 1, w: 2, c: 2, values: [127, -2, 5, -128] });
  });

  it('argmax: the first index of the largest value', function () {
    expect(argmax([3n, 7n, 7n, -1n])).to.equal(1);
    expect(argmax([-5n])).to.equal(0);
    expect(argmax([-5, -5, -5])).to.equal(0);
    for (let t = 0; t < 50; t++) {
      const v = Array.from({ length: 1 + rng.below(20) }, () => rng.below(5));
      expect(argmax(v)).to.equal(v.indexOf(Math.max(...v)));
    }
  });

  it('flatten: PyTorch (c, h, w) order; the width converter keeps every value', function () {
    const fm = makeFeatureMap(2, 3, 2, (y, x, c) => 100 * c + 10 * y + x);
    expect(flatten(fm)).to.deep.equal([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    const map = randomMap(3, 2, 7, 0, 31);
    for (const [from, to] of [[3, 4], [7, 2], [1, 7], [5, 5]]) {
      const beats = rebeat(featureMapBeats(map, from, 5), map, from, to, 5);
      expect(beats.length).to.equal(6 * Math.ceil(7 / to));
      expect(featureMapFromBeats(beats, map, to, 5, false)).to.deep.equal(map);
    }
  });
});

/** One small configuration of every block (the sim tests run more). */
const BLOCKS: readonly { readonly name: string; readonly make: (over?: object) => StreamBlockDesign }[] = [
  { name: 'requant tail', make: (o = {}) => generateRequantTail({ n: 7, lanes: 3, inBits: 12, bits: 8, ho: 2, wo: 2, ...o }) },
  { name: 'max pool', make: (o = {}) => generateMaxPool({ h: 5, w: 4, c: 3, p: 2, bits: 8, k: 2, ...o }) },
  { name: 'average pool', make: (o = {}) => generateAvgPool({ h: 3, w: 3, c: 3, p: 2, bits: 8, ...o }) },
  { name: 'flatten', make: (o = {}) => generateFlatten({ h: 2, w: 2, c: 3, p: 2, s: 5, bits: 8, ...o }) },
  { name: 'argmax', make: (o = {}) => generateArgmax({ n: 10, lanes: 4, inBits: 16, ...o }) },
  { name: 'FIFO', make: (o = {}) => generateFifo({ dataBits: 12, depth: 3, ...o }) },
  { name: 'width converter', make: (o = {}) => generateWidthConverter({ h: 2, w: 1, c: 5, from: 2, to: 3, bits: 8, ...o }) },
  { name: 'fork', make: (o = {}) => generateFork({ dataBits: 12, beatsPerImage: 5, ...o }) },
  { name: 'add', make: (o = {}) => generateAdd({ h: 2, w: 2, c: 3, p: 2, aBits: 9, aSigned: true, bBits: 8, bSigned: false, multipliers: [40000, 123], shift: 17, satBits: 9, relu: true, ...o }) },
  { name: 'shortcut', make: (o = {}) => generateShortcut({ h: 4, w: 3, c: 2, bits: 8, stride: 2, channels: 4, ...o }) },
];

describe('stream block generators', function () {
  for (const block of BLOCKS) {
    it(`${block.name}: deterministic files in the project's RTL style, both flavours`, function () {
      for (const over of [{}, { hdl: 'verilog', reset: 'async' }]) {
        const design = block.make(over);
        expect(block.make(over).files).to.deep.equal(design.files);
        const rtl = design.files.filter((f) => f.role === 'rtl');
        expect(rtl.map((f) => f.path)).to.deep.equal([`rtl/${design.top}.${'hdl' in over ? 'v' : 'sv'}`]);
        for (const f of design.files.filter((g) => g.role === 'rtl' || g.role === 'testbench')) {
          const text = f.contents as string;
          const long = text.split('\n').filter((line) => line.length > 100);
          expect(long, `${f.path}: lines over 100 columns`).to.deep.equal([]);
          expect(text).to.match(/^\/\/ SPDX-License-Identifier: MIT\n\/\/ Generated by flexor-rtl /);
          expect(text).to.contain('`default_nettype none').and.match(/`resetall\n$/);
          expect(text.match(/^module /gm)).to.have.length(1);
        }
        const module = rtl[0].contents as string;
        expect(module).to.match(new RegExp(`^module ${design.top} #\\(`, 'm'));
        expect(module).to.contain('parameters differ from the generated ones');
        // Every value in the logic is a sized literal (the parameter check compares parameters with integers).
        const logic = module
          .replace(/\/\/.*$/gm, '')
          .replace(/initial begin[\s\S]*?\n  end\n/, '')
          .split('\n')
          .filter((line) => !/^\s*(parameter|localparam|genvar)\b|\bfor \(/.test(line));
        for (const line of logic) expect(line, 'unsized literal').to.not.match(/(?:<=|[^=!<>]=|==|!=|\?)\s*\d+(?!['\d])\s*[;,):]/);
        if ('hdl' in over) {
          expect(module).to.not.match(/logic|always_ff|always_comb|\bint\b/);
          expect(module).to.contain('always @(posedge clk or negedge rst_ni)');
        } else {
          expect(module).to.contain('always_ff @(posedge clk)');
          expect(module).to.not.match(/\breg\b|\bwire\b/);
        }
        const manifest = JSON.parse(design.files.find((f) => f.path === 'manifest.json')!.contents as string) as { testbench: { vectors: number }; figures: object };
        expect(manifest.figures).to.deep.equal(design.figures);
        const expected = design.files.filter((f) => /^tb\/expected(_\d+)?\.hex$/.test(f.path)).flatMap((f) => (f.contents as string).trim().split('\n'));
        expect(manifest.testbench.vectors).to.equal(expected.length);
      }
    });
  }

  it('check their options, naming the field and what is allowed', function () {
    const cases: [() => unknown, RegExp][] = [
      [() => generateRequantTail({ n: 4, lanes: 5, inBits: 8, bits: 8, ho: 1, wo: 1 }), /^lanes: must be an integer from 1 to n = 4; got 5$/],
      [() => generateRequantTail({ n: 4, lanes: 2, inBits: 8, bits: 1, ho: 1, wo: 1 }), /^bits: must be an integer from 2 to 32 \(signed\); got 1$/],
      [() => generateRequantTail({ n: 4, lanes: 2, inBits: 65, bits: 8, ho: 1, wo: 1 }), /^inBits: /],
      [() => generateMaxPool({ h: 4, w: 3, c: 2, p: 1, bits: 8, k: 4 }), /^k: must be an integer from 1 to min\(h, w\) = 3; got 4$/],
      [() => generateMaxPool({ h: 4, w: 3, c: 2, p: 3, bits: 8, k: 2 }), /^p: must be an integer from 1 to c = 2; got 3$/],
      [() => generateMaxPool({ h: 4, w: 3, c: 2, p: 1, bits: 8, k: 2, signed: 'no' as unknown as boolean }), /^signed: must be true or false/],
      [() => generateAvgPool({ h: 2, w: 3, c: 2, p: 1, bits: 8, signed: false, multiplier: 43 }), /^shift: multiplier, shift and round go together: give all three or none$/],
      [() => generateAvgPool({ h: 2, w: 3, c: 2, p: 1, bits: 8, signed: false, multiplier: 43, shift: 8 }), /^round: multiplier, shift and round go together/],
      [() => generateAvgPool({ h: 2, w: 3, c: 2, p: 1, bits: 8, signed: false, shift: 8, round: 128 }), /^multiplier: multiplier, shift and round go together/],
      [() => generateAvgPool({ h: 2, w: 3, c: 2, p: 1, bits: 8, multiplier: 683, shift: 12, round: 4096 }), /^round: must be an integer from 0 to 2\^shift - 1 = 4095; got 4096$/],
      [() => generateAvgPool({ h: 2, w: 3, c: 2, p: 1, bits: 8, multiplier: 683, shift: 12, round: 2048 }), /^round: floor\(\(sum \* 683 \+ 2048\) \/ 2\^12\) differs from round_half_up\(sum \/ 6\) .*; with M = 683, S = 12 the rounding constant must be from 2303 to 2477$/],
      [() => generateAvgPool({ h: 2, w: 3, c: 2, p: 1, bits: 8, signed: false, multiplier: 43, shift: 8, round: 128 }), /^multiplier: floor\(\(sum \* 43 \+ 128\) \/ 2\^8\) differs from round_half_up\(sum \/ 6\) .*; no rounding constant works with M = 43, S = 8$/],
      [() => generateAvgPool({ h: 2, w: 3, c: 2, p: 1, bits: 8, multiplier: 683, shift: 41, round: 0 }), /^shift: must be an integer from 0 to 40; got 41$/],
      [() => generateFlatten({ h: 2, w: 2, c: 3, p: 1, s: 13, bits: 8 }), /^s: must be an integer from 1 to K = c \* h \* w = 12; got 13$/],
      [() => generateFlatten({ h: 2, w: 2, c: 3, p: 1, s: 4, bits: 8, signed: false, outBits: 8 }), /^outBits: must be an integer from 9 /],
      [() => generateArgmax({ n: 0, lanes: 1, inBits: 8 }), /^n: /],
      [() => generateWidthConverter({ h: 1, w: 1, c: 4, from: 2, to: 5, bits: 8 }), /^to: must be an integer from 1 to c = 4; got 5$/],
      [() => generateMaxPool({ h: 4, w: 3, c: 2, p: 1, bits: 8, k: 2, images: -1 }), /^images: /],
    ];
    for (const [make, message] of cases) expect(make).to.throw(InputError, message);
  });

  it('report their figures', function () {
    // Requant: Ho*Wo*ceil(N/LANES); the output register.
    expect(requantTailFigures({ n: 10, lanes: 4, inBits: 20, bits: 8, signed: true, ho: 2, wo: 3 })).to.deep.equal({ idealCyclesPerImage: 18, bufferBits: 32, latencyBound: 1 });
    // Max pool 8 x 8 x 16, P = 4, k = 2: a row of 4 windows x 4 beats x 4 values of 8 bits, plus the output.
    expect(maxPoolFigures({ h: 8, w: 8, c: 16, p: 4, bits: 8, signed: true, k: 2 })).to.deep.equal({ idealCyclesPerImage: 256, bufferBits: 4 * 4 * 4 * 8 + 32, latencyBound: 1 });
    expect(maxPoolFigures({ h: 8, w: 8, c: 16, p: 4, bits: 8, signed: true, k: 1 }).bufferBits).to.equal(32);
    // Flatten 4 x 4 x 8, P = 8, S = 16: 17 banks (16 would put a beat's 8 values in one bank).
    const fl = { h: 4, w: 4, c: 8, p: 8, s: 16, bits: 8, signed: true, outBits: 8 };
    expect(planFlatten(fl)).to.include({ banks: 17, depth: 8, inBeats: 16, outBeats: 8 });
    expect(flattenFigures(fl)).to.deep.equal({ idealCyclesPerImage: 16, bufferBits: 2 * 17 * 8 * 8 + 128, latencyBound: 9 });
    expect(argmaxFigures({ n: 10, lanes: 4, inBits: 16 })).to.deep.equal({ idealCyclesPerImage: 3, bufferBits: 16 + 8, latencyBound: 1 });
    expect(widthConverterFigures({ h: 2, w: 2, c: 7, from: 7, to: 2, bits: 16 })).to.deep.equal({ idealCyclesPerImage: 16, bufferBits: (8 + 2) * 16, latencyBound: 6 });
    const avg = resolveAvgPool({ h: 3, w: 3, c: 5, p: 2, bits: 8 });
    expect(avg).to.include({ multiplier: 455, shift: 12 });
    expect(avgPoolWidths(avg)).to.deep.equal({ sumBits: 12, productBits: 20 });
  });

  it('flatten banks: the P values of a beat and S consecutive elements always fall in distinct banks', function () {
    for (let hw = 1; hw <= 36; hw++) {
      for (let p = 1; p <= 9; p++) {
        for (let s = 1; s <= 12; s++) {
          const nb = flattenBanks(hw, p, s);
          expect(nb).to.be.at.least(Math.max(p, s));
          const lanes = new Set(Array.from({ length: p }, (_, i) => (i * hw) % nb));
          expect(lanes.size, `hw ${hw} p ${p} s ${s}: NB ${nb}`).to.equal(p);
          if (nb > Math.max(p, s)) expect(Array.from({ length: p }, (_, i) => (i * hw) % (nb - 1)).filter((b, i, all) => all.indexOf(b) !== i).length > 0 || nb - 1 < Math.max(p, s)).to.equal(true);
        }
      }
    }
  });
});
