/**
 * Network accelerators end to end: generated from a manifest, run bit-exactly in Icarus Verilog
 * and Verilator with stalls, their throughput measured by the testbench against the slowest
 * block's ideal; a corrupted weight image fails and the probes name its layer.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintDesign, verifyDesign } from '../generator/eda/simulate.js';
import { generateNetworkAccelerator, type NetworkAcceleratorOptions } from '../generator/rtl/network/generate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { imagesFile, printedFigure, PROJECT_ROOT, tempDir, withoutScales } from './helpers.js';

/** A network with a global average pool, the io layout, stride 2 and a 1 x 1 tensor into a linear layer. */
export const AVGPOOL_NET = {
  name: 'avg_net',
  input: { shape: [6, 6, 2], bits: 6, signed: false, scale: 1 / 63, layout: 'nchw' },
  actBits: 6,
  logitBits: 12,
  defaults: { nIn: 6, nOut: 10, nTap: 2, bias: true },
  layers: [
    { name: 'c1', kind: 'conv', shape: [6, 2, 3, 3], padding: 1, stride: 2, seed: 3, lanes: 3, simd: 6, layout: 'io' },
    { kind: 'relu' },
    { name: 'gap', kind: 'avgpool' },
    { kind: 'flatten' },
    { name: 'out', kind: 'linear', shape: [5, 6], seed: 4, lanes: 2, simd: 3 },
  ],
};

/**
 * A global average pool of a signed tensor whose H*W = 2 x 3 is even and not a power of two (the
 * conv's output, no ReLU): its divider needs R other than 2^(S-1).
 */
export const SIGNED_AVGPOOL_NET = {
  name: 'avg_signed',
  input: { shape: [4, 6, 2], bits: 6, signed: false, scale: 1 / 63, layout: 'nchw' },
  actBits: 6,
  logitBits: 12,
  defaults: { nIn: 6, nOut: 10, nTap: 2, bias: true },
  layers: [
    { name: 'c1', kind: 'conv', shape: [6, 2, 3, 3], padding: 1, stride: 2, seed: 3, lanes: 3, simd: 6 },
    { name: 'gap', kind: 'avgpool' },
    { kind: 'flatten' },
    { name: 'out', kind: 'linear', shape: [5, 6], seed: 4, lanes: 2, simd: 3 },
  ],
};

async function generateAndVerify(manifest: string, options: NetworkAcceleratorOptions, dir: string) {
  const design = generateNetworkAccelerator(manifest, options);
  writeDesignFiles(dir, design.files, false);
  const report = await verifyDesign(dir, ['iverilog', 'verilator']);
  return { design, report };
}

describe('network accelerators in both simulators', function () {
  it('the small CNN: every logit and label bit-exact with stalls, at the slowest block\'s ideal rate, lint-clean', async () => {
    const dir = tempDir('acc-cnn');
    const images = imagesFile(dir, 6, 1, 12, 12);
    const manifest = withoutScales(join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'), dir);
    const { design, report } = await generateAndVerify(manifest, { calibrate: images, inputs: images }, join(dir, 'cnn'));
    for (const r of report.results) {
      expect(r.ok, `${r.simulator}:\n${r.output.slice(-3000)}`).to.equal(true);
      expect(r.passed).to.equal(6);
      const measured = printedFigure(r.output, 'cycles per image');
      expect(printedFigure(r.output, 'ideal cycles per image')).to.equal(design.idealCyclesPerImage);
      expect(measured).to.be.at.most(1.1 * design.idealCyclesPerImage);
      expect(measured).to.be.at.least(design.idealCyclesPerImage);
    }
    expect(lintDesign(join(dir, 'cnn')).ok).to.equal(true);
  });

  it('average pool, io layout, stride 2, Verilog-2005, asynchronous reset', async () => {
    const dir = tempDir('acc-avg');
    const manifest = join(dir, 'avg.json');
    writeFileSync(manifest, JSON.stringify(AVGPOOL_NET));
    const images = imagesFile(dir, 8, 2, 6, 6);
    const { design, report } = await generateAndVerify(manifest, { calibrate: images, images: 5, hdl: 'verilog', reset: 'async' }, join(dir, 'avg'));
    expect(design.plan.blocks.map((b) => b.kind)).to.deep.equal(['window', 'engine', 'fifo', 'tail', 'avgpool', 'flatten', 'engine', 'fork', 'argmax']);
    for (const r of report.results) {
      expect(r.ok, `${r.simulator}:\n${r.output.slice(-3000)}`).to.equal(true);
      expect(printedFigure(r.output, 'cycles per image')).to.be.at.most(1.1 * design.idealCyclesPerImage);
    }
    expect(lintDesign(join(dir, 'avg')).ok).to.equal(true);
  });

  it('a signed average pool over 2 x 3 (R not 2^(S-1)): the block divides with the golden model\'s divider, bit-exact', async () => {
    const dir = tempDir('acc-avg-signed');
    const manifest = join(dir, 'avg_signed.json');
    writeFileSync(manifest, JSON.stringify(SIGNED_AVGPOOL_NET));
    const images = imagesFile(dir, 8, 2, 4, 6);
    const { design, report } = await generateAndVerify(manifest, { calibrate: images, images: 5 }, join(dir, 'avg'));
    const gap = design.model.spec.layers[1];
    const block = design.plan.blocks.find((b) => b.kind === 'avgpool')!;
    expect(gap.kind === 'avgpool' && design.model.spec.tensors[1]).to.include({ h: 2, w: 3, signed: true });
    if (gap.kind !== 'avgpool') throw new Error('layer 1 is not the average pool');
    expect(gap.divider.round).to.not.equal(2 ** (gap.divider.shift - 1));
    expect(block.options).to.include(gap.divider);
    for (const r of report.results) expect(r.ok, `${r.simulator}:\n${r.output.slice(-3000)}`).to.equal(true);
    expect(lintDesign(join(dir, 'avg')).ok).to.equal(true);
  });

  it('a corrupted weight image fails, and the probes name the layer', async () => {
    const dir = tempDir('acc-bad');
    const design = generateNetworkAccelerator(join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'));
    const folder = join(dir, 'cnn');
    writeDesignFiles(folder, design.files, false);
    const rom = join(folder, 'rtl', 'flexor_small_cnn_conv2_weights_u1.hex');
    const lines = readFileSync(rom, 'utf8').split('\n');
    // Flip bit i of word i for the first words: one encrypted bit each, so that some flip reaches a
    // weight (a column of the matrix may be unused, and flipping both taps of a row changes nothing).
    for (let i = 0; i < 8; i++) {
      const width = lines[i].length * 4;
      lines[i] = (BigInt(`0x${lines[i]}`) ^ (1n << BigInt(i % width))).toString(16).padStart(lines[i].length, '0');
    }
    writeFileSync(rom, lines.join('\n'));
    const report = await verifyDesign(folder, ['verilator']);
    const [r] = report.results;
    expect(r.ok).to.equal(false);
    expect(r.failed).to.be.greaterThan(0);
    expect(r.output).to.match(/probe: first block whose output differs: conv2 \(conv2_res\), image \d+, output position \d+/);
  });
});
