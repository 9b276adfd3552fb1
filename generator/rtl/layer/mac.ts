/**
 * The views of the MAC array (templates/layer/layer_mac.hbs) and of its cells: the first cells of
 * chains (a pick of a pair or of a single), the pair cell, the single cell and the adder, each a
 * module file when the array uses it.
 */
import type { GeneratedFile } from '../design.js';
import { CHAIN_CELLS, sumOfTermsBits, type MacChain, type MacCut } from '../macarray.js';
import type { LayerModel } from './model.js';
import { moduleView, rtlFile } from './view.js';

export function macView(model: LayerModel) {
  const { mac, names, plan } = model;
  const stages = model.pipeline.macStages;
  // The first join after stage c's level (joins come in order of level), -1 for none: the root reads it.
  const firstReader = (c: MacCut) => stages.joins.findIndex((j) => j.level >= c.level);
  return {
    ...moduleView(model, names.mac),
    trees: mac.trees,
    simd: mac.simd,
    actBits: mac.actBits,
    accBits: mac.accBits,
    accDepth: plan.accDepth,
    ring: plan.accDepth > 1,
    actsBits: mac.simd * mac.actBits,
    signBits: mac.trees * mac.simd,
    accsBits: mac.trees * mac.accBits,
    pairs: mac.pairs,
    chainCells: CHAIN_CELLS,
    // A chain's cells, each at the exact width of the running sum it outputs.
    // The chain's carry is its first cell's sign bit: x's for a pair, a's for a single.
    chains: mac.chains.map((c) => {
      const cells = chainCells(c, mac.actBits);
      const last = cells[cells.length - 1];
      return { ...c, cells, last, carrySign: c.pairCells > 0 ? 2 * c.firstPair : c.firstSingle };
    }),
    // With --pipeline mac:N, each join's operands and the root are the registers of the last stage before them.
    // A stage's registers are declared before the first join that reads them.
    joins: stages.joins.map((j, i) => ({ ...j, cutsBefore: stages.cuts.filter((c) => firstReader(c) === i) })),
    cutsAfter: stages.cuts.filter((c) => firstReader(c) === -1),
    root: stages.root,
    rootCarry: stages.rootCarry,
    cuts: stages.cuts,
    every: stages.every,
    pickPairModule: names.macPickPair,
    pickOneModule: names.macPickOne,
    pairModule: names.macPair,
    oneModule: names.macOne,
    addModule: names.macAdd,
  };
}

/**
 * The cells of a chain, in order: cell k (1, 2, ...) outputs chain<index>_<k>, the sum of the
 * chain's first k cells less the chain's carry, and takes the previous one sign-extended: pair
 * cells (pair P: activations 2P, 2P + 1), then single cells. The first cell (no input) is only its
 * pick, A + 1 bits (a pair) or A (a single); the others are at the exact width of their sum.
 */
function chainCells(c: MacChain, actBits: number) {
  const cells: { k: number; width: number; signal: string; input: { width: number; from: number; signal: string } | null; pair?: number; act?: number; negX: number; negY: number }[] = [];
  for (let i = 0; i < c.pairCells + c.singleCells; i++) {
    const k = i + 1;
    const pair = i < c.pairCells;
    const terms = pair ? 2 * k : 2 * c.pairCells + (k - c.pairCells);
    const width = i > 0 ? sumOfTermsBits(terms, actBits) : pair ? actBits + 1 : actBits;
    const previous = cells[i - 1];
    cells.push({
      k,
      width,
      signal: `chain${c.index}_${k}`,
      input: previous === undefined ? null : { width, from: previous.width, signal: previous.signal },
      // A pair cell's sign bits are those of its two activations.
      ...(pair ? { pair: c.firstPair + i, negX: 2 * (c.firstPair + i), negY: 2 * (c.firstPair + i) + 1 } : { act: c.firstSingle + (i - c.pairCells), negX: 0, negY: 0 }),
    });
  }
  return cells;
}

/** The MAC array and the modules of the cells it uses. */
export function macFiles(model: LayerModel): GeneratedFile[] {
  const { mac, names, config } = model;
  const cell = (module: string, width: number) => ({ ...moduleView(model, module), actBits: config.actBits, pairBits: config.actBits + 1, width });
  const files: GeneratedFile[] = [];
  if (mac.kinds.pickPair) files.push(rtlFile(model, names.macPickPair, 'layer/layer_mac_pick_pair', cell(names.macPickPair, config.actBits + 1)));
  if (mac.kinds.pickOne) files.push(rtlFile(model, names.macPickOne, 'layer/layer_mac_pick_one', cell(names.macPickOne, config.actBits)));
  if (mac.kinds.pair) files.push(rtlFile(model, names.macPair, 'layer/layer_mac_pair', { ...cell(names.macPair, mac.widest.pair), paramLimits: [{ name: 'W', min: 'MIN_W' }] }));
  if (mac.kinds.one) files.push(rtlFile(model, names.macOne, 'layer/layer_mac_one', { ...cell(names.macOne, mac.widest.one), paramLimits: [{ name: 'W', min: 'MIN_W' }] }));
  if (mac.kinds.add) files.push(rtlFile(model, names.macAdd, 'layer/layer_mac_add', cell(names.macAdd, mac.widest.add)));
  files.push(rtlFile(model, names.mac, 'layer/layer_mac', macView(model)));
  return files;
}
