import { expect } from 'chai';
import fc from 'fast-check';
import { decodeSlice, decodeStream, decodeStreamReference, packBits, StreamDecoder, unpackBits } from '../generator/core/golden.js';
import { drawMatrix, matrixFromRows, type XorMatrix } from '../generator/core/matrix.js';
import { Xoshiro128StarStar } from '../generator/core/prng.js';
import { matrixArb } from './helpers.js';

/** nBytes seeded random bytes (padding bits included, so they must be ignored by decoders). */
function randomBytes(nBytes: number, seed: number): Uint8Array {
  const rng = new Xoshiro128StarStar(BigInt(seed >>> 0));
  return Uint8Array.from({ length: nBytes }, () => rng.nextUint32() >>> 24);
}

function randomBits(n: number, seed: number): Uint8Array {
  return unpackBits(randomBytes(Math.ceil(n / 8), seed), n);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, k) => v ^ b[k]);
}

/** Slice-by-slice decoding with decodeSlice, the definition the fast decoder must match. */
function decodeBySlices(m: XorMatrix, packed: Uint8Array, nSlices: number): Uint8Array {
  const x = unpackBits(packed, nSlices * m.nIn);
  const y: number[] = [];
  for (let s = 0; s < nSlices; s++) y.push(...decodeSlice(m, x.subarray(s * m.nIn, (s + 1) * m.nIn)));
  return packBits(y);
}

/** Slice counts: 0, 1, and random ones (many leave the last byte partial). */
const slicesArb = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 10, max: 300 }));

/** StreamDecoder against slice-by-slice decodeSlice on random matrices, streams and sizes. */
function checkAgainstSlices(matrices: fc.Arbitrary<XorMatrix>, numRuns = 150): void {
  fc.assert(
    fc.property(matrices, slicesArb, fc.integer({ min: 0, max: 0xffffffff }), (m, nSlices, seed) => {
      const packed = randomBytes(Math.ceil((nSlices * m.nIn) / 8), seed);
      const decoded = new StreamDecoder(m).decode(packed, nSlices);
      expect(decoded.length).to.equal(Math.ceil((nSlices * m.nOut) / 8));
      expect(decoded).to.deep.equal(decodeBySlices(m, packed, nSlices));
    }),
    { numRuns },
  );
}

describe('golden decoder', () => {
  describe('decodeSlice', () => {
    it('decodes a hand-worked example', () => {
      const m = matrixFromRows([[1, 0], [1, 1], [0, 1]], 'm');
      expect(Array.from(decodeSlice(m, [1, 1]))).to.deep.equal([1, 0, 1]);
      expect(Array.from(decodeSlice(m, [0, 1]))).to.deep.equal([0, 1, 1]);
    });

    it('maps zero to zero', () => {
      const m = drawMatrix({ nIn: 16, nOut: 20, dense: true, seed: 3 });
      expect(Array.from(decodeSlice(m, new Uint8Array(16)))).to.deep.equal(new Array(20).fill(0));
    });

    it('maps unit vector e_i to column i of M', () => {
      const m = drawMatrix({ nIn: 12, nOut: 30, nTap: 3, seed: 7 });
      for (let i = 0; i < m.nIn; i++) {
        const unit = new Uint8Array(m.nIn);
        unit[i] = 1;
        const column = Array.from({ length: m.nOut }, (_, j) => m.bits[j * m.nIn + i]);
        expect(Array.from(decodeSlice(m, unit))).to.deep.equal(column);
      }
    });

    it('is linear over GF(2)', () => {
      fc.assert(
        fc.property(matrixArb({ minOut: 1, maxOut: 80 }), fc.integer({ min: 0, max: 0xffffffff }), (m, seed) => {
          const x = randomBits(m.nIn, seed);
          const x2 = randomBits(m.nIn, seed ^ 0x5555);
          expect(decodeSlice(m, xor(x, x2))).to.deep.equal(xor(decodeSlice(m, x), decodeSlice(m, x2)));
        }),
      );
    });

    it('rejects x of the wrong length', () => {
      const m = drawMatrix({ nIn: 4, nOut: 5, nTap: 1, seed: 0 });
      expect(() => decodeSlice(m, [1, 0, 1])).to.throw(RangeError);
    });
  });

  describe('packBits / unpackBits', () => {
    it('packs most significant bit first, zero-padding the last byte', () => {
      expect(Array.from(packBits([1, 0, 1, 1, 0, 0, 0, 1, 1]))).to.deep.equal([0xb1, 0x80]);
      expect(Array.from(packBits([]))).to.deep.equal([]);
      expect(Array.from(packBits([0, 0, 0, 0, 0, 0, 0, 1]))).to.deep.equal([0x01]);
    });

    it('unpacks most significant bit first', () => {
      expect(Array.from(unpackBits(Uint8Array.of(0xb1, 0x80), 9))).to.deep.equal([1, 0, 1, 1, 0, 0, 0, 1, 1]);
    });

    it('round-trips', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 200 }), (bits) => {
          const bytes = packBits(bits);
          expect(bytes.length).to.equal(Math.ceil(bits.length / 8));
          expect(Array.from(unpackBits(bytes, bits.length))).to.deep.equal(bits);
          expect(packBits(unpackBits(bytes, bits.length))).to.deep.equal(bytes);
        }),
      );
    });

    it('rejects nBits beyond the bytes', () => {
      expect(() => unpackBits(new Uint8Array(2), 17)).to.throw(RangeError);
      expect(() => unpackBits(new Uint8Array(2), -1)).to.throw(RangeError);
    });
  });

  describe('StreamDecoder', () => {
    it('decodes a hand-worked stream', () => {
      // Slices x = 11, 01, 10 -> bits 110110 -> byte 0b11011000 = 0xd8.
      // y = 101, 011, 110 -> bits 101011110 -> bytes 0b10101111, 0b00000000 = 0xaf, 0x00.
      const m = matrixFromRows([[1, 0], [1, 1], [0, 1]], 'm');
      expect(Array.from(decodeStream(m, Uint8Array.of(0xd8), 3))).to.deep.equal([0xaf, 0x00]);
    });

    it('equals decodeSlice on the fast path with one table (Nin <= 16, Nout <= 32)', () => {
      checkAgainstSlices(matrixArb({ minOut: 1, maxOut: 32, minIn: 1, maxIn: 16 }));
    });

    it('equals decodeSlice on the fast path with two tables (16 < Nin <= 32, Nout <= 32)', () => {
      checkAgainstSlices(matrixArb({ minOut: 17, maxOut: 32, minIn: 17, maxIn: 32 }));
    });

    it('equals decodeSlice on the general path (Nout > 32)', () => {
      checkAgainstSlices(matrixArb({ minOut: 33, maxOut: 80 }));
    });

    it('equals decodeSlice on any size up to 80', () => {
      checkAgainstSlices(matrixArb({ minOut: 1, maxOut: 80 }));
    });

    it('equals decodeSlice at the edge sizes of each path', () => {
      const sizes = [[1, 1], [1, 32], [8, 8], [16, 16], [16, 32], [17, 17], [31, 32], [32, 32], [1, 33], [32, 33], [33, 33], [32, 64], [64, 64], [65, 80]];
      for (const [nIn, nOut] of sizes) {
        for (const nSlices of [0, 1, 2, 3, 7, 8, 9, 33, 100]) {
          const m = drawMatrix({ nIn, nOut, dense: true, seed: nIn * 100 + nOut });
          const packed = randomBytes(Math.ceil((nSlices * nIn) / 8), nSlices);
          expect(new StreamDecoder(m).decode(packed, nSlices), `Nin=${nIn} Nout=${nOut} S=${nSlices}`).to.deep.equal(decodeBySlices(m, packed, nSlices));
        }
      }
    });

    it('equals the reference on the largest sizes (tables capped, many chunks)', () => {
      for (const [nIn, nOut] of [
        [1024, 1024],
        [300, 1000],
        [33, 1024],
      ]) {
        const m = drawMatrix({ nIn, nOut, dense: true, seed: nIn });
        const nSlices = 5;
        const packed = randomBytes(Math.ceil((nSlices * nIn) / 8), nOut);
        expect(decodeStream(m, packed, nSlices)).to.deep.equal(decodeStreamReference(m, packed, nSlices));
      }
    }).timeout(20000);

    it('is linear over GF(2) on streams', () => {
      fc.assert(
        fc.property(matrixArb({ minOut: 1, maxOut: 80 }), slicesArb, fc.integer({ min: 0, max: 0xffffffff }), (m, nSlices, seed) => {
          const nBytes = Math.ceil((nSlices * m.nIn) / 8);
          const a = randomBytes(nBytes, seed);
          const b = randomBytes(nBytes, seed ^ 0xabcdef);
          const decoder = new StreamDecoder(m);
          expect(decoder.decode(xor(a, b), nSlices)).to.deep.equal(xor(decoder.decode(a, nSlices), decoder.decode(b, nSlices)));
        }),
        { numRuns: 50 },
      );
    });

    it('decodes the unit stream of bit i of a slice to column i, in that slice', () => {
      const m = drawMatrix({ nIn: 16, nOut: 20, nTap: 2, seed: 1 });
      const decoder = new StreamDecoder(m);
      const nSlices = 3;
      for (let s = 0; s < nSlices; s++) {
        for (let i = 0; i < m.nIn; i++) {
          const x = new Uint8Array(nSlices * m.nIn);
          x[s * m.nIn + i] = 1;
          const y = unpackBits(decoder.decode(packBits(x), nSlices), nSlices * m.nOut);
          const expected = new Uint8Array(nSlices * m.nOut);
          for (let j = 0; j < m.nOut; j++) expected[s * m.nOut + j] = m.bits[j * m.nIn + i];
          expect(y).to.deep.equal(expected);
        }
      }
    });

    it('decodes zero to zero and zero slices to an empty stream', () => {
      const m = drawMatrix({ nIn: 20, nOut: 50, dense: true, seed: 2 });
      expect(decodeStream(m, new Uint8Array(25), 10)).to.deep.equal(new Uint8Array(63));
      expect(decodeStream(m, new Uint8Array(0), 0)).to.deep.equal(new Uint8Array(0));
    });

    it('ignores extra bytes and reads from a view with an offset', () => {
      const m = drawMatrix({ nIn: 13, nOut: 21, nTap: 3, seed: 9 });
      const nSlices = 37;
      const nBytes = Math.ceil((nSlices * m.nIn) / 8);
      const backing = randomBytes(nBytes + 11, 4);
      const view = backing.subarray(3, 3 + nBytes + 5); // odd byteOffset, extra bytes at the end
      const expected = decodeBySlices(m, view.slice(0, nBytes), nSlices);
      expect(decodeStream(m, view, nSlices)).to.deep.equal(expected);
    });

    it('reuses one decoder across streams of different lengths', () => {
      const m = drawMatrix({ nIn: 24, nOut: 40, nTap: 4, seed: 5 });
      const decoder = new StreamDecoder(m);
      for (const nSlices of [100, 3, 0, 250, 1]) {
        const packed = randomBytes(Math.ceil((nSlices * m.nIn) / 8), nSlices);
        expect(decoder.decode(packed, nSlices)).to.deep.equal(decodeBySlices(m, packed, nSlices));
      }
    });

    it('throws a RangeError when the stream is shorter than needed', () => {
      const m = drawMatrix({ nIn: 16, nOut: 20, nTap: 2, seed: 1 });
      const decoder = new StreamDecoder(m);
      expect(() => decoder.decode(new Uint8Array(19), 10)).to.throw(RangeError, /20/);
      expect(() => decodeStream(m, new Uint8Array(0), 1)).to.throw(RangeError);
      const odd = drawMatrix({ nIn: 5, nOut: 7, nTap: 2, seed: 1 });
      expect(() => decodeStream(odd, new Uint8Array(1), 2)).to.throw(RangeError); // 10 bits need 2 bytes
      expect(decodeStream(odd, new Uint8Array(2), 2).length).to.equal(2);
    });

    it('throws a RangeError for a bad slice count or matrix shape', () => {
      const m = drawMatrix({ nIn: 4, nOut: 8, nTap: 2, seed: 1 });
      expect(() => decodeStream(m, new Uint8Array(8), -1)).to.throw(RangeError);
      expect(() => decodeStream(m, new Uint8Array(8), 1.5)).to.throw(RangeError);
      expect(() => new StreamDecoder({ nIn: 3, nOut: 2, bits: new Uint8Array(6) })).to.throw(RangeError);
      expect(() => new StreamDecoder({ nIn: 2, nOut: 3, bits: new Uint8Array(5) })).to.throw(RangeError);
    });
  });
});
