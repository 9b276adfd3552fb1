/**
 * The layer's configuration, arithmetic and golden model (generator/layer.ts) against
 * docs/ARITHMETIC.md: validation, exact ranges and minimal widths (brute force), the golden model
 * against a naive re-computation in both layouts, the seeded draws, and the numpy reference of
 * the documentation, run as written.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeSlice, decodeStreamReference, unpackBits } from '../generator/core/golden.js';
import { drawActivations, drawLayer, layerGolden, layerRanges, layerSlices, layerWidths, realToFixed, requantize, resolveLayer, roundHalfEven, saturate, signedBits, weightBits, weightPosition, type LayerConfig, type LayerData, type LayerOptions, type LayerRanges, type LayerWidths, type Range } from '../generator/core/layer.js';
import { drawMatrix, drawPlanes } from '../generator/core/matrix.js';
import { testRandom } from '../generator/core/prng.js';
import { expectInputError } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Does v fit a signed w-bit integer? (written out here, independently of signedBits) */
function fits(v: bigint, w: number): boolean {
  if (w < 1) return false;
  const half = 2n ** BigInt(w - 1);
  return v >= -half && v <= half - 1n;
}

/** w is the fewest bits holding every value of [min, max]: both fit w, one of them misses w - 1. */
function expectMinimal(name: string, range: Range, w: number): void {
  expect(fits(range.min, w) && fits(range.max, w), `${name}: [${range.min}, ${range.max}] must fit ${w} bits`).to.equal(true);
  expect(fits(range.min, w - 1) && fits(range.max, w - 1), `${name}: [${range.min}, ${range.max}] must not fit ${w - 1} bits`).to.equal(false);
}

/** floor(x / 2^s) by division, not by shifting. */
function floorDiv(x: bigint, s: number): bigint {
  const d = 2n ** BigInt(s);
  const q = x / d;
  return x % d !== 0n && x < 0n ? q - 1n : q;
}

function naiveRequant(out: bigint, config: LayerConfig): bigint {
  if (!config.requant) return out;
  const { shift, outBits } = config.requant;
  const v = floorDiv(out + (shift > 0 ? 2n ** BigInt(shift - 1) : 0n), shift);
  const lo = -(2n ** BigInt(outBits - 1));
  const hi = 2n ** BigInt(outBits - 1) - 1n;
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * W_p[c][k] in {+1, -1}, built from the definition: slices decoded one by one with decodeSlice,
 * the tensor indexed by (c, cin, i, j) and its flat position by the layout formula.
 */
function naiveWeights(data: LayerData, p: number): number[][] {
  const { config } = data;
  const m = data.matrices[p];
  const S = Math.ceil((config.n * config.k) / config.nOut);
  const x = unpackBits(data.encrypted[p], S * m.nIn);
  const flat: number[] = [];
  for (let s = 0; s < S; s++) flat.push(...decodeSlice(m, x.subarray(s * m.nIn, (s + 1) * m.nIn)));
  const [cout, cin, kh, kw] = config.shape.length === 4 ? config.shape : [config.shape[0], config.shape[1], 1, 1];
  const W = Array.from({ length: cout }, () => new Array<number>(config.k).fill(0));
  for (let c = 0; c < cout; c++) {
    for (let ci = 0; ci < cin; ci++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const pos = config.layout === 'oi' ? ((c * cin + ci) * kh + i) * kw + j : ((i * kw + j) * cin + ci) * cout + c;
          W[c][(ci * kh + i) * kw + j] = flat[pos] === 1 ? 1 : -1;
        }
      }
    }
  }
  return W;
}

function naiveGolden(data: LayerData, a: Int32Array): { acc: bigint[][]; out: bigint[]; final: bigint[] } {
  const { config } = data;
  const acc = data.matrices.map((_, p) => naiveWeights(data, p).map((row) => row.reduce((s, w, k) => s + BigInt(w * a[k]), 0n)));
  const out = Array.from({ length: config.n }, (_, c) => acc.reduce((s, accP, p) => s + data.alpha[p][c] * accP[c], data.bias[c]));
  return { acc, out, final: out.map((o) => naiveRequant(o, config)) };
}

function expectGoldenMatchesNaive(data: LayerData, vectors: Int32Array[]): void {
  for (const a of vectors) {
    const got = layerGolden(data, a);
    const want = naiveGolden(data, a);
    expect(got.acc).to.deep.equal(want.acc);
    expect(got.out).to.deep.equal(want.out);
    expect(got.final).to.deep.equal(want.final);
  }
}

const BASE: LayerOptions = { shape: [3, 2, 2, 2], nIn: 4, nOut: 8, nTap: 2 };

describe('layer configuration (resolveLayer)', () => {
  it('fills in the documented defaults', () => {
    const c = resolveLayer({ shape: [6, 10], nIn: 4, nOut: 8, nTap: 2 });
    expect(c).to.deep.equal({
      shape: [6, 10], n: 6, k: 10, layout: 'oi', planes: 1, nIn: 4, nOut: 8, nTap: 2, seed: 1,
      lanes: 1, simd: 1, actBits: 8, alphaBits: 16, alphaFrac: 12, bias: false, biasBits: 32,
    });
    expect(c).not.to.have.property('requant');
    expect(c).not.to.have.property('dense');
  });

  it('computes N and K of conv and linear shapes, and keeps the other options', () => {
    const c = resolveLayer({
      shape: [16, 3, 3, 5], nIn: 8, nOut: 32, dense: true, seed: 7, planes: 3, layout: 'io', lanes: 16, simd: 45,
      actBits: 4, alphaBits: 10, alphaFrac: 9, bias: true, biasBits: 20, requantShift: 0, outBits: 12,
    });
    expect([c.n, c.k, c.dense, c.nTap, c.layout, c.planes, c.lanes, c.simd]).to.deep.equal([16, 45, true, undefined, 'io', 3, 16, 45]);
    expect([c.actBits, c.alphaBits, c.alphaFrac, c.bias, c.biasBits, c.requant]).to.deep.equal([4, 10, 9, true, 20, { shift: 0, outBits: 12 }]);
    expect(resolveLayer({ ...BASE, requantShift: 5 }).requant).to.deep.equal({ shift: 5, outBits: 8 });
  });

  it('does not keep a reference to the caller\'s shape array', () => {
    const shape = [2, 3];
    const c = resolveLayer({ shape, nIn: 1, nOut: 1, nTap: 1 });
    shape[0] = 99;
    expect(c.shape).to.deep.equal([2, 3]);
  });

  it('accepts the limits: N*K = 2^31, lanes = N, simd = K, the widest formats', () => {
    const c = resolveLayer({
      shape: [2, 2 ** 30], nIn: 1, nOut: 1, nTap: 1, lanes: 2, simd: 2 ** 30, actBits: 16, alphaBits: 32, alphaFrac: 31,
      bias: true, biasBits: 48, requantShift: 62, outBits: 32, planes: 64, seed: 0xffffffff,
    });
    expect(c.n * c.k).to.equal(2 ** 31);
    expect(resolveLayer({ ...BASE, actBits: 2, alphaBits: 2, alphaFrac: 0, bias: true, biasBits: 2, requantShift: 0, outBits: 2 }).alphaBits).to.equal(2);
  });

  it('rejects bad shapes, naming --shape', () => {
    for (const shape of [[], [4], [2, 3, 4], [1, 2, 3, 4, 5], [0, 3], [3, 0], [-1, 2], [2.5, 2], [2, NaN], [65536, 32769], [2, 2 ** 30 + 1], [2, 2, 2 ** 29, 2]]) {
      expectInputError(() => resolveLayer({ ...BASE, shape }), '--shape', 'at most 2^31');
    }
    expectInputError(() => resolveLayer({ ...BASE, shape: '3,4' as unknown as number[] }), '--shape');
    expectInputError(() => resolveLayer({ ...BASE, shape: [3, '4'] as unknown as number[] }), '--shape');
    expectInputError(() => resolveLayer({ ...BASE, shape: undefined as unknown as number[] }), '--shape');
  });

  it('rejects bad matrix options through checkMatrixSpec, naming the flag', () => {
    expectInputError(() => resolveLayer({ ...BASE, nOut: 0 }), '--nout');
    expectInputError(() => resolveLayer({ ...BASE, nOut: 1025 }), '--nout');
    expectInputError(() => resolveLayer({ ...BASE, nOut: undefined as unknown as number }), '--nout');
    expectInputError(() => resolveLayer({ ...BASE, nIn: 9 }), '--nin');
    expectInputError(() => resolveLayer({ ...BASE, nIn: 0 }), '--nin');
    expectInputError(() => resolveLayer({ ...BASE, nTap: 5 }), '--ntap');
    expectInputError(() => resolveLayer({ ...BASE, nTap: undefined }), '--ntap');
    expectInputError(() => resolveLayer({ ...BASE, dense: true }), '--ntap');
    expectInputError(() => resolveLayer({ ...BASE, seed: -1 }), '--seed');
    expectInputError(() => resolveLayer({ ...BASE, seed: 2 ** 32 }), '--seed');
    expectInputError(() => resolveLayer({ ...BASE, planes: 0 }), '--planes');
    expectInputError(() => resolveLayer({ ...BASE, planes: 65 }), '--planes');
    expectInputError(() => resolveLayer({ ...BASE, dense: 'yes' as unknown as boolean }), '--dense');
  });

  it('rejects every other bad option, naming the flag and what is allowed', () => {
    const cases: [Partial<LayerOptions>, string, string][] = [
      [{ layout: 'hwio' as unknown as 'oi' }, '--layout', 'oi'],
      [{ lanes: 0 }, '--lanes', 'N = 3'],
      [{ lanes: 4 }, '--lanes', 'N = 3'],
      [{ lanes: 1.5 }, '--lanes', '1 to'],
      [{ simd: 0 }, '--simd', 'K = 8'],
      [{ simd: 9 }, '--simd', 'K = 8'],
      [{ actBits: 1 }, '--act-bits', '2 to 16'],
      [{ actBits: 17 }, '--act-bits', '2 to 16'],
      [{ alphaBits: 1 }, '--alpha-bits', '2 to 32'],
      [{ alphaBits: 33 }, '--alpha-bits', '2 to 32'],
      [{ alphaFrac: -1 }, '--alpha-frac', '0 to'],
      [{ alphaBits: 8, alphaFrac: 8 }, '--alpha-frac', '(7)'],
      [{ alphaFrac: 16 }, '--alpha-frac', '(15)'],
      [{ bias: 1 as unknown as boolean }, '--bias', 'true or false'],
      [{ bias: true, biasBits: 1 }, '--bias-bits', '2 to 48'],
      [{ bias: true, biasBits: 49 }, '--bias-bits', '2 to 48'],
      [{ biasBits: 16 }, '--bias-bits', 'only applies with --bias'],
      [{ requantShift: -1 }, '--requant-shift', '0 to 62'],
      [{ requantShift: 63 }, '--requant-shift', '0 to 62'],
      [{ requantShift: 2.5 }, '--requant-shift', '0 to 62'],
      [{ requantShift: 4, outBits: 1 }, '--out-bits', '2 to 32'],
      [{ requantShift: 4, outBits: 33 }, '--out-bits', '2 to 32'],
      [{ outBits: 8 }, '--out-bits', 'only applies with --requant-shift'],
    ];
    for (const [options, field, allowed] of cases) expectInputError(() => resolveLayer({ ...BASE, ...options }), field, allowed);
  });
});

describe('layer ranges and widths', () => {
  /** The documented closed forms of docs/ARITHMETIC.md. */
  function closedForms(c: LayerConfig): Partial<LayerWidths> {
    const lg = (x: bigint) => x.toString(2).length - 1;
    const clg = (x: bigint) => (x <= 1n ? 0 : (x - 1n).toString(2).length);
    const K = BigInt(c.k);
    const T = BigInt(c.planes) * 2n ** BigInt(c.alphaBits - 1) * K * 2n ** BigInt(c.actBits - 1);
    return {
      act: c.actBits,
      actSum: c.actBits + clg(K),
      maskedSum: c.actBits + clg(K),
      simdSum: c.actBits + clg(BigInt(c.simd)),
      acc: c.actBits + 1 + lg(K),
      alpha: c.alphaBits,
      product: c.actBits + c.alphaBits + lg(K),
      sum: c.actBits + c.alphaBits + lg(BigInt(c.planes) * K),
      bias: c.bias ? c.biasBits : 0,
      out: c.bias ? 1 + clg(T + 2n ** BigInt(c.biasBits - 1)) : c.actBits + c.alphaBits + lg(BigInt(c.planes) * K),
    };
  }

  it('gives the documented example widths', () => {
    const c = resolveLayer({ ...BASE, planes: 2, bias: true, requantShift: 12 });
    expect(layerWidths(c)).to.deep.equal({ act: 8, actSum: 11, maskedSum: 11, simdSum: 8, acc: 12, alpha: 16, product: 27, sum: 28, bias: 32, out: 33, rounded: 33, shifted: 21, final: 8 });
    const plain = layerWidths(resolveLayer(BASE));
    expect([plain.bias, plain.out, plain.rounded, plain.shifted, plain.final]).to.deep.equal([0, 27, 27, 27, 27]);
  });

  it('signedBits is the fewest two\'s-complement bits', () => {
    expect(signedBits(0n, 0n)).to.equal(1);
    expect(signedBits(-1n, 0n)).to.equal(1);
    expect(signedBits(0n, 1n)).to.equal(2);
    expect(signedBits(-128n, 127n)).to.equal(8);
    expect(signedBits(-128n, 128n)).to.equal(9);
    expect(signedBits(-129n, 127n)).to.equal(9);
    expect(signedBits(-(2n ** 90n), 5n)).to.equal(91);
    expect(() => signedBits(1n, 0n)).to.throw(RangeError);
  });

  it('equal the closed forms of docs/ARITHMETIC.md and are minimal for their ranges', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 4 }),
          k: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, 2, 4, 1024, 2 ** 20, 2 ** 29, 2 ** 29 + 1)),
          simdFrac: fc.double({ min: 0, max: 1, noNaN: true }),
          planes: fc.integer({ min: 1, max: 64 }),
          actBits: fc.integer({ min: 2, max: 16 }),
          alphaBits: fc.integer({ min: 2, max: 32 }),
          bias: fc.boolean(),
          biasBits: fc.integer({ min: 2, max: 48 }),
          requant: fc.option(fc.record({ shift: fc.integer({ min: 0, max: 62 }), outBits: fc.integer({ min: 2, max: 32 }) }), { nil: undefined }),
        }),
        (o) => {
          const c = resolveLayer({
            shape: [Math.min(o.n, Math.floor(2 ** 31 / o.k)), o.k], nIn: 1, nOut: 1, nTap: 1, planes: o.planes, simd: 1 + Math.floor(o.simdFrac * (o.k - 1)),
            actBits: o.actBits, alphaBits: o.alphaBits, bias: o.bias, biasBits: o.bias ? o.biasBits : undefined,
            alphaFrac: 0, requantShift: o.requant?.shift, outBits: o.requant?.outBits,
          });
          const w = layerWidths(c);
          const r = layerRanges(c);
          expect(w).to.include(closedForms(c));
          for (const key of ['actSum', 'maskedSum', 'simdSum', 'acc', 'product', 'sum', 'out', 'rounded', 'shifted'] as const) expectMinimal(key, r[key], w[key]);
          expect(w.final).to.equal(c.requant ? c.requant.outBits : w.out);
          expect(fits(r.final.min, w.final) && fits(r.final.max, w.final)).to.equal(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  /**
   * Tiny layers, every input enumerated: every activation vector, every bit pattern of one
   * channel, every scale of the format per plane, every bias. The true extremes must be the
   * ranges' ends and the widths minimal for them.
   */
  it('are the exact extremes over every input of tiny layers (brute force)', () => {
    const configs: LayerOptions[] = [];
    for (const k of [1, 2, 3, 4]) {
      for (const actBits of k === 4 ? [2] : [2, 3]) {
        for (const planes of [1, 2]) {
          for (const alphaBits of [2, 3]) {
            for (const bias of [false, true]) {
              for (const requantShift of [undefined, 0, 1, 2]) {
                configs.push({
                  shape: [1, k], nIn: 1, nOut: 1, nTap: 1, actBits, planes, alphaBits, alphaFrac: 0, simd: Math.max(1, k - 1),
                  bias, biasBits: bias ? 2 + (k % 2) : undefined, requantShift, outBits: requantShift === undefined ? undefined : 2,
                });
              }
            }
          }
        }
      }
    }
    for (const options of configs) {
      const c = resolveLayer(options);
      const K = c.k;
      const A = c.actBits;
      const G = c.simd;
      const acts = Array.from({ length: 2 ** A }, (_, v) => v - 2 ** (A - 1));
      const alphas = Array.from({ length: 2 ** c.alphaBits }, (_, v) => v - 2 ** (c.alphaBits - 1));
      const biases = c.bias ? Array.from({ length: 2 ** c.biasBits }, (_, v) => v - 2 ** (c.biasBits - 1)) : [0];
      const seen: Record<string, [number, number]> = {};
      const note = (key: string, v: number) => {
        const s = (seen[key] ??= [v, v]);
        s[0] = Math.min(s[0], v);
        s[1] = Math.max(s[1], v);
      };
      for (let idx = 0; idx < acts.length ** K; idx++) {
        const a = Array.from({ length: K }, (_, k) => acts[Math.floor(idx / acts.length ** k) % acts.length]);
        let actSum = 0;
        for (const v of a) actSum += v;
        note('actSum', actSum);
        for (let mask = 0; mask < 2 ** G; mask++) note('simdSum', a.slice(0, G).reduce((s, v, k) => s + ((mask >> k) & 1 ? v : 0), 0));
        const products = new Set<number>();
        for (let mask = 0; mask < 2 ** K; mask++) {
          const masked = a.reduce((s, v, k) => s + ((mask >> k) & 1 ? v : 0), 0);
          const acc = a.reduce((s, v, k) => s + ((mask >> k) & 1 ? v : -v), 0);
          note('maskedSum', masked);
          note('acc', acc);
          for (const alpha of alphas) products.add(alpha * acc);
        }
        for (const p of products) note('product', p);
        let sums = new Set<number>([0]);
        for (let p = 0; p < c.planes; p++) sums = new Set([...sums].flatMap((s) => [...products].map((x) => s + x)));
        for (const s of sums) {
          note('sum', s);
          for (const b of biases) {
            const out = s + b;
            note('out', out);
            if (c.requant) {
              const { shift } = c.requant;
              const rounded = out + (shift > 0 ? 2 ** (shift - 1) : 0);
              note('rounded', rounded);
              note('shifted', Math.floor(rounded / 2 ** shift));
              note('final', Number(requantize(BigInt(out), c.requant)));
            }
          }
        }
      }
      const r = layerRanges(c);
      const w = layerWidths(c);
      const keys: (keyof LayerRanges & keyof LayerWidths)[] = ['actSum', 'maskedSum', 'simdSum', 'acc', 'product', 'sum', 'out', ...(c.requant ? (['rounded', 'shifted', 'final'] as const) : [])];
      for (const key of keys) {
        const where = `${key} of ${JSON.stringify(options)}`;
        expect([Number(r[key].min), Number(r[key].max)], where).to.deep.equal(seen[key]);
        if (key !== 'final') expectMinimal(where, r[key], w[key]);
      }
    }
  });

  /**
   * A realistic layer driven to its extremes through layerGolden: nTap = 1 rows decode an
   * all-ones stream to all ones and a zero stream to all zeros; the most negative activations and
   * scales and the extreme biases give the ends of every range.
   */
  it('are reached by the golden model at the constructed worst cases, and are needed', () => {
    for (const options of [
      { shape: [3, 4, 3, 3], nIn: 5, nOut: 16, nTap: 1, planes: 2, bias: true, requantShift: 12 },
      { shape: [2, 8], nIn: 3, nOut: 4, nTap: 1, planes: 3, actBits: 16, alphaBits: 32, alphaFrac: 31, bias: true, biasBits: 48, requantShift: 62, outBits: 32 },
      { shape: [4, 64], nIn: 8, nOut: 8, nTap: 1, actBits: 2, alphaBits: 2, alphaFrac: 1, requantShift: 0, outBits: 2 },
      { shape: [1, 1], nIn: 1, nOut: 1, nTap: 1, planes: 1 },
    ] as LayerOptions[]) {
      const c = resolveLayer(options);
      const drawn = drawLayer(c);
      const r = layerRanges(c);
      const w = layerWidths(c);
      const fill = (byte: number) => drawn.encrypted.map((e) => new Uint8Array(e.length).fill(byte));
      const mostNegativeAlpha = drawn.alpha.map((row) => row.map(() => r.alpha.min));
      const a = new Int32Array(c.k).fill(-(2 ** (c.actBits - 1)));
      const aMax = new Int32Array(c.k).fill(2 ** (c.actBits - 1) - 1);
      // All bits 1: acc = -M; alpha = -2^(B-1) makes every product +2^(B-1) M.
      const high = layerGolden({ ...drawn, encrypted: fill(0xff), alpha: mostNegativeAlpha, bias: drawn.bias.map(() => r.bias.max) }, a);
      // All bits 0: acc = +M; every product -2^(B-1) M.
      const low = layerGolden({ ...drawn, encrypted: fill(0x00), alpha: mostNegativeAlpha, bias: drawn.bias.map(() => r.bias.min) }, a);
      const up = layerGolden({ ...drawn, encrypted: fill(0xff) }, aMax);
      for (let ch = 0; ch < c.n; ch++) {
        expect(high.actSum).to.equal(r.actSum.min);
        expect(up.actSum).to.equal(r.actSum.max);
        expect(up.masked[0][ch]).to.equal(r.maskedSum.max);
        expect(high.masked[0][ch]).to.equal(r.maskedSum.min);
        expect(high.acc[0][ch]).to.equal(r.acc.min);
        expect(low.acc[0][ch]).to.equal(r.acc.max);
        expect(mostNegativeAlpha[0][ch] * low.acc[0][ch]).to.equal(r.product.min);
        expect(mostNegativeAlpha[0][ch] * high.acc[0][ch]).to.equal(r.product.max);
        expect(high.out[ch]).to.equal(r.out.max);
        expect(low.out[ch]).to.equal(r.out.min);
        expect(high.out[ch] - (c.bias ? r.bias.max : 0n)).to.equal(r.sum.max);
        expect(low.out[ch] - (c.bias ? r.bias.min : 0n)).to.equal(r.sum.min);
        expect(high.final[ch]).to.equal(r.final.max);
        expect(low.final[ch]).to.equal(r.final.min);
      }
      for (const key of ['actSum', 'maskedSum', 'acc', 'product', 'sum', 'out', 'rounded', 'shifted'] as const) expectMinimal(key, r[key], w[key]);
    }
  });
});

describe('realToFixed', () => {
  it('rounds half to even, in units of 2^-frac', () => {
    const cases: [number, number, bigint][] = [
      [0.5, 0, 0n], [1.5, 0, 2n], [2.5, 0, 2n], [3.5, 0, 4n], [-0.5, 0, 0n], [-1.5, 0, -2n], [-2.5, 0, -2n],
      [0.49999999999999994, 0, 0n], [0.5000000000000001, 0, 1n], [-2.5000000000000004, 0, -3n], [2.4999999999999996, 0, 2n],
      [0.125, 2, 0n], [0.375, 2, 2n], [0.625, 2, 2n], [-0.625, 2, -2n], [-0.375, 2, -2n], [0.3, 12, 1229n], [-0.3, 12, -1229n],
      [1, 12, 4096n], [-8, 12, -32768n], [0, 31, 0n], [-0, 5, 0n], [2 ** 60 + 2 ** 10, 0, 2n ** 60n + 1024n],
    ];
    for (const [value, frac, want] of cases) {
      const bits = value === 2 ** 60 + 2 ** 10 ? 64 : 16;
      expect(realToFixed(value, bits, frac, 'x'), `${value} with ${frac} fraction bits`).to.equal(want);
    }
    expect(roundHalfEven(-3.5)).to.equal(-4);
    expect(roundHalfEven(4.5)).to.equal(4);
  });

  it('rejects values that do not fit or are not finite, naming the field', () => {
    expect(realToFixed(7.49, 4, 0, 'f')).to.equal(7n);
    expect(realToFixed(-8.5, 4, 0, 'f')).to.equal(-8n); // half to even: -8, which fits
    expect(realToFixed(0.875, 4, 3, 'f')).to.equal(7n);
    expectInputError(() => realToFixed(7.5, 4, 0, 'alpha[0][1]'), 'alpha[0][1]', 'fits 4 signed bits');
    expectInputError(() => realToFixed(-8.51, 4, 0, 'f'), 'f');
    expectInputError(() => realToFixed(1, 4, 3, '--x'), '--x', '-1 to 0.875');
    expectInputError(() => realToFixed(1, 16, 15, 'b'), 'b');
    expectInputError(() => realToFixed(NaN, 16, 4, 'n'), 'n', 'finite');
    expectInputError(() => realToFixed(Infinity, 16, 4, 'n'), 'n');
    expectInputError(() => realToFixed(-Infinity, 16, 4, 'n'), 'n');
    expectInputError(() => realToFixed(1e308, 1024, 1000, 'big'), 'big');
    expect(() => realToFixed(1, 0, 0, 'f')).to.throw(RangeError);
    expect(() => realToFixed(1, 8, -1, 'f')).to.throw(RangeError);
  });

  it('matches round-half-even of the exact value on random dyadic inputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 20 }), (m, e, frac) => {
        // value = m / 2^e exactly; value * 2^frac = m * 2^(frac - e)
        const value = m / 2 ** e;
        const num = BigInt(m) * 2n ** BigInt(Math.max(0, frac - e));
        const den = 2n ** BigInt(Math.max(0, e - frac));
        let q = num / den;
        let rem = num % den;
        if (rem < 0n) {
          q -= 1n;
          rem += den;
        }
        const want = 2n * rem > den || (2n * rem === den && q % 2n !== 0n) ? q + 1n : q;
        expect(realToFixed(value, 64, frac, 'v')).to.equal(want);
      }),
    );
  });
});

describe('requantization', () => {
  const rq = (out: bigint, shift: number, outBits = 8) => requantize(out, { shift, outBits });

  it('rounds half up: adds 2^(shift-1), then shifts right arithmetically', () => {
    const cases: [bigint, number, bigint][] = [
      [1n, 1, 1n], [3n, 1, 2n], [-1n, 1, 0n], [-3n, 1, -1n], [-2n, 1, -1n], [2n, 1, 1n],
      [2n, 2, 1n], [-2n, 2, 0n], [-6n, 2, -1n], [5n, 2, 1n], [-7n, 2, -2n], [-5n, 2, -1n], [6n, 2, 2n], [1n, 2, 0n],
      [4095n, 12, 1n], [2047n, 12, 0n], [2048n, 12, 1n], [-2048n, 12, 0n], [-2049n, 12, -1n], [0n, 62, 0n],
      [2n ** 61n, 62, 1n], [2n ** 61n - 1n, 62, 0n], [-(2n ** 61n), 62, 0n], [-(2n ** 61n) - 1n, 62, -1n],
    ];
    for (const [out, shift, want] of cases) expect(rq(out, shift), `${out} >> ${shift}`).to.equal(want);
  });

  it('saturates to signed outBits; shift 0 only saturates', () => {
    expect(rq(1000n, 2)).to.equal(127n);
    expect(rq(-1000n, 2)).to.equal(-128n);
    expect(rq(509n, 2)).to.equal(127n);
    expect(rq(510n, 2)).to.equal(127n);
    expect(rq(-514n, 2)).to.equal(-128n);
    expect(rq(-515n, 2)).to.equal(-128n);
    expect(rq(-510n, 2)).to.equal(-127n);
    expect(rq(127n, 0)).to.equal(127n);
    expect(rq(128n, 0)).to.equal(127n);
    expect(rq(-128n, 0)).to.equal(-128n);
    expect(rq(-129n, 0)).to.equal(-128n);
    expect(rq(5n, 0, 2)).to.equal(1n);
    expect(rq(-5n, 0, 2)).to.equal(-2n);
    expect(rq(2n ** 80n, 3, 32)).to.equal(2n ** 31n - 1n);
    expect(saturate(-(2n ** 80n), 32)).to.equal(-(2n ** 31n));
    expect(requantize(12345n, undefined)).to.equal(12345n);
  });

  it('equals floor division with saturation on random values', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 90n), max: 2n ** 90n }), fc.integer({ min: 0, max: 62 }), fc.integer({ min: 2, max: 32 }), (out, shift, outBits) => {
        const c = { requant: { shift, outBits } } as LayerConfig;
        expect(requantize(out, c.requant)).to.equal(naiveRequant(out, c));
      }),
    );
  });
});

describe('weight layouts', () => {
  const conv = (layout: 'oi' | 'io') => resolveLayer({ shape: [3, 2, 2, 2], nIn: 4, nOut: 8, nTap: 2, planes: 2, layout });

  it('places the documented example weight at 13 (oi) and 10 (io)', () => {
    // c = 1, cin = 1, i = 0, j = 1: k = (1*2 + 0)*2 + 1 = 5; k' = (0*2 + 1)*2 + 1 = 3.
    expect(weightPosition(conv('oi'), 1, 5)).to.equal(13);
    expect(weightPosition(conv('io'), 1, 5)).to.equal(10);
  });

  it('io of a conv [3, 2, 2, 2]: weight (c, k) is at k\' * N + c, k\' running over (i, j, cin)', () => {
    // Every position of the [kh, kw, Cin, Cout] tensor, listed in memory order.
    const io = conv('io');
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let cin = 0; cin < 2; cin++) for (let c = 0; c < 3; c++) expected.push(c * 8 + (cin * 2 + i) * 2 + j);
    // expected[t] = c*K + k of the weight at stream position t; invert with weightPosition.
    const byPosition: number[] = new Array(24);
    for (let c = 0; c < 3; c++) for (let k = 0; k < 8; k++) byPosition[weightPosition(io, c, k)] = c * 8 + k;
    expect(byPosition).to.deep.equal(expected);
    const oi = conv('oi');
    for (let c = 0; c < 3; c++) for (let k = 0; k < 8; k++) expect(weightPosition(oi, c, k)).to.equal(c * 8 + k);
  });

  it('weightBits reorders the decoded stream by the layout, the same draws for both layouts', () => {
    const oi = drawLayer(conv('oi'));
    const io = drawLayer(conv('io'));
    expect(io.encrypted).to.deep.equal(oi.encrypted);
    for (let p = 0; p < 2; p++) {
      const flat = unpackBits(decodeStreamReference(oi.matrices[p], oi.encrypted[p], oi.nSlices), 24);
      expect(weightBits(oi, p)).to.deep.equal(flat);
      const bits = weightBits(io, p);
      for (let c = 0; c < 3; c++) {
        for (let cin = 0; cin < 2; cin++) {
          for (let i = 0; i < 2; i++) {
            for (let j = 0; j < 2; j++) {
              expect(bits[c * 8 + (cin * 2 + i) * 2 + j]).to.equal(flat[((i * 2 + j) * 2 + cin) * 3 + c]);
            }
          }
        }
      }
    }
  });

  it('io of a linear layer is the transpose; weightPosition is a bijection in every layout', () => {
    const lin = resolveLayer({ shape: [5, 7], nIn: 3, nOut: 6, nTap: 2, layout: 'io' });
    const data = drawLayer(lin);
    const flat = unpackBits(decodeStreamReference(data.matrices[0], data.encrypted[0], data.nSlices), 35);
    const bits = weightBits(data, 0);
    for (let c = 0; c < 5; c++) for (let k = 0; k < 7; k++) expect(bits[c * 7 + k]).to.equal(flat[k * 5 + c]);
    for (const shape of [[5, 7], [4, 3, 2, 5], [2, 1, 3, 1], [1, 4, 1, 1]]) {
      for (const layout of ['oi', 'io'] as const) {
        const c = resolveLayer({ shape, nIn: 1, nOut: 1, nTap: 1, layout });
        const seen = new Set<number>();
        for (let ch = 0; ch < c.n; ch++) for (let k = 0; k < c.k; k++) seen.add(weightPosition(c, ch, k));
        expect(seen.size).to.equal(c.n * c.k);
        expect(Math.min(...seen)).to.equal(0);
        expect(Math.max(...seen)).to.equal(c.n * c.k - 1);
      }
    }
    expect(() => weightPosition(lin, 5, 0)).to.throw(RangeError);
    expect(() => weightPosition(lin, 0, 7)).to.throw(RangeError);
    expect(() => weightBits(data, 1)).to.throw(RangeError);
  });
});

describe('seeded draws (drawLayer, drawActivations)', () => {
  const REF: LayerOptions = { shape: [3, 2, 2, 2], nIn: 4, nOut: 8, nTap: 2, planes: 2, seed: 1, bias: true, requantShift: 12 };
  const bitString = (bits: Uint8Array) => Array.from(bits).join('').replace(/(.{8})(?!$)/g, '$1 ');

  it('gives the reference values of docs/ARITHMETIC.md', () => {
    const oi = drawLayer(resolveLayer(REF));
    const io = drawLayer(resolveLayer({ ...REF, layout: 'io' }));
    expect(oi.nSlices).to.equal(3);
    expect(oi.encrypted.map((e) => Buffer.from(e).toString('hex'))).to.deep.equal(['bf50', '17a0']);
    expect([0, 1].map((p) => bitString(weightBits(oi, p)))).to.deep.equal(['01111010 00000000 10110111', '01100100 11000101 01011110']);
    expect([0, 1].map((p) => bitString(weightBits(io, p)))).to.deep.equal(['01011001 10011011 10000001', '00000111 10110001 11011010']);
    expect(oi.alpha).to.deep.equal([[1233n, 1244n, 414n], [560n, 542n, 580n]]);
    expect(oi.bias).to.deep.equal([-37890n, 126638n, -305939n]);
    const acts = drawActivations(oi.config, 3);
    expect(Array.from(acts[2])).to.deep.equal([-3, 96, -5, 111, 75, 11, -68, 31]);
    const g = layerGolden(oi, acts[2]);
    expect(g.acc).to.deep.equal([[170n, -248n, -94n], [-44n, 22n, 202n]]);
    expect(g.out).to.deep.equal([147080n, -169950n, -227695n]);
    expect(g.final).to.deep.equal([36n, -41n, -56n]);
    const gio = layerGolden(io, acts[2]);
    expect(gio.acc).to.deep.equal([[378n, 44n, -192n], [-300n, 20n, 174n]]);
    expect(gio.out).to.deep.equal([260184n, 192214n, -284507n]);
    expect(gio.final).to.deep.equal([64n, 47n, -69n]);
    const g0 = layerGolden(oi, acts[0]);
    expect(g0.acc).to.deep.equal([[254n, -1016n, 508n], [-254n, 0n, 254n]]);
    expect(g0.out).to.deep.equal([133052n, -1137266n, 51693n]);
    expect(g0.final).to.deep.equal([32n, -128n, 13n]);
  });

  it('draws each quantity from its documented stream', () => {
    const c = resolveLayer({ shape: [4, 9], nIn: 5, nOut: 7, dense: true, planes: 3, seed: 12345, bias: true, biasBits: 24, actBits: 5 });
    const data = drawLayer(c);
    const S = layerSlices(c);
    expect(S).to.equal(Math.ceil(36 / 7));
    expect(data.matrices).to.deep.equal(drawPlanes(c));
    expect(data.matrices[0]).to.deep.equal(drawMatrix({ nIn: 5, nOut: 7, dense: true, seed: 12345 }));
    for (let p = 0; p < 3; p++) {
      const rng = testRandom(12345, 16 + p);
      const words = Array.from({ length: Math.ceil((S * 5) / 32) }, () => rng.nextUint32());
      const bits = Array.from({ length: S * 5 }, (_, t) => (words[t >> 5] >>> (t & 31)) & 1);
      expect(data.encrypted[p].length).to.equal(Math.ceil((S * 5) / 8));
      expect(Array.from(unpackBits(data.encrypted[p], data.encrypted[p].length * 8))).to.deep.equal([...bits, ...new Array(data.encrypted[p].length * 8 - S * 5).fill(0)]);
    }
    const ra = testRandom(12345, 8);
    for (let p = 0; p < 3; p++) {
      for (let ch = 0; ch < 4; ch++) {
        const real = (1 + ra.below(65536)) / 2 ** (17 + p);
        expect(data.alphaReal[p][ch]).to.equal(real);
        expect(data.alpha[p][ch]).to.equal(realToFixed(real, 16, 12, 'a'));
        expect(real).to.be.greaterThan(0).and.at.most(2 ** -(p + 1));
      }
    }
    const rb = testRandom(12345, 9);
    const e = Math.min(5 - 1, 24 - 2 - 12);
    for (let ch = 0; ch < 4; ch++) {
      const real = (rb.nextUint32() - 2 ** 31) * 2 ** (e - 31);
      expect(data.biasReal[ch]).to.equal(real);
      expect(data.bias[ch]).to.equal(realToFixed(real, 24, 12, 'b'));
      expect(real).to.be.at.least(-(2 ** e)).and.below(2 ** e);
    }
  });

  it('without bias: zero biases, stream 9 unused', () => {
    const data = drawLayer(resolveLayer({ ...BASE, planes: 2 }));
    expect(data.bias).to.deep.equal([0n, 0n, 0n]);
    expect(data.biasReal).to.deep.equal([0, 0, 0]);
  });

  it('is deterministic, depends on the seed, and not on layout, lanes, simd or requant', () => {
    const c = resolveLayer({ ...REF });
    expect(drawLayer(c)).to.deep.equal(drawLayer(c));
    expect(drawActivations(c, 6)).to.deep.equal(drawActivations(c, 6));
    const other = drawLayer(resolveLayer({ ...REF, seed: 2 }));
    expect(other.encrypted).not.to.deep.equal(drawLayer(c).encrypted);
    expect(other.alpha).not.to.deep.equal(drawLayer(c).alpha);
    const variant = drawLayer(resolveLayer({ ...REF, layout: 'io', lanes: 3, simd: 4, requantShift: undefined }));
    const base = drawLayer(c);
    expect([variant.encrypted, variant.alpha, variant.bias, variant.alphaReal, variant.biasReal, variant.matrices]).to.deep.equal([base.encrypted, base.alpha, base.bias, base.alphaReal, base.biasReal, base.matrices]);
    // Plane 0's stream does not depend on the number of planes.
    expect(drawLayer(resolveLayer({ ...REF, planes: 1 })).encrypted[0]).to.deep.equal(base.encrypted[0]);
  });

  it('activations: vector 0 all maximum, vector 1 all minimum, then seeded, full range', () => {
    const c = resolveLayer({ shape: [2, 50], nIn: 1, nOut: 1, nTap: 1, actBits: 2, seed: 9 });
    const acts = drawActivations(c, 12);
    expect(acts.length).to.equal(12);
    expect(Array.from(acts[0])).to.deep.equal(new Array(50).fill(1));
    expect(Array.from(acts[1])).to.deep.equal(new Array(50).fill(-2));
    const rng = testRandom(9, 10);
    for (let v = 2; v < 12; v++) for (let k = 0; k < 50; k++) expect(acts[v][k]).to.equal(rng.below(4) - 2);
    expect(new Set(acts.slice(2).flatMap((a) => Array.from(a)))).to.deep.equal(new Set([-2, -1, 0, 1]));
    expect(drawActivations(c, 1).length).to.equal(1);
    expect(drawActivations(c, 0)).to.deep.equal([]);
    expect(drawActivations(c, 5).slice(0, 3)).to.deep.equal(acts.slice(0, 3));
    const wide = resolveLayer({ shape: [1, 300], nIn: 1, nOut: 1, nTap: 1, actBits: 16 });
    const a16 = drawActivations(wide, 4);
    expect(a16[0][0]).to.equal(32767);
    expect(a16[1][0]).to.equal(-32768);
    for (const a of a16.slice(2)) for (const v of a) expect(v).to.be.within(-32768, 32767);
    expect(() => drawActivations(c, -1)).to.throw(RangeError);
  });

  it('draws scales and biases that fit every allowed format', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 32 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 2, max: 48 }), fc.integer({ min: 2, max: 16 }),
        fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 0xffffffff }),
        (alphaBits, fracFraction, biasBits, actBits, planes, seed) => {
          const alphaFrac = Math.floor(fracFraction * (alphaBits - 1));
          const c = resolveLayer({ shape: [3, 2], nIn: 1, nOut: 1, nTap: 1, planes, seed, alphaBits, alphaFrac, bias: true, biasBits, actBits });
          const data = drawLayer(c);
          for (const row of data.alpha) for (const v of row) expect(fits(v, alphaBits)).to.equal(true);
          for (const v of data.bias) expect(fits(v, biasBits)).to.equal(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('layer golden model', () => {
  it('equals the naive computation in both layouts, q = 1 and 2, conv and linear', () => {
    for (const layout of ['oi', 'io'] as const) {
      for (const planes of [1, 2]) {
        for (const options of [
          { shape: [3, 2, 2, 2], nIn: 4, nOut: 8, nTap: 2, bias: true, requantShift: 12 },
          { shape: [5, 3, 3, 1], nIn: 6, nOut: 10, dense: true, requantShift: 4, outBits: 6 },
          { shape: [6, 11], nIn: 5, nOut: 9, nTap: 3, bias: true, biasBits: 20, actBits: 4 },
          { shape: [4, 2, 1, 3], nIn: 2, nOut: 3, nTap: 1, actBits: 16, alphaBits: 32, alphaFrac: 20, requantShift: 0, outBits: 32 },
        ] as LayerOptions[]) {
          const c = resolveLayer({ ...options, layout, planes, seed: 3 });
          const data = drawLayer(c);
          expect(data.matrices.length).to.equal(planes);
          expectGoldenMatchesNaive(data, drawActivations(c, 6));
        }
      }
    }
  });

  it('handles degenerate shapes [1, 1], [5, 1], [1, 7] and [1, 1, 1, 1]', () => {
    for (const shape of [[1, 1], [5, 1], [1, 7], [1, 1, 1, 1]]) {
      for (const layout of ['oi', 'io'] as const) {
        for (const planes of [1, 2]) {
          const c = resolveLayer({ shape, nIn: 2, nOut: 3, nTap: 1, layout, planes, bias: true, requantShift: 3 });
          const data = drawLayer(c);
          expect(data.nSlices).to.equal(Math.ceil((c.n * c.k) / 3));
          expectGoldenMatchesNaive(data, drawActivations(c, 5));
          const g = layerGolden(data, drawActivations(c, 1)[0]);
          expect(g.acc.length).to.equal(planes);
          expect(g.out.length).to.equal(c.n);
        }
      }
    }
  });

  it('satisfies acc = 2 * masked - actSum, also when computed modulo 2^width(acc)', () => {
    const c = resolveLayer({ shape: [8, 4, 3, 3], nIn: 12, nOut: 24, nTap: 3, planes: 2, layout: 'io', actBits: 6 });
    const data = drawLayer(c);
    const w = layerWidths(c);
    const wrap = (v: bigint) => BigInt.asIntN(w.acc, v);
    for (const a of drawActivations(c, 8)) {
      const g = layerGolden(data, a);
      expect(g.actSum).to.equal(BigInt(a.reduce((s, v) => s + v, 0)));
      for (let p = 0; p < 2; p++) {
        const bits = weightBits(data, p);
        for (let ch = 0; ch < c.n; ch++) {
          let masked = 0n;
          for (let k = 0; k < c.k; k++) if (bits[ch * c.k + k]) masked += BigInt(a[k]);
          expect(g.masked[p][ch]).to.equal(masked);
          expect(g.acc[p][ch]).to.equal(2n * masked - g.actSum);
          expect(wrap(2n * BigInt.asIntN(w.maskedSum, masked) - BigInt.asIntN(w.actSum, g.actSum))).to.equal(g.acc[p][ch]);
        }
      }
    }
  });

  it('keeps every value inside its range and width', () => {
    const c = resolveLayer({ shape: [6, 40], nIn: 7, nOut: 13, nTap: 3, planes: 3, bias: true, biasBits: 12, alphaBits: 8, alphaFrac: 3, actBits: 3, requantShift: 2, outBits: 5 });
    const data = drawLayer(c);
    const r = layerRanges(c);
    for (const a of drawActivations(c, 20)) {
      const g = layerGolden(data, a);
      for (const row of g.acc) for (const v of row) expect(v >= r.acc.min && v <= r.acc.max).to.equal(true);
      for (const v of g.out) expect(v >= r.out.min && v <= r.out.max).to.equal(true);
      for (const v of g.final) expect(fits(v, 5)).to.equal(true);
    }
  });

  it('caches decoded bits per data object, and follows replaced streams', () => {
    const c = resolveLayer({ ...BASE });
    const data = drawLayer(c);
    const a = drawActivations(c, 3)[2];
    const first = layerGolden(data, a);
    expect(layerGolden(data, a)).to.deep.equal(first);
    data.encrypted = data.encrypted.map((e) => e.map((b) => b ^ 0xff));
    expect(layerGolden(data, a).acc).to.deep.equal(naiveGolden(data, a).acc);
  });

  it('rejects activation vectors of the wrong length or range', () => {
    const c = resolveLayer({ ...BASE, actBits: 4 });
    const data = drawLayer(c);
    expectInputError(() => layerGolden(data, new Int32Array(7)), 'activations', 'K = 8');
    expectInputError(() => layerGolden(data, Int32Array.of(0, 0, 0, 8, 0, 0, 0, 0)), 'activations[3]', '-8 to 7');
    expectInputError(() => layerGolden(data, Int32Array.of(0, 0, 0, 0, 0, 0, 0, -9)), 'activations[7]');
    expect(layerGolden(data, Int32Array.of(-8, 7, -8, 7, 0, 0, 0, 0)).actSum).to.equal(-2n);
  });

  it('equals the naive computation on random layers (property)', () => {
    const shapeArb = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 14 })).map(([a, b]) => [a, b]),
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([a, b, c, d]) => [a, b, c, d]),
    );
    fc.assert(
      fc.property(
        fc.record({
          shape: shapeArb,
          layout: fc.constantFrom('oi' as const, 'io' as const),
          nOut: fc.integer({ min: 1, max: 24 }),
          inFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          tapFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
          seed: fc.integer({ min: 0, max: 0xffffffff }),
          planes: fc.integer({ min: 1, max: 3 }),
          actBits: fc.integer({ min: 2, max: 16 }),
          alphaBits: fc.integer({ min: 2, max: 32 }),
          fracFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          biasBits: fc.option(fc.integer({ min: 2, max: 48 }), { nil: undefined }),
          requant: fc.option(fc.record({ shift: fc.integer({ min: 0, max: 62 }), outBits: fc.integer({ min: 2, max: 32 }) }), { nil: undefined }),
          vectors: fc.integer({ min: 0, max: 4 }),
        }),
        (o) => {
          const nIn = 1 + Math.floor(o.inFraction * (o.nOut - 1));
          const c = resolveLayer({
            shape: o.shape, layout: o.layout, nIn, nOut: o.nOut, seed: o.seed, planes: o.planes,
            ...(o.tapFraction === undefined ? { dense: true } : { nTap: 1 + Math.floor(o.tapFraction * (nIn - 1)) }),
            actBits: o.actBits, alphaBits: o.alphaBits, alphaFrac: Math.floor(o.fracFraction * (o.alphaBits - 1)),
            bias: o.biasBits !== undefined, biasBits: o.biasBits, requantShift: o.requant?.shift, outBits: o.requant?.outBits,
          });
          const data = drawLayer(c);
          expectGoldenMatchesNaive(data, drawActivations(c, 2 + o.vectors));
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Runs the numpy reference of docs/ARITHMETIC.md, as written there, and compares every output. */
describe('docs/ARITHMETIC.md numpy reference', function () {
  before(function () {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      console.warn('    (skipped: python3 with numpy is needed to run the numpy reference of docs/ARITHMETIC.md)');
      this.skip();
    }
  });

  const doc = readFileSync(join(ROOT, 'docs/ARITHMETIC.md'), 'utf8');
  const block = (name: string): string => {
    const m = new RegExp('```python\\n(# \\[layer-' + name + '\\][\\s\\S]*?)```').exec(doc);
    if (!m) throw new Error(`docs/ARITHMETIC.md has no python block starting with # [layer-${name}]`);
    return m[1];
  };

  interface PyResult {
    enc: number[][];
    alpha: number[][];
    bias: string[];
    alpha_real: number[][];
    bias_real: number[];
    bits: number[][];
    acts: number[][];
    res: { acc: number[][]; out: string[]; final: string[] }[];
  }

  function runReference(c: LayerConfig, vectors: number): PyResult {
    const py = (v: unknown) => (v === undefined ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v));
    const prelude = [
      'import sys, json',
      "sys.path.insert(0, 'docs')",
      `shape = ${py(c.shape)}`, `n_in = ${c.nIn}`, `n_out = ${c.nOut}`, `n_tap = ${py(c.nTap)}`, `dense = ${py(!!c.dense)}`,
      `seed = ${c.seed}`, `q = ${c.planes}`, `layout = ${py(c.layout)}`, `A = ${c.actBits}`, `alpha_bits = ${c.alphaBits}`,
      `alpha_frac = ${c.alphaFrac}`, `bias_on = ${py(c.bias)}`, `bias_bits = ${c.biasBits}`,
      `shift = ${py(c.requant?.shift)}`, `out_bits = ${c.requant?.outBits ?? 8}`,
    ].join('\n');
    const postlude = `
acts = activations(${vectors})
res = []
for a in acts:
    acc, out, final = layer(bits, alpha, bias, a)
    res.append({"acc": [[int(v) for v in row] for row in acc], "out": [str(v) for v in out], "final": [str(v) for v in final]})
print(json.dumps({"enc": [e.tolist() for e in enc], "alpha": alpha, "bias": [str(b) for b in bias], "alpha_real": alpha_real,
                  "bias_real": bias_real, "bits": bits.reshape(q, -1).tolist(), "acts": acts, "res": res}))
`;
    const program = [prelude, block('draws'), block('weights'), block('golden'), postlude].join('\n');
    const run = spawnSync('python3', ['-c', program], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.error).to.equal(undefined);
    expect(run.status, `the numpy reference failed:\n${run.stderr}`).to.equal(0);
    return JSON.parse(run.stdout) as PyResult;
  }

  const configs: [string, LayerOptions][] = [
    ['the reference conv, oi', { shape: [3, 2, 2, 2], nIn: 4, nOut: 8, nTap: 2, planes: 2, bias: true, requantShift: 12 }],
    ['the reference conv, io', { shape: [3, 2, 2, 2], nIn: 4, nOut: 8, nTap: 2, planes: 2, bias: true, requantShift: 12, layout: 'io' }],
    ['linear io, dense, 3 planes, narrow formats, shift 0', { shape: [5, 7], nIn: 3, nOut: 5, dense: true, planes: 3, seed: 0xffffffff, layout: 'io', actBits: 3, alphaBits: 6, alphaFrac: 5, bias: true, biasBits: 4, requantShift: 0, outBits: 4 }],
    ['conv oi, widest formats, no bias or requant', { shape: [4, 3, 3, 1], nIn: 5, nOut: 7, nTap: 3, seed: 42, actBits: 16, alphaBits: 32, alphaFrac: 31 }],
    ['linear [16, 64] io, 2 planes', { shape: [16, 64], nIn: 20, nOut: 40, nTap: 4, planes: 2, seed: 7, layout: 'io', bias: true, biasBits: 40, requantShift: 8, outBits: 16 }],
    ['conv [2, 3, 2, 3] io, 48-bit bias, shift 62', { shape: [2, 3, 2, 3], nIn: 9, nOut: 9, nTap: 5, planes: 2, seed: 5, layout: 'io', bias: true, biasBits: 48, alphaFrac: 0, requantShift: 62, outBits: 32 }],
  ];

  for (const [name, options] of configs) {
    it(`reproduces drawLayer, weightBits, drawActivations and layerGolden: ${name}`, () => {
      const c = resolveLayer(options);
      const data = drawLayer(c);
      const vectors = 6;
      const ref = runReference(c, vectors);
      expect(ref.enc).to.deep.equal(data.encrypted.map((e) => Array.from(e)));
      expect(ref.alpha).to.deep.equal(data.alpha.map((row) => row.map(Number)));
      expect(ref.alpha_real).to.deep.equal(data.alphaReal);
      expect(ref.bias).to.deep.equal(data.bias.map(String));
      expect(ref.bias_real).to.deep.equal(data.biasReal);
      expect(ref.bits).to.deep.equal(data.matrices.map((_, p) => Array.from(weightBits(data, p))));
      const acts = drawActivations(c, vectors);
      expect(ref.acts).to.deep.equal(acts.map((a) => Array.from(a)));
      acts.forEach((a, v) => {
        const g = layerGolden(data, a);
        expect(ref.res[v].acc).to.deep.equal(g.acc.map((row) => row.map(Number)));
        expect(ref.res[v].out).to.deep.equal(g.out.map(String));
        expect(ref.res[v].final).to.deep.equal(g.final.map(String));
      });
    });
  }
});
