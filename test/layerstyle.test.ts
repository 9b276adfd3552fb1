/**
 * The generated layer reads like a hand-written core: every line of its HDL, file lists and core
 * file within 100 columns, and no unsized literal in its RTL (test/rtlstyle.ts says where plain
 * integers are allowed). Both checks are tested on small snippets first, so that they can fail.
 * The same holds for a whole accelerator: its top, every stream block and its testbench.
 */
import { expect } from 'chai';
import { generateLayer, type LayerGenOptions } from '../generator/rtl/layer/generate.js';
import { layerModel } from '../generator/rtl/layer/model.js';
import { generateNetworkAccelerator } from '../generator/rtl/network/generate.js';
import type { GeneratedFile } from '../generator/rtl/design.js';
import { longLines, MAX_COLUMNS, unsizedLiterals } from './rtlstyle.js';

const CONFIGS: readonly (readonly [string, LayerGenOptions])[] = [
  ['ResNet-20 3x3, oi, ROM weights', { shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16 }],
  ['io, q = 2, streamed, bias, requantization, async reset', { shape: [7, 3, 2, 2], nIn: 5, nOut: 9, nTap: 2, seed: 8, layout: 'io', lanes: 3, simd: 5, planes: 2, weights: 'stream', bias: true, requantShift: 10, outBits: 8, reset: 'async' }],
  ['linear, dense, odd simd (a single cell ends each tree)', { shape: [10, 64], nIn: 7, nOut: 10, dense: true, seed: 3, lanes: 2, simd: 7 }],
  ['lanes = 1, simd = 1 (single cells, one tree)', { shape: [4, 3, 2, 2], nIn: 3, nOut: 5, nTap: 2, seed: 5, lanes: 1, simd: 1 }],
  ['one beat per vector, read in place', { shape: [4, 24], nIn: 4, nOut: 5, nTap: 2, seed: 10, lanes: 4, simd: 8 }],
  ['one step per vector (a collector of 3 banks), units without rows', { shape: [6, 10], nIn: 4, nOut: 5, nTap: 2, seed: 6, lanes: 6, simd: 10 }],
  ['a long --name, 32 units, 2 slices per fetch', { shape: [64, 64, 3, 3], nIn: 8, nOut: 10, nTap: 2, seed: 4, layout: 'io', lanes: 16, simd: 32, name: 'resnet20_stage3_block2_conv1_a_rather_long_name_x' }],
  ['every --pipeline stage, q = 2, io (registers in the trees and before the collector)', { shape: [8, 32], nIn: 12, nOut: 20, nTap: 2, seed: 2, planes: 2, layout: 'io', lanes: 4, simd: 16, pipeline: 'decoders,mac:1,scale' }],
  ['the widest formats: 16-bit activations, 32-bit scales, 48-bit bias, shift 62', { shape: [5, 7], nIn: 3, nOut: 5, dense: true, seed: 9, lanes: 2, simd: 3, actBits: 16, alphaBits: 32, alphaFrac: 31, bias: true, biasBits: 48, requantShift: 62, outBits: 32 }],
];

/** The text files a reader opens: HDL (RTL and testbench), file lists, the FuseSoC core. */
const isSource = (f: GeneratedFile) => typeof f.contents === 'string' && /\.(sv|v|f|core)$/.test(f.path);

function problems(files: readonly GeneratedFile[], check: (text: string) => { line: number; text: string }[]): string[] {
  return files.flatMap((f) => check(f.contents as string).map((p) => `${f.path}:${p.line}: ${p.text}`));
}

describe('the style checks themselves', () => {
  it('find lines longer than 100 columns', () => {
    expect(longLines(`${'x'.repeat(MAX_COLUMNS)}\n${'y'.repeat(MAX_COLUMNS + 1)}\n`)).to.deep.equal([{ line: 2, text: `101 columns: ${'y'.repeat(101)}` }]);
  });

  it('find unsized literals in expressions', () => {
    const found = (code: string) => unsizedLiterals(code).map((p) => p.text.split(':')[0]);
    expect(found('assign x = y + 1;')).to.deep.equal(['1']);
    expect(found('always_ff @(posedge clk) if (rst) q <= 0;')).to.deep.equal(['0']);
    expect(found("assign kind = vec_end ? 'd2 : 2'd1;")).to.deep.equal(["'d2"]);
    expect(found("assign z = '0;")).to.deep.equal(["'0"]);
    expect(found('if (state_q == 3) begin')).to.deep.equal(['3']);
    expect(found('assign v = {4{a}} + 3;')).to.deep.equal(['3']);
    expect(found('assign v = {a, 2};')).to.deep.equal(['2']);
    expect(found('assign w = x >>> 6;\nlocalparam int N = 2;\nassign u = N * 5;')).to.deep.equal(['6', '5']);
    expect(unsizedLiterals('logic a;\n\nassign a = b | 1;').map((p) => p.line)).to.deep.equal([3]);
    // Testbench code: a delay, a non-constant condition, a shift in a function.
    expect(found('  always #5 clk = ~clk;')).to.deep.equal(['5']);
    expect(found('    if (failed != 0) begin')).to.deep.equal(['0']);
    expect(found('    return s[0] ? (s >> 1) : s;')).to.deep.equal(['1']);
    expect(found('      $fatal(1, "%0d failed", failed + 2);')).to.deep.equal(['2']);
  });

  it('allow sized literals, declarations, ranges, indices, replications, loops, overrides and constant conditions', () => {
    const allowed = [
      'localparam int N = 16;',
      "localparam [3:0] LAST = 4'd9;",
      "localparam signed [32:0] SAT_MIN = -33'sd128;",
      'logic [W-1:0] x [0:DEPTH-1];',
      'assign y = x[3] ^ x[W*2-1 +: 2];',
      "assign z = {(W-1){1'b0}};",
      "assign z = {1'b0, {(W-1){1'b1}}} + {{2{s[11]}}, s};",
      'genvar g;\nfor (g = 0; g < N; g = g + 1) begin : g_x\n  if (g < LAST + 1) begin : g_y\n  end\nend',
      'if (NIN != 16 || $clog2(DEPTH) > 3) begin',
      '// a comment with 42 in it',
      '$display("%0d of 7", x);',
      'm #(.W(12), .DEPTH(3)) u (.a(b[0]));',
      'm #(\n  .DEPTH(3), .INIT_FILE(F)\n) u (.a(b[0]));',
      '`timescale 1ns / 1ps',
      '    repeat (4) @(posedge clk);',
      '      $fatal(1, "%0d of %0d failed", failed, NVEC);',
      '    $dumpvars(0, tb);',
      '      $display("%0d passed, 2 ways", passed);  // 3 comments',
      "      enc_tdata  <= 8'd1 | 32'h8020_0003;",
    ];
    for (const code of allowed) expect(unsizedLiterals(code), code).to.deep.equal([]);
  });
});

describe('generated layer RTL style', () => {
  for (const [name, options] of CONFIGS) {
    for (const hdl of ['sv', 'verilog'] as const) {
      const files = () => generateLayer({ ...options, hdl, vectors: 1 }).files;

      it(`${name}, ${hdl}: every line of the HDL, file lists and core within ${MAX_COLUMNS} columns`, () => {
        const sources = files().filter(isSource);
        expect(sources.filter((f) => f.role === 'rtl').length).to.be.greaterThan(4);
        expect(problems(sources, longLines)).to.deep.equal([]);
      });

      it(`${name}, ${hdl}: no unsized literal in the RTL`, () => {
        const rtl = files().filter((f) => f.role === 'rtl');
        expect(problems(rtl, unsizedLiterals)).to.deep.equal([]);
      });
    }
  }
});

describe('the collector the schedule allows', () => {
  const top = (options: LayerGenOptions) => {
    const design = generateLayer({ ...options, vectors: 1 });
    return design.files.find((f) => f.path === `rtl/${design.top}.sv`)!.contents as string;
  };
  type Want = { gap: number; beats: number; inPlace: boolean; columns: boolean; banks: number };
  const cases: readonly (readonly [string, LayerGenOptions, Want])[] = [
    // 9 steps between emissions, 4 beats, rows = lanes = 4: columns (9 >= 4 beats + 4 lanes + 1).
    ['ResNet-20 3x3', { shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16 }, { gap: 9, beats: 4, inPlace: true, columns: true, banks: 1 }],
    // The same with the scale stage registered before the collector: no accumulators to hold, read in place.
    ['ResNet-20 3x3, --pipeline scale', { shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16, pipeline: 'scale' }, { gap: 9, beats: 4, inPlace: true, columns: false, banks: 1 }],
    // rows = lanes = 2: the least gap for columns, beats + lanes + 1 = 5 steps...
    ['rows = lanes, gap = beats + lanes + 1', { shape: [4, 20], nIn: 4, nOut: 5, nTap: 2, seed: 3, lanes: 2, simd: 4 }, { gap: 5, beats: 2, inPlace: true, columns: true, banks: 1 }],
    // ... and one step less: read in place.
    ['rows = lanes, gap = beats + lanes', { shape: [4, 16], nIn: 4, nOut: 5, nTap: 2, seed: 3, lanes: 2, simd: 4 }, { gap: 4, beats: 2, inPlace: true, columns: false, banks: 1 }],
    // rows (8) twice the lanes (4): no columns.
    ['rows = 2 x lanes', { shape: [32, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16 }, { gap: 9, beats: 8, inPlace: false, columns: false, banks: 1 }],
    // The least gap that allows it: beats + 2 (one beat per vector, 3 steps apart).
    ['gap = beats + 2', { shape: [4, 24], nIn: 4, nOut: 5, nTap: 2, seed: 10, lanes: 4, simd: 8 }, { gap: 3, beats: 1, inPlace: true, columns: false, banks: 1 }],
    // One step less: the collector and the output buffer.
    ['gap = beats + 1', { shape: [4, 3, 2, 2], nIn: 4, nOut: 5, nTap: 2, seed: 1, lanes: 2, simd: 5 }, { gap: 3, beats: 2, inPlace: false, columns: false, banks: 1 }],
    // 3 steps for 6 beats: the collector and the output buffer.
    ['gap < beats + 1', { shape: [12, 12], nIn: 4, nOut: 6, nTap: 2, seed: 11, lanes: 2, simd: 4 }, { gap: 3, beats: 6, inPlace: false, columns: false, banks: 1 }],
    // One step per vector: three banks.
    ['one step per vector', { shape: [6, 10], nIn: 4, nOut: 5, nTap: 2, seed: 6, lanes: 6, simd: 10 }, { gap: 1, beats: 1, inPlace: false, columns: false, banks: 3 }],
  ];
  const what = (w: Want) => (w.columns ? 'columns of shift registers' : w.inPlace ? 'one copy, read in place' : `collector (${w.banks} bank(s)) and output buffer`);
  for (const [name, options, want] of cases) {
    it(`${name}: ${what(want)}`, () => {
      const m = layerModel({ ...options, vectors: 1 });
      const c = m.collector;
      expect({ gap: c.emissionGap, beats: m.plan.beatsPerVector, inPlace: c.inPlace, columns: c.columns, banks: c.banks }).to.deep.equal(want);
      expect(c.addedLatency).to.equal(want.columns ? options.lanes! - 1 : 0);
      const rtl = top(options);
      expect(rtl.includes('collector, columns'), 'columns').to.equal(want.columns);
      expect(rtl.includes('collector, read in place'), 'in place').to.equal(want.inPlace && !want.columns);
      expect(/\bout_q\b/.test(rtl), 'an output buffer').to.equal(!want.inPlace);
      expect(rtl.includes('bank_full_q'), 'banks').to.equal(want.banks > 1);
    });
  }
});

describe('generated accelerator RTL style', () => {
  for (const manifest of ['docs/examples/small-cnn.yaml', 'docs/examples/lenet5.yaml']) {
    for (const hdl of ['sv', 'verilog'] as const) {
      it(`${manifest}, ${hdl}: every line of the top, the blocks, the testbench and the file lists within ${MAX_COLUMNS} columns; no unsized literal in the RTL`, () => {
        const files = generateNetworkAccelerator(manifest, { hdl, images: 1 }).files;
        const sources = files.filter(isSource);
        expect(sources.filter((f) => f.role === 'rtl').length).to.be.greaterThan(10);
        expect(problems(sources, longLines)).to.deep.equal([]);
        expect(problems(files.filter((f) => f.role === 'rtl'), unsizedLiterals)).to.deep.equal([]);
      });
    }
  }
});
