import { expect } from 'chai';
import fc from 'fast-check';
import { bitErrorRate, encodePlane, MAX_ENCODE_RANK, PlaneEncoder, type EncodeOptions, type EncodeResult } from '../generator/core/encode.js';
import { decodeSlice, packBits, StreamDecoder, unpackBits } from '../generator/core/golden.js';
import { drawMatrix, gf2Rank, matrixFromRows, type XorMatrix } from '../generator/core/matrix.js';
import { Xoshiro128StarStar } from '../generator/core/prng.js';
import { expectInputError, matrixArb } from './helpers.js';

function randomBits(n: number, seed: number): Uint8Array {
  const rng = new Xoshiro128StarStar(BigInt(seed >>> 0));
  return Uint8Array.from({ length: n }, () => rng.coin());
}

/** Small integer importances 0..3: many exact ties, so the tie-break is exercised. */
function randomIntImportance(n: number, seed: number): Float64Array {
  const rng = new Xoshiro128StarStar(BigInt(seed >>> 0) + 77n);
  return Float64Array.from({ length: n }, () => rng.below(4));
}

function randomFloatImportance(n: number, seed: number): Float64Array {
  const rng = new Xoshiro128StarStar(BigInt(seed >>> 0) + 99n);
  return Float64Array.from({ length: n }, () => rng.nextUint32() / 2 ** 32);
}

/** x of integer v, x[0] the least significant bit. */
function xOf(v: number, nIn: number): Uint8Array {
  return Uint8Array.from({ length: nIn }, (_, i) => (v >>> i) & 1);
}

interface Brute {
  /** Per slice: the smallest x (as an integer) of minimal distance. */
  readonly xs: number[];
  readonly distances: number[];
  readonly bitErrors: number;
}

/**
 * Brute force by the definition: every slice, all 2^Nin x decoded with decodeSlice, distance over
 * the real positions (weighted if importance given, summed in index order), strict < in increasing
 * x order (so the smallest x wins ties).
 */
function bruteForce(m: XorMatrix, target: Uint8Array, importance?: Float64Array): Brute {
  const { nIn, nOut } = m;
  const S = Math.ceil(target.length / nOut);
  const ys = Array.from({ length: 2 ** nIn }, (_, v) => decodeSlice(m, xOf(v, nIn)));
  const xs: number[] = [];
  const distances: number[] = [];
  let bitErrors = 0;
  for (let s = 0; s < S; s++) {
    const real = Math.min(nOut, target.length - s * nOut);
    let best = Infinity;
    let bestX = -1;
    let bestErrors = 0;
    for (let v = 0; v < ys.length; v++) {
      let d = 0;
      let errors = 0;
      for (let j = 0; j < real; j++) {
        if (ys[v][j] !== target[s * nOut + j]) {
          d += importance ? importance[s * nOut + j] : 1;
          errors++;
        }
      }
      if (d < best) {
        best = d;
        bestX = v;
        bestErrors = errors;
      }
    }
    xs.push(bestX);
    distances.push(best);
    bitErrors += bestErrors;
  }
  return { xs, distances, bitErrors };
}

/** The x of every slice of an encoded stream, as integers (x[0] least significant). */
function slicesOf(r: EncodeResult, nIn: number): number[] {
  const bits = unpackBits(r.packed, r.nSlices * nIn);
  return Array.from({ length: r.nSlices }, (_, s) => {
    let v = 0;
    for (let i = 0; i < nIn; i++) v += bits[s * nIn + i] * 2 ** i;
    return v;
  });
}

/** Decodes r with the StreamDecoder and returns the decoded bits of the real weights. */
function decodedBits(m: XorMatrix, r: EncodeResult): Uint8Array {
  const decoded = new StreamDecoder(m).decode(r.packed, r.nSlices);
  return unpackBits(decoded, r.weights);
}

function countDiff(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let k = 0; k < a.length; k++) n += a[k] !== b[k] ? 1 : 0;
  return n;
}

/** Checks encodePlane against the brute force: same x per slice, distances, error counts, decoding. */
function checkAgainstBrute(m: XorMatrix, target: Uint8Array, importance?: Float64Array, options?: EncodeOptions): EncodeResult {
  const r = encodePlane(m, target, importance, options);
  const brute = bruteForce(m, target, importance);
  expect(r.nSlices).to.equal(Math.ceil(target.length / m.nOut));
  expect(r.weights).to.equal(target.length);
  expect(r.packed.length).to.equal(Math.ceil((r.nSlices * m.nIn) / 8));
  expect(slicesOf(r, m.nIn)).to.deep.equal(brute.xs);
  expect(r.bitErrors).to.equal(brute.bitErrors);
  expect(countDiff(decodedBits(m, r), target)).to.equal(r.bitErrors);
  if (importance) {
    // Exact for integer importances; float sums may differ in the last bits (other summation order).
    expect(r.weightedError).to.be.closeTo(brute.distances.reduce((a, b) => a + b, 0), 1e-9);
  } else {
    expect(r.weightedError).to.equal(undefined);
  }
  // Padding bits of the last byte are zero, as np.packbits writes them.
  const used = r.nSlices * m.nIn;
  if (used % 8 !== 0) expect(r.packed[r.packed.length - 1] & (0xff >> used % 8)).to.equal(0);
  return r;
}

describe('encode: exact nearest-codeword encoding', () => {
  const reference = drawMatrix({ nIn: 16, nOut: 20, nTap: 2, seed: 1 });

  it('matches brute force on the reference 20x16 nTap=2 matrix (rank 12), table and scan', () => {
    const target = randomBits(20 * 40 + 7, 3); // 41 slices, the last with 7 real weights
    const table = checkAgainstBrute(reference, target, undefined, { method: 'table' });
    const scan = checkAgainstBrute(reference, target, undefined, { method: 'scan' });
    expect(table.method).to.equal('table');
    expect(scan.method).to.equal('scan');
    expect(table.packed).to.deep.equal(scan.packed);
  });

  it('matches weighted brute force on the reference matrix (integer importance: exact ties)', () => {
    const target = randomBits(20 * 30 + 13, 4);
    checkAgainstBrute(reference, target, randomIntImportance(target.length, 4));
  });

  it('matches brute force for random dense and nTap matrices, unweighted (both methods) and weighted', () => {
    for (let seed = 0; seed < 24; seed++) {
      const nOut = 3 + (seed % 11);
      const nIn = 1 + (seed % Math.min(nOut, 11));
      const m = seed % 2 ? drawMatrix({ nIn, nOut, dense: true, seed }) : drawMatrix({ nIn, nOut, nTap: 1 + (seed % nIn), seed });
      const target = randomBits(nOut * 9 + (seed % nOut), seed);
      const a = checkAgainstBrute(m, target, undefined, { method: 'table' });
      const b = checkAgainstBrute(m, target, undefined, { method: 'scan' });
      expect(a.packed).to.deep.equal(b.packed);
      checkAgainstBrute(m, target, randomIntImportance(target.length, seed));
    }
  });

  it('matches brute force for Nout > 32 (multi-word scan), unweighted and weighted', () => {
    for (const [nOut, nIn, seed] of [
      [40, 10, 1],
      [33, 9, 2],
      [64, 8, 3],
      [70, 11, 4],
    ]) {
      const m = drawMatrix({ nIn, nOut, nTap: 3, seed });
      const target = randomBits(nOut * 6 + 5, seed);
      expect(checkAgainstBrute(m, target).method).to.equal('scan');
      checkAgainstBrute(m, target, randomIntImportance(target.length, seed));
      checkAgainstBrute(m, target, randomFloatImportance(target.length, seed));
    }
  });

  it('weighted with float importance: the minimal weighted distance equals brute force', () => {
    const m = drawMatrix({ nIn: 10, nOut: 20, dense: true, seed: 5 });
    const target = randomBits(20 * 25 + 3, 5);
    const importance = randomFloatImportance(target.length, 5);
    const r = encodePlane(m, target, importance);
    const brute = bruteForce(m, target, importance);
    const total = brute.distances.reduce((a, b) => a + b, 0);
    expect(r.weightedError).to.be.closeTo(total, 1e-9);
    // Random float importances have no ties, so the choice is the brute-force one as well.
    expect(slicesOf(r, m.nIn)).to.deep.equal(brute.xs);
  });

  it('breaks ties by the smallest x (x[0] least significant), also across the kernel of a rank-deficient matrix', () => {
    // Rows all of 2 taps: x and its complement decode alike, so every codeword has >= 2 preimages.
    const m = matrixFromRows(
      [
        [1, 1, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 1],
        [1, 0, 0, 1],
        [1, 0, 1, 0],
      ],
      'm',
    );
    const encoder = new PlaneEncoder(m);
    expect(encoder.rank).to.equal(3);
    expect(encoder.freeColumns).to.deep.equal([0, 1, 2]);
    // Target 0: x = 0 and x = 1111 both decode to it; 0 must be chosen.
    expect(slicesOf(encodePlane(m, new Uint8Array(5)), 4)).to.deep.equal([0]);
    // Every 5-bit target, both methods, against brute force.
    const all = new Uint8Array(5 * 32);
    for (let t = 0; t < 32; t++) for (let j = 0; j < 5; j++) all[t * 5 + j] = (t >>> j) & 1;
    checkAgainstBrute(m, all, undefined, { method: 'table' });
    checkAgainstBrute(m, all, undefined, { method: 'scan' });
    checkAgainstBrute(m, all, randomIntImportance(all.length, 9));
    // Ties between distinct codewords: y = (x0, x1, x0 ^ x1).
    const id = matrixFromRows([[1, 0], [0, 1], [1, 1]], 'id');
    // Target 001: x=00 -> 000 (distance 1), x=01 -> 101 (1), x=10 -> 011 (1), x=11 -> 110 (3): x = 0 wins.
    expect(slicesOf(encodePlane(id, Uint8Array.from([0, 0, 1])), 2)).to.deep.equal([0]);
    // Target 111: x=01 -> 101 (1), x=10 -> 011 (1), x=11 -> 110 (1): x = 01 (value 1) wins.
    expect(slicesOf(encodePlane(id, Uint8Array.from([1, 1, 1])), 2)).to.deep.equal([1]);
    expect(slicesOf(encodePlane(id, Uint8Array.from([1, 1, 1]), undefined, { method: 'scan' }), 2)).to.deep.equal([1]);
  });

  it('reproduces the target exactly (error 0) when it is M x for random x, checked with the StreamDecoder', () => {
    for (const [nIn, nOut, nTap, seed] of [
      [16, 20, 2, 1],
      [16, 20, 3, 2],
      [8, 8, 1, 3],
      [12, 40, 4, 4],
      [24, 24, 5, 5],
    ]) {
      const m = drawMatrix({ nIn, nOut, nTap, seed });
      const nSlices = 200;
      const x = randomBits(nSlices * nIn, seed);
      const decoded = new StreamDecoder(m).decode(packBits(x), nSlices);
      for (const W of [nSlices * nOut, nSlices * nOut - 3]) {
        const target = unpackBits(decoded, W);
        const r = encodePlane(m, target);
        expect(r.bitErrors).to.equal(0);
        expect(bitErrorRate(r)).to.equal(0);
        expect(decodedBits(m, r)).to.deep.equal(target);
        const weighted = encodePlane(m, target, randomFloatImportance(W, seed));
        expect(weighted.bitErrors).to.equal(0);
        expect(weighted.weightedError).to.equal(0);
        expect(decodedBits(m, weighted)).to.deep.equal(target);
      }
    }
  });

  it('treats importance 0 as do-not-care: all-zero importance gives x = 0; codeword targets with some zeros', () => {
    const target = randomBits(20 * 10 + 4, 12);
    const none = encodePlane(reference, target, new Float64Array(target.length));
    expect(slicesOf(none, 16).every((x) => x === 0)).to.equal(true);
    expect(none.weightedError).to.equal(0);
    expect(none.bitErrors).to.equal(target.reduce((a, b) => a + b, 0)); // x = 0 decodes to all zeros
    // Codeword targets (M x of random x) with a few zero importances: a smaller x than the
    // target's own representative may also reach distance 0, and must win.
    const x = randomBits(30 * 16, 13);
    const codewords = unpackBits(new StreamDecoder(reference).decode(packBits(x), 30), 600);
    const importance = Float64Array.from({ length: 600 }, (_, w) => (w % 7 === 3 ? 0 : 1 + (w % 3)));
    checkAgainstBrute(reference, codewords, importance);
  });

  it('ignores the surplus positions of the last slice', () => {
    const m = drawMatrix({ nIn: 6, nOut: 10, dense: true, seed: 11 });
    for (let extra = 1; extra < 10; extra++) {
      const target = randomBits(10 * 5 + extra, 100 + extra);
      const r = checkAgainstBrute(m, target);
      expect(r.nSlices).to.equal(6);
      // Same choice as a full-length target whose surplus positions have importance 0, whatever
      // bits they hold.
      for (const fill of [0, 1]) {
        const padded = new Uint8Array(60).fill(fill);
        padded.set(target);
        const importance = new Float64Array(60);
        importance.fill(1, 0, target.length);
        const w = encodePlane(m, padded, importance);
        expect(w.packed).to.deep.equal(r.packed);
        expect(w.weightedError).to.equal(r.bitErrors);
      }
    }
    // A single partial slice: 3 real weights of 10.
    const r = checkAgainstBrute(m, Uint8Array.from([1, 0, 1]));
    expect(r.nSlices).to.equal(1);
    expect(r.weights).to.equal(3);
  });

  it('handles Nin > 32 positions when the rank is at most the limit (x is zero on dependent columns)', () => {
    // Nin = 40, Nout = 48: columns 10..39 repeat columns 0..9, so the rank is at most 10.
    const base = drawMatrix({ nIn: 10, nOut: 48, nTap: 3, seed: 6 });
    const rows = Array.from({ length: 48 }, (_, j) => Array.from({ length: 40 }, (_, i) => base.bits[j * 10 + (i % 10)]));
    const wide = matrixFromRows(rows, 'wide');
    const encoder = new PlaneEncoder(wide);
    expect(encoder.rank).to.equal(gf2Rank(base));
    const target = randomBits(48 * 20 + 30, 6);
    const r = encoder.encode(target);
    const narrow = encodePlane(base, target);
    expect(r.bitErrors).to.equal(narrow.bitErrors);
    // Slice by slice: the wide x is the narrow x followed by 30 zeros.
    const wideBits = unpackBits(r.packed, r.nSlices * 40);
    const narrowBits = unpackBits(narrow.packed, narrow.nSlices * 10);
    for (let s = 0; s < r.nSlices; s++) {
      expect(Array.from(wideBits.subarray(s * 40, s * 40 + 10))).to.deep.equal(Array.from(narrowBits.subarray(s * 10, s * 10 + 10)));
      expect(wideBits.subarray(s * 40 + 10, s * 40 + 40).every((b) => b === 0)).to.equal(true);
    }
    expect(countDiff(decodedBits(wide, r), target)).to.equal(r.bitErrors);
  });

  it('encodes an empty plane to an empty stream', () => {
    const r = encodePlane(reference, new Uint8Array(0));
    expect(r).to.deep.include({ nSlices: 0, bitErrors: 0, weights: 0 });
    expect(r.packed.length).to.equal(0);
    expect(bitErrorRate(r)).to.equal(0);
  });

  it('reuses one encoder (and its table) across planes; randomTargetErrorRate is the mean table distance', () => {
    const encoder = new PlaneEncoder(reference);
    expect(encoder.hasTable).to.equal(false);
    encoder.buildTable();
    expect(encoder.hasTable).to.equal(true);
    const a = randomBits(2000, 1);
    expect(encoder.encode(a)).to.deep.equal(encodePlane(reference, a, undefined, { method: 'table' }));
    // 12-dimensional code in 20 bits: the rate-distortion bound at rate 0.6 is ~0.076.
    const rate = encoder.randomTargetErrorRate();
    expect(rate).to.be.within(0.076, 0.25);
    // A tiny code checked by hand: repetition code {000, 111}; every word is at distance 0 or 1.
    const rep = new PlaneEncoder(matrixFromRows([[1], [1], [1]], 'rep'));
    expect(rep.randomTargetErrorRate()).to.be.closeTo(6 / (8 * 3), 1e-12);
  });

  it('bitErrorRate divides by the real weights', () => {
    const r = encodePlane(reference, randomBits(1001, 8));
    expect(bitErrorRate(r)).to.equal(r.bitErrors / 1001);
  });

  describe('properties (fast-check)', () => {
    it('unweighted: exact and smallest-x on random small matrices, table and scan identical', () => {
      fc.assert(
        fc.property(matrixArb({ minOut: 1, maxOut: 12, maxIn: 10 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 0xffffffff }), (m, W, seed) => {
          const target = randomBits(W, seed);
          const a = checkAgainstBrute(m, target, undefined, { method: 'table' });
          const b = checkAgainstBrute(m, target, undefined, { method: 'scan' });
          expect(a.packed).to.deep.equal(b.packed);
        }),
        { numRuns: 150 },
      );
    });

    it('weighted: exact and smallest-x on random small matrices with integer importance', () => {
      fc.assert(
        fc.property(matrixArb({ minOut: 1, maxOut: 40, maxIn: 9 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 0xffffffff }), (m, W, seed) => {
          checkAgainstBrute(m, randomBits(W, seed), randomIntImportance(W, seed));
        }),
        { numRuns: 150 },
      );
    });

    it('round trip: targets of the form M x decode back exactly', () => {
      fc.assert(
        fc.property(matrixArb({ minOut: 1, maxOut: 36, maxIn: 14 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 0xffffffff }), (m, nSlices, seed) => {
          const x = randomBits(nSlices * m.nIn, seed);
          const target = unpackBits(new StreamDecoder(m).decode(packBits(x), nSlices), nSlices * m.nOut - (seed % m.nOut));
          const r = encodePlane(m, target);
          expect(r.bitErrors).to.equal(0);
          expect(decodedBits(m, r)).to.deep.equal(target);
        }),
        { numRuns: 150 },
      );
    });
  });

  describe('validation', () => {
    it('names `weights` for target entries other than 0/1 and for a non-Uint8Array', () => {
      expectInputError(() => encodePlane(reference, Uint8Array.from([0, 1, 2])), 'weights', /entry 2 is 2/);
      expectInputError(() => encodePlane(reference, [0, 1] as unknown as Uint8Array), 'weights', /Uint8Array/);
    });

    it('names `importance` for a wrong length, negative, NaN or infinite entries', () => {
      const t = randomBits(30, 1);
      expectInputError(() => encodePlane(reference, t, new Float64Array(29)), 'importance', /29 entries.*\(30\)/);
      expectInputError(() => encodePlane(reference, t, new Float64Array(31)), 'importance', /31 entries/);
      for (const bad of [-1, -0.5, NaN, Infinity, -Infinity]) {
        const imp = new Float64Array(30).fill(1);
        imp[7] = bad;
        expectInputError(() => encodePlane(reference, t, imp), 'importance', /entry 7/);
      }
      expectInputError(() => encodePlane(reference, t, [1] as unknown as Float64Array), 'importance', /Float64Array/);
    });

    it(`refuses matrices of rank above ${MAX_ENCODE_RANK} instead of approximating`, () => {
      const identity = (n: number) => matrixFromRows(Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))), 'id');
      expect(new PlaneEncoder(identity(MAX_ENCODE_RANK)).rank).to.equal(MAX_ENCODE_RANK);
      expectInputError(() => new PlaneEncoder(identity(MAX_ENCODE_RANK + 1)), 'matrix', /rank 25 .*rank <= 24/);
      expectInputError(() => encodePlane(identity(30), new Uint8Array(30)), 'matrix', /rank 30/);
    });

    it('rejects malformed matrices and impossible methods', () => {
      expectInputError(() => encodePlane({ nIn: 3, nOut: 2, bits: new Uint8Array(6) }, new Uint8Array(2)), 'matrix');
      expectInputError(() => encodePlane({ nIn: 2, nOut: 2, bits: new Uint8Array(3) }, new Uint8Array(2)), 'matrix');
      expectInputError(() => encodePlane({ nIn: 1, nOut: 1, bits: Uint8Array.from([2]) }, new Uint8Array(2)), 'matrix');
      const t = randomBits(40, 2);
      expectInputError(() => encodePlane(reference, t, new Float64Array(40), { method: 'table' }), 'method', /unweighted/);
      expectInputError(() => encodePlane(reference, t, undefined, { method: 'fast' as 'table' }), 'method');
      const tall = drawMatrix({ nIn: 4, nOut: 23, nTap: 2, seed: 1 });
      expectInputError(() => encodePlane(tall, randomBits(46, 3), undefined, { method: 'table' }), 'method', /Nout <= 22/);
      expect(encodePlane(tall, randomBits(46, 3)).method).to.equal('scan');
    });
  });
});
