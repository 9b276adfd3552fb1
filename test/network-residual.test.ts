/**
 * Residual networks in the network model (docs/NETWORK.md, "Residual networks"): the graph
 * (inputs by order or by name), every bad graph as an InputError naming the manifest field and the
 * layers, the add's fixed-point rule by hand and at its extremes, the option A shortcut, a batch
 * norm folded into its conv against the float reference, a two-block network's integer labels
 * against the float view, ResNet-20's golden model, and the accelerator's refusal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { calibrateNetwork } from '../generator/core/calibrate.js';
import { InputError } from '../generator/core/errors.js';
import { engineFloat } from '../generator/core/netengine.js';
import { networkFloat, realImages } from '../generator/core/netfloat.js';
import { networkGolden, seededImages } from '../generator/core/netgolden.js';
import { addInt, shortcut } from '../generator/core/netops.js';
import { ADD_MULTIPLIER_BITS, addMultipliers, quantizeNetwork } from '../generator/core/netquant.js';
import { engineLayers, resolveNetwork, scaleSource, type EngineLayer, type LayerDescription, type NetworkDescription, type NetworkImages, type NetworkSpec } from '../generator/core/network.js';
import { loadNetwork, networkModel } from '../generator/formats/networkrun.js';
import { planNetwork } from '../generator/rtl/network/plan.js';
import { layerCollector } from '../generator/rtl/layer/collectorplan.js';
import { layerPipeline, NO_PIPELINE } from '../generator/rtl/layer/pipeline.js';
import { PROJECT_ROOT, runCli, tempDir } from './helpers.js';

const EXAMPLES = join(PROJECT_ROOT, 'docs/examples');
type LayerSketch = Omit<LayerDescription, 'field'>;

function network(layers: LayerSketch[], input: NetworkDescription['input'] = { shape: [6, 6, 2], scale: 1 / 255 }): NetworkSpec {
  return resolveNetwork({ name: 't', field: 'net.yaml', input, layers: layers.map((l, i) => ({ field: `net.yaml:layers[${i}]`, ...l })) });
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const E = (seed: number, extra: object = {}) => ({ engine: { nIn: 6, nOut: 9, nTap: 2, seed, ...extra } });

/** Two blocks on a 6 x 6 x 2 input: an identity block and an option A block (stride 2, 2 -> 4 channels). */
const TWO_BLOCKS: LayerSketch[] = [
  { kind: 'conv', name: 'stem', shape: [2, 2, 3, 3], padding: 1, ...E(1) },
  { kind: 'relu', name: 'x0' },
  { kind: 'conv', name: 'b1c1', shape: [2, 2, 3, 3], padding: 1, ...E(2) },
  { kind: 'relu' },
  { kind: 'conv', name: 'b1c2', shape: [2, 2, 3, 3], padding: 1, ...E(3) },
  { kind: 'add', name: 'b1add', inputs: ['b1c2', 'x0'] },
  { kind: 'relu', name: 'x1' },
  { kind: 'conv', name: 'b2c1', shape: [4, 2, 3, 3], stride: 2, padding: 1, ...E(4) },
  { kind: 'relu' },
  { kind: 'conv', name: 'b2c2', shape: [4, 4, 3, 3], padding: 1, ...E(5) },
  { kind: 'shortcut', name: 'b2sc', input: 'x1', channels: 4 },
  { kind: 'add', name: 'b2add', inputs: ['b2c2', 'b2sc'] },
  { kind: 'relu', name: 'x2' },
  { kind: 'avgpool' },
  { kind: 'linear', name: 'fc', shape: [3, 4], ...E(6, { bias: true }) },
];

describe('residual networks: the graph', () => {
  it('reads the previous output by default and named ones otherwise; adds, shortcuts and folded ReLUs get their tensors', () => {
    const spec = network(TWO_BLOCKS);
    const byName = Object.fromEntries(spec.layers.map((l) => [l.name, l]));
    expect(byName.b1c1.inputs).to.deep.equal([2]);
    expect(byName.b1add.inputs).to.deep.equal([5, 2]); // b1c2's output, x0's output
    expect(byName.b2sc.inputs).to.deep.equal([7]); // x1
    expect(byName.b2add.inputs).to.deep.equal([10, 11]);
    const add = byName.b1add;
    expect(add.kind === 'add' && add.reluFolded && add.outBits).to.equal(9);
    expect(byName.x1.kind === 'relu' && byName.x1.folded).to.equal(true);
    expect(spec.tensors.map((t) => `${t.h}x${t.w}x${t.c} ${t.signed ? 's' : 'u'}${t.bits}`)).to.deep.equal([
      '6x6x2 u8', '6x6x2 s9', '6x6x2 u8', '6x6x2 s9', '6x6x2 u8', '6x6x2 s8', '6x6x2 s9', '6x6x2 u8',
      '3x3x4 s9', '3x3x4 u8', '3x3x4 s8', '3x3x4 u8', '3x3x4 s9', '3x3x4 u8', '1x1x4 u8', '1x1x3 s16',
    ]);
    // The shortcut's tensor carries x1's scale, which is b1add's; a relu after an add carries the add's.
    expect(scaleSource(spec, 11)).to.equal(5);
    expect(scaleSource(spec, 13)).to.equal(11); // x2 after b2add
    expect(scaleSource(spec, 7)).to.equal(5);
  });

  it('folds a batchnorm out of the layer list: names after it refer to the normalized output', () => {
    const spec = network([
      { kind: 'conv', name: 'c', shape: [2, 2, 3, 3], padding: 1, ...E(1) },
      { kind: 'batchnorm', name: 'bn', gamma: [1, 2], beta: [0, 0], mean: [0, 0], var: [1, 1] },
      { kind: 'relu', name: 'r' },
      { kind: 'conv', name: 'd', shape: [2, 2, 1, 1], ...E(2) },
      { kind: 'add', name: 'a', inputs: ['d', 'r'] },
      { kind: 'flatten' },
      { kind: 'linear', shape: [2, 72], ...E(3) },
    ]);
    expect(spec.layers.map((l) => `${l.name}@${l.position}`)).to.deep.equal(['c@0', 'r@2', 'd@3', 'a@4', 'flatten5@5', 'linear6@6']);
    const c = spec.layers[0] as EngineLayer;
    expect(c.batchnorm).to.equal('bn');
    expect(c.reluFolded).to.equal(true);
    expect(c.config.bias).to.equal(true);
  });

  const bad: [string, LayerSketch[], string, RegExp[]][] = [
    ['a join of different shapes', TWO_BLOCKS.map((l) => (l.name === 'b2add' ? { ...l, inputs: ['b2c2', 'x1'] } : l)), 'layers[11].inputs', [/b2add \(layers\[11\]\)/, /b2c2 \(layers\[9\]\), 3 x 3 x 4/, /x1 \(layers\[6\]\), 6 x 6 x 2/]],
    ['a reference to a later layer', TWO_BLOCKS.map((l) => (l.name === 'b1add' ? { ...l, inputs: ['b1c2', 'x1'] } : l)), 'layers[5].inputs[1]', [/names x1 \(layers\[6\]\), which comes later/, /no cycle/]],
    ['a layer naming itself', TWO_BLOCKS.map((l) => (l.name === 'b2sc' ? { ...l, input: 'b2sc' } : l)), 'layers[10].input', [/b2sc \(layers\[10\]\) names itself/]],
    ['an unknown name', TWO_BLOCKS.map((l) => (l.name === 'b2sc' ? { ...l, input: 'x9' } : l)), 'layers[10].input', [/names x9, which is no layer/, /input, stem, x0/]],
    ['a dangling branch', TWO_BLOCKS.map((l) => (l.name === 'b2add' ? { ...l, inputs: ['b2c2', 'b2c2'] } : l)), 'layers[10]', [/b2sc \(layers\[10\]\) is read by no layer/, /dangling/]],
    ['an add with one input', TWO_BLOCKS.map((l) => (l.name === 'b1add' ? { ...l, inputs: ['b1c2'] } : l)), 'layers[5].inputs', [/two layers/]],
    ['an add with input', TWO_BLOCKS.map((l) => (l.name === 'b1add' ? { kind: 'add', name: 'b1add', input: 'b1c2' } : l)), 'layers[5].input', [/inputs: \[a, b\]/]],
    ['inputs on a conv', TWO_BLOCKS.map((l) => (l.name === 'b1c1' ? { ...l, inputs: ['x0', 'stem'] } : l)), 'layers[2].inputs', [/only an add/]],
    ['a read of a pre-ReLU tensor whose ReLU is folded', TWO_BLOCKS.map((l) => (l.name === 'b1add' ? { ...l, inputs: ['b1c2', 'stem'] } : l)), 'layers[5].inputs', [/b1add \(layers\[5\]\) reads stem before its ReLU x0 \(layers\[1\]\)/]],
    ['a layer named input', TWO_BLOCKS.map((l) => (l.name === 'x0' ? { ...l, name: 'input' } : l)), 'layers[1].name', [/network's input/]],
    ['a batchnorm after a relu', [TWO_BLOCKS[0], TWO_BLOCKS[1], { kind: 'batchnorm', name: 'bn', gamma: [1, 1], beta: [0, 0], mean: [0, 0], var: [1, 1] }, ...TWO_BLOCKS.slice(2)], 'layers[2].kind', [/bn \(layers\[2\]\): a batchnorm folds into the conv or linear layer right before it/, /x0, a relu/]],
    ['a batchnorm first', [{ kind: 'batchnorm', gamma: [1], beta: [0], mean: [0], var: [1] }, ...TWO_BLOCKS], 'layers[0].kind', [/follows the input/]],
    ['a batchnorm of the wrong length', [TWO_BLOCKS[0], { kind: 'batchnorm', name: 'bn', gamma: [1, 1, 1], beta: [0, 0], mean: [0, 0], var: [1, 1] }, ...TWO_BLOCKS.slice(1)], 'layers[1].gamma', [/2 numbers, one per output channel of stem/]],
    ['a negative variance', [TWO_BLOCKS[0], { kind: 'batchnorm', name: 'bn', gamma: [1, 1], beta: [0, 0], mean: [0, 0], var: [1, -1] }, ...TWO_BLOCKS.slice(1)], 'layers[1].var[1]', [/>= 0/]],
    ['a name of a conv whose batchnorm is folded', [TWO_BLOCKS[0], { kind: 'batchnorm', name: 'bn', gamma: [1, 1], beta: [0, 0], mean: [0, 0], var: [1, 1] }, ...TWO_BLOCKS.slice(1).map((l) => (l.name === 'b1add' ? { ...l, inputs: ['b1c2', 'stem'] } : l))], 'layers[6].inputs[1]', [/stem's output is normalized by bn, folded into it: name bn instead/]],
    ['a shortcut with fewer channels than its input', TWO_BLOCKS.map((l) => (l.name === 'b2sc' ? { ...l, channels: 1 } : l)), 'layers[10].channels', [/from the input's 2 channels/]],
    ['a shortcut offset past the zeros', TWO_BLOCKS.map((l) => (l.name === 'b2sc' ? { ...l, offset: 3 } : l)), 'layers[10].offset', [/0 to channels - Cin = 2/]],
  ];
  for (const [what, layers, field, patterns] of bad) {
    it(`rejects ${what}, naming net.yaml:${field}`, () => {
      const e = inputError(() => network(layers));
      expect(e.field).to.equal(`net.yaml:${field}`);
      for (const p of patterns) expect(e.message).to.match(p);
    });
  }

  it('a bad residual manifest through the CLI: exit 2, the field and the layers named, nothing written', () => {
    const dir = tempDir('resbad');
    const manifest = join(dir, 'net.yaml');
    writeFileSync(manifest, `name: r
input: {shape: [4, 4, 1]}
defaults: {nIn: 6, nOut: 9, nTap: 2}
layers:
  - {name: c1, kind: conv, shape: [2, 1, 3, 3], padding: 1, scale: 0.1}
  - {name: c2, kind: conv, shape: [3, 2, 3, 3], padding: 1, scale: 0.1}
  - {name: a, kind: add, inputs: [c2, c1], scale: 0.1}
  - {kind: flatten}
  - {name: fc, kind: linear, shape: [2, 48], scale: 0.1}
`);
    const r = runCli(['calibrate', manifest, '--images', '1', '-o', join(dir, 'scales.json')]);
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.include(`${manifest}:layers[2].inputs`);
    expect(r.stderr).to.match(/c2 \(layers\[1\]\), 4 x 4 x 3, and the output of c1 \(layers\[0\]\), 4 x 4 x 2/);
  });

  it('the manifest reader takes input, inputs, shortcut and batchnorm keys and refuses them where they do not belong', () => {
    const dir = tempDir('reskeys');
    const manifest = join(dir, 'net.yaml');
    const text = `name: r
input: {shape: [4, 4, 1]}
defaults: {nIn: 6, nOut: 9, nTap: 2}
layers:
  - {name: c1, kind: conv, shape: [2, 1, 3, 3], padding: 1, scale: 0.1}
  - {name: bn1, kind: batchnorm, gamma: [1, 2], beta: [0, 1], mean: [0.5, 0], var: [1, 4], eps: 0.001}
  - {name: r1, kind: relu}
  - {name: sc, kind: shortcut, input: r1, stride: 1, channels: 2, offset: 0}
  - {name: a, kind: add, inputs: [sc, r1], scale: 0.2}
  - {kind: flatten}
  - {name: fc, kind: linear, shape: [2, 32], scale: 0.1}
`;
    writeFileSync(manifest, text);
    const spec = loadNetwork(manifest);
    expect(spec.layers.map((l) => l.kind)).to.deep.equal(['conv', 'relu', 'shortcut', 'add', 'flatten', 'linear']);
    writeFileSync(manifest, text.replace('kind: batchnorm,', 'kind: batchnorm, input: c1,'));
    expect(inputError(() => loadNetwork(manifest)).field).to.equal(`${manifest}:layers[1].input`);
    writeFileSync(manifest, text.replace('kind: add, inputs: [sc, r1]', 'kind: add, inputs: [sc, 3]'));
    expect(inputError(() => loadNetwork(manifest)).message).to.include('a list of layer names');
    writeFileSync(manifest, text.replace('gamma: [1, 2]', 'gamma: [1, "2"]'));
    expect(inputError(() => loadNetwork(manifest)).field).to.equal(`${manifest}:layers[1].gamma`);
  });
});

describe('residual networks: add on integers', () => {
  const rule = (ma: number, mb: number, shift: number, bits = 8) => ({ multipliers: [ma, mb] as [number, number], shift, min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 });

  it('chooses S as the largest shift at which both multipliers fit 16 unsigned bits', () => {
    expect(ADD_MULTIPLIER_BITS).to.equal(16);
    expect(addMultipliers([1, 0.5])).to.deep.equal({ multipliers: [32768, 16384], shift: 15 });
    expect(addMultipliers([1.9, 0.25])).to.deep.equal({ multipliers: [62259, 8192], shift: 15 }); // 1.9 * 2^15 = 62259.2
    expect(addMultipliers([2, 0.25])).to.deep.equal({ multipliers: [32768, 4096], shift: 14 });
    expect(addMultipliers([3e-5, 1e-6])!.shift).to.equal(31); // the cap: 3e-5 * 2^31 = 64424.5
    expect(addMultipliers([65535, 1])).to.deep.equal({ multipliers: [65535, 1], shift: 0 });
    expect(addMultipliers([65536, 1])).to.equal(undefined);
  });

  it('rounds half up and saturates (hand-computed: s_a = s_out, s_b = s_out / 2)', () => {
    const r = rule(32768, 16384, 15);
    const cases: [number, number, number][] = [
      [3, 1, 4], // 3.5 -> 4
      [-3, 1, -2], // -2.5 -> -2
      [-3, -1, -3], // -3.5 -> -3
      [0, -1, 0], // -0.5 -> 0
      [0, 1, 1], // 0.5 -> 1
      [100, 60, 127], // 130 saturates
      [-128, -128, -128], // -192 saturates
      [127, -128, 63], // 63
      [255, 0, 127], // an unsigned input beyond the output's range
    ];
    const out = addInt(Int32Array.from(cases, (c) => c[0]), Int32Array.from(cases, (c) => c[1]), r);
    expect(Array.from(out)).to.deep.equal(cases.map((c) => c[2]));
  });

  it('is exact at the widest inputs and multipliers (16-bit values, 16-bit multipliers, S = 31)', () => {
    const r = rule(65535, 65535, 31, 16);
    const a = Int32Array.of(-32768, 32767, 32767, -32768);
    const b = Int32Array.of(-32768, 32767, -32768, 32767);
    const exact = (x: number, y: number) => {
      const v = (BigInt(x) * 65535n + BigInt(y) * 65535n + (1n << 30n)) >> 31n;
      return Number(v);
    };
    expect(Array.from(addInt(a, b, r))).to.deep.equal(Array.from(a, (x, i) => exact(x, b[i])));
    const s = rule(1, 1, 0, 16);
    expect(Array.from(addInt(Int32Array.of(30000, -30000, 5), Int32Array.of(30000, -30000, -7), s))).to.deep.equal([32767, -32768, -2]);
  });

  it('agrees with BigInt for random inputs, multipliers and shifts', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 31 }), (a, b, ma, mb, shift) => {
        const r = rule(ma, mb, shift, 12);
        const sum = BigInt(a) * BigInt(ma) + BigInt(b) * BigInt(mb) + (shift > 0 ? 1n << BigInt(shift - 1) : 0n);
        let v = Number(sum >> BigInt(shift));
        v = Math.min(Math.max(v, r.min), r.max);
        return addInt(Int32Array.of(a), Int32Array.of(b), r)[0] === v;
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('quantizes an add from its scales, and names its scale when even S = 0 cannot hold a ratio', () => {
    const layers: LayerSketch[] = [
      { kind: 'conv', name: 'c1', shape: [2, 2, 3, 3], padding: 1, scale: 0.02, ...E(1) },
      { kind: 'relu', name: 'r1' },
      { kind: 'conv', name: 'c2', shape: [2, 2, 3, 3], padding: 1, scale: 0.01, ...E(2) },
      { kind: 'add', name: 'a', inputs: ['c2', 'r1'], scale: 0.04 },
      { kind: 'flatten' },
      { kind: 'linear', shape: [2, 72], scale: 0.1, ...E(3) },
    ];
    const model = quantizeNetwork(network(layers), { layers: {} });
    const add = model.adds[3]!;
    expect(add.inScales).to.deep.equal([0.01, 0.02]);
    expect(add.multipliers).to.deep.equal([16384, 32768]); // 0.25 * 2^16, 0.5 * 2^16 (0.5 * 2^17 = 65536 does not fit)
    expect(add.shift).to.equal(16);
    // c2 signed 8-bit, r1 unsigned 8-bit: -128 * 16384 .. 127 * 16384 + 255 * 32768 + 2^15 = 10469376 < 2^24
    expect(add.sumBits).to.equal(25);
    const tiny = layers.map((l) => (l.name === 'a' ? { ...l, scale: 1e-7 } : l));
    const e = inputError(() => quantizeNetwork(network(tiny), { layers: {} }));
    expect(e.field).to.equal('net.yaml:layers[3].scale');
    expect(e.message).to.include('16-bit multipliers');
  });
});

describe('residual networks: option A shortcut', () => {
  it('keeps x[::2, ::2] and places the channels at the offset, zeros around (integers and reals alike)', () => {
    // 3 x 3 x 2, value (h, w, c) = 10*h + w + 100*c
    const x = Int32Array.from({ length: 18 }, (_, i) => {
      const c = i % 2;
      const p = Math.floor(i / 2);
      return 10 * Math.floor(p / 3) + (p % 3) + 100 * c;
    });
    const y = shortcut(x, { h: 3, w: 3, c: 2 }, 2, 5, 1);
    expect(Array.from(y)).to.deep.equal([
      0, 0, 100, 0, 0, /* (0,0) */ 0, 2, 102, 0, 0, /* (0,2) */ 0, 20, 120, 0, 0, /* (2,0) */ 0, 22, 122, 0, 0,
    ]);
    expect(Array.from(shortcut(Float64Array.from(x), { h: 3, w: 3, c: 2 }, 2, 5, 1))).to.deep.equal(Array.from(y));
    expect(Array.from(shortcut(x, { h: 3, w: 3, c: 2 }, 1, 2, 0))).to.deep.equal(Array.from(x));
  });

  it('defaults to stride 2, the input channels and the zeros split evenly (the more after), and keeps its input scale', () => {
    const spec = network([
      { kind: 'conv', name: 'c', shape: [2, 2, 1, 1], scale: 0.5, ...E(1) },
      { kind: 'relu', name: 'r' },
      { kind: 'shortcut', name: 's', channels: 5 },
      { kind: 'flatten' },
      { kind: 'linear', shape: [2, 45], scale: 0.1, ...E(2) },
    ]);
    const s = spec.layers[2];
    expect(s.kind === 'shortcut' && [s.stride, s.channels, s.offset]).to.deep.equal([2, 5, 1]);
    expect(spec.tensors[3]).to.deep.equal({ h: 3, w: 3, c: 5, bits: 8, signed: false });
    expect(quantizeNetwork(spec, { layers: {} }).scales[3]).to.equal(0.5);
  });
});

describe('residual networks: batch norm', () => {
  it('folded into its conv computes the float conv followed by the batch norm (a negative gamma flips the scales)', () => {
    const bn = { gamma: [1.5, -0.75, 0.2], beta: [0.1, -0.3, 2], mean: [0.4, -1, 0], var: [2, 0.5, 9], eps: 1e-3 };
    const conv: LayerSketch = { kind: 'conv', name: 'c', shape: [3, 2, 3, 3], padding: 1, stride: 2, ...E(4, { bias: true }) };
    const tail: LayerSketch[] = [{ kind: 'flatten' }, { kind: 'linear', shape: [2, 27], ...E(5) }];
    const plain = network([conv, ...tail]);
    const folded = network([conv, { kind: 'batchnorm', name: 'bn', ...bn }, ...tail]);
    const p = plain.layers[0] as EngineLayer;
    const f = folded.layers[0] as EngineLayer;
    expect(f.alphaReal[0][1]).to.be.below(0);
    const x = Float64Array.from({ length: 72 }, (_, i) => ((i * 37) % 11) / 7 - 0.5);
    const before = engineFloat(p, x, plain);
    const after = engineFloat(f, x, folded);
    before.forEach((v, i) => {
      const c = i % 3;
      const ref = ((v - bn.mean[c]) / Math.sqrt(bn.var[c] + bn.eps)) * bn.gamma[c] + bn.beta[c];
      expect(after[i]).to.be.closeTo(ref, 1e-12 * (1 + Math.abs(ref)));
    });
    // The integer network takes the signed scales: labels of golden and float agree on random images.
    const images = seededImages(folded, 8, 3);
    const model = quantizeNetwork(folded, calibrateNetwork(folded, images).scales);
    expect(model.engines[0]!.data.alpha[0].some((a) => a < 0n)).to.equal(true);
    expect(networkGolden(model, images).logits.length).to.equal(8);
  });
});

/**
 * TWO_BLOCKS with a batch norm after every conv and the linear layer, fitted to the calibration
 * images (mean and variance of each channel's float output), as training would leave it: labels
 * then vary by image (the last one centres the logits).
 */
function normalizedTwoBlocks(calibration: NetworkImages): NetworkSpec {
  const convs = TWO_BLOCKS.filter((l) => l.kind === 'conv' || l.kind === 'linear').map((l) => l.name!);
  const stats = new Map<string, { mean: number[]; var: number[] }>();
  const build = (): NetworkSpec => network(
    TWO_BLOCKS.flatMap((l) => {
      const s = stats.get(l.name ?? '');
      if ((l.kind !== 'conv' && l.kind !== 'linear') || s === undefined) return [l];
      // The conv's name moves to its batch norm, so that the graph's references stay as they are.
      return [{ ...l, name: `${l.name}_raw` }, { kind: 'batchnorm', name: l.name, gamma: s.mean.map(() => 1), beta: s.mean.map(() => 0), ...s }];
    }),
    { shape: [6, 6, 2], scale: 1 / 255 },
  );
  for (const name of convs) {
    const spec = build();
    const layer = spec.layers.find((l) => l.name === name || l.name === `${name}_raw`) as EngineLayer;
    const n = layer.kernel.cout;
    const sum = new Array<number>(n).fill(0);
    const sq = new Array<number>(n).fill(0);
    let count = 0;
    for (const x of realImages(spec, calibration)) {
      networkFloat(spec, { kind: 'real', images: [x] }, { tensors: true }).tensors![0][layer.index + 1].forEach((v, i) => {
        sum[i % n] += v;
        sq[i % n] += v * v;
        if (i % n === 0) count++;
      });
    }
    const mean = sum.map((s) => s / count);
    stats.set(name, { mean, var: sq.map((s, c) => s / count - mean[c] ** 2) });
  }
  return build();
}

describe('residual networks: golden model against the float view', () => {
  it('a two-block network (identity and option A), batch norms fitted and calibrated on 24 images: most of 48 labels agree', function () {
    this.timeout(60_000);
    const probe = network(TWO_BLOCKS);
    const all = seededImages(probe, 72, 5);
    const calibration: NetworkImages = { kind: 'integer', images: all.images.slice(0, 24) as Int32Array[] };
    const test: NetworkImages = { kind: 'integer', images: all.images.slice(24) as Int32Array[] };
    const spec = normalizedTwoBlocks(calibration);
    expect(engineLayers(spec).filter((l) => l.batchnorm !== undefined)).to.have.length(6);
    const model = quantizeNetwork(spec, calibrateNetwork(spec, calibration).scales);
    const golden = networkGolden(model, test);
    const float = networkFloat(spec, test);
    const agree = golden.labels.filter((l, v) => l === float.labels[v]).length;
    // Seen: all 48 labels agree, 3 distinct labels.
    expect(new Set(float.labels).size, 'the float labels vary with the image').to.be.at.least(2);
    expect(agree / test.images.length, `${agree} of ${test.images.length} labels agree`).to.be.at.least(0.85);
  });
});

describe('residual networks: ResNet-20', () => {
  for (const file of ['resnet20.yaml', 'resnet20-mixed-net.yaml']) {
    it(`${file}: the golden model runs 2 images, deterministically, every tensor in its type`, function () {
      this.timeout(120_000);
      const run = () => {
        const spec = loadNetwork(join(EXAMPLES, file));
        const { model } = networkModel(spec);
        return { spec, model, result: networkGolden(model, seededImages(spec, 2, 9), { tensors: true }) };
      };
      const a = run();
      const b = run();
      expect(a.result.logits.map((l) => Array.from(l))).to.deep.equal(b.result.logits.map((l) => Array.from(l)));
      expect(a.result.labels).to.deep.equal(b.result.labels);
      const { spec, model } = a;
      expect(engineLayers(spec)).to.have.length(20); // 19 convs and the linear layer
      expect(spec.layers.filter((l) => l.kind === 'add')).to.have.length(9);
      expect(spec.layers.filter((l) => l.kind === 'shortcut')).to.have.length(2);
      expect(spec.tensors[spec.tensors.length - 1]).to.deep.equal({ h: 1, w: 1, c: 10, bits: 16, signed: true });
      expect(model.warnings).to.deep.equal([]);
      a.result.tensors![0].forEach((x, t) => {
        const type = spec.tensors[t];
        const lo = type.signed ? -(2 ** (type.bits - 1)) : 0;
        const hi = type.signed ? 2 ** (type.bits - 1) - 1 : 2 ** type.bits - 1;
        expect(x.length, `tensor ${t}`).to.equal(type.h * type.w * type.c);
        expect(x.every((v) => v >= lo && v <= hi), `tensor ${t} within its type`).to.equal(true);
      });
    });
  }

  it('the weights per stage: 0.27 M in all, Nin / Nout bits per weight per stage', () => {
    const stage = (name: string) => (name.startsWith('s') ? Number(name[1]) : 0);
    for (const [file, nin] of [['resnet20.yaml', [16, 16, 16, 16]], ['resnet20-mixed-net.yaml', [16, 19, 16, 7]]] as const) {
      const spec = loadNetwork(join(EXAMPLES, file));
      const weights = [0, 0, 0, 0];
      const bits = [0, 0, 0, 0];
      for (const l of engineLayers(spec)) {
        const c = l.config;
        weights[stage(l.name)] += c.n * c.k;
        bits[stage(l.name)] += c.planes * l.nSlices * c.nIn;
        expect(c.nIn, l.name).to.equal(nin[stage(l.name)]);
      }
      expect(weights).to.deep.equal([432 + 640, 13824, 50688, 202752]);
      bits.forEach((b, s) => expect(b / weights[s]).to.be.closeTo(nin[s] / 20, 0.01));
    }
  });

  it('is planned as one accelerator: a fork per block input, an add per block, the shortcuts, a bypass FIFO per add from the bound', function () {
    this.timeout(120_000);
    const { model } = networkModel(loadNetwork(join(EXAMPLES, 'resnet20.yaml')));
    const plan = planNetwork(model);
    const count = (kind: string) => plan.blocks.filter((b) => b.kind === kind).length;
    expect([count('engine'), count('window'), count('fmfork'), count('add'), count('shortcut')]).to.deep.equal([20, 19, 9, 9, 2]);
    // Stage 1 (32 x 32, one value per beat): the branch's pixel (r, q) needs the fork's (r + 2, q + 2),
    // 2 * 32 + 3 = 67 pixels of 16 beats; the option A blocks hold the kept pixels only; then the
    // pixels sent during the branch's latency.
    expect(plan.bypass.map((b) => [b.block, b.pixels, b.slackPixels, b.depth])).to.deep.equal([
      ['s1b1_add_bypass', 67, 4, 1136], ['s1b2_add_bypass', 67, 4, 1136], ['s1b3_add_bypass', 67, 4, 1136],
      ['s2b1_add_bypass', 32, 8, 1280], ['s2b2_add_bypass', 35, 4, 1248], ['s2b3_add_bypass', 35, 4, 1248],
      ['s3b1_add_bypass', 16, 8, 1536], ['s3b2_add_bypass', 19, 4, 1472], ['s3b3_add_bypass', 19, 4, 1472],
    ]);
    // The stride-2 windows take the slack that keeps them at the network's rate (docs/NETWORK.md,
    // "Stride-2 windows"), the others the default.
    const slack = (b: { options: Readonly<Record<string, unknown>> }) => b.options.slack ?? 'default';
    expect(plan.blocks.filter((b) => b.kind === 'window').filter((b) => slack(b) !== 'default').map((b) => [b.name, slack(b)])).to.deep.equal([
      ['s2b1_conv1_win', 30], ['s3b1_conv1_win', 14],
    ]);
    // Every add's two inputs arrive in one beat format.
    for (const b of plan.blocks.filter((x) => x.kind === 'add')) {
      const [fa, fb] = [b.input.format, b.input2!.format];
      expect(fa.kind === 'fm' && fb.kind === 'fm' && fa.p === fb.p && fa.c === fb.c, b.name).to.equal(true);
    }
  });

  it('--pipeline: each branch latency grows by the cycles the stages of its convs add (less their collectors\' columns), and its bypass FIFO with it', function () {
    this.timeout(120_000);
    const { model } = networkModel(loadNetwork(join(EXAMPLES, 'resnet20.yaml')));
    const plain = planNetwork(model);
    const pipeline = { decoders: true, mac: 1, scale: true };
    const piped = planNetwork(model, { pipeline });
    // The stages' cycles; with the scale stage a collector is no longer columns, whose fill the plain latency counts.
    const configOf = (name: string) => model.engines[model.spec.layers.findIndex((l) => l.name === name)]!.data.config;
    const added = (name: string) => layerPipeline(configOf(name), pipeline).added + layerCollector(configOf(name), pipeline).addedLatency - layerCollector(configOf(name), NO_PIPELINE).addedLatency;
    piped.bypass.forEach((b, i) => {
      const before = plain.bypass[i];
      // The branch of block s<s>b<b> is its two convs.
      const block = b.add.replace(/_add$/, '');
      const extra = added(`${block}_conv1`) + added(`${block}_conv2`);
      expect(extra, b.block).to.be.within(6, 10);
      expect(b.branchLatency, b.block).to.equal(before.branchLatency + extra);
      expect(b.slackPixels, b.block).to.equal(Math.ceil(b.branchLatency / b.cyclesPerPixel) + 1);
      expect(b.depth, b.block).to.equal((b.pixels + b.slackPixels) * b.beatsPerPixel).and.to.be.at.least(before.depth);
    });
  });

  it('option B: the 1 x 1 stride-2 conv is the bypass (its FIFO after it) whichever input of the add names it', () => {
    const dir = tempDir('optb');
    const manifest = (inputs: string[]) => ({
      name: 'optb',
      input: { shape: [8, 8, 4], bits: 8, signed: false, scale: 1 / 255 },
      defaults: { nIn: 6, nOut: 10, nTap: 2, bias: true },
      layers: [
        { name: 'c0', kind: 'conv', shape: [4, 4, 3, 3], padding: 1, seed: 1, scale: 0.01 },
        { name: 'r0', kind: 'relu' },
        { name: 'c1', kind: 'conv', shape: [8, 4, 3, 3], stride: 2, padding: 1, seed: 2, scale: 0.05 },
        { name: 'r1', kind: 'relu' },
        { name: 'c2', kind: 'conv', shape: [8, 8, 3, 3], padding: 1, seed: 3, scale: 0.2 },
        { name: 'sc', kind: 'conv', shape: [8, 4, 1, 1], stride: 2, input: 'r0', seed: 4, scale: 0.02 },
        { name: 'add', kind: 'add', inputs, scale: 0.2 },
        { name: 'r2', kind: 'relu' },
        { name: 'gap', kind: 'avgpool' },
        { name: 'fc', kind: 'linear', shape: [10, 8], seed: 5, scale: 0.5 },
      ],
    });
    for (const inputs of [['c2', 'sc'], ['sc', 'c2']]) {
      const path = join(dir, `optb_${inputs[0]}.json`);
      writeFileSync(path, JSON.stringify(manifest(inputs)));
      const plan = planNetwork(networkModel(loadNetwork(path)).model);
      const fifo = plan.blocks.find((b) => b.name === 'add_bypass')!;
      expect(fifo.input.producer, inputs.join(', ')).to.equal('sc_tail');
      // The branch's output pixel (0, 0) needs c1's (1, 1), which needs the fork's pixels up to
      // (3, 3); by then the 1 x 1 conv, whose (r, q) needs only (2r, 2q), has made rows 0 and 1 of
      // its 4 x 4 output: 8 pixels wait.
      expect(plan.bypass.map((b) => [b.block, b.pixels]), inputs.join(', ')).to.deep.equal([['add_bypass', 8]]);
      const add = plan.blocks.find((b) => b.kind === 'add')!;
      expect(add.input.producer).to.equal('c2_tail');
      // Both stride-2 windows (8 x 8 in) take W - 2 = 6 pixels of slack.
      expect(['c1_win', 'sc_win'].map((n) => plan.blocks.find((b) => b.name === n)!.options.slack)).to.deep.equal([6, 6]);
    }
  });

  it('flexor network generates ResNet-20 (not simulated here: make resnet20)', function () {
    this.timeout(600_000);
    const out = join(tempDir('resacc'), 'out');
    const r = runCli(['network', join(EXAMPLES, 'resnet20.yaml'), '--images', '1', '-o', out]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/bypass FIFO s3b3_add_bypass \(into s3b3_add\): depth 1472 beats/);
    // Weights as trained: q * ceil(N*K / Nout) * Nin per layer, from the manifest's own layers.
    const trained = engineLayers(loadNetwork(join(EXAMPLES, 'resnet20.yaml'))).reduce((n, l) => n + l.config.planes * l.nSlices * l.config.nIn, 0);
    const figures = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).figures;
    const m = figures.memory;
    expect(m.trainedWeightBits).to.equal(trained);
    expect(m.storedWeightBits).to.be.at.least(trained);
    const bufferBits = figures.blocks.reduce((n: number, b: { bufferBits: number }) => n + b.bufferBits, 0);
    expect(m.lineBufferBits + m.engineBufferBits + m.engineFifoBits + m.bypassFifoBits + m.otherBits).to.equal(bufferBits);
    const bypassBlocks = figures.blocks.filter((b: { block: string }) => b.block.endsWith('_add_bypass'));
    expect(bypassBlocks).to.have.length(9);
    expect(m.bypassFifoBits).to.equal(bypassBlocks.reduce((n: number, b: { bufferBits: number }) => n + b.bufferBits, 0));
    expect(r.stdout).to.include(`Memory: weights ${trained} bits as trained (encrypted), ${m.storedWeightBits} as stored in the ROMs; data ${bufferBits} bits: line buffers ${m.lineBufferBits},`);
  });
});
