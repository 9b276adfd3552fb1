/**
 * A residual network as one accelerator: two basic blocks (an identity shortcut and an option A
 * shortcut) end to end in both simulators, and the same with an option B shortcut in Verilator, bit-exact with stalls; its bypass FIFO depths as the
 * bound gives them; a bypass FIFO below the bound stalls the network and the watchdog names it;
 * `flexor golden` and `flexor sim` on the folder.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintDesign, SIMULATORS, verifyDesign, type Simulator } from '../generator/eda/simulate.js';
import { parseNpy } from '../generator/formats/npy.js';
import { generateNetworkAccelerator } from '../generator/rtl/network/generate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { imagesFile, printedFigure, runCliOk, tempDir } from './helpers.js';

/**
 * 8 x 8 x 4 in; conv 3x3; block 1: two 3x3 convs and the identity shortcut; block 2: a stride-2
 * conv to 8 channels, a 3x3 conv and the option A shortcut (2 zero channels each side); global
 * average pool, linear 10. The first conv's 2 lanes differ from block 1's 4: the bypass is rebeaten.
 */
export const RESIDUAL_NET = {
  name: 'res_net',
  input: { shape: [8, 8, 4], bits: 6, signed: false, scale: 1 / 63, layout: 'nchw' },
  actBits: 6,
  logitBits: 12,
  defaults: { nIn: 6, nOut: 10, nTap: 2, bias: true },
  layers: [
    { name: 'c0', kind: 'conv', shape: [4, 4, 3, 3], padding: 1, seed: 1, lanes: 2, simd: 12 },
    { name: 'r0', kind: 'relu' },
    { name: 'b1c1', kind: 'conv', shape: [4, 4, 3, 3], padding: 1, seed: 2, lanes: 4, simd: 12 },
    { name: 'b1r1', kind: 'relu' },
    { name: 'b1c2', kind: 'conv', shape: [4, 4, 3, 3], padding: 1, seed: 3, lanes: 4, simd: 12 },
    { name: 'b1add', kind: 'add', inputs: ['b1c2', 'r0'] },
    { name: 'b1', kind: 'relu' },
    { name: 'b2c1', kind: 'conv', shape: [8, 4, 3, 3], stride: 2, padding: 1, seed: 4, lanes: 4, simd: 12 },
    { name: 'b2r1', kind: 'relu' },
    { name: 'b2c2', kind: 'conv', shape: [8, 8, 3, 3], padding: 1, seed: 5, lanes: 4, simd: 18 },
    { name: 'b2short', kind: 'shortcut', input: 'b1', channels: 8 },
    { name: 'b2add', kind: 'add', inputs: ['b2c2', 'b2short'] },
    { name: 'b2', kind: 'relu' },
    { name: 'gap', kind: 'avgpool' },
    { kind: 'flatten' },
    { name: 'fc', kind: 'linear', shape: [10, 8], seed: 6, lanes: 5, simd: 8 },
  ],
};

/**
 * RESIDUAL_NET with block 2's option A shortcut replaced by option B: a 1 x 1 conv with stride 2
 * from 4 to 8 channels on the bypass, named first by the add (the planner finds the bypass itself).
 */
export const OPTION_B_NET = {
  ...RESIDUAL_NET,
  name: 'resb_net',
  layers: RESIDUAL_NET.layers.flatMap((l): object[] => {
    if (l.name === 'b2short') return [{ name: 'b2sc', kind: 'conv', shape: [8, 4, 1, 1], stride: 2, input: 'b1', seed: 7, lanes: 4, simd: 4 }];
    return l.name === 'b2add' ? [{ ...l, inputs: ['b2sc', 'b2c2'] }] : [l];
  }),
};

/**
 * Two blocks at 32 x 32 x 4 (identity, then a stride-2 block with option A), small enough to run in
 * a minute, wide enough that the stride-2 window's rows matter: with `--cycles-per-image 4096`
 * every engine but the fc runs at exactly 4096 cycles per image, so a cycle the stride-2 window
 * makes its producer wait is lost (docs/NETWORK.md, "Stride-2 windows": 5206 cycles per image with
 * the default slack, 4096 with the planner's).
 */
export const STRIDE2_NET = {
  ...RESIDUAL_NET,
  name: 'stride2_net',
  input: { ...RESIDUAL_NET.input, shape: [32, 32, 4] },
  // lanes and simd from --cycles-per-image (undefined: left out of the JSON manifest).
  layers: RESIDUAL_NET.layers.map((l) => ({ ...l, lanes: undefined, simd: undefined })),
};

/**
 * Writes the design to `folder` and runs it in `simulators` (both unless told): every image passes,
 * at the ideal cycles per image, and the RTL is lint-clean.
 */
async function expectBitExactAtIdealRate(design: ReturnType<typeof generateNetworkAccelerator>, folder: string, images: number, simulators: readonly Simulator[] = SIMULATORS): Promise<void> {
  writeDesignFiles(folder, design.files, false);
  const report = await verifyDesign(folder, simulators);
  expect(report.results.map((r) => r.simulator)).to.deep.equal(simulators);
  for (const r of report.results) {
    expect(r.ok, `${r.simulator}:\n${r.output.slice(-3000)}`).to.equal(true);
    expect(r.passed).to.equal(images);
    expect(printedFigure(r.output, 'cycles per image')).to.equal(design.idealCyclesPerImage);
  }
  expect(lintDesign(folder).ok).to.equal(true);
}

describe('a residual network as one accelerator', function () {
  const dir = tempDir('acc-res');
  const manifest = join(dir, 'res.json');
  let images = '';
  before(() => {
    writeFileSync(manifest, JSON.stringify(RESIDUAL_NET));
    images = imagesFile(dir, 8, 4, 8, 8);
  });

  it('two blocks (identity, option A) bit-exact with stalls in both simulators, lint-clean; the bypass depths from the bound', async () => {
    const design = generateNetworkAccelerator(manifest, { calibrate: images, inputs: images });
    const kinds = design.plan.blocks.map((b) => b.kind);
    expect(kinds.filter((k) => k === 'fmfork')).to.have.length(2);
    expect(kinds.filter((k) => k === 'add')).to.have.length(2);
    expect(kinds).to.include('shortcut');
    // Block 1: the branch's output pixel (r, q) needs the fork's pixel (r + 2, q + 2): 2W + 3
    // pixels held, 1 beat each after the 2 -> 4 conversion. Block 2: 8 kept pixels of 2 beats.
    // Then the pixels the fork sends during the branch's latency (42 and 55 cycles at 6 per pixel).
    expect(design.plan.bypass.map((b) => [b.block, b.pixels, b.slackPixels, b.beatsPerPixel, b.deadlockDepth, b.depth])).to.deep.equal([
      ['b1add_bypass', 19, 8, 1, 19, 27],
      ['b2add_bypass', 8, 11, 2, 16, 38],
    ]);
    const manifestJson = JSON.parse(String(design.files.find((f) => f.path === 'manifest.json')!.contents));
    expect(manifestJson.figures.bypassFifos.map((b: { depth: number }) => b.depth)).to.deep.equal([27, 38]);
    expect(design.summary.join('\n')).to.match(/bypass FIFO b1add_bypass \(into b1add\): depth 27 beats: \(19 pixels of the deadlock bound \+ 8 for the branch's latency\) x 1 beats per pixel/);
    // The slowest engine's 384 cycles per image: the bypass FIFOs at the bound alone (19, 16)
    // gave 437; the rate term's pixels (27, 38) reach the ideal (docs/NETWORK.md, "Bypass FIFOs").
    await expectBitExactAtIdealRate(design, join(dir, 'res'), 8);
  });

  // Verilator only: the two-block test above runs a residual network (forks, adds, bypass FIFOs, a
  // stride-2 conv) in Icarus too; the 1 x 1 stride-2 window runs in Icarus in window.sim.test.ts.
  it('option B (a 1 x 1 stride-2 conv on the bypass) bit-exact with stalls at the ideal rate (Verilator), lint-clean', async () => {
    const path = join(dir, 'resb.json');
    writeFileSync(path, JSON.stringify(OPTION_B_NET));
    const design = generateNetworkAccelerator(path, { calibrate: images, inputs: images });
    // The 1 x 1 conv's blocks on the bypass, its output into the bypass FIFO, the 3 x 3 conv's into the add.
    const names = design.plan.blocks.map((b) => b.name);
    expect(names).to.include.members(['b2sc_win', 'b2sc', 'b2sc_fifo', 'b2sc_tail']);
    expect(names).to.not.include('b2short');
    const byName = (n: string) => design.plan.blocks.find((b) => b.name === n)!;
    expect(byName('b2add_bypass').input.producer).to.equal('b2sc_tail');
    expect(byName('b2add').input.producer).to.equal('b2c2_tail');
    expect(design.plan.bypass.map((b) => [b.block, b.pixels, b.depth])).to.deep.equal([['b1add_bypass', 19, 27], ['b2add_bypass', 8, 38]]);
    await expectBitExactAtIdealRate(design, join(dir, 'resb'), 8, ['verilator']);
  });

  it('a stride-2 block at 32 x 32 with every engine at its rate: the ideal cycles per image (Verilator)', async () => {
    const path = join(dir, 'stride2.json');
    writeFileSync(path, JSON.stringify(STRIDE2_NET));
    const calib = imagesFile(dir, 4, 4, 32, 32);
    const design = generateNetworkAccelerator(path, { calibrate: calib, images: 4, cyclesPerImage: 4096 });
    expect(design.plan.blocks.find((b) => b.name === 'b2c1_win')!.options.slack).to.equal(30);
    const folder = join(dir, 'stride2');
    writeDesignFiles(folder, design.files, false);
    const report = await verifyDesign(folder, ['verilator']);
    const r = report.results[0];
    expect(r.ok, `${r.simulator}:\n${r.output.slice(-3000)}`).to.equal(true);
    expect(r.passed).to.equal(4);
    expect(design.idealCyclesPerImage).to.equal(4096);
    expect(printedFigure(r.output, 'cycles per image')).to.equal(4096);
  });

  it('a bypass FIFO below the bound stalls the network; the watchdog names it and its fill', async () => {
    // Depth 15 of 19: the fork's output register, the width converter and the FIFO's output
    // register hold the other beats, so 16 still runs (slowly) and 15 is the largest that stalls.
    const design = generateNetworkAccelerator(manifest, { calibrate: images, images: 3, bypassDepths: { b1add_bypass: 15 } });
    expect(design.plan.bypass[0]).to.include({ depth: 15, computed: 27, deadlockDepth: 19 });
    const folder = join(dir, 'small');
    writeDesignFiles(folder, design.files, false);
    // Icarus Verilog: the watchdog and the stall report are the testbench's, the same in both
    // simulators, and a network this small runs in Icarus in a fraction of a Verilator build.
    const [r] = (await verifyDesign(folder, ['iverilog'])).results;
    expect(r.simulator).to.equal('iverilog');
    expect(r.ok).to.equal(false);
    expect(r.output).to.match(/^FAIL: no beat moved for \d+ cycles/m);
    expect(r.output).to.match(/^stalled: bypass FIFO b1add_bypass \(into b1add\) holds 15 of 15 beats: full, b1add waits for its branch: too small$/m);
    expect(r.output).to.match(/^stalled: bypass FIFO b2add_bypass \(into b2add\) holds 0 of 38 beats$/m);
  });

  it('flexor golden and flexor sim on the folder: network.json holds the adds\' scales', () => {
    const folder = join(dir, 'cli');
    runCliOk(['network', manifest, '--calibrate', images, '-o', folder]);
    const stored = JSON.parse(readFileSync(join(folder, 'network.json'), 'utf8'));
    const adds = stored.layers.filter((l: { kind: string }) => l.kind === 'add');
    expect(adds).to.have.length(2);
    for (const a of adds) expect(a.scale).to.be.a('number').and.greaterThan(0);
    runCliOk(['golden', folder, '--inputs', images, '-o', join(dir, 'golden.npy'), '--labels', join(dir, 'golden_labels.npy')]);
    // In Icarus Verilog (sim's default): network-sim-cli.sim.test.ts runs sim on a network in Verilator.
    const sim = runCliOk(['sim', folder, '--inputs', images, '-o', join(dir, 'hw.npy'), '--labels', join(dir, 'hw_labels.npy')]);
    expect(sim.stdout).to.include('iverilog: 8 passed, 0 failed');
    const int64 = (path: string) => Array.from(parseNpy(readFileSync(path), path).data as BigInt64Array, Number);
    expect(int64(join(dir, 'hw.npy'))).to.deep.equal(int64(join(dir, 'golden.npy')));
    expect(int64(join(dir, 'hw_labels.npy'))).to.deep.equal(int64(join(dir, 'golden_labels.npy')));
  });
});
