/**
 * What an accelerator folder keeps of its network (network.json and weights/<layer>.npz): the
 * golden model read back from the folder equals the one of the manifest and options it came from,
 * for a trained layer, calibrated scales and a throughput target alike.
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testRandom } from '../generator/core/prng.js';
import { parseLayerNpz } from '../generator/formats/layerfile.js';
import { writeNpy } from '../generator/formats/npy.js';
import { acceleratorNetwork, networkGoldenFiles } from '../generator/formats/networkrun.js';
import { generateNetworkAccelerator } from '../generator/rtl/network/generate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { expectInputError, PROJECT_ROOT, tempDir, withoutScales } from './helpers.js';

const LAYERS = join(PROJECT_ROOT, 'test/fixtures/layers');

/** V real images of shape [V, 1, 1, 12] in [-1, 1). */
function images(dir: string, v: number): string {
  const rng = testRandom(31, 0);
  const path = join(dir, 'images.npy');
  writeFileSync(path, writeNpy({ dtype: 'float32', shape: [v, 12, 1, 1], data: Float32Array.from({ length: v * 12 }, () => rng.nextUint32() / 2 ** 31 - 1) }));
  return path;
}

describe('an accelerator folder keeps its network', () => {
  it('a trained layer: weights/<layer>.npz the same layer, from: rewritten, the calibrated scales and parallelism written in', () => {
    const dir = tempDir('netfolder');
    const manifest = join(dir, 'net.yaml');
    writeFileSync(manifest, ['name: t', 'input: {shape: [1, 1, 12], bits: 6, signed: true, scale: 0.03125, layout: nchw}', 'layers:', '  - {name: fc, kind: linear, from: fc.npz, lanes: 2, simd: 4}', ''].join('\n'));
    copyFileSync(join(LAYERS, 'linear_q2_bias.npz'), join(dir, 'fc.npz'));
    const imgs = images(dir, 6);
    const design = generateNetworkAccelerator(manifest, { calibrate: imgs, cyclesPerImage: 8 });
    const folder = join(dir, 'acc');
    writeDesignFiles(folder, design.files, false);
    const stored = JSON.parse(readFileSync(join(folder, 'network.json'), 'utf8'));
    const fc = stored.layers[0];
    expect(fc.from).to.equal('weights/fc.npz');
    expect(fc.scale).to.equal(design.model.logitScale);
    expect([fc.lanes, fc.simd]).to.deep.equal([design.parallelism[0].lanes, design.parallelism[0].simd]);
    expect([fc.lanes, fc.simd]).to.not.deep.equal([2, 4]); // the target chose them
    const original = parseLayerNpz(readFileSync(join(LAYERS, 'linear_q2_bias.npz')), 'fc.npz');
    const kept = parseLayerNpz(readFileSync(join(folder, 'weights/fc.npz')), 'weights/fc.npz');
    expect(kept).to.deep.equal(original);
    // The files are in the manifest's list, so an edit is noticed.
    const listed = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')).files.map((f: { path: string }) => f.path);
    expect(listed).to.include.members(['network.json', 'weights/fc.npz']);
    // The folder's golden model is the manifest's, calibrated the same way.
    const fromFolder = networkGoldenFiles(acceleratorNetwork(folder, 'golden'), imgs);
    const fromManifest = networkGoldenFiles(manifest, imgs, { calibrate: imgs });
    expect(Buffer.from(fromFolder.logits).equals(Buffer.from(fromManifest.logits))).to.equal(true);
    expect(new Set(Array.from(new BigInt64Array(fromFolder.logits.buffer.slice(-48)))).size).to.be.greaterThan(1);
  });

  it('a seeded network calibrated on other images: the folder keeps those scales', () => {
    const dir = tempDir('netfolder-seeded');
    const manifest = withoutScales(join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'), dir);
    const rng = testRandom(32, 0);
    const imgs = join(dir, 'cal.npy');
    writeFileSync(imgs, writeNpy({ dtype: 'float32', shape: [4, 1, 12, 12], data: Float32Array.from({ length: 4 * 144 }, () => rng.nextUint32() / 2 ** 32) }));
    const folder = join(dir, 'acc');
    writeDesignFiles(folder, generateNetworkAccelerator(manifest, { calibrate: imgs }).files, false);
    const fromFolder = networkGoldenFiles(acceleratorNetwork(folder, 'golden'), imgs);
    expect(Buffer.from(fromFolder.logits).equals(Buffer.from(networkGoldenFiles(manifest, imgs, { calibrate: imgs }).logits))).to.equal(true);
    // ... and not those of the example (calibrated on other images): the check can fail.
    const example = networkGoldenFiles(join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'), imgs);
    expect(Buffer.from(fromFolder.logits).equals(Buffer.from(example.logits))).to.equal(false);
  });

  it('a folder of another kind, or without network.json, is an InputError naming DIR', () => {
    const dir = tempDir('netfolder-bad');
    expectInputError(() => acceleratorNetwork(dir, 'sim'), 'DIR', 'no manifest.json');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ kind: 'layer', top: 't', testbench: { top: 'tb' }, files: [] }));
    expectInputError(() => acceleratorNetwork(dir, 'sim'), 'DIR', 'holds a layer design, not a network accelerator', 'flexor sim');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ kind: 'accelerator', top: 't', testbench: { top: 'tb' }, files: [] }));
    expectInputError(() => acceleratorNetwork(dir, 'sim'), 'DIR', 'has no network.json');
  });
});
