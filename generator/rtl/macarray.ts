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
 * The first cell of a chain has nothing to add to: it is only its pick (A + 1 bits for a pair, A
 * for a single), and the 1 its term lacks when x (or a) is negated, its sign bit, is the chain's
 * *carry*, added by an adder further on through its carry input, free on a carry chain: each join
 * takes one chain's carry, the accumulator the last one (a tree of n chains has n - 1 joins). A
 * chain's sum is thus its terms' sum less its carry, in the same exact width (the carry only
 * lowers the sum, and a width that holds +m holds -m - 1).
 *
 * Cells are chained, at most CHAIN_CELLS per chain, each chain at the width of its exact range;
 * chains are joined by a balanced tree of adders; the root goes into the accumulator. Each cell and
 * adder is its own module, so that synthesis maps each to one carry chain instead of merging the
 * whole tree into one multi-operand adder. Every tree has the same structure (only its sign bits
 * differ), so the plan describes one tree: which activations each chain's cells take, every
 * width, and which sums each join adds. Numbers only; the templates build the RTL from them.
 */
import { signedBits } from '../core/layer.js';

/** Most cells in one chain: bounds the LUT levels of a tree (one level per cell). */
export const CHAIN_CELLS = 4;

/** Bits of any sum of `count` terms +-a, a an `actBits`-bit signed activation: |sum| <= count * 2^(A-1). */
export function sumOfTermsBits(count: number, actBits: number): number {
  const m = BigInt(count) << BigInt(actBits - 1);
  return signedBits(-m, m);
}

/**
 * One chain of cells: first `pairCells` pair cells (pairs firstPair.., pair p being activations
 * 2p and 2p + 1), then `singleCells` single cells (activations firstSingle..). Every cell of the
 * chain is `width` bits wide, the exact width of the chain's sum of `terms` terms.
 */
export interface MacChain {
  /** The chain's sum is node `index` (chains come first among a tree's nodes). */
  readonly index: number;
  readonly width: number;
  readonly terms: number;
  readonly firstPair: number;
  readonly pairCells: number;
  readonly firstSingle: number;
  readonly singleCells: number;
}

/** A sum inside a tree: node `id` (chain `id`, or a join when id >= the chain count), `width` bits. */
export interface MacNode {
  readonly id: number;
  readonly width: number;
}

/**
 * An adder of two sums of a tree, each sign-extended to `width`, the exact width of their sum,
 * plus the carry of chain `carry` (through the adder's carry input).
 */
export interface MacJoin {
  /** Its sum is node `id`. */
  readonly id: number;
  /** 1 for adders of chains, 2 for adders of those, ... */
  readonly level: number;
  readonly width: number;
  readonly left: MacNode;
  readonly right: MacNode;
  /** The chain whose carry this join adds. */
  readonly carry: number;
}

export interface MacArrayPlan {
  readonly trees: number;
  readonly simd: number;
  readonly actBits: number;
  readonly accBits: number;
  readonly form: 'pairs' | 'singles';
  /** Pairs of activations whose sum and difference are shared (0 in the singles form). */
  readonly pairs: number;
  /** The chains of one tree (every tree is alike). */
  readonly chains: readonly MacChain[];
  /** The joins of one tree, each after the sums it adds. */
  readonly joins: readonly MacJoin[];
  /** The tree's step sum (a chain or the last join), sign-extended to accBits into the accumulator. */
  readonly root: MacNode;
  /** The chain whose carry the accumulator adds, with the root. */
  readonly rootCarry: number;
  /**
   * Cell kinds in use (a module file each): the first cells, pickPair (a chain that starts with a
   * pair) and pickOne (with a single), and the cells after them, pair and one; add for the joins.
   */
  readonly kinds: { readonly pickPair: boolean; readonly pickOne: boolean; readonly pair: boolean; readonly one: boolean; readonly add: boolean };
  /** The widest cell of each kind with a width parameter (its default; 0 when unused). */
  readonly widest: { readonly pair: number; readonly one: number; readonly add: number };
  /** The longest chain of cells plus join levels: LUT levels of a tree, without the accumulator. */
  readonly levels: number;
}

interface Sum extends MacNode {
  readonly count: number;
  /** The chain whose carry the sum still lacks (exactly one: each join adds one of its two operands'). */
  readonly carry: number;
}

/** The cells of `trees` trees of `simd` terms of `actBits`-bit activations, each root at `accBits`. */
export function planMacArray(trees: number, simd: number, actBits: number, accBits: number): MacArrayPlan {
  const form = trees > 1 && simd > 1 ? 'pairs' : 'singles';
  const pairs = form === 'pairs' ? Math.floor(simd / 2) : 0;
  // The terms as cell inputs: pairs first, then any single left over; chains of CHAIN_CELLS.
  const items = pairs + (simd - 2 * pairs);
  const chains: MacChain[] = [];
  for (let start = 0; start < items; start += CHAIN_CELLS) {
    const end = Math.min(items, start + CHAIN_CELLS);
    const pairCells = Math.max(0, Math.min(end, pairs) - start);
    const singleCells = end - start - pairCells;
    const terms = 2 * pairCells + singleCells;
    const firstSingle = 2 * pairs + Math.max(0, start - pairs);
    chains.push({ index: chains.length, width: sumOfTermsBits(terms, actBits), terms, firstPair: start, pairCells, firstSingle, singleCells });
  }
  // A balanced tree of adders over the chains.
  const joins: MacJoin[] = [];
  let layer: Sum[] = chains.map((c) => ({ id: c.index, width: c.width, count: c.terms, carry: c.index }));
  let level = 0;
  while (layer.length > 1) {
    level++;
    const next: Sum[] = [];
    for (let i = 0; i + 1 < layer.length; i += 2) {
      const [left, right] = [layer[i], layer[i + 1]];
      const count = left.count + right.count;
      // The join adds its left operand's carry; the right one's goes on with the join's sum.
      const join = { id: chains.length + joins.length, level, width: sumOfTermsBits(count, actBits), left: node(left), right: node(right), carry: left.carry };
      joins.push(join);
      next.push({ id: join.id, width: join.width, count, carry: right.carry });
    }
    if (layer.length % 2 === 1) next.push(layer[layer.length - 1]);
    layer = next;
  }
  const root = node(layer[0]);
  if (root.width > accBits) throw new RangeError(`planMacArray: a tree's root (${root.width} bits) is wider than the accumulator (${accBits})`);
  const widest = (widths: number[]) => Math.max(0, ...widths);
  return {
    trees,
    simd,
    actBits,
    accBits,
    form,
    pairs,
    chains,
    joins,
    root,
    rootCarry: layer[0].carry,
    kinds: {
      pickPair: chains.some((c) => c.pairCells > 0),
      pickOne: chains.some((c) => c.pairCells === 0),
      pair: chains.some((c) => c.pairCells > 1),
      one: chains.some((c) => c.singleCells > (c.pairCells > 0 ? 0 : 1)),
      add: joins.length > 0,
    },
    widest: {
      pair: widest(chains.filter((c) => c.pairCells > 1).map((c) => c.width)),
      one: widest(chains.filter((c) => c.singleCells > (c.pairCells > 0 ? 0 : 1)).map((c) => c.width)),
      add: widest(joins.map((j) => j.width)),
    },
    levels: Math.min(items, CHAIN_CELLS) + level,
  };
}

function node(sum: Sum): MacNode {
  return { id: sum.id, width: sum.width };
}

/** A sum as an operand: the signal that holds it where it is used (`sum<id>`, or a stage's register of it). */
export interface MacRef extends MacNode {
  readonly signal: string;
  /** Its width parameter, W_C<id> for a chain or W_J<id> for a join. */
  readonly widthParam: string;
}

/** A chain's carry as an adder's carry input: the signal that holds it there (`carry<chain>`, or a stage's register of it). */
export interface MacCarryRef {
  readonly chain: number;
  readonly signal: string;
}

/**
 * Register stage `index` (1, 2, ...) of every tree: the sums alive after level `level`, and the
 * chains' carries not yet added, each loaded from `source`.
 */
export interface MacCut {
  readonly index: number;
  readonly level: number;
  readonly nodes: readonly (MacRef & { readonly source: string })[];
  readonly carries: readonly (MacCarryRef & { readonly source: string })[];
}

/**
 * Register stages inside the trees (`--pipeline mac:N`, docs/ARCHITECTURE.md, "Pipeline"). A tree's
 * levels are its chains of cells (level 1), then each round of joins (levels 2, 3, ...); the
 * accumulator's adder follows the last. A stage after every `every`-th level registers every sum
 * alive there (a sum the odd count of a round carries up is registered at each stage it crosses),
 * so the trees are cut whole and the chains stay single carry chains. A chain's carry, ready with
 * the chain's sum, is registered at every stage before the adder that adds it, like a sum.
 */
export interface MacStages {
  readonly every: number;
  /** The tree's levels before the accumulator: 1 + join rounds. */
  readonly levels: number;
  readonly cuts: readonly MacCut[];
  /** Each join's operands and the root, as the signals that hold them after the stages before them. */
  readonly joins: readonly (MacJoin & { readonly leftRef: MacRef; readonly rightRef: MacRef; readonly carryRef: MacCarryRef })[];
  readonly root: MacRef;
  /** The carry the accumulator adds with the root. */
  readonly rootCarry: MacCarryRef;
}

/** The stages of `plan`'s trees with a register after every `every`-th level (0: none). */
export function planMacStages(plan: MacArrayPlan, every: number): MacStages {
  const chainCount = plan.chains.length;
  const produced = (id: number) => (id < chainCount ? 1 : plan.joins[id - chainCount].level + 1);
  const levels = 1 + Math.max(0, ...plan.joins.map((j) => j.level));
  const cutLevels = every > 0 ? Array.from({ length: Math.floor(levels / every) }, (_, i) => (i + 1) * every) : [];
  // The register of a value made at level `made` as read at `level`: the last stage between (0: none).
  const stage = (made: number, level: number) => {
    let last = 0;
    cutLevels.forEach((m, i) => {
      if (made <= m && m < level) last = i + 1;
    });
    return last;
  };
  // The signal of node `n` as read at `level`.
  const ref = (n: MacNode, level: number): MacRef => {
    const widthParam = n.id < chainCount ? `W_C${n.id}` : `W_J${n.id}`;
    const s = stage(produced(n.id), level);
    return { id: n.id, width: n.width, widthParam, signal: s === 0 ? `sum${n.id}` : `sum${n.id}_s${s}_q` };
  };
  // The signal of chain `chain`'s carry as read at `level` (made with the chain's sum, at level 1).
  const carryRef = (chain: number, level: number): MacCarryRef => {
    const s = stage(1, level);
    return { chain, signal: s === 0 ? `carry${chain}` : `carry${chain}_s${s}_q` };
  };
  const consumers = [...plan.joins.flatMap((j) => [{ node: j.left, level: j.level + 1 }, { node: j.right, level: j.level + 1 }]), { node: plan.root, level: levels + 1 }];
  const carryConsumers = [...plan.joins.map((j) => ({ chain: j.carry, level: j.level + 1 })), { chain: plan.rootCarry, level: levels + 1 }];
  const cuts = cutLevels.map((m, i) => ({
    index: i + 1,
    level: m,
    nodes: consumers
      .filter((c) => produced(c.node.id) <= m && m < c.level)
      .map((c) => ({ ...ref(c.node, m + 1), source: ref(c.node, m).signal }))
      .sort((a, b) => a.id - b.id),
    carries: carryConsumers
      .filter((c) => 1 <= m && m < c.level)
      .map((c) => ({ ...carryRef(c.chain, m + 1), source: carryRef(c.chain, m).signal }))
      .sort((a, b) => a.chain - b.chain),
  }));
  return {
    every,
    levels,
    cuts,
    joins: plan.joins.map((j) => ({ ...j, leftRef: ref(j.left, j.level + 1), rightRef: ref(j.right, j.level + 1), carryRef: carryRef(j.carry, j.level + 1) })),
    root: ref(plan.root, levels + 1),
    rootCarry: carryRef(plan.rootCarry, levels + 1),
  };
}
