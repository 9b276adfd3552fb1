/**
 * The binary MAC array of a layer, as a netlist of small cells (docs/ARCHITECTURE.md, "MAC array").
 *
 * Every tree (one per plane and lane) adds SIMD signed terms +-a[i] per step: +a where the weight
 * bit is 1, -a where it is 0. The array takes the *sign* bits (neg = 1 means -a). Two forms:
 *
 * - pairs (more than one tree): the array computes s = x + y and d = x - y once for each pair of
 *   activations and shares them between all trees; a tree's cell picks s, d, ~d or ~s by the two
 *   sign bits (~v = -v - 1) and adds the missing 1 through its carry input: one LUT per bit
 *   selects and adds, for two MACs.
 * - singles (one tree): a cell adds a ^ {A{neg}} plus neg, i.e. +-a.
 *
 * Cells are chained, at most CHAIN_CELLS per chain, each chain at the width of its exact range;
 * chains are joined by a balanced tree of adders; the root goes into the accumulator. Each cell and
 * adder is its own module, so that synthesis maps each to one carry chain instead of merging the
 * whole tree into one multi-operand adder. All widths are exact (`sumOfTermsBits`), computed here;
 * the templates only print them.
 */
import { signedBits } from '../core/layer.js';

/** Most cells in one chain: bounds the LUT levels of a tree (one level per cell). */
export const CHAIN_CELLS = 4;

/** Bits of any sum of `count` terms +-a, a an `actBits`-bit signed activation: |sum| <= count * 2^(A-1). */
export function sumOfTermsBits(count: number, actBits: number): number {
  const m = BigInt(count) << BigInt(actBits - 1);
  return signedBits(-m, m);
}

/** `{{n{x[w-1]}}, x}`: x (w bits, signed) extended to `to` bits. */
export function extend(name: string, from: number, to: number): string {
  return to === from ? name : `{{${to - from}{${name}[${from - 1}]}}, ${name}}`;
}

export interface MacPair {
  readonly index: number;
  /** The two activations, sign-extended to A + 1 bits. */
  readonly x: string;
  readonly y: string;
}

export interface MacCell {
  /** Module kind: `pair` (two activations, shared s and d) or `one` (one activation). */
  readonly kind: 'pair' | 'one';
  readonly name: string;
  readonly width: number;
  /** Port connections, in the order the cell declares them. */
  readonly ports: readonly { readonly port: string; readonly signal: string }[];
}

export interface MacJoin {
  readonly name: string;
  readonly width: number;
  readonly a: string;
  readonly b: string;
}

export interface MacArrayPlan {
  readonly trees: number;
  readonly form: 'pairs' | 'singles';
  readonly pairs: readonly MacPair[];
  readonly cells: readonly MacCell[];
  readonly joins: readonly MacJoin[];
  /** Per tree, the wire holding its SIMD sign bits (a slice of neg_i). */
  readonly signs: readonly { readonly tree: number; readonly name: string }[];
  /** Per tree, its root extended to accBits. */
  readonly roots: readonly { readonly tree: number; readonly expr: string }[];
  /** Cell kinds in use (a module file each). */
  readonly kinds: { readonly pair: boolean; readonly one: boolean; readonly add: boolean };
  /** The longest chain of cells plus join levels: LUT levels of a tree, without the accumulator. */
  readonly levels: number;
}

interface Node {
  readonly name: string;
  readonly width: number;
  readonly count: number;
}

/**
 * The cells of `trees` trees of `simd` terms of `actBits`-bit activations (`acts_i`, activation i at
 * [i*A +: A]) with sign bits `neg_i` (tree t, term i at t * simd + i, as wire neg<t>), each root at `accBits`.
 */
export function planMacArray(trees: number, simd: number, actBits: number, accBits: number): MacArrayPlan {
  const a = actBits;
  const form = trees > 1 && simd > 1 ? 'pairs' : 'singles';
  const nPairs = form === 'pairs' ? Math.floor(simd / 2) : 0;
  const act = (i: number) => `acts_i[${i * a + a - 1}:${i * a}]`;
  const actWide = (i: number) => `{acts_i[${i * a + a - 1}], ${act(i)}}`;
  const pairs: MacPair[] = Array.from({ length: nPairs }, (_, p) => ({ index: p, x: actWide(2 * p), y: actWide(2 * p + 1) }));
  const cells: MacCell[] = [];
  const joins: MacJoin[] = [];
  const roots: { tree: number; expr: string }[] = [];
  let levels = 0;
  for (let t = 0; t < trees; t++) {
    // A wire per tree: simulators then wake a tree's cells for its own sign bits only.
    const neg = (i: number) => `neg${t}[${i}]`;
    // The terms as cell inputs: pairs first, then any single left over.
    const items: { kind: 'pair' | 'one'; count: number; ports: (r: string) => { port: string; signal: string }[] }[] = [];
    for (let p = 0; p < nPairs; p++) {
      items.push({
        kind: 'pair',
        count: 2,
        ports: (r) => [
          { port: 'r_i', signal: r },
          { port: 'sum_i', signal: `sum${p}` },
          { port: 'dif_i', signal: `dif${p}` },
          { port: 'neg_x_i', signal: neg(2 * p) },
          { port: 'neg_y_i', signal: neg(2 * p + 1) },
        ],
      });
    }
    for (let i = 2 * nPairs; i < simd; i++) {
      items.push({
        kind: 'one',
        count: 1,
        ports: (r) => [
          { port: 'r_i', signal: r },
          { port: 'a_i', signal: act(i) },
          { port: 'neg_i', signal: neg(i) },
        ],
      });
    }
    // Chains of at most CHAIN_CELLS cells, each at its own exact width.
    let layer: Node[] = [];
    for (let start = 0, c = 0; start < items.length; start += CHAIN_CELLS, c++) {
      const chain = items.slice(start, start + CHAIN_CELLS);
      const count = chain.reduce((n, it) => n + it.count, 0);
      const width = sumOfTermsBits(count, a);
      let r = `${width}'d0`;
      chain.forEach((it, k) => {
        const name = `t${t}_c${c}_${k}`;
        cells.push({ kind: it.kind, name, width, ports: [...it.ports(r), { port: 'o', signal: name }] });
        r = name;
      });
      layer.push({ name: r, width, count });
    }
    // A balanced tree of adders over the chains.
    let joinLevels = 0;
    while (layer.length > 1) {
      joinLevels++;
      const next: Node[] = [];
      for (let i = 0; i + 1 < layer.length; i += 2) {
        const count = layer[i].count + layer[i + 1].count;
        const width = sumOfTermsBits(count, a);
        const name = `t${t}_j${joinLevels}_${i / 2}`;
        joins.push({ name, width, a: extend(layer[i].name, layer[i].width, width), b: extend(layer[i + 1].name, layer[i + 1].width, width) });
        next.push({ name, width, count });
      }
      if (layer.length % 2 === 1) next.push(layer[layer.length - 1]);
      layer = next;
    }
    levels = Math.max(levels, Math.min(items.length, CHAIN_CELLS) + joinLevels);
    const root = layer[0];
    if (root.width > accBits) throw new RangeError(`planMacArray: a tree's root (${root.width} bits) is wider than the accumulator (${accBits})`);
    roots.push({ tree: t, expr: extend(root.name, root.width, accBits) });
  }
  return {
    trees,
    form,
    pairs,
    cells,
    joins,
    signs: Array.from({ length: trees }, (_, t) => ({ tree: t, name: `neg${t}` })),
    roots,
    kinds: { pair: cells.some((c) => c.kind === 'pair'), one: cells.some((c) => c.kind === 'one'), add: joins.length > 0 },
    levels,
  };
}
