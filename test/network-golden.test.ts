/**
 * The network golden model (generator/core/network.ts, netquant.ts, netengine.ts, netgolden.ts,
 * netfloat.ts, calibrate.ts) against docs/NETWORK.md: tensor types, conv with stride and padding
 * against direct loops (integers and reals), the fast integer path against layerGolden,
 * requantization ties and saturation by hand, the ReLU tail, the choice of F, calibration, input
 * quantization, the agreement of the integer network with the float view on a seeded LeNet-5,
 * and determinism.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { InputError } from '../generator/core/errors.js';
import { weightBits } from '../generator/core/layer.js';
import { calibrateNetwork } from '../generator/core/calibrate.js';
import { engineInt, engineIntBig } from '../generator/core/netengine.js';
import { floatForward, networkFloat, realImages } from '../generator/core/netfloat.js';
import { goldenForward, networkGolden, quantizeImages } from '../generator/core/netgolden.js';
import { chooseAlphaFrac, quantizeNetwork, type NetworkModel } from '../generator/core/netquant.js';
import { convOutputSize } from '../generator/core/netops.js';
import { engineLayers, resolveNetwork, scaleSource, type EngineLayer, type LayerDescription, type NetworkDescription, type NetworkImages, type NetworkSpec } from '../generator/core/network.js';
import { testRandom } from '../generator/core/prng.js';
import type { TrainedLayer } from '../generator/core/trained.js';
import { readNetworkDescription } from '../generator/formats/networkfile.js';
import { layerSource } from '../generator/formats/layersource.js';
import { PROJECT_ROOT, tempDir, withoutScales } from './helpers.js';

const EXAMPLES = join(PROJECT_ROOT, 'docs/examples');

type LayerSketch = Omit<LayerDescription, 'field'>;

/** A network from inline layer descriptions. */
function network(layers: LayerSketch[], input: NetworkDescription['input'], extra: Partial<NetworkDescription> = {}): NetworkSpec {
  return resolveNetwork({ name: 't', field: 't.yaml', input, ...extra, layers: layers.map((l, i) => ({ field: `t.yaml:layers[${i}]`, ...l })) });
}

/** Seeded random integer images of the spec's input tensor. */
function randomImages(spec: NetworkSpec, count: number, seed: number): NetworkImages {
  const t = spec.tensors[0];
  const rng = testRandom(seed, 40);
  const lo = t.signed ? -(2 ** (t.bits - 1)) : 0;
  const span = 2 ** t.bits;
  return { kind: 'integer', images: Array.from({ length: count }, () => Int32Array.from({ length: t.h * t.w * t.c }, () => lo + rng.below(span))) };
}

/** Stroke images (a few thick random lines on black), MNIST-like for a 28 x 28 x 1 or similar input. */
function strokeImages(spec: NetworkSpec, count: number, seed: number): NetworkImages {
  const t = spec.tensors[0];
  const rng = testRandom(seed, 41);
  const one = () => {
    const img = new Int32Array(t.h * t.w * t.c);
    for (let s = 2 + rng.below(3); s > 0; s--) {
      let y = rng.below(t.h);
      let x = rng.below(t.w);
      const dy = rng.below(3) - 1;
      const dx = rng.below(3) - 1;
      for (let i = 4 + rng.below(t.h); i > 0; i--) {
        for (let a = -1; a <= 1; a++) {
          for (let b = -1; b <= 1; b++) {
            const yy = y + a;
            const xx = x + b;
            if (yy < 0 || yy >= t.h || xx < 0 || xx >= t.w) continue;
            for (let c = 0; c < t.c; c++) img[(yy * t.w + xx) * t.c + c] = Math.max(img[(yy * t.w + xx) * t.c + c], 255 - 60 * (Math.abs(a) + Math.abs(b)));
          }
        }
        y += dy + (rng.below(4) === 0 ? rng.below(3) - 1 : 0);
        x += dx + (rng.below(4) === 0 ? rng.below(3) - 1 : 0);
      }
    }
    return img;
  };
  return { kind: 'integer', images: Array.from({ length: count }, one) };
}

/** A conv layer's integer output by direct loops over the input tensor (independent of netops/netengine). */
function directConvInt(model: NetworkModel, layer: EngineLayer, x: Int32Array): Int32Array {
  const { spec } = model;
  const data = model.engines[layer.index]!.data;
  const input = spec.tensors[layer.index];
  const out = spec.tensors[layer.index + 1];
  const { cout, cin, kh, kw } = layer.kernel;
  const bits = data.alpha.map((_, p) => weightBits(data, p));
  const shift = BigInt(data.config.requant!.shift);
  const outBits = data.config.requant!.outBits;
  const lo = -(2n ** BigInt(outBits - 1));
  const hi = 2n ** BigInt(outBits - 1) - 1n;
  const result = new Int32Array(out.h * out.w * out.c);
  for (let ho = 0; ho < out.h; ho++) {
    for (let wo = 0; wo < out.w; wo++) {
      for (let c = 0; c < cout; c++) {
        let total = data.bias[c];
        for (let p = 0; p < bits.length; p++) {
          let acc = 0n;
          for (let ci = 0; ci < cin; ci++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const h = ho * layer.stride + i - layer.padding;
                const w = wo * layer.stride + j - layer.padding;
                const value = h < 0 || h >= input.h || w < 0 || w >= input.w ? 0 : x[(h * input.w + w) * input.c + ci];
                const k = (ci * kh + i) * kw + j;
                acc += (bits[p][c * cin * kh * kw + k] ? 1n : -1n) * BigInt(value);
              }
            }
          }
          total += data.alpha[p][c] * acc;
        }
        let v = (total + (shift > 0n ? 1n << (shift - 1n) : 0n)) >> shift;
        v = v < lo ? lo : v > hi ? hi : v;
        result[(ho * out.w + wo) * out.c + c] = Number(v);
      }
    }
  }
  return result;
}

/** The same layer on reals by direct loops. */
function directConvFloat(spec: NetworkSpec, layer: EngineLayer, x: Float64Array): Float64Array {
  const input = spec.tensors[layer.index];
  const out = spec.tensors[layer.index + 1];
  const { cout, cin, kh, kw } = layer.kernel;
  const result = new Float64Array(out.h * out.w * out.c);
  for (let ho = 0; ho < out.h; ho++) {
    for (let wo = 0; wo < out.w; wo++) {
      for (let c = 0; c < cout; c++) {
        let total = 0;
        layer.bits.forEach((bits, p) => {
          let acc = 0;
          for (let ci = 0; ci < cin; ci++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const h = ho * layer.stride + i - layer.padding;
                const w = wo * layer.stride + j - layer.padding;
                const value = h < 0 || h >= input.h || w < 0 || w >= input.w ? 0 : x[(h * input.w + w) * input.c + ci];
                acc += (bits[c * cin * kh * kw + (ci * kh + i) * kw + j] ? 1 : -1) * value;
              }
            }
          }
          total += layer.alphaReal[p][c] * acc;
        });
        result[(ho * out.w + wo) * out.c + c] = total + (layer.biasReal?.[c] ?? 0);
      }
    }
  }
  return result;
}

describe('network: resolution', () => {
  it('propagates shapes, widths and signedness through LeNet-5', () => {
    const spec = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'lenet5.yaml')));
    const types = spec.tensors.map((t) => `${t.h}x${t.w}x${t.c} ${t.signed ? 's' : 'u'}${t.bits}`);
    expect(types).to.deep.equal([
      '28x28x1 u8', // input
      '28x28x32 s9', // conv1: the engine's signed b + 1 bits before the folded ReLU
      '28x28x32 u8', // relu1: the requantization tail
      '14x14x32 u8',
      '14x14x64 s9',
      '14x14x64 u8',
      '7x7x64 u8',
      '1x1x3136 u8', // flatten
      '1x1x512 s9',
      '1x1x512 u8',
      '1x1x10 s16', // logits: logitBits
    ]);
    const engines = engineLayers(spec);
    expect(engines.map((l) => [l.name, l.actBits, l.outBits, l.reluFolded, l.last])).to.deep.equal([
      ['conv1', 9, 9, true, false], // unsigned 8-bit input consumed as signed 9-bit
      ['conv2', 9, 9, true, false],
      ['fc1', 9, 9, true, false],
      ['fc2', 9, 16, false, true],
    ]);
    expect(spec.layers.filter((l) => l.kind === 'relu').map((l) => l.kind === 'relu' && l.folded)).to.deep.equal([true, true, true]);
    // Scale sources: the input, then each engine's output and what follows it up to the next engine.
    expect(spec.tensors.map((_, t) => scaleSource(spec, t))).to.deep.equal([-1, 0, 0, 0, 3, 3, 3, 3, 7, 7, 9]);
  });

  it('gives a ReLU after a pool of a signed tensor b - 1 unsigned bits, and names layers by kind and index', () => {
    const spec = network(
      [
        { kind: 'conv', shape: [4, 2, 3, 3], padding: 1, engine: { nIn: 4, nOut: 8, nTap: 2 } },
        { kind: 'maxpool', size: 2 },
        { kind: 'relu' },
        { kind: 'conv', shape: [3, 4, 2, 2], stride: 2, engine: { nIn: 4, nOut: 8, nTap: 2, seed: 2 } },
        { kind: 'avgpool' },
        { kind: 'flatten' },
        { kind: 'linear', shape: [5, 3], engine: { nIn: 3, nOut: 5, dense: true } },
      ],
      { shape: [8, 8, 2], bits: 6, signed: true },
      { actBits: 7, logitBits: 12 },
    );
    expect(spec.layers.map((l) => l.name)).to.deep.equal(['conv0', 'maxpool1', 'relu2', 'conv3', 'avgpool4', 'flatten5', 'linear6']);
    expect(spec.tensors.map((t) => `${t.h}x${t.w}x${t.c} ${t.signed ? 's' : 'u'}${t.bits}`)).to.deep.equal([
      '8x8x2 s6',
      '8x8x4 s7', // no ReLU right after: signed actBits
      '4x4x4 s7',
      '4x4x4 u6', // a clamp of signed 7-bit: 0 .. 63
      '2x2x3 s7',
      '1x1x3 s7',
      '1x1x3 s7',
      '1x1x5 s12',
    ]);
    expect(engineLayers(spec).map((l) => l.actBits)).to.deep.equal([6, 7, 7]);
    const relu = spec.layers[2];
    expect(relu.kind === 'relu' && relu.folded).to.equal(false);
    const avg = spec.layers[4];
    expect(avg.kind === 'avgpool' && avg.count).to.equal(4);
  });
});

describe('network: conv and linear layers', () => {
  const cases: [string, LayerSketch, NetworkDescription['input']][] = [
    ['3x3, stride 2, padding 1, io, 2 planes, bias', { kind: 'conv', shape: [4, 3, 3, 3], stride: 2, padding: 1, engine: { nIn: 5, nOut: 9, nTap: 2, planes: 2, layout: 'io', bias: true, seed: 3 } }, { shape: [7, 6, 3], bits: 6, signed: true }],
    ['2x3 kernel, stride 1, no padding, dense', { kind: 'conv', shape: [5, 2, 2, 3], engine: { nIn: 6, nOut: 6, dense: true, seed: 4, bias: true } }, { shape: [5, 6, 2], bits: 8, signed: false }],
    ['3x3, padding 2, stride 2 (floor: the last row unused)', { kind: 'conv', shape: [3, 1, 3, 3], stride: 2, padding: 2, engine: { nIn: 3, nOut: 4, nTap: 1, seed: 5 } }, { shape: [6, 5, 1], bits: 4, signed: false }],
  ];
  for (const [name, conv, input] of cases) {
    it(`matches direct loops on integers and reals: ${name}`, () => {
      const spec = resolveConvNet(conv, input);
      const images = randomImages(spec, 4, 9);
      const model = quantizeNetwork(spec, calibrateNetwork(spec, images).scales);
      const layer = spec.layers[0] as EngineLayer;
      const golden = networkGolden(model, images, { tensors: true });
      const float = networkFloat(spec, images, { tensors: true });
      images.images.forEach((x, v) => {
        expect(Array.from(golden.tensors![v][1]), `image ${v}`).to.deep.equal(Array.from(directConvInt(model, layer, x as Int32Array)));
        const real = directConvFloat(spec, layer, realImages(spec, images)[v]);
        float.tensors![v][1].forEach((value, i) => expect(value).to.be.closeTo(real[i], 1e-9 * (1 + Math.abs(real[i]))));
      });
    });
  }

  it('computes in float64 exactly what layerGolden computes (random layers and scales)', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(
        fc.record({
          cin: fc.integer({ min: 1, max: 3 }),
          cout: fc.integer({ min: 1, max: 4 }),
          k: fc.integer({ min: 1, max: 3 }),
          stride: fc.integer({ min: 1, max: 2 }),
          planes: fc.integer({ min: 1, max: 3 }),
          alphaBits: fc.integer({ min: 8, max: 24 }),
          bias: fc.boolean(),
          bits: fc.integer({ min: 2, max: 16 }),
          scale: fc.double({ min: 0.01, max: 100, noNaN: true }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        (r) => {
          const conv: LayerSketch = { kind: 'conv', shape: [r.cout, r.cin, r.k, r.k], stride: r.stride, padding: r.k - 1, scale: r.scale, engine: { nIn: 3, nOut: 5, nTap: 2, planes: r.planes, alphaBits: r.alphaBits, bias: r.bias, seed: r.seed } };
          const spec = resolveConvNet(conv, { shape: [4, 5, r.cin], bits: r.bits, signed: true, scale: 1 });
          const model = quantizeNetwork(spec, { layers: { fc: 1 } });
          const engine = model.engines[0]!;
          for (const x of randomImages(spec, 2, r.seed).images) {
            expect(Array.from(engineInt(engine, x as Int32Array, model))).to.deep.equal(Array.from(engineIntBig(engine, x as Int32Array, model)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** conv -> flatten -> linear `fc` (10 outputs): a network whose first layer is `conv`. */
function resolveConvNet(conv: LayerSketch, input: NetworkDescription['input']): NetworkSpec {
  const [cout, , kh, kw] = conv.shape!;
  const ho = convOutputSize(input.shape[0], kh, conv.stride ?? 1, conv.padding ?? 0);
  const wo = convOutputSize(input.shape[1], kw, conv.stride ?? 1, conv.padding ?? 0);
  return network([conv, { kind: 'flatten' }, { kind: 'linear', name: 'fc', shape: [10, ho * wo * cout], engine: { nIn: 4, nOut: 8, nTap: 2, seed: 6 } }], input);
}

/** A trained linear layer [N, 1] with the given weight signs (identity XOR matrix, Nin = Nout = 1). */
function trainedColumn(signs: number[], alpha: number[], bias?: number[]): TrainedLayer {
  const packed = new Uint8Array(Math.ceil(signs.length / 8));
  signs.forEach((s, i) => {
    if (s > 0) packed[i >> 3] |= 0x80 >> (i & 7);
  });
  return {
    shape: [signs.length, 1],
    layout: 'oi',
    nIn: 1,
    nOut: 1,
    planes: 1,
    nSlices: signs.length,
    matrices: [{ nIn: 1, nOut: 1, bits: Uint8Array.from([1]) }],
    packed: [packed],
    alpha: [Float64Array.from(alpha)],
    ...(bias ? { bias: Float64Array.from(bias) } : {}),
  };
}

/** A trained linear layer [1, N] (all weights +1) with scale alpha. */
function trainedRow(n: number, alpha: number): TrainedLayer {
  return { shape: [1, n], layout: 'oi', nIn: 1, nOut: 1, planes: 1, nSlices: n, matrices: [{ nIn: 1, nOut: 1, bits: Uint8Array.from([1]) }], packed: [new Uint8Array(Math.ceil(n / 8)).fill(0xff)], alpha: [Float64Array.from([alpha])] };
}

const ints = (...values: number[]): NetworkImages => ({ kind: 'integer', images: values.map((v) => Int32Array.from([v])) });

describe('network: requantization', () => {
  it('rounds half up and saturates to outBits (hand-computed)', () => {
    // s_in = s_out = 1, so alpha' = alpha: 1.5 needs F = 14 in 16 bits (1.5 * 2^15 does not fit).
    const spec = network([{ kind: 'linear', trained: trainedColumn([1, 1, -1], [0.5, 1.5, 0.25]), from: 'col.npz', scale: 1 }], { shape: [1, 1, 1], bits: 8, signed: true, scale: 1 }, { logitBits: 8 });
    const model = quantizeNetwork(spec, { layers: {} });
    const engine = model.engines[0]!;
    expect(engine.alphaFrac).to.equal(14);
    expect(engine.data.alpha).to.deep.equal([[8192n, 24576n, 4096n]]);
    expect(engine.data.config.requant).to.deep.equal({ shift: 14, outBits: 8 });
    expect(engine.data.config.actBits).to.equal(8);
    const result = networkGolden(model, ints(1, -1, 3, 127, -128));
    expect(result.logits.map((l) => Array.from(l))).to.deep.equal([
      [1, 2, 0], // 0.5 -> 1, 1.5 -> 2, -0.25 -> 0
      [0, -1, 0], // -0.5 -> 0, -1.5 -> -1, 0.25 -> 0
      [2, 5, -1], // 1.5 -> 2, 4.5 -> 5, -0.75 -> -1
      [64, 127, -32], // 63.5 -> 64, 190.5 -> 191 saturates to 127, -31.75 -> -32
      [-64, -128, 32], // -192 saturates to -128
    ]);
    expect(result.labels).to.deep.equal([1, 0, 1, 1, 2]); // ties go to the lowest index: [0, -1, 0] -> 0
  });

  it('rounds biases half up too', () => {
    const spec = network([{ kind: 'linear', trained: trainedColumn([1, 1], [1, 1], [0.5, -0.5]), from: 'b.npz', scale: 1 }], { shape: [1, 1, 1], bits: 8, signed: true, scale: 1 });
    const model = quantizeNetwork(spec, { layers: {} });
    expect(networkGolden(model, ints(0, -1, 2)).logits.map((l) => Array.from(l))).to.deep.equal([
      [1, 0], // 0.5 -> 1, -0.5 -> 0
      [0, -1], // -0.5 -> 0, -1.5 -> -1
      [3, 2], // 2.5 -> 3, 1.5 -> 2
    ]);
  });

  it('saturates a folded ReLU to unsigned b bits: outBits b + 1, then the tail clamps at 0', () => {
    const spec = network(
      [
        { kind: 'linear', name: 'a', trained: trainedColumn([1, -1], [0.25, 0.25]), from: 'a.npz', scale: 1 },
        { kind: 'relu' },
        { kind: 'linear', name: 'b', trained: trainedRow(2, 1), from: 'b.npz', scale: 1 },
      ],
      { shape: [1, 1, 1], bits: 8, signed: true, scale: 1 },
      { actBits: 4 },
    );
    expect(spec.tensors.map((t) => `${t.signed ? 's' : 'u'}${t.bits}`)).to.deep.equal(['s8', 's5', 'u4', 's16']);
    const model = quantizeNetwork(spec, { layers: {} });
    expect(model.engines[0]!.data.config.requant).to.deep.equal({ shift: 15, outBits: 5 });
    expect(model.engines[2]!.data.config.actBits).to.equal(5); // unsigned 4-bit consumed as signed 5-bit
    const result = networkGolden(model, ints(127, -128, 6, -2), { tensors: true });
    const trace = result.tensors!.map((t) => t.slice(1).map((x) => Array.from(x)));
    expect(trace).to.deep.equal([
      [[15, -16], [15, 0], [15]], // 31.75 -> 32 saturates to 15, -31.75 -> -32 to -16; ReLU; 15 + 0
      [[-16, 15], [0, 15], [15]],
      [[2, -1], [2, 0], [2]], // 1.5 -> 2, -1.5 -> -1
      [[0, 1], [0, 1], [1]], // -0.5 -> 0, 0.5 -> 1
    ]);
  });

  it('chooses F as the largest fraction width at which every scale and bias fits', () => {
    expect(chooseAlphaFrac([1.5], [], 16, 32)).to.equal(14);
    expect(chooseAlphaFrac([0.4, -0.7], [], 16, 32)).to.equal(15);
    expect(chooseAlphaFrac([0.9999999], [], 16, 32)).to.equal(14); // rounds to 2^15 at F = 15
    expect(chooseAlphaFrac([-1], [], 16, 32)).to.equal(15); // -2^15 fits
    expect(chooseAlphaFrac([0.1], [40000], 16, 32)).to.equal(15); // 40000 * 2^15 < 2^31
    expect(chooseAlphaFrac([0.1], [70000], 16, 32)).to.equal(14);
    expect(chooseAlphaFrac([-32768], [], 16, 32)).to.equal(0);
    expect(chooseAlphaFrac([32768], [], 16, 32)).to.equal(undefined);
    const spec = network([{ kind: 'linear', trained: trainedColumn([1], [40000]), from: 'big.npz', scale: 1 }], { shape: [1, 1, 1], bits: 8, signed: true, scale: 1 });
    expect(() => quantizeNetwork(spec, { layers: {} })).to.throw(InputError, 't.yaml:layers[0].scale');
  });
});

describe('network: scales and calibration', () => {
  const smallCnn = () => resolveNetwork(readNetworkDescription(withoutScales(join(EXAMPLES, 'small-cnn.yaml'), tempDir('calibration'))));

  it('takes max |x| / (2^(b-1) - 1), or max x / (2^b - 1) before a folded ReLU, over every image and element', () => {
    const spec = smallCnn();
    const images = strokeImages(spec, 6, 3);
    const cal = calibrateNetwork(spec, images);
    const tensors = networkFloat(spec, images, { tensors: true }).tensors!;
    const maxOf = (t: number, abs: boolean) => Math.max(...tensors.flatMap((img) => Array.from(img[t], (v) => (abs ? Math.abs(v) : v))));
    expect(cal.scales.layers).to.deep.equal({ conv1: maxOf(1, false) / 255, conv2: maxOf(4, false) / 255, fc: maxOf(7, true) / 32767 });
    expect(cal.maxima).to.deep.equal({ conv1: maxOf(1, false), conv2: maxOf(4, false), fc: maxOf(7, true) });
    expect(cal.images).to.equal(6);
    const model = quantizeNetwork(spec, cal.scales);
    expect(model.scales).to.deep.equal([1 / 255, cal.scales.layers.conv1, cal.scales.layers.conv1, cal.scales.layers.conv1, cal.scales.layers.conv2, cal.scales.layers.conv2, cal.scales.layers.conv2, cal.scales.layers.fc]);
    expect(model.logitScale).to.equal(cal.scales.layers.fc);
  });

  it('keeps the scales the manifest gives, and needs one for every layer', () => {
    const spec = network(
      [
        { kind: 'conv', name: 'c', shape: [2, 1, 3, 3], scale: 0.125, engine: { nIn: 3, nOut: 4, nTap: 2 } },
        { kind: 'relu' },
        { kind: 'flatten' },
        { kind: 'linear', name: 'fc', shape: [3, 4], engine: { nIn: 3, nOut: 4, nTap: 2 } },
      ],
      { shape: [4, 3, 1], scale: 0.5 },
    );
    const cal = calibrateNetwork(spec, randomImages(spec, 3, 1));
    expect(cal.scales.layers.c).to.equal(0.125);
    expect(quantizeNetwork(spec, { layers: { fc: 2, c: 99 } }).scales).to.deep.equal([0.5, 0.125, 0.125, 0.125, 2]);
    expect(() => quantizeNetwork(spec, { layers: {} })).to.throw(InputError, 't.yaml:layers[3].scale: fc has no scale');
    expect(() => quantizeNetwork(spec, { layers: { fc: 0 } })).to.throw(InputError, 'scales.fc');
    expect(() => quantizeNetwork(spec, { layers: { fc: -1 } })).to.throw(InputError, 'positive');
    expect(() => quantizeNetwork(spec, { layers: { fc: 1, nope: 1 } })).to.throw(InputError, 'scales.nope');
  });

  it('refuses to calibrate a layer whose output is never positive before its ReLU', () => {
    const spec = network(
      [
        { kind: 'linear', name: 'dead', trained: trainedColumn([1], [1], [-1000]), from: 'dead.npz' },
        { kind: 'relu' },
        { kind: 'linear', name: 'out', trained: trainedRow(1, 1), from: 'out.npz' },
      ],
      { shape: [1, 1, 1], bits: 8, signed: true },
    );
    let caught: unknown;
    try {
      calibrateNetwork(spec, ints(127, -128));
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(InputError);
    expect((caught as InputError).field).to.equal('t.yaml:layers[0].scale');
    expect((caught as InputError).message).to.include('never positive').and.include('2 calibration image');
  });

  it('quantizes real images with the input scale (ties to even, saturated) and checks integer images', () => {
    const spec = network([{ kind: 'linear', trained: trainedRow(2, 1), from: 'x.npz', scale: 1 }], { shape: [1, 1, 2], bits: 4, signed: false, scale: 0.5 });
    const model = quantizeNetwork(spec, { layers: {} });
    const real: NetworkImages = { kind: 'real', images: [Float64Array.from([0.25, 0.75]), Float64Array.from([-3, 9]), Float64Array.from([1.25, 7.74])] };
    expect(quantizeImages(model, real).map((x) => Array.from(x))).to.deep.equal([
      [0, 2], // 0.5 -> 0, 1.5 -> 2
      [0, 15], // saturated to the unsigned 4-bit range
      [2, 15], // 2.5 -> 2, 15.48 -> 15
    ]);
    expect(() => quantizeImages(model, { kind: 'integer', images: [Int32Array.from([3, 16])] })).to.throw(InputError, 'images[0]: value 1 is 16');
    expect(() => quantizeImages(model, { kind: 'integer', images: [Int32Array.from([3])] })).to.throw(InputError, 'images[0]: must hold');
    const noScale = network([{ kind: 'linear', trained: trainedColumn([1], [1]), from: 'x.npz', scale: 1 }], { shape: [1, 1, 1] });
    const real1: NetworkImages = { kind: 'real', images: [Float64Array.from([0.5])] };
    expect(() => quantizeImages(quantizeNetwork(noScale, { layers: {} }), real1)).to.throw(InputError, 't.yaml:input.scale');
    expect(() => calibrateNetwork(noScale, real1)).to.throw(InputError, 't.yaml:input.scale');
  });
});

describe('network: golden model', () => {
  it('traces every tensor in stream order within its type, the last being the logits', () => {
    const spec = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'small-cnn.yaml')));
    const images = strokeImages(spec, 3, 5);
    const model = quantizeNetwork(spec, calibrateNetwork(spec, images).scales);
    const result = networkGolden(model, images, { tensors: true });
    result.tensors!.forEach((trace, v) => {
      expect(trace).to.have.length(spec.layers.length + 1);
      trace.forEach((x, t) => {
        const type = spec.tensors[t];
        expect(x.length).to.equal(type.h * type.w * type.c);
        const lo = type.signed ? -(2 ** (type.bits - 1)) : 0;
        const hi = type.signed ? 2 ** (type.bits - 1) - 1 : 2 ** type.bits - 1;
        expect(Math.min(...x), `tensor ${t}`).to.be.at.least(lo);
        expect(Math.max(...x), `tensor ${t}`).to.be.at.most(hi);
      });
      expect(Array.from(trace[trace.length - 1])).to.deep.equal(Array.from(result.logits[v]));
      expect(Array.from(goldenForward(model, trace[0]))).to.deep.equal(Array.from(result.logits[v]));
    });
    // The float view traces the same way.
    const float = networkFloat(spec, images, { tensors: true });
    expect(float.tensors![0]).to.have.length(spec.layers.length + 1);
    expect(Array.from(floatForward(spec, realImages(spec, images)[0]))).to.deep.equal(Array.from(float.logits[0]));
  });

  it('hands each engine to flexor generate layer unchanged: layerSource({ ...settings, trained }) gives its data', () => {
    const spec = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'small-cnn.yaml')));
    const model = quantizeNetwork(spec, calibrateNetwork(spec, strokeImages(spec, 4, 8)).scales);
    for (const engine of model.engines.filter((e) => e !== undefined)) {
      const { data, config } = layerSource({ ...engine.settings, trained: engine.trained });
      expect(config).to.deep.equal(engine.data.config);
      expect(data.alpha).to.deep.equal(engine.data.alpha);
      expect(data.bias).to.deep.equal(engine.data.bias);
      expect(config.requant).to.deep.equal({ shift: engine.alphaFrac, outBits: engine.layer.outBits });
    }
  });

  it('is deterministic', () => {
    const run = () => {
      const spec = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'small-cnn.yaml')));
      const images = strokeImages(spec, 4, 2);
      const cal = calibrateNetwork(spec, images);
      const result = networkGolden(quantizeNetwork(spec, cal.scales), images);
      return { scales: cal.scales, logits: result.logits.map((l) => Array.from(l)), labels: result.labels, float: networkFloat(spec, images).logits.map((l) => Array.from(l)) };
    };
    expect(run()).to.deep.equal(run());
  });

  /**
   * The seeded LeNet-5 with each layer's bias set to minus its mean output on the calibration
   * images (as a folded batch norm would), so that its labels depend on the image: a random
   * network otherwise gives every image the same label.
   */
  function centeredLenet(calibration: NetworkImages): NetworkSpec {
    const desc = readNetworkDescription(join(EXAMPLES, 'lenet5.yaml'));
    let spec = resolveNetwork(desc);
    const layers = [...desc.layers];
    for (const layer of engineLayers(spec)) {
      const n = layer.kernel.cout;
      const sum = new Float64Array(n);
      let count = 0;
      for (const x of realImages(spec, calibration)) {
        floatForward(spec, x, (t, values) => {
          if (t !== layer.index + 1) return;
          values.forEach((v, i) => (sum[i % n] += v - (layer.biasReal?.[i % n] ?? 0)));
          count += values.length / n;
        });
      }
      const { config } = layer;
      const trained: TrainedLayer = { shape: [...config.shape], layout: config.layout, nIn: config.nIn, nOut: config.nOut, planes: config.planes, nSlices: layer.nSlices, matrices: layer.matrices, packed: layer.encrypted, alpha: layer.alphaReal.map((row) => Float64Array.from(row)), bias: sum.map((s) => -s / count) };
      const d = layers[layer.index];
      layers[layer.index] = { kind: d.kind, name: d.name, field: d.field, trained, from: `${layer.name}.npz`, stride: d.stride, padding: d.padding, engine: { lanes: d.engine?.lanes, simd: d.engine?.simd } };
      spec = resolveNetwork({ ...desc, layers });
    }
    return spec;
  }

  it('agrees with the float view on most labels of a calibrated LeNet-5', function () {
    this.timeout(300_000);
    const probe = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'lenet5.yaml')));
    const all = strokeImages(probe, 72, 1);
    const calibration: NetworkImages = { kind: 'integer', images: all.images.slice(0, 24) as Int32Array[] };
    const test: NetworkImages = { kind: 'integer', images: all.images.slice(24) as Int32Array[] };
    const spec = centeredLenet(calibration);
    const model = quantizeNetwork(spec, calibrateNetwork(spec, calibration).scales);
    const golden = networkGolden(model, test);
    const float = networkFloat(spec, test);
    const agree = golden.labels.filter((l, v) => l === float.labels[v]).length;
    const distinct = new Set(float.labels).size;
    let error = 0;
    let energy = 0;
    golden.logits.forEach((l, v) => l.forEach((x, c) => {
      error += (x * model.logitScale - float.logits[v][c]) ** 2;
      energy += float.logits[v][c] ** 2;
    }));
    // Seen: all 48 labels agree, 8 distinct labels, the logits within 2.1% RMS.
    expect(distinct, 'the float labels vary with the image').to.be.at.least(5);
    expect(agree / test.images.length, `${agree} of ${test.images.length} labels agree`).to.be.at.least(0.9);
    expect(Math.sqrt(error / energy), 'RMS error of the logits relative to their RMS').to.be.below(0.15);
  });
});

/** The model as the plain data of docs/NETWORK.md's numpy reference. */
function modelAsData(model: NetworkModel): unknown {
  const { spec } = model;
  return {
    layers: spec.layers.map((layer, i) => ({ inputs: layer.inputs, ...layerAsData(model, i) })),
  };
}

/** One layer of modelAsData. */
function layerAsData(model: NetworkModel, i: number): Record<string, unknown> {
  const { spec } = model;
  const layer = spec.layers[i];
  if (layer.kind === 'conv' || layer.kind === 'linear') {
    const { data, alphaFrac } = model.engines[i]!;
    const { cout, cin, kh, kw } = layer.kernel;
    const k = cin * kh * kw;
    const bits = data.alpha.map((_, p) => {
      const b = weightBits(data, p);
      return Array.from({ length: cout }, (_, c) => Array.from(b.subarray(c * k, (c + 1) * k)));
    });
    return {
      kind: layer.kind, kh, kw, cin, cout, stride: layer.stride, padding: layer.padding, bits,
      alpha: data.alpha.map((row) => row.map(Number)), bias: data.bias.map(Number), shift: alphaFrac, out_bits: layer.outBits,
      alpha_real: layer.alphaReal, bias_real: layer.biasReal ?? new Array(cout).fill(0),
    };
  }
  if (layer.kind === 'relu') return { kind: 'relu', max: 2 ** spec.tensors[i + 1].bits - 1 };
  if (layer.kind === 'maxpool') return { kind: 'maxpool', size: layer.size };
  if (layer.kind === 'add') {
    const a = model.adds[i]!;
    return { kind: 'add', m: a.multipliers, shift: a.shift, min: a.min, max: a.max };
  }
  if (layer.kind === 'shortcut') return { kind: 'shortcut', stride: layer.stride, channels: layer.channels, offset: layer.offset };
  return { kind: layer.kind };
}

/** Runs docs/NETWORK.md's numpy reference, as written there, on the images; every tensor, integer and real. */
function runNumpyReference(model: NetworkModel, images: NetworkImages): { int: number[][][]; real: number[][][] } {
  const dir = tempDir('numpy-net');
  const t = model.spec.tensors[0];
  const toHwc = (x: ArrayLike<number>) => Array.from({ length: t.h }, (_, h) => Array.from({ length: t.w }, (_, w) => Array.from({ length: t.c }, (_, c) => x[(h * t.w + w) * t.c + c])));
  writeFileSync(join(dir, 'net.json'), JSON.stringify(modelAsData(model)));
  writeFileSync(join(dir, 'images.json'), JSON.stringify({ int: quantizeImages(model, images).map(toHwc), real: realImages(model.spec, images).map(toHwc) }));
  const doc = readFileSync(join(PROJECT_ROOT, 'docs/NETWORK.md'), 'utf8');
  const block = /```python\n(# \[net-golden\][\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/NETWORK.md has no python block starting with # [net-golden]');
  const program = `${block[1]}
import json, sys
net = json.load(open(sys.argv[1]))
imgs = json.load(open(sys.argv[2]))
out = {"int": [[t.reshape(-1).tolist() for t in run(net, np.asarray(x, dtype=np.int64))] for x in imgs["int"]],
       "real": [[t.reshape(-1).tolist() for t in run(net, np.asarray(x, dtype=np.float64), real=True)] for x in imgs["real"]]}
print(json.dumps(out))
`;
  const run = spawnSync('python3', ['-c', program, join(dir, 'net.json'), join(dir, 'images.json')], { encoding: 'utf8', maxBuffer: 256 << 20 });
  expect(run.error).to.equal(undefined);
  expect(run.status, `the numpy reference failed:\n${run.stderr}`).to.equal(0);
  return JSON.parse(run.stdout) as { int: number[][][]; real: number[][][] };
}

describe('docs/NETWORK.md numpy reference', function () {
  before(function () {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      console.warn('    (skipped: python3 with numpy is needed to run the numpy reference of docs/NETWORK.md)');
      this.skip();
    }
  });

  function compare(model: NetworkModel, images: NetworkImages): void {
    const ref = runNumpyReference(model, images);
    const golden = networkGolden(model, images, { tensors: true });
    const float = networkFloat(model.spec, images, { tensors: true });
    golden.tensors!.forEach((trace, v) => trace.forEach((x, t) => expect(Array.from(x), `image ${v}, tensor ${t}`).to.deep.equal(ref.int[v][t])));
    float.tensors!.forEach((trace, v) => trace.forEach((x, t) => x.forEach((value, i) => expect(value, `image ${v}, tensor ${t}[${i}]`).to.be.closeTo(ref.real[v][t][i], 1e-9 * (1 + Math.abs(value))))));
  }

  it('reproduces every tensor of the small CNN', function () {
    this.timeout(60_000);
    const spec = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'small-cnn.yaml')));
    const images = strokeImages(spec, 3, 11);
    compare(quantizeNetwork(spec, calibrateNetwork(spec, images).scales), images);
  });

  it('reproduces every tensor of a network with a signed input, a ReLU after a pool, an average pool, io layout and 2 planes', function () {
    this.timeout(60_000);
    const spec = network(
      [
        { kind: 'conv', shape: [6, 3, 3, 3], stride: 2, padding: 1, engine: { nIn: 5, nOut: 9, nTap: 2, planes: 2, layout: 'io', bias: true, seed: 3 } },
        { kind: 'maxpool', size: 2 },
        { kind: 'relu' },
        { kind: 'conv', shape: [5, 6, 2, 2], padding: 1, engine: { nIn: 6, nOut: 6, dense: true, seed: 4, bias: true } },
        { kind: 'relu' },
        { kind: 'avgpool' },
        { kind: 'linear', shape: [4, 5], engine: { nIn: 3, nOut: 4, nTap: 1, seed: 5, bias: true } },
      ],
      { shape: [12, 12, 3], bits: 7, signed: true, scale: 0.03 },
      { actBits: 6, logitBits: 10 },
    );
    expect(spec.tensors.map((t) => `${t.h}x${t.w}x${t.c}`)).to.deep.equal(['12x12x3', '6x6x6', '3x3x6', '3x3x6', '4x4x5', '4x4x5', '1x1x5', '1x1x4']);
    const images = randomImages(spec, 4, 2);
    compare(quantizeNetwork(spec, calibrateNetwork(spec, images).scales), images);
  });

  it('reproduces every tensor of a residual network: identity and option A shortcuts, adds with and without a ReLU, a batch norm', function () {
    this.timeout(60_000);
    const spec = network(
      [
        { kind: 'conv', name: 'stem', shape: [4, 3, 3, 3], padding: 1, engine: { nIn: 6, nOut: 9, nTap: 2, seed: 1 } },
        { kind: 'batchnorm', name: 'bn', gamma: [1, -0.5, 2, 0.7], beta: [0.1, 0, -0.2, 0.3], mean: [0.1, -0.2, 0, 0.3], var: [1, 2, 0.5, 0.25] },
        { kind: 'relu', name: 'x0' },
        { kind: 'conv', shape: [4, 4, 3, 3], padding: 1, engine: { nIn: 6, nOut: 9, nTap: 2, seed: 2 } },
        { kind: 'relu' },
        { kind: 'conv', name: 'c2', shape: [4, 4, 3, 3], padding: 1, engine: { nIn: 6, nOut: 9, nTap: 2, seed: 3, bias: true } },
        { kind: 'add', name: 'a1', inputs: ['c2', 'x0'] },
        { kind: 'relu', name: 'x1' },
        { kind: 'conv', shape: [7, 4, 3, 3], stride: 2, padding: 1, engine: { nIn: 6, nOut: 9, nTap: 2, seed: 4 } },
        { kind: 'relu' },
        { kind: 'conv', name: 'c4', shape: [7, 7, 3, 3], padding: 1, engine: { nIn: 6, nOut: 9, nTap: 2, seed: 5 } },
        { kind: 'shortcut', name: 'sc', input: 'x1', channels: 7, offset: 2 },
        { kind: 'add', name: 'a2', inputs: ['sc', 'c4'] },
        { kind: 'avgpool' },
        { kind: 'linear', shape: [3, 7], engine: { nIn: 6, nOut: 9, nTap: 2, seed: 6, bias: true } },
      ],
      { shape: [5, 5, 3], bits: 8, signed: false, scale: 1 / 255 },
    );
    const images = randomImages(spec, 3, 7);
    compare(quantizeNetwork(spec, calibrateNetwork(spec, images).scales), images);
  });

  it('reproduces the logits of LeNet-5', function () {
    this.timeout(120_000);
    const spec = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'lenet5.yaml')));
    const images = strokeImages(spec, 2, 4);
    compare(quantizeNetwork(spec, calibrateNetwork(spec, images).scales), images);
  });
});
