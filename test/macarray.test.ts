import { expect } from 'chai';
import fc from 'fast-check';
import { CHAIN_CELLS, planMacArray, sumOfTermsBits, type MacArrayPlan, type MacNode } from '../generator/rtl/macarray.js';

const wrap = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

/**
 * Runs the planned cells of every tree as the RTL does: two's complement at each declared width,
 * ~v as the bitwise complement at A + 1 bits (pairs) or A bits (singles), the carry input as + 1.
 * A chain's first cell is only its pick; its carry (its x's or a's sign bit) is added by the join
 * or the accumulator the plan names. Tree t's term i is activation i signed by neg[t * simd + i].
 * Returns each tree's accumulator input (root plus its carry).
 */
function evaluate(plan: MacArrayPlan, acts: readonly number[], neg: readonly number[], actBits: number, accBits: number): bigint[] {
  const a = actBits;
  const act = (i: number) => BigInt(acts[i]);
  const not = (v: bigint, bits: number) => wrap(~v, bits);
  return Array.from({ length: plan.trees }, (_, t) => {
    const sign = (i: number) => neg[t * plan.simd + i];
    const sums = new Map<number, bigint>();
    const read = (n: MacNode) => {
      const v = sums.get(n.id);
      if (v === undefined) throw new Error(`sum ${n.id} read before it is computed`);
      expect(wrap(v, n.width)).to.equal(v);
      return v;
    };
    const carries = new Map<number, bigint>();
    for (const chain of plan.chains) {
      expect(sums.has(chain.index)).to.equal(false);
      let r = 0n;
      // The first cell: its pick alone, at its own width; its sign bit is the chain's carry.
      let first = true;
      const cell = (term: bigint, carry: number, pickBits: number) => {
        if (first) {
          expect(wrap(term, pickBits)).to.equal(term);
          carries.set(chain.index, BigInt(carry));
          first = false;
          return term;
        }
        return wrap(r + term + BigInt(carry), chain.width);
      };
      for (let k = 0; k < chain.pairCells; k++) {
        const p = chain.firstPair + k;
        expect(p).to.be.below(plan.pairs);
        const s = wrap(act(2 * p) + act(2 * p + 1), a + 1);
        const d = wrap(act(2 * p) - act(2 * p + 1), a + 1);
        const nx = sign(2 * p);
        const ny = sign(2 * p + 1);
        const term = nx ? (ny ? not(s, a + 1) : not(d, a + 1)) : ny ? d : s;
        r = cell(term, nx, a + 1);
      }
      for (let k = 0; k < chain.singleCells; k++) {
        const i = chain.firstSingle + k;
        const n = sign(i);
        r = cell(n ? not(act(i), a) : act(i), n, a);
      }
      expect(wrap(r, chain.width)).to.equal(r);
      sums.set(chain.index, r);
    }
    const carry = (chain: number) => {
      const c = carries.get(chain);
      if (c === undefined) throw new Error(`chain ${chain}'s carry added twice or never made`);
      carries.delete(chain);
      return c;
    };
    for (const j of plan.joins) {
      expect(sums.has(j.id)).to.equal(false);
      expect(j.width).to.be.at.least(Math.max(j.left.width, j.right.width));
      sums.set(j.id, wrap(read(j.left) + read(j.right) + carry(j.carry), j.width));
    }
    const root = wrap(read(plan.root) + carry(plan.rootCarry), accBits);
    expect([...carries.keys()], 'carries never added').to.deep.equal([]);
    return root;
  });
}

/** The activation indices a tree's cells read, in chain order. */
const termsRead = (plan: MacArrayPlan) =>
  plan.chains.flatMap((c) => [
    ...Array.from({ length: c.pairCells }, (_, k) => [2 * (c.firstPair + k), 2 * (c.firstPair + k) + 1]).flat(),
    ...Array.from({ length: c.singleCells }, (_, k) => c.firstSingle + k),
  ]);

describe('MAC array plan', () => {
  it('sizes a sum of c terms +-a exactly: |sum| <= c * 2^(A-1)', () => {
    expect([1, 2, 3, 4, 8, 16].map((c) => sumOfTermsBits(c, 8))).to.deep.equal([9, 10, 10, 11, 12, 13]);
    expect(sumOfTermsBits(1, 1)).to.equal(2);
  });

  it('shares pair sums between trees, and uses single cells for one tree', () => {
    const shared = planMacArray(4, 16, 8, 18);
    expect(shared.form).to.equal('pairs');
    expect(shared.pairs).to.equal(8);
    expect(shared.chains.map((c) => [c.pairCells, c.singleCells, c.width])).to.deep.equal([[4, 0, 12], [4, 0, 12]]);
    expect(shared.joins).to.have.length(1); // two chains of 4 per tree, one join
    expect(shared.root).to.deep.equal({ id: 2, width: 13 });
    expect(shared.levels).to.equal(CHAIN_CELLS + 1);
    const alone = planMacArray(1, 16, 8, 18);
    expect(alone.form).to.equal('singles');
    expect(alone.pairs).to.equal(0);
    expect(alone.chains.every((c) => c.pairCells === 0 && c.singleCells === 4)).to.equal(true);
    expect(alone.kinds).to.deep.equal({ pickPair: false, pickOne: true, pair: false, one: true, add: true });
    const odd = planMacArray(2, 5, 8, 12);
    expect(odd.chains).to.deep.equal([{ index: 0, width: 11, terms: 5, firstPair: 0, pairCells: 2, firstSingle: 4, singleCells: 1 }]);
    expect(odd.widest).to.deep.equal({ pair: 11, one: 11, add: 0 });
    expect(odd.kinds).to.deep.equal({ pickPair: true, pickOne: false, pair: true, one: true, add: false });
    const lastAlone = planMacArray(2, 17, 8, 16);
    expect(lastAlone.chains.map((c) => [c.pairCells, c.singleCells, c.firstSingle, c.width])).to.deep.equal([[4, 0, 16, 12], [4, 0, 16, 12], [0, 1, 16, 9]]);
  });

  it('computes sum_i (neg_i ? -a_i : +a_i) for every tree, extremes included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 2, max: 9 }),
        fc.nat(),
        fc.constantFrom('random', 'min', 'max'),
        (trees, simd, actBits, seed, kind) => {
          const accBits = sumOfTermsBits(simd * 3, actBits); // a ring of 3 steps' worth
          const plan = planMacArray(trees, simd, actBits, accBits);
          let state = seed;
          const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
          const lo = -(2 ** (actBits - 1));
          const acts = Array.from({ length: simd }, () => (kind === 'min' ? lo : kind === 'max' ? -lo - 1 : lo + (next() % 2 ** actBits)));
          const neg = Array.from({ length: trees * simd }, () => (kind === 'min' ? 1 : next() & 1));
          const roots = evaluate(plan, acts, neg, actBits, accBits);
          for (let t = 0; t < trees; t++) {
            let want = 0n;
            for (let i = 0; i < simd; i++) want += neg[t * simd + i] ? -BigInt(acts[i]) : BigInt(acts[i]);
            expect(roots[t]).to.equal(want);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads every activation of a tree exactly once', () => {
    for (const [trees, simd] of [[3, 11], [1, 9], [2, 16], [2, 1], [5, 2]]) {
      const plan = planMacArray(trees, simd, 8, 16);
      expect(termsRead(plan).sort((x, y) => x - y), `${trees} trees of ${simd}`).to.deep.equal(Array.from({ length: simd }, (_, i) => i));
    }
  });

  it("adds each chain's carry once: each join its left operand's, the accumulator the one left", () => {
    const carries = (plan: MacArrayPlan) => [plan.joins.map((j) => [j.id, j.carry]), plan.rootCarry];
    expect(carries(planMacArray(4, 16, 8, 18))).to.deep.equal([[[2, 0]], 1]); // the demo: the join takes chain 0's, the accumulator chain 1's
    expect(carries(planMacArray(2, 32, 8, 18))).to.deep.equal([[[4, 0], [5, 2], [6, 1]], 3]);
    expect(carries(planMacArray(2, 17, 8, 16))).to.deep.equal([[[3, 0], [4, 1]], 2]); // chain 2 is one single cell
    expect(carries(planMacArray(1, 3, 8, 16))).to.deep.equal([[], 0]); // one chain: the accumulator's
    expect(carries(planMacArray(1, 1, 8, 16))).to.deep.equal([[], 0]);
    for (const [trees, simd] of [[3, 11], [1, 9], [2, 16], [2, 1], [5, 2], [2, 77], [1, 40]]) {
      const plan = planMacArray(trees, simd, 8, 24);
      const added = [...plan.joins.map((j) => j.carry), plan.rootCarry].sort((x, y) => x - y);
      expect(added, `${trees} trees of ${simd}`).to.deep.equal(plan.chains.map((c) => c.index));
    }
  });

  it('misses the sum when a carry is misplaced (the check can fail)', () => {
    const plan = planMacArray(4, 16, 8, 18);
    // The join adds chain 1's carry as well as the accumulator: chain 0's is never added.
    const wrong: MacArrayPlan = { ...plan, joins: plan.joins.map((j) => ({ ...j, carry: plan.rootCarry })) };
    const acts = Array.from({ length: 16 }, (_, i) => i - 8);
    const neg = Array.from({ length: 4 * 16 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    expect(() => evaluate(wrong, acts, neg, 8, 18)).to.throw(/added twice or never made/);
    // The plan itself: tree 0's sum, chain 0's carry (neg[0] = 1) included.
    let want = 0n;
    for (let i = 0; i < 16; i++) want += neg[i] ? -BigInt(acts[i]) : BigInt(acts[i]);
    expect(evaluate(plan, acts, neg, 8, 18)[0]).to.equal(want);
  });

  it('refuses an accumulator narrower than a tree', () => {
    expect(() => planMacArray(2, 16, 8, 12)).to.throw(RangeError, /wider than the accumulator/);
  });
});
