/**
 * The sliding-window unit's model (generator/core/window.ts): the behavioural model against a
 * direct im2col, the banked cycle model (the RTL's registers, maps and handshake) against the
 * behavioural model with random stalls and several images back to back, the plan's buffer and
 * rate figures, the vector order against the layer's golden model in both weight layouts, and
 * the errors that name each bad option.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { StreamDecoder, unpackBits } from '../generator/core/golden.js';
import { drawLayer, layerGolden, resolveLayer, type Layout } from '../generator/core/layer.js';
import { InputError } from '../generator/core/errors.js';
import { testRandom } from '../generator/core/prng.js';
import { generateWindow } from '../generator/rtl/stream/window.js';
import {
  banksSeparate,
  freePixel,
  inputBeats,
  needPixels,
  planWindow,
  rateSlack,
  resolveWindow,
  runWindow,
  slidingWindow,
  vectorBeats,
  windowFigures,
  windowGeometry,
  type WindowConfig,
  type WindowOptions,
} from '../generator/core/window.js';

/** im2col written another way: pad the image with zeros, then copy each patch. */
function im2col(c: WindowConfig, image: ArrayLike<number>): number[][] {
  const ph = c.h + 2 * c.padding;
  const pw = c.w + 2 * c.padding;
  const padded = new Array<number>(ph * pw * c.c).fill(0);
  for (let y = 0; y < c.h; y++) {
    for (let x = 0; x < c.w; x++) {
      for (let ch = 0; ch < c.c; ch++) padded[((y + c.padding) * pw + x + c.padding) * c.c + ch] = image[(y * c.w + x) * c.c + ch];
    }
  }
  const columns: number[][] = [];
  for (let top = 0; top + c.kh <= ph; top += c.stride) {
    for (let left = 0; left + c.kw <= pw; left += c.stride) {
      const column: number[] = [];
      for (let ch = 0; ch < c.c; ch++) {
        for (let i = 0; i < c.kh; i++) for (let j = 0; j < c.kw; j++) column.push(padded[((top + i) * pw + left + j) * c.c + ch]);
      }
      columns.push(column);
    }
  }
  return columns;
}

function randomImage(c: WindowConfig, seed: number): number[] {
  const rng = testRandom(seed, 3);
  const low = c.signed ? -(2 ** (c.bits - 1)) : 0;
  return Array.from({ length: c.h * c.w * c.c }, () => low + rng.below(2 ** c.bits));
}

/** Window configurations: kernels 1/3/5 (rows and columns apart), stride 1/2, padding 0..2, odd and even sizes, P_in and S anywhere in range. */
const windowArb = fc
  .record({
    kh: fc.constantFrom(1, 3, 5),
    kw: fc.constantFrom(1, 3, 5),
    stride: fc.constantFrom(1, 2),
    padding: fc.integer({ min: 0, max: 2 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    c: fc.integer({ min: 1, max: 7 }),
    pFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    sFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    bits: fc.integer({ min: 2, max: 9 }),
    signed: fc.boolean(),
    slack: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
  })
  .map((r) => {
    const padding = Math.min(r.padding, Math.min(r.kh, r.kw) - 1);
    const h = Math.max(r.h, r.kh - 2 * padding);
    const w = Math.max(r.w, r.kw - 2 * padding);
    const k = r.c * r.kh * r.kw;
    const options: WindowOptions = {
      h,
      w,
      c: r.c,
      p: 1 + Math.floor(r.pFrac * (r.c - 1)),
      s: 1 + Math.floor(r.sFrac ** 2 * (k - 1)),
      kh: r.kh,
      kw: r.kw,
      stride: r.stride,
      padding,
      bits: r.bits,
      signed: r.signed,
      slack: r.slack === undefined ? undefined : Math.min(r.slack, h * w),
    };
    return options;
  });

/** The corners the sweep must hold whatever fast-check draws: S = 1, S = K, C = 1, C > S, P_in = C. */
const CORNERS: readonly WindowOptions[] = [
  { h: 5, w: 5, c: 3, p: 1, bits: 8, kh: 3, padding: 1, s: 1 },
  { h: 5, w: 7, c: 2, p: 2, bits: 8, kh: 3, stride: 2, padding: 2, s: 18 },
  { h: 9, w: 7, c: 1, p: 1, bits: 4, kh: 5, s: 7, signed: false },
  { h: 7, w: 5, c: 9, p: 4, bits: 6, kh: 3, kw: 1, padding: 0, s: 5 },
  { h: 3, w: 2, c: 2, p: 1, bits: 8, kh: 3, padding: 2, s: 1 },
  { h: 1, w: 1, c: 1, p: 1, bits: 2, kh: 1, s: 1 },
  { h: 6, w: 6, c: 5, p: 5, bits: 8, kh: 5, stride: 2, padding: 2, s: 125 },
];

describe('sliding window: behavioural model', () => {
  it('equals a direct im2col over kernels 1/3/5, stride 1/2, padding 0..2, odd sizes', () => {
    fc.assert(
      fc.property(windowArb, fc.integer({ min: 0, max: 1000 }), (options, seed) => {
        const c = resolveWindow(options);
        const image = randomImage(c, seed);
        const g = windowGeometry(c);
        const vectors = slidingWindow(c, image);
        expect(vectors.length).to.equal(g.outHeight * g.outWidth);
        expect(vectors).to.deep.equal(im2col(c, image));
      }),
      { numRuns: 200 },
    );
  });

  it('puts x[(cin*kh + i)*kw + j] = in[ho*s + i - pad][wo*s + j - pad][cin] in a hand-checked case', () => {
    // 3 x 3 x 2 image, value 10*(h*3 + w) + cin; 2 x 2 kernel, stride 1, padding 1: 4 x 4 outputs.
    const c = resolveWindow({ h: 3, w: 3, c: 2, p: 1, bits: 8, kh: 2, padding: 1, s: 1 });
    const image = Array.from({ length: 18 }, (_, n) => 10 * Math.floor(n / 2) + (n % 2));
    const vectors = slidingWindow(c, image);
    // Output (0, 0): window rows -1, 0 and columns -1, 0: only (0, 0) is inside.
    expect(vectors[0]).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 1]);
    // Output (1, 2): rows 0, 1, columns 1, 2: pixels 1, 2, 4, 5.
    expect(vectors[6]).to.deep.equal([10, 20, 40, 50, 11, 21, 41, 51]);
  });

  it('packs beats as docs/STREAMS.md says: P_in channels a pixel beat, S values a vector beat, zeros past C and K', () => {
    const c = resolveWindow({ h: 1, w: 2, c: 3, p: 2, bits: 8, kh: 1, s: 2 });
    expect(inputBeats(c, [1, 2, 3, 4, 5, 6])).to.deep.equal([[1, 2], [3, 0], [4, 5], [6, 0]]);
    expect(vectorBeats(c, [7, 8, 9])).to.deep.equal([[7, 8], [9, 0]]);
  });
});

describe('sliding window: the banked cycle model', () => {
  function check(options: WindowOptions, seed: number, stallRate: number): void {
    const c = resolveWindow(options);
    const plan = planWindow(c);
    const images = [0, 1, 2].map((i) => randomImage(c, seed * 7 + i));
    const rng = testRandom(seed, 4);
    const run = runWindow(plan, images, { inputGap: () => rng.below(1000) < stallRate, outputStall: () => rng.below(1000) < stallRate });
    const expected = images.flatMap((image) => slidingWindow(c, image).flatMap((v) => vectorBeats(c, v)));
    expect(run.beats.map((b) => b.data)).to.deep.equal(expected);
    const per = plan.geometry.beatsPerVector;
    expect(run.beats.map((b) => b.last)).to.deep.equal(expected.map((_, i) => i % per === per - 1));
  }

  it('emits every vector of three images back to back, bit-exact, with random stalls on both sides', () => {
    fc.assert(
      fc.property(windowArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 600 }), (options, seed, stall) => check(options, seed, stall)),
      { numRuns: 150 },
    );
  });

  it('holds the corners: S = 1, S = K, C = 1, C > S, P_in = C, W < kw, a 1 x 1 image', () => {
    CORNERS.forEach((options, i) => {
      check(options, i + 1, 300);
      check(options, i + 1, 0);
    });
  });

  it('reads every window pixel from its own bank, and the ring never overwrites a pixel still read', () => {
    fc.assert(
      fc.property(windowArb, (options) => {
        const c = resolveWindow(options);
        const plan = planWindow(c);
        const g = plan.geometry;
        expect(banksSeparate(plan.offsets, plan.banks)).to.equal(true);
        expect(plan.ringPixels % plan.banks).to.equal(0);
        for (let ho = 0; ho < g.outHeight; ho++) {
          for (let wo = 0; wo < g.outWidth; wo++) {
            // Every pixel the output reads lies in [free, need), fewer than D - stride pixels apart.
            const need = needPixels(c, ho, wo);
            const free = freePixel(c, ho, wo);
            expect(need - free).to.be.at.most(plan.ringPixels - c.slack);
            for (let i = 0; i < c.kh; i++) {
              for (let j = 0; j < c.kw; j++) {
                const y = ho * c.stride + i - c.padding;
                const x = wo * c.stride + j - c.padding;
                if (y >= 0 && y < c.h && x >= 0 && x < c.w) expect(y * c.w + x).to.be.within(free, need - 1);
              }
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('sliding window: figures', () => {
  it('holds D * C * bits in the ring, at most slack + M - 1 pixels past ((kh-1)*W + kw) * C * bits', () => {
    fc.assert(
      fc.property(windowArb, (options) => {
        const c = resolveWindow(options);
        const plan = planWindow(c);
        const f = windowFigures(plan);
        const bound = (c.kh - 1) * c.w + c.kw;
        expect(plan.spanPixels).to.be.at.most(bound);
        expect(plan.ringPixels).to.be.at.least(plan.spanPixels + c.slack);
        expect(plan.ringPixels).to.be.below(plan.spanPixels + c.slack + plan.banks);
        expect(f.ringBits).to.equal(plan.ringPixels * c.c * c.bits);
        expect(f.boundBits).to.equal(bound * c.c * c.bits);
        expect(f.ringBits - f.boundBits).to.be.at.most((c.slack + plan.banks - 1) * c.c * c.bits);
        // The memories of a bank hold exactly the C channels of each of its pixels.
        const lanes = plan.memories.reduce((sum, m) => sum + m.lanes * m.words, 0);
        expect(lanes).to.equal(c.c);
        expect(plan.memories.every((m) => m.depth === m.words * plan.bankPixels)).to.equal(true);
        const g = plan.geometry;
        expect(f.rateBoundCycles).to.equal(Math.max(c.h * c.w * Math.ceil(c.c / c.p), g.outputs * Math.ceil(g.k / c.s)));
        expect(f.idealCyclesPerImage).to.be.at.least(f.rateBoundCycles);
        const readRegisters = plan.banks * plan.memories.reduce((sum, m) => sum + m.lanes, 0) * c.bits;
        expect(f.bufferBits).to.equal(f.ringBits + readRegisters + c.s * c.outBits);
      }),
      { numRuns: 100 },
    );
  });

  it('reaches the rate bound when the input is the bottleneck, and stays within the first window when the output is', () => {
    // LeNet conv1: 28 x 28 x 1, 5 x 5, S = 25: one beat a vector, input-bound, 784 cycles an image.
    const lenet = windowFigures(planWindow(resolveWindow({ h: 28, w: 28, c: 1, p: 1, bits: 8, kh: 5, s: 25 })));
    expect(lenet.idealCyclesPerImage).to.equal(784);
    expect(lenet.idealCyclesPerImage).to.equal(lenet.rateBoundCycles);
    // LeNet conv2: 12 x 12 x 32, 5 x 5, S = 32: output-bound (25 beats a vector, 64 vectors); at an
    // image's start the output waits for the first window's pixels the ring could not take early.
    const c = resolveWindow({ h: 12, w: 12, c: 32, p: 32, bits: 8, kh: 5, s: 32 });
    const plan = planWindow(c);
    const f = windowFigures(plan);
    expect(f.rateBoundCycles).to.equal(1600);
    const lastSpan = needPixels(c, 7, 7) - freePixel(c, 7, 7);
    expect(f.idealCyclesPerImage).to.equal(1600 + needPixels(c, 0, 0) - (plan.ringPixels - lastSpan));
    expect(f.firstBeatLatency).to.equal(3);
  });

  it('trades ring for rate with slack: a stride-2 layer reaches its bound with about a row more', () => {
    const options: WindowOptions = { h: 32, w: 32, c: 16, p: 16, bits: 8, kh: 3, padding: 1, stride: 2, s: 16 };
    const tight = windowFigures(planWindow(resolveWindow(options)));
    const roomy = windowFigures(planWindow(resolveWindow({ ...options, slack: options.w + 2 })));
    expect(tight.rateBoundCycles).to.equal(2304);
    expect(tight.idealCyclesPerImage).to.be.above(2304);
    expect(roomy.idealCyclesPerImage).to.equal(2304);
    expect(roomy.ringBits).to.be.above(tight.ringBits);
  });
});

/**
 * Cycles per image of the cycle model between a source that sends a pixel beat every `tin` cycles
 * and a sink that takes a vector's `burst` beats in the first cycles of every `tout`; neither
 * catches up a cycle it lost (as in a network with no time to spare).
 */
function pacedCycles(options: WindowOptions, tin: number, tout: number, burst: number, images = 4): number {
  let cycle = 0;
  let next = 0;
  let offered = false;
  const run = runWindow(planWindow(resolveWindow(options)), images, {
    inputGap: () => {
      if (offered) next = cycle - 1 + tin;
      offered = cycle >= next;
      return !offered;
    },
    outputStall: () => cycle++ % tout >= burst,
  });
  return (run.imageEnds[images - 1] - run.imageEnds[1]) / (images - 2);
}

describe('sliding window: the slack that keeps the rate (docs/NETWORK.md, "Stride-2 windows")', () => {
  it('asks for about a row less two pixels at stride 2 with padding 1, nothing at stride 1 with "same" padding', () => {
    const at = (h: number, kh: number, stride: number, padding: number) => rateSlack(resolveWindow({ h, w: h, c: 4, p: 4, bits: 8, kh, stride, padding, s: 4 }));
    expect([at(32, 3, 2, 1), at(16, 3, 2, 1), at(8, 3, 2, 1)]).to.deep.equal([30, 14, 6]);
    expect(at(32, 1, 2, 0)).to.equal(30);
    expect([at(32, 3, 1, 1), at(16, 3, 1, 1)]).to.deep.equal([0, 0]);
  });

  it('keeps a stride-2 window at the period of a paced source and sink; the default slack does not (ResNet-20 s2b1, s3b1)', () => {
    const s2b1: WindowOptions = { h: 32, w: 32, c: 16, p: 16, bits: 8, kh: 3, padding: 1, stride: 2, s: 16 };
    const s3b1: WindowOptions = { h: 16, w: 16, c: 32, p: 32, bits: 8, kh: 3, padding: 1, stride: 2, s: 36 };
    for (const [options, tin, tout, burst, period] of [[s2b1, 32, 128, 9, 32768], [s3b1, 128, 512, 8, 32768], [s2b1, 9, 36, 9, 9216]] as const) {
      const slack = rateSlack(resolveWindow(options));
      expect(pacedCycles(options, tin, tout, burst)).to.be.above(period);
      expect(pacedCycles({ ...options, slack: slack - 4 }, tin, tout, burst)).to.be.above(period);
      expect(pacedCycles({ ...options, slack }, tin, tout, burst)).to.equal(period);
    }
  });
});

describe('sliding window: the layer reads its vectors in (cin, i, j) order in both layouts', () => {
  (['oi', 'io'] as Layout[]).forEach((layout) => {
    it(`${layout}: the layer's accumulators on the window's vectors equal a direct convolution`, () => {
      const [n, cin, kh, kw] = [3, 2, 3, 3];
      const layer = resolveLayer({ shape: [n, cin, kh, kw], nIn: 6, nOut: 9, nTap: 2, seed: 5, layout, actBits: 6 });
      const data = drawLayer(layer);
      const decoded = unpackBits(new StreamDecoder(data.matrices[0]).decode(data.encrypted[0], data.nSlices), n * layer.k);
      // The trained tensor's order: oi is [N, Cin, kh, kw]; io is [kh, kw, Cin, N] (docs/ARITHMETIC.md).
      const weight = (co: number, ci: number, i: number, j: number) => {
        const at = layout === 'oi' ? ((co * cin + ci) * kh + i) * kw + j : ((i * kw + j) * cin + ci) * n + co;
        return decoded[at] ? 1 : -1;
      };
      const c = resolveWindow({ h: 5, w: 4, c: cin, p: 1, bits: 6, kh, kw, stride: 2, padding: 1, s: 4 });
      const image = randomImage(c, 11);
      const g = windowGeometry(c);
      slidingWindow(c, image).forEach((vector, v) => {
        const [ho, wo] = [Math.floor(v / g.outWidth), v % g.outWidth];
        const acc = layerGolden(data, Int32Array.from(vector)).acc[0];
        for (let co = 0; co < n; co++) {
          let sum = 0;
          for (let ci = 0; ci < cin; ci++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const [y, x] = [ho * 2 + i - 1, wo * 2 + j - 1];
                if (y >= 0 && y < c.h && x >= 0 && x < c.w) sum += weight(co, ci, i, j) * image[(y * c.w + x) * cin + ci];
              }
            }
          }
          expect(Number(acc[co]), `output (${ho}, ${wo}), channel ${co}`).to.equal(sum);
        }
      });
    });
  });
});

describe('sliding window: options', () => {
  const base: WindowOptions = { h: 5, w: 5, c: 3, p: 1, bits: 8, kh: 3, s: 4 };
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['h', { h: 0 }, /^h: must be an integer from 1 to 4096/],
    ['w', { w: 2.5 }, /^w: must be/],
    ['c', { c: -1 }, /^c: must be/],
    ['p', { p: 4 }, /^p: must be an integer from 1 to c = 3/],
    ['bits', { bits: 1 }, /^bits: must be an integer from 2 to 32 \(signed\)/],
    ['kh', { kh: 17 }, /^kh: must be/],
    ['kw', { kw: 0 }, /^kw: must be/],
    ['stride', { stride: 3 }, /^stride: must be 1 or 2/],
    ['padding', { padding: 3 }, /^padding: must be an integer from 0 to min\(kh, kw\) - 1 = 2/],
    ['s', { s: 28 }, /^s: must be an integer from 1 to K = c \* kh \* kw = 27/],
    ['outBits', { outBits: 7 }, /^outBits: must be an integer from bits = 8 to 32/],
    ['signed', { signed: 'yes' }, /^signed: must be true or false/],
    ['slack', { slack: 26 }, /^slack: must be an integer from 0 to h \* w = 25/],
    ['h (too small for the kernel)', { h: 1, kh: 5, kw: 1, s: 4 }, /^h: h \+ 2 \* padding = 1 must be at least kh = 5/],
  ];
  bad.forEach(([field, change, message]) => {
    it(`rejects a bad ${field}, naming it and what is allowed`, () => {
      const attempt = () => resolveWindow({ ...base, ...change } as unknown as WindowOptions);
      expect(attempt).to.throw(InputError, message);
    });
  });

  it('defaults: kw = kh, stride 1, padding 0, signed, outBits = bits (signed) or bits + 1 (unsigned), slack = stride', () => {
    expect(resolveWindow(base)).to.include({ kw: 3, stride: 1, padding: 0, signed: true, outBits: 8, slack: 1 });
    expect(resolveWindow({ ...base, stride: 2 }).slack).to.equal(2);
    expect(resolveWindow({ ...base, signed: false }).outBits).to.equal(9);
  });
});

describe('sliding window: generated files', () => {
  it('generate for any configuration: the RTL recurrences (beat state, words read) match the plan', () => {
    fc.assert(
      fc.property(windowArb, (options) => {
        const design = generateWindow({ ...options, images: 0 });
        expect(design.files.filter((f) => f.role === 'rtl')).to.have.length(2);
      }),
      { numRuns: 40 },
    );
  });

  const configs: WindowOptions[] = [
    { h: 5, w: 5, c: 3, p: 1, bits: 8, kh: 3, padding: 1, s: 4 },
    { h: 2000, w: 3, c: 3, p: 3, bits: 32, kh: 3, padding: 1, s: 27 },
    { h: 6, w: 7, c: 10, p: 4, bits: 8, kh: 3, kw: 2, padding: 1, s: 9, slack: 20 },
    { h: 1, w: 1, c: 1, p: 1, bits: 1, signed: false, kh: 1, s: 1 },
  ];
  configs.forEach((options, i) => {
    it(`config ${i}: deterministic, headed, default_nettype none ... resetall, lines within 100 columns`, () => {
      const first = generateWindow({ ...options, hdl: i % 2 ? 'verilog' : 'sv', images: 0 });
      const second = generateWindow({ ...options, hdl: i % 2 ? 'verilog' : 'sv', images: 0 });
      expect(second.files).to.deep.equal(first.files);
      const rtl = first.files.filter((f) => f.role === 'rtl');
      expect(rtl.map((f) => f.path)).to.deep.equal([`rtl/${first.top}.${i % 2 ? 'v' : 'sv'}`, `rtl/${first.top}_mem.${i % 2 ? 'v' : 'sv'}`]);
      for (const f of rtl) {
        const text = f.contents as string;
        expect(text).to.match(/^\/\/ SPDX-License-Identifier: MIT\n\/\/ Generated by flexor-rtl /);
        expect(text).to.contain('`default_nettype none');
        expect(text.trimEnd().endsWith('`resetall')).to.equal(true);
        const long = text.split('\n').filter((line) => line.length > 100);
        expect(long, f.path).to.deep.equal([]);
      }
    });
  });

  it('states its latency figure: at most N cycles, or how early the last beat leaves when input rows reach no window', () => {
    const skipping = generateWindow({ h: 6, w: 6, c: 4, p: 4, bits: 8, kh: 1, stride: 2, s: 4, images: 0 });
    expect(skipping.figures.latencyBound).to.be.below(0);
    expect(skipping.summary.join('\n')).to.include(`the last beat out leaves ${-skipping.figures.latencyBound} cycles before the last beat in`);
    const plain = generateWindow({ h: 4, w: 4, c: 2, p: 2, bits: 8, kh: 3, padding: 1, s: 6, images: 0 });
    expect(plain.figures.latencyBound).to.be.at.least(0);
    expect(plain.summary.join('\n')).to.include(`latency at most ${plain.figures.latencyBound} cycles (last beat in to last beat out)`);
  });
});
