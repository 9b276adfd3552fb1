/**
 * An accelerator's LUT estimate (generator/rtl/network/estimate.ts), the figures and files that
 * `flexor network` writes for synth and prove (manifest.json engines, engines/<block>.matrix.json),
 * and the pure readout of a synthesis per block and per engine (generator/evidence/netsynth.ts).
 * No tool runs here: test/netsynth.synth.test.ts runs Yosys.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drawMatrix } from '../generator/core/matrix.js';
import { testRandom } from '../generator/core/prng.js';
import { designDecoders } from '../generator/eda/prove.js';
import type { DesignSources, ModuleFigures, SynthReport } from '../generator/eda/synth.js';
import { acceleratorBlockRows, acceleratorBlocksText, acceleratorChecks, BLOCK_TOP, blockSources, estimateError, MAX_SYNTH_ESTIMATE, readAcceleratorFacts } from '../generator/evidence/netsynth.js';
import { writeNpy } from '../generator/formats/npy.js';
import { engineEstimate, LUT_MODEL, streamBlockEstimate } from '../generator/rtl/network/estimate.js';
import { generateNetworkAccelerator } from '../generator/rtl/network/generate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { PROJECT_ROOT, runCli, tempDir } from './helpers.js';

const SMALL_CNN = join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml');

/** The small CNN's accelerator written to a temporary folder (calibrated on 4 seeded images). */
function smallCnnFolder(label: string): { dir: string; summary: readonly string[] } {
  const root = tempDir(label);
  const rng = testRandom(3, 0);
  const images = join(root, 'images.npy');
  writeFileSync(images, writeNpy({ dtype: 'float32', shape: [4, 1, 12, 12], data: Float32Array.from({ length: 4 * 144 }, () => rng.nextUint32() / 2 ** 32) }));
  const design = generateNetworkAccelerator(SMALL_CNN, { calibrate: images });
  const dir = join(root, 'cnn');
  writeDesignFiles(dir, design.files, false);
  return { dir, summary: design.summary };
}

function mod(module: string, luts: number, over: Partial<ModuleFigures> = {}): ModuleFigures {
  return { module, cells: luts, luts, flipFlops: 0, carryCells: 0, memoryBits: 0, lutLevels: 1, dsps: 0, blockRams: 0, instances: 1, cellTypes: { LUT6: luts }, submodules: {}, ...over };
}

describe('accelerator LUT estimate (model)', () => {
  it('an engine: MAC array, decoders, gearboxes, unit ROMs and the top, term by term', () => {
    const matrix = drawMatrix({ nIn: 12, nOut: 20, nTap: 2, seed: 1 });
    const e = engineEstimate({ planes: 1, lanes: 4, simd: 8, actBits: 9, units: 4, chunk: 8, group: 20, endAdvance: 30, romWidth: 12, unitDepths: [15, 15, 16, 15], matrices: [matrix] });
    const m = LUT_MODEL;
    const expected = [
      32 * (m.macPerBit * 9 + m.macConstant),
      4 * 20, // 20 rows of 2 taps: one LUT each
      4 * (8 * Math.ceil(10 / m.gearboxMuxInputsPerLut) + m.gearboxConstant) + m.gearboxShared, // offsets: multiples of gcd(8, 20, 30) = 2 below 20
      4 * 12, // words of at most 64: one LUT per bit
      m.engineTopPerLane * 4 + m.engineTopConstant,
    ];
    expect(e.terms.map((t) => t.luts)).to.deep.equal(expected);
    expect(e.luts).to.equal(Math.round(expected.reduce((a, b) => a + b, 0)));
    expect(e.terms[0].part).to.match(/^MAC array: 32 MACs/);
  });

  it('stream blocks: window, flatten, FIFO, tail, pool, argmax, fork', () => {
    const m = LUT_MODEL;
    expect(streamBlockEstimate('window', { kh: 3, kw: 3, c: 8, s: 8, outBits: 9 }).luts).to.equal(Math.round(m.windowPerValueBit * 72 * 9 + m.windowConstant));
    // 3 x 3 x 16, 4 lanes in, 16 slots out: 16 banks.
    expect(streamBlockEstimate('flatten', { h: 3, w: 3, c: 16, p: 4, s: 16, bits: 8 }).luts).to.equal(Math.round(m.flattenPerCrossbarBit * 16 * 8 * 20 + m.flattenConstant));
    expect(streamBlockEstimate('fifo', { dataBits: 64 }).luts).to.equal(64 * m.fifoPerDataBit + m.fifoConstant);
    expect(streamBlockEstimate('fifo', { dataBits: 64, depth: 1023 }).luts).to.equal(64 * m.fifoPerDataBit + m.fifoConstant);
    // A bypass FIFO of 1168 words: its storage in block RAM, its control in LUTs.
    expect(streamBlockEstimate('fifo', { dataBits: 9, depth: 1168 }).luts).to.equal(m.fifoBlockRamConstant);
    // ResNet-20's adds and width converters, as measured (docs/NETWORK.md): 21, 629 and 1223 LUTs.
    expect(streamBlockEstimate('add', { p: 1, satBits: 9 }).luts).to.equal(21);
    expect(streamBlockEstimate('width', { from: 32, to: 1, bits: 8 }).luts).to.be.within(Math.round(629 * 0.98), Math.round(629 * 1.02));
    expect(streamBlockEstimate('width', { from: 64, to: 1, bits: 8 }).luts).to.be.within(Math.round(1223 * 0.98), Math.round(1223 * 1.02));
    expect(streamBlockEstimate('tail', { lanes: 4, bits: 8 }).luts).to.equal(Math.round(m.tailPerValueBit * 32 + m.tailConstant));
    expect(streamBlockEstimate('maxpool', { p: 4, bits: 8 }).luts).to.equal(m.poolPerValueBit * 32 + m.poolConstant);
    expect(streamBlockEstimate('argmax', { lanes: 5, inBits: 16 }).luts).to.equal(m.argmaxPerLogitBit * 80 + m.argmaxConstant);
    expect(streamBlockEstimate('fork', {}).luts).to.equal(m.forkConstant);
    expect(() => streamBlockEstimate('window', { kh: 3 })).to.throw(/window has no numeric option kw/);
  });

  it('a model with other coefficients gives other figures (the synth test relies on it)', () => {
    const base = streamBlockEstimate('fifo', { dataBits: 64 }).luts;
    expect(streamBlockEstimate('fifo', { dataBits: 64 }, { ...LUT_MODEL, fifoPerDataBit: 2 }).luts).to.equal(base + 64);
  });
});

describe('flexor network: what synth and prove read from an accelerator folder', function () {
  this.timeout(60_000);
  let dir: string;
  let summary: readonly string[];
  before(() => {
    ({ dir, summary } = smallCnnFolder('netsynth'));
  });

  it('the summary gives every engine lanes x simd and every block its LUT estimate, and the total', () => {
    expect(summary.find((l) => l.startsWith('  conv1 ('))).to.match(/^ {2}conv1 \(engine, lanes 4 x simd 9\): 288 cycles per image, .*, about \d+ LUTs$/);
    expect(summary.find((l) => l.startsWith('  fc ('))).to.match(/lanes 5 x simd 16/);
    expect(summary.find((l) => l.startsWith('  conv1_win ('))).to.match(/^ {2}conv1_win \(window\): .*about \d+ LUTs$/);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const blocks = manifest.figures.blocks as { block: string; lutEstimate: number }[];
    expect(manifest.figures.lutEstimate).to.equal(blocks.reduce((n, b) => n + b.lutEstimate, 0));
    expect(summary.find((l) => l.startsWith('Totals:'))).to.include(`about ${manifest.figures.lutEstimate} LUTs`);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).to.include(`about ${manifest.figures.lutEstimate} LUTs`).and.include('lanes 4 x simd 8');
  });

  it('manifest.json lists the engines, each with its matrix file, and prove reads their decoders', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.engines.map((e: { block: string }) => e.block)).to.deep.equal(['conv1', 'conv2', 'fc']);
    expect(manifest.engines[1]).to.include({ module: 'flexor_small_cnn_conv2', matrix: 'engines/conv2.matrix.json' });
    expect(manifest.files.find((f: { path: string }) => f.path === 'engines/conv2.matrix.json').role).to.equal('matrix');
    const decoders = designDecoders(dir);
    expect(decoders.map((d) => [d.block, d.module, d.plane])).to.deep.equal([
      ['conv1', 'flexor_small_cnn_conv1_dec_p0', 0],
      ['conv2', 'flexor_small_cnn_conv2_dec_p0', 0],
      ['fc', 'flexor_small_cnn_fc_dec_p0', 0],
    ]);
    expect(decoders.every((d) => d.matrix.nIn === 12 && d.matrix.nOut === 20)).to.equal(true);
  });

  it('an edited engine matrix is refused, naming the file; another kind is named with its article', () => {
    const { dir: edited } = smallCnnFolder('netsynth-edit');
    const path = join(edited, 'engines/fc.matrix.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('1', '0'));
    expect(() => designDecoders(edited)).to.throw(/fc\.matrix\.json.*was edited since generation/);
    const manifestPath = join(edited, 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"kind": "accelerator"', '"kind": "image"'));
    expect(() => designDecoders(edited)).to.throw(/holds an image design; prove takes a decoder, layer, network or accelerator folder/);
  });

  it('a synthesis read per block (each with its submodules) and per engine target', () => {
    const facts = readAcceleratorFacts(dir);
    expect(facts.blocks.map((b) => b.block)).to.include.members(['conv1_win', 'conv1', 'fc_flat', 'fork', 'argmax']);
    expect(facts.engines.map((e) => e.top)).to.deep.equal(['flexor_small_cnn_conv1', 'flexor_small_cnn_conv2', 'flexor_small_cnn_fc']);
    const top = 'flexor_small_cnn';
    // A hand-made report: conv1 with a decoder (4 instances) and a MAC array below it; a window.
    const modules = [
      mod('flexor_small_cnn_conv1_dec_p0', 17, { instances: 4 }),
      mod('flexor_small_cnn_conv1_mac', 400),
      mod('flexor_small_cnn_conv1', 300, { flipFlops: 10, cellTypes: { LUT6: 300, RAM32M: 2 }, submodules: { flexor_small_cnn_conv1_dec_p0: 4, flexor_small_cnn_conv1_mac: 1 } }),
      mod('$paramod$abc\\flexor_small_cnn_conv1_win', 335, { flipFlops: 216 }),
      mod(top, 0, { submodules: { flexor_small_cnn_conv1: 1, '$paramod$abc\\flexor_small_cnn_conv1_win': 1 } }),
    ];
    const synth: SynthReport = {
      target: 'xilinx', top, total: mod(top, 1103), modules, lutLevels: 3, warnings: [], errors: [], memoryMapping: [], memories: [], ok: true,
      yosys: 'embedded', yosysVersion: '0.55', script: '', yosysLog: '', seconds: 1, cached: false,
    };
    const rows = acceleratorBlockRows(facts, synth);
    expect(rows.find((r) => r.block === 'conv1')).to.include({ luts: 300 + 4 * 17 + 400, flipFlops: 10, lutRamSites: 8 });
    expect(rows.find((r) => r.block === 'conv1_win')).to.include({ luts: 335, flipFlops: 216 });
    expect(rows.find((r) => r.block === 'fc')).to.include({ luts: null });
    const text = acceleratorBlocksText(rows, synth.total);
    expect(text).to.match(/^conv1 +engine +768 +10 +8 /m);
    expect(text).to.match(/^total +1103 /m);
    const checks = acceleratorChecks(facts, synth);
    expect(checks.find((c) => c.name === 'conv1: decoder p0 LUTs')).to.include({ measured: 17, target: 20, status: 'met' });
    expect(checks.find((c) => c.name === 'conv1: MAC array LUTs per MAC')).to.include({ measured: 400 / 36 });
    expect(checks.find((c) => c.name === 'conv2: weight memory bits')).to.include({ status: 'met' });
    expect(checks.find((c) => c.name === 'fc: decoder p0 LUTs')).to.include({ status: 'not measurable' });
    expect(estimateError(110, 100)).to.be.closeTo(10, 1e-9);
  });

  it('flexor synth and prove: a bad --target exits 2 naming the flag; a folder without a design exits 2', () => {
    const bad = runCli(['synth', dir, '--target', 'virtex2']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/target/).and.match(/virtex2/);
    const none = runCli(['prove', join(dir, 'rtl')]);
    expect(none.status).to.equal(2);
    expect(none.stderr).to.match(/holds no manifest\.json/);
  });

  it('flexor synth refuses LeNet-5 (estimate above MAX_SYNTH_ESTIMATE) with exit 2, naming its largest blocks and --large', () => {
    const root = tempDir('netsynth-lenet');
    const rng = testRandom(4, 0);
    const images = join(root, 'images.npy');
    writeFileSync(images, writeNpy({ dtype: 'float32', shape: [3, 1, 28, 28], data: Float32Array.from({ length: 3 * 784 }, () => rng.nextUint32() / 2 ** 32) }));
    const lenet = join(root, 'lenet');
    writeDesignFiles(lenet, generateNetworkAccelerator(join(PROJECT_ROOT, 'docs/examples/lenet5.yaml'), { calibrate: images, images: 3 }).files, false);
    const r = runCli(['synth', lenet]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`LUT estimate is \\d+ \\(largest blocks: conv2_win \\d+, .*\\), above ${MAX_SYNTH_ESTIMATE}: .*pass --large`));
  });
});

describe('synthesis block by block: each block as a design of its own', () => {
  const file = (module: string, body: string) => `// generated for ${module}\nmodule ${module} (input wire clk);\n${body}\nendmodule\n`;
  const design = (): DesignSources => {
    const files: [string, string][] = [
      ['rtl/flexor_n_a.sv', file('flexor_n_a', '  flexor_n_a_rom #(.INIT_FILE("flexor_n_a_w.hex")) u_rom (.clk(clk));')],
      ['rtl/flexor_n_a_rom.sv', file('flexor_n_a_rom', '  // reads $readmemh')],
      ['rtl/flexor_n_a_win.sv', file('flexor_n_a_win', '  /* a window */')],
      ['rtl/flexor_n_b.sv', file('flexor_n_b', '  flexor_n_b_rom #(.INIT_FILE("flexor_n_b_w.hex")) u_rom (.clk(clk));')],
      ['rtl/flexor_n_b_rom.sv', file('flexor_n_b_rom', '  // reads $readmemh, another comment')],
      ['rtl/flexor_n_c.sv', file('flexor_n_c', '  flexor_n_c_rom #(.INIT_FILE("flexor_n_c_w.hex")) u_rom (.clk(clk));')],
      ['rtl/flexor_n_c_rom.sv', file('flexor_n_c_rom', '')],
      ['rtl/flexor_n.sv', file('flexor_n', '  flexor_n_a u_a (.clk(clk));\n  flexor_n_a_win u_w (.clk(clk));')],
    ];
    const memories: [string, string][] = [['rtl/flexor_n_a_w.hex', '01\n'], ['rtl/flexor_n_b_w.hex', '01\n'], ['rtl/flexor_n_c_w.hex', '02\n']];
    return { top: 'flexor_n', sources: files.map(([p]) => p), inputs: new Map([...files, ...memories]) };
  };

  it('takes the files the block module reaches and the memories they read, names canonical, comments out', () => {
    const a = blockSources(design(), 'flexor_n_a');
    expect(a.top).to.equal(BLOCK_TOP);
    // Not the window, whose name the block's is a prefix of, nor the other blocks.
    expect(a.sources).to.deep.equal(['rtl/flexor_block.sv', 'rtl/flexor_block_rom.sv']);
    expect([...a.inputs.keys()]).to.deep.equal(['rtl/flexor_block.sv', 'rtl/flexor_block_rom.sv', 'rtl/flexor_block_w.hex']);
    expect(a.inputs.get('rtl/flexor_block.sv')).to.include('flexor_block_rom #(.INIT_FILE("flexor_block_w.hex"))').and.not.include('generated for');
  });

  it('two blocks that differ only in names and comments give identical designs; other memory contents do not', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => blockSources(design(), `flexor_n_${x}`));
    expect([...b.inputs]).to.deep.equal([...a.inputs]);
    expect([...c.inputs]).to.not.deep.equal([...a.inputs]);
    expect(() => blockSources(design(), 'flexor_n_z')).to.throw(/no RTL file defines the block module flexor_n_z/);
  });
});
