/**
 * The operations between network layers (generator/core/netops.ts) against hand-computed values
 * and straightforward references: conv output sizes and windows, ReLU, max pool, the global
 * average pool with its divider (the divider itself: avg-divider.test.ts), flatten order, argmax
 * ties, and the quantization of real inputs.
 */
import { expect } from 'chai';
import { InputError } from '../generator/core/errors.js';
import { findAverageDivider } from '../generator/core/pool.js';
import {
  argmax,
  convOutputSize,
  convWindow,
  convWindows,
  flatten,
  globalAvgPoolInt,
  globalAvgPoolReal,
  intRange,
  maxPool,
  quantizeReal,
  relu,
} from '../generator/core/netops.js';

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
  it('averages each channel over H x W on integers (with the layer\'s divider) and on reals', () => {
    // 2 x 2 x 2: channel 0 sums to 1 + 2 + 3 + 4 = 10 -> 2.5 -> 3; channel 1 to -10 -> -2.5 -> -2.
    const x = Int32Array.from([1, -1, 2, -2, 3, -3, 4, -4]);
    expect(Array.from(globalAvgPoolInt(x, { h: 2, w: 2, c: 2 }, findAverageDivider(4, -8, 7)!))).to.deep.equal([3, -2]);
    expect(Array.from(globalAvgPoolReal(Float64Array.from(x), { h: 2, w: 2, c: 2 }))).to.deep.equal([2.5, -2.5]);
  });

  it('computes floor((sum * M + R) / 2^S): the divider, not an exact division', () => {
    // 2 x 3 x 2, signed: sums 3 (0.5 -> 1) and -3 (-0.5 -> 0). The found divider (R = 2303) is
    // exact; with R = 2^(S-1) the sum -3 gives floor((-2049 + 2048) / 4096) = -1.
    const x = Int32Array.from([1, -1, 1, -1, 1, -1, 0, 0, 0, 0, 0, 0]);
    const divider = findAverageDivider(6, -128, 127)!;
    expect(divider).to.deep.equal({ multiplier: 683, shift: 12, round: 2303 });
    expect(Array.from(globalAvgPoolInt(x, { h: 2, w: 3, c: 2 }, divider))).to.deep.equal([1, 0]);
    expect(Array.from(globalAvgPoolInt(x, { h: 2, w: 3, c: 2 }, { ...divider, round: 2048 }))).to.deep.equal([1, -1]);
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
