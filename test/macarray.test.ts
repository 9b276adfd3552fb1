import { expect } from 'chai';
import fc from 'fast-check';
import { CHAIN_CELLS, planMacArray, sumOfTermsBits, type MacArrayPlan } from '../generator/rtl/macarray.js';

const wrap = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

/** The name inside `{{n{x[w-1]}}, x}` or a bare name. */
const nameOf = (expr: string) => /^\{\{\d+\{(\w+)\[\d+\]\}\}, (\w+)\}$/.exec(expr)?.[2] ?? expr;
/** neg<t>[i] is bit t * simd + i of neg_i. */
const signIndex = (plan: MacArrayPlan, signal: string, simd: number) => {
  const m = /^(\w+)\[(\d+)\]$/.exec(signal);
  const tree = plan.signs.find((s) => s.name === m?.[1]);
  if (!m || !tree) throw new Error(`not a sign bit: ${signal}`);
  return tree.tree * simd + Number(m[2]);
};

/**
 * Runs the planned cells as the RTL does: two's complement at each declared width, ~v as the
 * bitwise complement at A + 1 bits, the carry input as + 1. Returns each tree's root.
 */
function evaluate(plan: MacArrayPlan, acts: readonly number[], neg: readonly number[], actBits: number, accBits: number): bigint[] {
  const a = actBits;
  const sign = (signal: string) => neg[signIndex(plan, signal, acts.length)];
  const values = new Map<string, bigint>();
  const act = (i: number) => BigInt(acts[i]);
  for (const p of plan.pairs) {
    const x = act(2 * p.index);
    const y = act(2 * p.index + 1);
    values.set(`sum${p.index}`, wrap(x + y, a + 1));
    values.set(`dif${p.index}`, wrap(x - y, a + 1));
  }
  const read = (signal: string) => {
    if (/^\d+'d0$/.test(signal)) return 0n;
    const v = values.get(nameOf(signal));
    if (v === undefined) throw new Error(`read before written: ${signal}`);
    return v;
  };
  for (const cell of plan.cells) {
    const port = (name: string) => cell.ports.find((p) => p.port === name)!.signal;
    const r = read(port('r_i'));
    let term: bigint;
    let carry: bigint;
    if (cell.kind === 'pair') {
      const nx = sign(port('neg_x_i'));
      const ny = sign(port('neg_y_i'));
      const s = read(port('sum_i'));
      const d = read(port('dif_i'));
      const not = (v: bigint) => wrap(~v, a + 1);
      term = nx ? (ny ? not(s) : not(d)) : ny ? d : s;
      carry = BigInt(nx);
    } else {
      const n = sign(port('neg_i'));
      const m = /^acts_i\[(\d+):(\d+)\]$/.exec(port('a_i'))!;
      const i = Number(m[2]) / a;
      expect(Number(m[1])).to.equal(Number(m[2]) + a - 1);
      term = n ? wrap(~act(i), a) : act(i);
      carry = BigInt(n);
    }
    values.set(cell.name, wrap(r + term + carry, cell.width));
  }
  for (const j of plan.joins) values.set(j.name, wrap(read(j.a) + read(j.b), j.width));
  return plan.roots.map((root) => wrap(read(root.expr), accBits));
}

describe('MAC array plan', () => {
  it('sizes a sum of c terms +-a exactly: |sum| <= c * 2^(A-1)', () => {
    expect([1, 2, 3, 4, 8, 16].map((c) => sumOfTermsBits(c, 8))).to.deep.equal([9, 10, 10, 11, 12, 13]);
    expect(sumOfTermsBits(1, 1)).to.equal(2);
  });

  it('shares pair sums between trees, and uses single cells for one tree', () => {
    const shared = planMacArray(4, 16, 8, 18);
    expect(shared.form).to.equal('pairs');
    expect(shared.pairs).to.have.length(8);
    expect(shared.cells.filter((c) => c.kind === 'pair')).to.have.length(32);
    expect(shared.joins).to.have.length(4); // two chains of 4 per tree, one join each
    expect(shared.levels).to.equal(CHAIN_CELLS + 1);
    const alone = planMacArray(1, 16, 8, 18);
    expect(alone.form).to.equal('singles');
    expect(alone.pairs).to.have.length(0);
    expect(alone.cells.every((c) => c.kind === 'one')).to.equal(true);
    const odd = planMacArray(2, 5, 8, 12);
    expect(odd.cells.map((c) => c.kind)).to.deep.equal(['pair', 'pair', 'one', 'pair', 'pair', 'one']);
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

  it('reads every sign bit of a tree exactly once', () => {
    const plan = planMacArray(3, 11, 8, 16);
    for (let t = 0; t < 3; t++) {
      const signs = plan.cells
        .filter((c) => c.name.startsWith(`t${t}_`))
        .flatMap((c) => c.ports.filter((p) => p.port.startsWith('neg')).map((p) => signIndex(plan, p.signal, 11)));
      expect(signs.sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 11 }, (_, i) => t * 11 + i));
    }
  });

  it('refuses an accumulator narrower than a tree', () => {
    expect(() => planMacArray(2, 16, 8, 12)).to.throw(RangeError, /wider than the accumulator/);
  });
});
