/**
 * The operations between network layers (generator/core/netops.ts) against hand-computed values
 * and straightforward references: conv output sizes and windows, ReLU, max pool, the global
 * average pool's rounding and its multiplier/shift (checked exhaustively), flatten order, argmax
 * ties, and the quantization of real inputs.
 */
import { expect } from 'chai';
import { InputError } from '../generator/core/errors.js';
import {
  argmax,
  avgPoolDivider,
  convOutputSize,
  convWindow,
  convWindows,
  flatten,
  floorDiv,
  globalAvgPoolInt,
  globalAvgPoolReal,
  intRange,
  maxPool,
  quantizeReal,
  relu,
  roundHalfUpDiv,
} from '../generator/core/netops.js';

/** round_half_up(a / b) by exact rationals: the integer n with n - 1/2 <= a/b < n + 1/2. */
function roundHalfUpExact(a: number, b: number): number {
  // a/b + 1/2 = (2a + b) / 2b; its floor, found by stepping (independent of floorDiv).
  const num = 2 * a + b;
  const den = 2 * b;
  let n = Math.trunc(num / den) - 2;
  while ((n + 1) * den <= num) n++;
  return n;
}

describe('netops: conv windows', () => {
  it('gives PyTorch output sizes, floor((size + 2*padding - kernel) / stride) + 1', () => {
    const table: [number, number, number, number, number][] = [
      // size, kernel, stride, padding, expected
      [28, 5, 1, 2, 28],
      [14, 5, 1, 0, 10],
      [6, 3, 2, 1, 3], // (6 + 2 - 3) / 2 = 2.5: floor, the last padding row unused
      [32, 3, 2, 1, 16],
      [7, 3, 2, 1, 4],
      [5, 5, 1, 0, 1],
      [3, 3, 2, 0, 1],
    ];
    for (const [size, k, s, p, expected] of table) expect(convOutputSize(size, k, s, p), `${size} ${k} ${s} ${p}`).to.equal(expected);
  });

  it('reads x[ho*stride + i - pad][wo*stride + j - pad][cin] in (cin, i, j) order, zeros in the padding', () => {
    // 3 x 4 x 2 map, value = 100*h + 10*w + c + 1 (so 0 only in the padding).
    const shape = { h: 3, w: 4, c: 2 };
    const x = new Int32Array(24);
    for (let h = 0; h < 3; h++) for (let w = 0; w < 4; w++) for (let c = 0; c < 2; c++) x[(h * 4 + w) * 2 + c] = 100 * h + 10 * w + c + 1;
    const kernel = { cout: 1, cin: 2, kh: 2, kw: 3 };
    // stride 2, padding 1, output (1, 0): rows 1..2, cols -1..1.
    const v = convWindow(x, shape, kernel, 2, 1, 1, 0, new Int32Array(12));
    // k = (cin*2 + i)*3 + j
    const expected = [
      0, 101, 111, // cin 0, i 0 (row 1), j 0..2 (cols -1, 0, 1)
      0, 201, 211, // cin 0, i 1 (row 2)
      0, 102, 112, // cin 1, i 0
      0, 202, 212, // cin 1, i 1
    ];
    expect(Array.from(v)).to.deep.equal(expected);
    const all = convWindows(x, shape, kernel, 2, 1);
    expect(all).to.have.length(convOutputSize(3, 2, 2, 1) * convOutputSize(4, 3, 2, 1)); // 2 x 2
    expect(Array.from(all[2])).to.deep.equal(expected); // raster order: (1, 0) is the third
    // Output (0, 0): row -1 is padding, row 0 cols -1..1.
    expect(Array.from(all[0])).to.deep.equal([0, 0, 0, 0, 1, 11, 0, 0, 0, 0, 2, 12]);
  });
});

describe('netops: relu, max pool, flatten, argmax', () => {
  it('clamps below at 0 and leaves the input alone', () => {
    const x = Int32Array.from([-3, 0, 5, -128, 127]);
    expect(Array.from(relu(x))).to.deep.equal([0, 0, 5, 0, 127]);
    expect(Array.from(x)).to.deep.equal([-3, 0, 5, -128, 127]);
    expect(Array.from(relu(Float64Array.from([-0.5, 0.25])))).to.deep.equal([0, 0.25]);
  });

  it('takes the max of each k x k window (stride k), per channel', () => {
    // 4 x 4 x 2: channel 0 = 4h + w, channel 1 = -(4h + w).
    const x = new Int32Array(32);
    for (let h = 0; h < 4; h++) for (let w = 0; w < 4; w++) {
      x[(h * 4 + w) * 2] = 4 * h + w;
      x[(h * 4 + w) * 2 + 1] = -(4 * h + w);
    }
    const out = maxPool(x, { h: 4, w: 4, c: 2 }, 2);
    // windows: (0,0) {0,1,4,5}, (0,1) {2,3,6,7}, (1,0) {8,9,12,13}, (1,1) {10,11,14,15}
    expect(Array.from(out)).to.deep.equal([5, 0, 7, -2, 13, -8, 15, -10]);
    expect(Array.from(maxPool(x, { h: 4, w: 4, c: 2 }, 4))).to.deep.equal([15, 0]);
    expect(Array.from(maxPool(x, { h: 4, w: 4, c: 2 }, 1))).to.deep.equal(Array.from(x));
    expect(() => maxPool(x, { h: 4, w: 4, c: 2 }, 3)).to.throw(RangeError);
  });

  it('max pool commutes with the ReLU clamp', () => {
    const x = Int32Array.from({ length: 6 * 6 * 3 }, (_, i) => ((i * 7919) % 61) - 30);
    const shape = { h: 6, w: 6, c: 3 };
    expect(Array.from(maxPool(relu(x), shape, 3))).to.deep.equal(Array.from(relu(maxPool(x, shape, 3))));
  });

  it('flattens (H, W, C) stream order into PyTorch (C, H, W) order', () => {
    const H = 2;
    const W = 3;
    const C = 4;
    const x = new Int32Array(H * W * C);
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) x[(h * W + w) * C + c] = 100 * c + 10 * h + w;
    // PyTorch's x.flatten(1) of the [C, H, W] tensor: c slowest, then h, then w.
    const expected: number[] = [];
    for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) expected.push(100 * c + 10 * h + w);
    expect(Array.from(flatten(x, { h: H, w: W, c: C }))).to.deep.equal(expected);
    expect(expected.slice(0, 7)).to.deep.equal([0, 1, 2, 10, 11, 12, 100]);
  });

  it('breaks argmax ties towards the lowest index', () => {
    expect(argmax([1, 3, 3, 2])).to.equal(1);
    expect(argmax([5, 5])).to.equal(0);
    expect(argmax([-7, -2, -2, -9])).to.equal(1);
    expect(argmax([0])).to.equal(0);
    expect(argmax(Int32Array.from([-1, 4, 2, 4]))).to.equal(1);
  });
});

describe('netops: global average pool', () => {
  it('rounds half up: floor(sum / count + 1/2)', () => {
    const table: [number, number, number][] = [
      [3, 2, 2], // 1.5 -> 2
      [-3, 2, -1], // -1.5 -> -1
      [-1, 2, 0], // -0.5 -> 0
      [1, 2, 1], // 0.5 -> 1
      [5, 4, 1], // 1.25 -> 1
      [6, 4, 2], // 1.5 -> 2
      [-6, 4, -1], // -1.5 -> -1
      [-7, 4, -2], // -1.75 -> -2
      [0, 49, 0],
      [24, 49, 0], // 0.49 -> 0
      [25, 49, 1], // 0.51 -> 1
      [-25, 49, -1],
      [-24, 49, 0],
    ];
    for (const [sum, count, expected] of table) {
      expect(roundHalfUpDiv(sum, count), `${sum}/${count}`).to.equal(expected);
      expect(roundHalfUpExact(sum, count)).to.equal(expected);
    }
    for (let count = 1; count <= 40; count++) for (let sum = -300; sum <= 300; sum++) expect(roundHalfUpDiv(sum, count)).to.equal(roundHalfUpExact(sum, count));
  });

  it('floorDiv is the exact floor near 2^53', () => {
    const big = 2 ** 52 + 1;
    expect(floorDiv(big, 3)).to.equal(Number(BigInt(big) / 3n));
    expect(floorDiv(-big, 3)).to.equal(Number((-BigInt(big) - 2n) / 3n));
    expect(floorDiv(-1, 7)).to.equal(-1);
    expect(floorDiv(14, 7)).to.equal(2);
  });

  it('averages each channel over H x W on integers and on reals', () => {
    // 2 x 2 x 2: channel 0 sums to 1 + 2 + 3 + 4 = 10 -> 2.5 -> 3; channel 1 to -10 -> -2.5 -> -2.
    const x = Int32Array.from([1, -1, 2, -2, 3, -3, 4, -4]);
    expect(Array.from(globalAvgPoolInt(x, { h: 2, w: 2, c: 2 }))).to.deep.equal([3, -2]);
    expect(Array.from(globalAvgPoolReal(Float64Array.from(x), { h: 2, w: 2, c: 2 }))).to.deep.equal([2.5, -2.5]);
  });

  /** Does floor((s*M + R) / 2^S) give round_half_up(s / count) for every s in range? (brute force) */
  function works(count: number, min: number, max: number, m: number, shift: number, round: number): boolean {
    for (let s = count * min; s <= count * max; s++) {
      const hw = (BigInt(s) * BigInt(m) + BigInt(round)) >> BigInt(shift); // >> on BigInt is floor
      if (hw !== BigInt(roundHalfUpExact(s, count))) return false;
    }
    return true;
  }

  const cases: [number, number, number][] = [];
  for (let count = 1; count <= 36; count++) cases.push([count, 0, 255], [count, -128, 127]);
  cases.push([49, 0, 255], [49, -128, 127], [64, 0, 255], [64, -32768, 32767], [196, 0, 255], [100, -8, 7], [7, 0, 1], [3, -2, 1]);

  it('finds a multiplier, rounding constant and shift that match round_half_up for every sum in range', function () {
    this.timeout(60_000);
    for (const [count, min, max] of cases) {
      const { shift, multiplier, round } = avgPoolDivider(count, min, max);
      expect(works(count, min, max, multiplier, shift, round), `count ${count}, [${min}, ${max}]: M = ${multiplier}, R = ${round}, S = ${shift}`).to.equal(true);
      expect(round).to.be.within(0, 2 ** shift - 1);
    }
  });

  it('takes the smallest shift, then the smallest multiplier, then R closest to 2^(S-1) (brute force on small ranges)', function () {
    this.timeout(60_000);
    for (let count = 1; count <= 10; count++) {
      for (const [min, max] of [[-4, 3], [0, 7], [-2, 1]]) {
        const d = avgPoolDivider(count, min, max);
        const label = `count ${count}, [${min}, ${max}]: ${JSON.stringify(d)}`;
        // Every (M, R) with a smaller shift fails (M up to 2^(S+1), R in [0, 2^S)).
        for (let shift = 0; shift < d.shift; shift++) {
          for (let m = 0; m <= 2 ** (shift + 1); m++) for (let r = 0; r < 2 ** shift; r++) expect(works(count, min, max, m, shift, r), `${label}: S ${shift} M ${m} R ${r}`).to.equal(false);
        }
        for (let m = 0; m < d.multiplier; m++) for (let r = 0; r < 2 ** d.shift; r++) expect(works(count, min, max, m, d.shift, r), `${label}: M ${m} R ${r}`).to.equal(false);
        const half = d.shift > 0 ? 2 ** (d.shift - 1) : 0;
        for (let r = 0; r < 2 ** d.shift; r++) {
          if (Math.abs(r - half) < Math.abs(d.round - half) || (Math.abs(r - half) === Math.abs(d.round - half) && r < d.round)) {
            expect(works(count, min, max, d.multiplier, d.shift, r), `${label}: R ${r} is closer to 2^(S-1)`).to.equal(false);
          }
        }
      }
    }
  });

  it('needs R other than 2^(S-1) for signed sums when count is even and not a power of two', () => {
    expect(avgPoolDivider(1, -128, 127)).to.deep.equal({ shift: 0, multiplier: 1, round: 0 });
    // count 4: floor((s + 2) / 4) is round_half_up(s / 4) exactly.
    expect(avgPoolDivider(4, 0, 255)).to.deep.equal({ shift: 2, multiplier: 1, round: 2 });
    expect(avgPoolDivider(64, -128, 127)).to.deep.equal({ shift: 6, multiplier: 1, round: 32 });
    expect(avgPoolDivider(6, 0, 255)).to.deep.equal({ shift: 12, multiplier: 683, round: 2048 });
    // s = 3 (0.5 -> 1) needs 3M + R >= 2^S, s = -3 (-0.5 -> 0) needs -3M + R >= 0 ... with R = 2^(S-1)
    // that is M = 2^S / 6 exactly, impossible: R moves instead.
    const signed = avgPoolDivider(6, -128, 127);
    expect(signed).to.deep.equal({ shift: 12, multiplier: 683, round: 2303 });
    for (let m = 0; m <= 2 ** 13; m++) expect(works(6, -1, 1, m, 12, 2048), `M ${m}`).to.equal(false);
  });

  it('rejects a range without 0', () => {
    expect(() => avgPoolDivider(4, 1, 5)).to.throw(RangeError);
  });
});

describe('netops: integer ranges and real inputs', () => {
  it('gives signed and unsigned ranges', () => {
    expect(intRange(8, true)).to.deep.equal({ min: -128, max: 127 });
    expect(intRange(8, false)).to.deep.equal({ min: 0, max: 255 });
    expect(intRange(1, false)).to.deep.equal({ min: 0, max: 1 });
  });

  it('quantizes reals by round half to even of x / scale, then saturates', () => {
    const r = intRange(8, false);
    const s = 0.5;
    expect([0.25, 0.75, 1.25, -0.1, 200, 127.25, 127.75].map((x) => quantizeReal(x, s, r, 'x'))).to.deep.equal([0, 2, 2, 0, 255, 254, 255]);
    const signed = intRange(4, true);
    expect([-4.5, -3.5, 2.5, 3.5, 9, -9].map((x) => quantizeReal(x, 1, signed, 'x'))).to.deep.equal([-4, -4, 2, 4, 7, -8]);
    expect(() => quantizeReal(NaN, 1, signed, 'images[0][3]')).to.throw(InputError, 'images[0][3]');
  });
});
