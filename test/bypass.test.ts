/**
 * The bypass FIFO bound (docs/NETWORK.md, "Bypass FIFOs"): what a residual block's bypass must
 * hold, from the branches' data dependencies, against a direct count.
 */
import { expect } from 'chai';
import { bypassBound, pathNeed, stepNeed, type PathStep } from '../generator/rtl/network/bypass.js';

const conv = (h: number, w: number, stride = 1, k = 3, padding = 1): PathStep => ({
  kind: 'conv', h, w, wo: Math.floor((w + 2 * padding - k) / stride) + 1, kernel: { cout: 1, cin: 1, kh: k, kw: k }, stride, padding,
});

describe('the bypass FIFO bound', () => {
  it('a 3x3 conv (pad 1) needs its input up to (r + 1, q + 1), clipped at the edges', () => {
    const c = conv(8, 8);
    expect(stepNeed(c, 0)).to.equal(8 + 1 + 1);
    expect(stepNeed(c, 2 * 8 + 3)).to.equal(3 * 8 + 4 + 1);
    expect(stepNeed(c, 7)).to.equal(8 + 7 + 1);
    expect(stepNeed(c, 63)).to.equal(64);
    expect(pathNeed([c, c], 0)).to.equal(2 * 8 + 2 + 1);
  });

  it('two 3x3 convs and an identity shortcut: 2W + 3 pixels; by a direct count of what the bypass holds', () => {
    for (const w of [4, 8, 32]) {
      const branch = [conv(w, w), conv(w, w)];
      expect(bypassBound(branch, [], w * w)).to.equal(2 * w + 3);
      // Direct: the bypass holds the fork's pixels o .. need(o) - 1 when the branch emits o.
      let most = 0;
      for (let o = 0; o < w * w; o++) most = Math.max(most, pathNeed(branch, o) - o);
      expect(most).to.equal(2 * w + 3);
    }
  });

  it('a stride-2 conv then a 3x3 conv, with option A: only the kept pixels count', () => {
    const w = 8;
    const branch = [conv(w, w, 2), conv(w / 2, w / 2)];
    const bypass: PathStep[] = [{ kind: 'shortcut', w, wo: w / 2, stride: 2 }];
    // Output (0, 0) needs the input up to (3, 3): kept pixels (0, 0..3) and (2, 0..3): 8.
    expect(bypassBound(branch, bypass, (w / 2) ** 2)).to.equal(8);
  });
});
