/**
 * The gearbox model (generator/rtl/layer/model.ts): the read positions a step can start at, the
 * phase table the `phases` window is built from, and the phases' codes.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { layerModel, MAX_WINDOW_PHASES, phaseCodes, type GearboxModel } from '../generator/rtl/layer/model.js';
import type { LayerGenOptions } from '../generator/rtl/layer/options.js';
import { phaseLutsPerBit } from '../generator/rtl/network/estimate.js';

/** LUT6 per window bit of a multiplexer over phases with these codes (model.ts, GearboxPhase.code). */
function lutsPerBit(codes: readonly number[]): number {
  if (codes.length <= 4) return 1;
  const sizes = [0, 1, 2, 3].map((hi) => codes.filter((c) => c >> 2 === hi).length);
  return sizes.filter((n) => n > 1).length + 1;
}

/**
 * Replays `vectors` vectors of steps through the phase table and through plain arithmetic on the
 * read position (modulo the ring), and returns the first disagreement, or undefined.
 */
function replay(g: GearboxModel, plan: { stepsPerVector: number; stepsPerRow: number }, vectors: number): string | undefined {
  const ringBits = g.groups * g.group;
  const byCode = new Map(g.phases.map((p) => [p.code, p]));
  let code = g.startPhase;
  let position = g.start;
  for (let v = 0; v < vectors; v++) {
    for (let s = 0; s < plan.stepsPerVector; s++) {
      const phase = byCode.get(code);
      if (phase === undefined) return `vector ${v} step ${s}: code ${code} is no phase`;
      if (phase.position !== position) return `vector ${v} step ${s}: phase at ${phase.position}, the read position is ${position}`;
      const kind = s === plan.stepsPerVector - 1 ? 'end' : (s + 1) % plan.stepsPerRow === 0 ? 'last' : 'chunk';
      const advance = kind === 'end' ? g.endAdvance : kind === 'last' ? g.lastAmount : g.chunk;
      const pops = Math.floor(((position % g.group) + advance) / g.group);
      const move = phase.next[kind];
      if (move.pops !== pops) return `vector ${v} step ${s}: ${move.pops} groups left behind, ${pops} by the arithmetic`;
      code = move.phase;
      position = (position + advance) % ringBits;
    }
  }
  return undefined;
}

const DEMO: LayerGenOptions = { shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16 };

describe('gearbox: read phases', function () {
  it('the ResNet-20 demo layer: 10 positions, the multiples of 8 in a ring of 4 x 20 bits, 3 LUT6 per window bit', function () {
    const model = layerModel(DEMO);
    const g = model.gearbox;
    expect(g.window).to.equal('phases');
    expect([g.groups, g.group, g.chunk, g.start]).to.deep.equal([4, 20, 16, 16]);
    // A vector is 30 groups (600 bits, 40 modulo the ring): every other vector starts 40 bits on.
    expect(g.phases.map((p) => p.position)).to.deep.equal([0, 8, 16, 24, 32, 40, 48, 56, 64, 72]);
    expect(g.phaseBits).to.equal(4);
    expect(lutsPerBit(g.phases.map((p) => p.code))).to.equal(3);
    expect(replay(g, model.plan, 12)).to.equal(undefined);
  });

  it('a layer whose steps can start at more than 16 positions keeps the shifting window', function () {
    // lanes 1, simd 1: a step of 1 bit over a ring of 4 x 5 bits starts at every one of its 20 bits.
    const g = layerModel({ shape: [4, 3, 2, 2], nIn: 3, nOut: 5, nTap: 2, seed: 5, lanes: 1, simd: 1 }).gearbox;
    expect([g.window, g.phases.length]).to.deep.equal(['shift', 0]);
  });

  it('a broken phase table is caught by the replay (the check can fail)', function () {
    const model = layerModel(DEMO);
    const g = model.gearbox;
    const wrong = { ...g, phases: g.phases.map((p, i) => (i === 3 ? { ...p, next: { ...p.next, chunk: { ...p.next.chunk, pops: p.next.chunk.pops + 1 } } } : p)) };
    expect(replay(wrong, model.plan, 2)).to.match(/groups left behind/);
    const moved = { ...g, phases: g.phases.map((p, i) => (i === 0 ? { ...p, position: p.position + 4 } : p)) };
    expect(replay(moved, model.plan, 2)).to.match(/phase at/);
  });

  it('random layers: the phase table follows the read position step by step, over vectors until they repeat', function () {
    const layers = fc.record({
      n: fc.integer({ min: 1, max: 12 }),
      k: fc.integer({ min: 1, max: 40 }),
      nOut: fc.integer({ min: 2, max: 24 }),
      lanes: fc.integer({ min: 1, max: 6 }),
      simd: fc.integer({ min: 1, max: 20 }),
      io: fc.boolean(),
      seed: fc.nat({ max: 1000 }),
    });
    let phased = 0;
    fc.assert(
      fc.property(layers, ({ n, k, nOut, lanes, simd, io, seed }) => {
        const nIn = Math.max(1, nOut - 2);
        const options: LayerGenOptions = { shape: [n, k], nIn, nOut, nTap: Math.min(2, nIn), seed, lanes: Math.min(lanes, n), simd: Math.min(simd, k), layout: io ? 'io' : 'oi' };
        const model = layerModel(options);
        const g = model.gearbox;
        if (g.window === 'shift') return;
        phased++;
        expect(g.phases.length).to.be.within(1, MAX_WINDOW_PHASES);
        expect(new Set(g.phases.map((p) => p.code)).size).to.equal(g.phases.length);
        expect(g.phases.every((p) => p.code < 2 ** g.phaseBits)).to.equal(true);
        // 2 * groups vectors: the vector starts repeat within `groups` vectors.
        expect(replay(g, model.plan, 2 * g.groups), JSON.stringify(options)).to.equal(undefined);
      }),
      { numRuns: 150, seed: 7 },
    );
    expect(phased).to.be.greaterThan(50);
  });

  it('phase codes: distinct, up to 4 one case, beyond groups of up to 4 with as many groups of one as fit', function () {
    for (let n = 1; n <= MAX_WINDOW_PHASES; n++) {
      const codes = phaseCodes(n);
      expect(codes, `n = ${n}`).to.have.length(n);
      expect(new Set(codes).size, `n = ${n}`).to.equal(n);
      expect(Math.max(...codes), `n = ${n}`).to.be.below(n <= 4 ? 4 : 16);
    }
    expect(phaseCodes(3)).to.deep.equal([0, 1, 2]);
    // LUT6 per bit: 2 up to 7 phases, 3 up to 10, 4 up to 13, 5 up to 16.
    expect(Array.from({ length: 16 }, (_, i) => lutsPerBit(phaseCodes(i + 1)))).to.deep.equal([1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]);
    expect(phaseCodes(10)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 12]);
    // The network's LUT estimate counts the same LUT6 per bit.
    for (let n = 1; n <= MAX_WINDOW_PHASES; n++) expect(phaseLutsPerBit(n), `n = ${n}`).to.equal(lutsPerBit(phaseCodes(n)));
    expect(() => phaseCodes(17)).to.throw(/17 phases, at most 16/);
  });
});
