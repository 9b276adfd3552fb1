/**
 * A model of the LUTs an accelerator's block takes on 6-input LUTs (7-series), computed at
 * generation time from the block's parameters, with no synthesis (docs/NETWORK.md, "LUT
 * estimate"). The coefficients were fitted on the small CNN (docs/examples/small-cnn.yaml)
 * against `flexor synth --target xilinx` (Yosys 0.55); test/netestimate.synth.test.ts checks the
 * estimate against Yosys on that network within a stated band. LUTs only: LUT RAM sites, carry
 * cells, flip-flops and DSPs are not estimated.
 */
import { rowTaps, type XorMatrix } from '../../core/matrix.js';
import { flattenBanks } from '../stream/flatten.js';

/** The model's coefficients (docs/NETWORK.md, "LUT estimate"), one place to change them. */
export const LUT_MODEL = {
  /** A binary MAC (pair cells, joins, pair sums, accumulator share): LUTs per MAC per activation bit, plus a constant per MAC. */
  macPerBit: 1,
  macConstant: 1.5,
  /** With a single tree (q x lanes = 1) nothing is shared: each term a cell of its own and the adder tree, LUTs per MAC beside macPerBit x A. */
  macSingleTreeConstant: 6.5,
  /** A unit's gearbox ring where its window shifts: a CHUNK-bit shift by one of the reachable offsets (multiples of gcd(chunk, group, end advance) below a group), a multiplexer per bit over them, this many inputs per LUT (LUT6 and MUXF7/8), plus a constant per unit; and the read control all units share. */
  gearboxMuxInputsPerLut: 4,
  gearboxConstant: 15,
  gearboxShared: 30,
  /** Where the window is a multiplexer over the read positions (layer manifest gearbox.window 'phases'): the LUT6 per bit its codes give (1 up to 4 positions, 3 for 10; GearboxPhase.code), plus a constant per unit. */
  gearboxPhasedConstant: 3,
  /** A unit ROM in LUTs: words per LUT6 (a LUT6 is a 64 x 1 ROM), per bit of the word. */
  romWordsPerLut: 64,
  /** A unit ROM this deep or deeper goes to block RAM, no LUTs (docs/SYNTH.md: Yosys maps a 1024-word ROM to a RAMB36E1). */
  romBlockRamDepth: 1024,
  /** An engine's top: scale stage, collector, output buffer and control, per lane and a constant. */
  engineTopPerLane: 25,
  engineTopConstant: 115,
  /** The collector's columns (layer manifest latency.collectorCycles > 0) leave out the beat multiplexer: LUTs per accumulator bit of a beat (lanes x q x acc bits) per 4 beats. */
  columnsSavedPerBit: 1,
  /** A sliding window: LUTs per bit of the window's values (kh x kw x C values of A bits: line buffer reads and the selection), plus control. */
  windowPerValueBit: 1.64,
  windowConstant: 200,
  /** A flatten: LUTs per bank input bit of its two crossbars (NB banks x bits x (S slots out + P lanes in)), plus control. */
  flattenPerCrossbarBit: 0.585,
  flattenConstant: 109,
  /** A FIFO (LUT RAM storage): LUTs per data bit, plus a constant. */
  fifoPerDataBit: 1,
  fifoConstant: 30,
  /** A FIFO this deep or deeper (a residual network's bypass FIFO) keeps its storage in block RAM: LUTs of its control, fitted on ResNet-20's bypass FIFOs of 1168, 1504 and 1792 words (101, 97 and 93 LUTs). */
  fifoBlockRamDepth: 1024,
  fifoBlockRamConstant: 97,
  /** An add: its two constant multipliers go to DSPs; LUTs per value of a beat per bit of the saturated sum (sum and clamp), plus a constant. Fitted on ResNet-20's adds (p = 1, 9-bit sums: 21 LUTs and 2 DSPs). */
  addPerSumBit: 2,
  addConstant: 3,
  /** A width converter: LUTs per bit of its input and output beats ((from + to) values x bits), plus a constant. Fitted on ResNet-20's two from-p-to-1 converters (32 and 64 to 1, 8 bits: 629 and 1223 LUTs). */
  widthPerBit: 2.32,
  widthConstant: 16,
  /** The requantization tail: LUTs per value bit of a beat (lanes x output bits), plus a constant. */
  tailPerValueBit: 1.2,
  tailConstant: 8,
  /** A max pool: LUTs per value bit of a beat (comparator and select), plus a constant. */
  poolPerValueBit: 2,
  poolConstant: 25,
  /** The argmax: LUTs per logit bit of a beat (compare tree), plus a constant. */
  argmaxPerLogitBit: 2,
  argmaxConstant: 20,
  /** The logits fork. */
  forkConstant: 6,
} as const;

export type LutModel = { readonly [K in keyof typeof LUT_MODEL]: number };

/** One term of an estimate: what it counts and its LUTs. */
export interface EstimateTerm {
  readonly part: string;
  readonly luts: number;
}

/** A block's estimate: the terms and their sum (rounded to whole LUTs). */
export interface BlockEstimate {
  readonly luts: number;
  readonly terms: readonly EstimateTerm[];
}

/** What the engine model needs: the layer configuration, its plan and its XOR matrices. */
export interface EngineEstimateInput {
  readonly planes: number;
  readonly lanes: number;
  readonly simd: number;
  readonly actBits: number;
  /** Weight readers (lanes in oi, simd in io). */
  readonly units: number;
  /** Decoded bits a unit consumes per step. */
  readonly chunk: number;
  /** Bits of a gearbox group (SPF x Nout). */
  readonly group: number;
  /** Bits the read position advances at a vector's last step (lastChunk + wrapSkip). */
  readonly endAdvance: number;
  /** The read positions of a window that is a multiplexer over them (layer manifest gearbox.positions); undefined or empty where the window shifts. */
  readonly windowPositions?: number;
  /** The collector's columns (no beat multiplexer): the beats per vector and the accumulators' bits; undefined without. */
  readonly columns?: { readonly beats: number; readonly accBits: number };
  /** Bits of a unit ROM's word (planes x SPF x Nin). */
  readonly romWidth: number;
  /** Words of each unit's ROM. */
  readonly unitDepths: readonly number[];
  /** `block`: every unit ROM in block RAM; `auto` (default): those of romBlockRamDepth words or more; else none. */
  readonly romStyle?: 'auto' | 'block' | 'distributed' | 'registers';
  readonly matrices: readonly XorMatrix[];
}

function sum(terms: EstimateTerm[]): BlockEstimate {
  return { luts: Math.round(terms.reduce((n, t) => n + t.luts, 0)), terms };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * LUT6 per window bit of a multiplexer over n read positions, as the gearbox codes them
 * (GearboxPhase.code): one up to 4; beyond, one per group of two or more and one among the
 * groups, as many groups of one as fit: 2 up to 7, 3 up to 10, 4 up to 13, 5 up to 16.
 */
export function phaseLutsPerBit(n: number): number {
  return n <= 4 ? 1 : 1 + Math.ceil((n - 4) / 3);
}

/** LUT6s of one XOR row: none up to one tap, then one per 5 more inputs. */
function rowLuts(taps: number): number {
  return taps <= 1 ? 0 : Math.ceil((taps - 1) / 5);
}

/** A layer engine: MAC array, decoders, gearboxes, ROMs, the top's scale, collector and control. */
export function engineEstimate(e: EngineEstimateInput, m: LutModel = LUT_MODEL): BlockEstimate {
  const macs = e.planes * e.lanes * e.simd;
  const gearboxes = e.units * e.planes;
  const single = e.planes * e.lanes === 1;
  const macConstant = single ? m.macSingleTreeConstant : m.macConstant;
  const offsets = e.group / gcd(gcd(e.chunk, e.group), e.endAdvance);
  const phased = (e.windowPositions ?? 0) > 0;
  const gearboxTerm = phased
    ? { part: `gearboxes: ${gearboxes} x (chunk ${e.chunk} x ${phaseLutsPerBit(e.windowPositions!)} LUT6 per bit over ${e.windowPositions} read positions + ${m.gearboxPhasedConstant}) + ${m.gearboxShared} (their shared read control)`, luts: gearboxes * (e.chunk * phaseLutsPerBit(e.windowPositions!) + m.gearboxPhasedConstant) + m.gearboxShared }
    : { part: `gearboxes: ${gearboxes} x (chunk ${e.chunk} x ceil(${offsets} offsets / ${m.gearboxMuxInputsPerLut}) + ${m.gearboxConstant}) + ${m.gearboxShared} (their shared read control)`, luts: gearboxes * (e.chunk * Math.ceil(offsets / m.gearboxMuxInputsPerLut) + m.gearboxConstant) + m.gearboxShared };
  const columns = e.columns === undefined ? [] : [{ part: `the collector's columns, no beat multiplexer: -${m.columnsSavedPerBit} x ${e.lanes} lanes x ${e.planes} x ${e.columns.accBits} bits x ceil(${e.columns.beats} beats / 4)`, luts: -m.columnsSavedPerBit * e.lanes * e.planes * e.columns.accBits * Math.ceil(e.columns.beats / 4) }];
  const inBlockRam = (depth: number) => e.romStyle === 'block' || ((e.romStyle ?? 'auto') === 'auto' && depth >= m.romBlockRamDepth);
  const decoder = e.matrices.reduce((n, x) => n + Array.from({ length: x.nOut }, (_, j) => rowLuts(rowTaps(x, j).length)).reduce((a, b) => a + b, 0), 0);
  return sum([
    { part: `MAC array: ${macs} MACs x (${m.macPerBit} x ${e.actBits} + ${macConstant})${single ? ' (a single tree)' : ''}`, luts: macs * (m.macPerBit * e.actBits + macConstant) },
    { part: `decoders: ${e.units} units x ${decoder} LUTs (sum of ceil((taps - 1)/5) over the rows of ${e.planes} plane(s))`, luts: e.units * decoder },
    gearboxTerm,
    { part: `unit ROMs: ${e.romWidth}-bit words x ceil(depth / ${m.romWordsPerLut}) over ${e.unitDepths.length} ROMs, none in block RAM (rom style ${e.romStyle ?? 'auto'}: ${e.romStyle === 'block' ? 'all' : `at ${m.romBlockRamDepth} words or more`})`, luts: e.unitDepths.reduce((n, d) => n + (inBlockRam(d) ? 0 : e.romWidth * Math.ceil(d / m.romWordsPerLut)), 0) },
    { part: `scale, collector, control: ${m.engineTopPerLane} x ${e.lanes} lanes + ${m.engineTopConstant}`, luts: m.engineTopPerLane * e.lanes + m.engineTopConstant },
    ...columns,
  ]);
}

/** A stream block's estimate from its kind and its generator's options (plan.ts). */
export function streamBlockEstimate(kind: string, o: Readonly<Record<string, unknown>>, m: LutModel = LUT_MODEL): BlockEstimate {
  const n = (key: string): number => {
    const v = o[key];
    if (typeof v !== 'number') throw new Error(`streamBlockEstimate: ${kind} has no numeric option ${key}`);
    return v;
  };
  switch (kind) {
    case 'window': {
      const values = n('kh') * n('kw') * n('c');
      return sum([
        { part: `${m.windowPerValueBit} x ${values} window values x ${n('outBits')} bits`, luts: m.windowPerValueBit * values * n('outBits') },
        { part: 'control', luts: m.windowConstant },
      ]);
    }
    case 'flatten': {
      const banks = flattenBanks(n('h') * n('w'), n('p'), n('s'));
      const bits = banks * n('bits') * (n('s') + n('p'));
      return sum([
        { part: `crossbars: ${m.flattenPerCrossbarBit} x ${banks} banks x ${n('bits')} bits x (${n('s')} slots + ${n('p')} lanes)`, luts: m.flattenPerCrossbarBit * bits },
        { part: 'control', luts: m.flattenConstant },
      ]);
    }
    case 'fifo':
      if (typeof o.depth === 'number' && o.depth >= m.fifoBlockRamDepth) return sum([{ part: `control of a FIFO of ${o.depth} words, its storage in block RAM`, luts: m.fifoBlockRamConstant }]);
      return sum([{ part: `${m.fifoPerDataBit} x ${n('dataBits')} data bits + ${m.fifoConstant}`, luts: m.fifoPerDataBit * n('dataBits') + m.fifoConstant }]);
    case 'tail':
      return sum([{ part: `${m.tailPerValueBit} x ${n('lanes')} lanes x ${n('bits')} bits + ${m.tailConstant}`, luts: m.tailPerValueBit * n('lanes') * n('bits') + m.tailConstant }]);
    case 'maxpool':
    case 'avgpool':
      return sum([{ part: `${m.poolPerValueBit} x ${n('p')} values x ${n('bits')} bits + ${m.poolConstant}`, luts: m.poolPerValueBit * n('p') * n('bits') + m.poolConstant }]);
    case 'argmax':
      return sum([{ part: `${m.argmaxPerLogitBit} x ${n('lanes')} lanes x ${n('inBits')} bits + ${m.argmaxConstant}`, luts: m.argmaxPerLogitBit * n('lanes') * n('inBits') + m.argmaxConstant }]);
    case 'fork':
    case 'fmfork':
      return sum([{ part: 'handshake', luts: m.forkConstant }]);
    // Fitted on ResNet-20's stage blocks (make resnet20-synth): the add's multipliers in DSPs,
    // its sum and clamp in LUTs; a width converter's selection.
    case 'add':
      return sum([{ part: `${m.addPerSumBit} x ${n('p')} values x ${n('satBits')} sum bits + ${m.addConstant} (the two multipliers in DSPs)`, luts: m.addPerSumBit * n('p') * n('satBits') + m.addConstant }]);
    case 'shortcut':
      return sum([{ part: 'counters (not fitted)', luts: m.poolConstant }]);
    case 'width':
      return sum([{ part: `${m.widthPerBit} x ${n('from') + n('to')} values x ${n('bits')} bits + ${m.widthConstant}`, luts: m.widthPerBit * (n('from') + n('to')) * n('bits') + m.widthConstant }]);
    default:
      return sum([]);
  }
}
