/**
 * The typed model of a generated layer: every number of the design (widths, counts, offsets,
 * gearbox sizes, memory images, collector banks, testbench figures), computed once from the
 * configuration and the plan (docs/ARCHITECTURE.md, "The layer"). No RTL text: the view
 * builders beside this file pick what each template prints, and the templates write the RTL.
 */
import { drawActivations, layerGolden, layerWidths, weightPosition, type LayerConfig, type LayerData, type LayerWidths } from '../../core/layer.js';
import { unpackBits } from '../../core/golden.js';
import { testRandom } from '../../core/prng.js';
import { clog2 } from '../hdl.js';
import { planLayer, unitWeightImages, weightImage, type LayerPlan } from '../layerplan.js';
import type { MacArrayPlan } from '../macarray.js';
import { planCollector, type CollectorPlan } from './collectorplan.js';
import { layerMacArray, pipelineModel, type PipelineModel } from './pipeline.js';
import { FAST_VECTORS, type LayerGenOptions, type LayerIdentity, layerIdentity } from './options.js';

/** Module names of a layer design: `<top>_<part>`, one file each. */
export interface ModuleNames {
  readonly top: string;
  readonly acts: string;
  readonly gearbox: string;
  readonly rom: string;
  readonly mac: string;
  readonly macPickPair: string;
  readonly macPickOne: string;
  readonly macPair: string;
  readonly macOne: string;
  readonly macAdd: string;
  /** The XOR decoder of each plane. */
  readonly decoders: readonly string[];
}

/** Widths of the counters and streams of the top module. */
export interface TopModel {
  /** Output slots per emission, results per step. */
  readonly emits: number;
  readonly stepBits: number;
  readonly rowBits: number;
  readonly beatBits: number;
  readonly emitBits: number;
  /** Counter of output beats left, 0..beatsPerVector. */
  readonly outBeatBits: number;
  /** Activation beats per vector: ceil(K / SIMD); and the lanes of the last one that hold inputs. */
  readonly loadBeats: number;
  readonly lastBeatLanes: number;
  readonly actDataBits: number;
  readonly actBeatBits: number;
  readonly slotBits: number;
  readonly outBeatDataBits: number;
}

/** The activation buffer: oi banks in LUT RAM, or io per-unit registers. */
export interface ActsModel {
  readonly stepBits: number;
  /** oi: chunks per row T; {bank, chunk} addressing when T is a power of two, else bank * T + chunk. */
  readonly chunksPerRow: number;
  readonly powerOfTwo: boolean;
  readonly bankDepth: number;
  readonly memDepth: number;
  readonly addrBits: number;
  /** io: k of the io order's k' = k_io is (k_io % cin) * khw + k_io / cin (a linear layer: cin = K). */
  readonly cin: number;
  readonly khw: number;
}

/**
 * The gearboxes (docs/ARCHITECTURE.md, "Fetch keeps up by construction"): a ring per plane and
 * unit, all read at one position under one control.
 */
export interface GearboxModel {
  readonly chunk: number;
  readonly lastAmount: number;
  /** A vector's last step advances END_AMOUNT + OFFSET, the same for every unit. */
  readonly endAdvance: number;
  readonly group: number;
  readonly groups: number;
  readonly groupPointerBits: number;
  readonly offsetBits: number;
  readonly positionBits: number;
  readonly fillBits: number;
  /**
   * Where a vector starts in its first group: the largest unit OFFSET (the leading bits of a
   * unit's first slice that belong to the previous unit). Unit u's ring holds its decoded bits
   * delayed by `delays[u] = start - OFFSET_u`, so every unit's range starts there.
   */
  readonly start: number;
  readonly delays: readonly number[];
  /** Bits of one entry of the packed delays (at least 1). */
  readonly delayBits: number;
  /** Read positions that leave `count` groups behind: position >= bits, largest count first. */
  readonly pops: readonly { readonly count: number; readonly bits: number }[];
  /**
   * How a ring's window is read. `phases`: the ring is flip-flops and the read position one of
   * the few positions a step can start at (`phases`, reached from `start` by the fixed step
   * schedule), so each window bit is a multiplexer over that many fixed ring bits. `shift`: the
   * ring is memory read at two groups and the window a shift by the offset in a group (any
   * position); used where there are more than MAX_WINDOW_PHASES positions.
   */
  readonly window: 'phases' | 'shift';
  /** `phases` only: every reachable read position (ring bit of the window's first bit), ascending. */
  readonly phases: readonly GearboxPhase[];
  /** `phases` only: bits of ph_q (a phase's code); the code of `start` is `startPhase`. */
  readonly phaseBits: number;
  readonly startPhase: number;
}

/** A read position of a `phases` gearbox and where each kind of step takes it. */
export interface GearboxPhase {
  /** The ring bit the window starts at (0 .. groups * group - 1). */
  readonly position: number;
  /**
   * The phase's code in ph_q. Up to 4 phases: 0, 1, ... Beyond: {hi, lo} (2 bits each) where
   * the phases sharing hi form a group; each window bit is then one LUT6 (a 4-way multiplexer by
   * lo) per group of two or more, and one more choosing by hi among the groups (a group of one is
   * its ring bit): 3 LUT6 per bit for 10 phases (groups of 4, 4, 1, 1). Groups of one are as many
   * as can be.
   */
  readonly code: number;
  /** The phase after a step of CHUNK, of LAST_AMOUNT (a row's end) and of END_ADV (a vector's end) bits, and the groups each leaves behind. */
  readonly next: { readonly chunk: GearboxMove; readonly last: GearboxMove; readonly end: GearboxMove };
}

export interface GearboxMove {
  readonly phase: number;
  readonly pops: number;
}

/** Most read positions for which a gearbox window is a multiplexer over fixed ring bits (16: four LUT6 and their MUXF7/F8 per bit). */
export const MAX_WINDOW_PHASES = 16;

/** One unit's weight ROM (`rom` weights); depth 0 for a unit that reads nothing. */
export interface UnitRom {
  readonly unit: number;
  readonly depth: number;
  readonly file: string;
  readonly image: readonly Uint8Array[];
}

export interface WeightsModel {
  /** Words of the full memory image (the stream's beats), `wordBits` each. */
  readonly words: readonly Uint8Array[];
  readonly addrBits: number;
  readonly unitWordBits: number;
  readonly beatBits: number;
  /** `rom` weights only. */
  readonly roms: readonly UnitRom[];
  /** On-chip ROM bits, or the bits of the replayed stream image. */
  readonly memoryBits: number;
  readonly trainedBits: number;
}

/** The scale ROM: per emission, per slot, the planes' alphas then the bias. */
export interface ScalesModel {
  readonly file: string;
  readonly biasBits: number;
  readonly scaleBits: number;
  readonly rows: readonly Uint8Array[];
}

/** Rounding, shift and saturation (zeros and false without requantization). */
export interface RequantModel {
  readonly enabled: boolean;
  readonly shift: number;
  readonly roundBits: number;
  readonly roundHalf: bigint;
  readonly saturate: boolean;
  readonly satMax: bigint;
  readonly satMin: bigint;
}

export interface TestbenchModel {
  readonly maxCycles: number;
  readonly macsPerVector: number;
  /** Seeds of the three LFSRs (activations, weights, results), non-zero. */
  readonly seeds: { readonly act: number; readonly wgt: number; readonly out: number };
  /** The activation beats and the expected output beats of every vector, in order. */
  readonly actBeats: readonly Uint8Array[];
  readonly expectedBeats: readonly Uint8Array[];
}

export interface LayerModel extends LayerIdentity {
  readonly config: LayerConfig;
  readonly data: LayerData;
  readonly plan: LayerPlan;
  readonly widths: LayerWidths;
  readonly mac: MacArrayPlan;
  /** The register stages of --pipeline and the cycles of latency they add. */
  readonly pipeline: PipelineModel;
  readonly io: boolean;
  readonly names: ModuleNames;
  readonly top: string;
  readonly topModel: TopModel;
  readonly acts: ActsModel;
  /** oi banks read synchronously, an address a step ahead (`--act-style block`), so block RAM can hold them. */
  readonly syncActs: boolean;
  readonly gearbox: GearboxModel;
  readonly weights: WeightsModel;
  readonly scales: ScalesModel;
  readonly requant: RequantModel;
  /** How the top collects a vector's results and sends them (collectorplan.ts). */
  readonly collector: CollectorPlan;
  readonly testbench: TestbenchModel;
  readonly macsPerCycle: number;
}

export function bitsOfInt(value: bigint, width: number): Uint8Array {
  const mask = (1n << BigInt(width)) - 1n;
  const v = value & mask;
  return Uint8Array.from({ length: width }, (_, i) => Number((v >> BigInt(i)) & 1n));
}

/** Concatenates fields, field 0 at the least significant bits. */
export function packFields(fields: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of fields) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

export function padTo(bits: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(width);
  out.set(bits);
  return out;
}

const byteMultiple = (bits: number) => Math.ceil(bits / 8) * 8;

function moduleNames(top: string, planes: number): ModuleNames {
  const part = (name: string) => `${top}_${name}`;
  return {
    top,
    acts: part('acts'),
    gearbox: part('gearbox'),
    rom: part('rom'),
    mac: part('mac'),
    macPickPair: part('mac_pick_pair'),
    macPickOne: part('mac_pick_one'),
    macPair: part('mac_pair'),
    macOne: part('mac_one'),
    macAdd: part('mac_add'),
    decoders: Array.from({ length: planes }, (_, p) => part(`dec_p${p}`)),
  };
}

function topModel(config: LayerConfig, plan: LayerPlan, widths: LayerWidths): TopModel {
  const io = config.layout === 'io';
  const loadBeats = Math.ceil(config.k / config.simd);
  if (!io && loadBeats !== plan.stepsPerRow) throw new Error(`layer model: oi expects a beat per step of a row (${loadBeats} beats, ${plan.stepsPerRow} steps)`);
  const stepBits = Math.max(1, clog2(plan.stepsPerRow));
  const rowBits = Math.max(1, clog2(plan.rowsPerUnit));
  const actDataBits = config.simd * config.actBits;
  const slotBits = byteMultiple(widths.final);
  return {
    emits: io ? plan.stepsPerRow : plan.rowsPerUnit,
    stepBits,
    rowBits,
    beatBits: Math.max(1, clog2(loadBeats)),
    emitBits: io ? stepBits : rowBits,
    outBeatBits: clog2(plan.beatsPerVector + 1),
    loadBeats,
    lastBeatLanes: config.k - (loadBeats - 1) * config.simd,
    actDataBits,
    actBeatBits: byteMultiple(actDataBits),
    slotBits,
    outBeatDataBits: config.lanes * slotBits,
  };
}

/**
 * Addressing of the oi activation banks: {bank, chunk} when the chunks per row T are a power of two
 * (no address arithmetic), else bank * T + chunk, so that no entry is wasted (on targets without
 * LUT RAM every entry is a flip-flop). For io, the order of the loaded activations.
 */
function actsModel(config: LayerConfig, plan: LayerPlan): ActsModel {
  const t = plan.stepsPerRow;
  const stepBits = Math.max(1, clog2(t));
  const powerOfTwo = (t & (t - 1)) === 0;
  const [, cin, kh = 1, kw = 1] = config.shape;
  const model = { stepBits, chunksPerRow: t, powerOfTwo, bankDepth: powerOfTwo ? 2 ** stepBits : t, memDepth: powerOfTwo ? 2 ** (stepBits + 1) : 2 * t, addrBits: stepBits + 1, cin, khw: kh * kw };
  if (config.layout === 'io') {
    for (let k = 0; k < config.k; k++) {
      const kIo = weightPosition(config, 0, k) / config.n;
      if ((kIo % cin) * model.khw + Math.floor(kIo / cin) !== k) throw new Error(`layer model: the io order of input ${k} is not (k_io % cin) * kh * kw + k_io / cin`);
    }
  }
  return model;
}

function gearboxModel(plan: LayerPlan): GearboxModel {
  // A ring of NG = 2^GP_W groups holding at least the planned capacity.
  const groupPointerBits = clog2(Math.ceil(plan.capacity / plan.group));
  const groups = 2 ** groupPointerBits;
  // The read position: an offset in a group plus the largest advance of a step (a vector's end
  // skips to the next vector's first group: lastChunk + wrapSkip, the same for every unit).
  const endAdvance = plan.lastChunk + plan.wrapSkip;
  const maxPosition = plan.group - 1 + Math.max(plan.chunk, plan.lastChunk, endAdvance);
  const maxPops = Math.floor(maxPosition / plan.group);
  const offsets = plan.unitPlans.map((u) => u.offset);
  const start = Math.max(...offsets);
  // A vector's end still consumes at least a row's last chunk: END_ADV - start >= lastChunk.
  if (start > Math.min(plan.group - 1, plan.wrapSkip)) throw new Error(`layer model: a unit's offset ${start} exceeds its last word`);
  const delays = offsets.map((o) => start - o);
  const phases = windowPhases(plan, groups, start, endAdvance);
  return {
    chunk: plan.chunk,
    lastAmount: plan.lastChunk,
    endAdvance,
    group: plan.group,
    groups,
    groupPointerBits,
    offsetBits: Math.max(1, clog2(plan.group)),
    positionBits: clog2(maxPosition + 1),
    fillBits: clog2(groups * plan.group + 1),
    start,
    delays,
    delayBits: Math.max(1, clog2(Math.max(...delays) + 1)),
    pops: Array.from({ length: maxPops }, (_, i) => ({ count: maxPops - i, bits: (maxPops - i) * plan.group })),
    window: phases === undefined ? 'shift' : 'phases',
    phases: phases ?? [],
    phaseBits: phases === undefined ? 0 : phases.length <= 4 ? Math.max(1, clog2(phases.length)) : 4,
    startPhase: phases === undefined ? 0 : phases.find((p) => p.position === start)!.code,
  };
}

/**
 * The read positions a step can start at, from `start` after reset, by the fixed schedule (a
 * vector's steps: CHUNK bits, LAST_AMOUNT at a row's last step, END_ADV at the vector's last),
 * modulo the ring's bits, over vectors until a vector starts where an earlier one did; undefined
 * when there are more than MAX_WINDOW_PHASES of them.
 */
function windowPhases(plan: LayerPlan, groups: number, start: number, endAdvance: number): GearboxPhase[] | undefined {
  const ringBits = groups * plan.group;
  const advanceOf = { chunk: plan.chunk, last: plan.lastChunk, end: endAdvance } as const;
  const positions = new Set<number>();
  const vectorStarts = new Set<number>();
  let position = start;
  while (!vectorStarts.has(position)) {
    vectorStarts.add(position);
    for (let s = 0; s < plan.stepsPerVector; s++) {
      positions.add(position);
      if (positions.size > MAX_WINDOW_PHASES) return undefined;
      const kind = s === plan.stepsPerVector - 1 ? 'end' : (s + 1) % plan.stepsPerRow === 0 ? 'last' : 'chunk';
      position = (position + advanceOf[kind]) % ringBits;
    }
  }
  const sorted = [...positions].sort((a, b) => a - b);
  const codes = phaseCodes(sorted.length);
  const index = new Map(sorted.map((p, i) => [p, codes[i]]));
  // A kind of step that never starts at a position (a vector's end in mid-row) moves nowhere
  // reachable; it goes to the phase a chunk would, any phase being as good.
  const move = (p: number, advance: number): GearboxMove | undefined => {
    const phase = index.get((p + advance) % ringBits);
    return phase === undefined ? undefined : { phase, pops: Math.floor(((p % plan.group) + advance) / plan.group) };
  };
  return sorted.map((p, i) => {
    const chunk = move(p, advanceOf.chunk);
    const last = move(p, advanceOf.last);
    const end = move(p, advanceOf.end);
    const fallback = chunk ?? last ?? end ?? { phase: 0, pops: 0 };
    return { position: p, code: codes[i], next: { chunk: chunk ?? fallback, last: last ?? fallback, end: end ?? fallback } };
  });
}

/**
 * Codes of n phases (GearboxPhase.code): 0 .. n-1 up to 4; beyond, groups of up to 4 sharing
 * the code's upper two bits, as many groups of one as still leave room for the rest (at most
 * (16 - n) / 3), the larger groups first.
 */
export function phaseCodes(n: number): number[] {
  if (n > MAX_WINDOW_PHASES) throw new Error(`phaseCodes: ${n} phases, at most ${MAX_WINDOW_PHASES}`);
  if (n <= 4) return Array.from({ length: n }, (_, i) => i);
  const singles = Math.min(3, Math.floor((16 - n) / 3));
  const codes: number[] = [];
  let left = n - singles;
  for (let hi = 0; hi < 4 - singles; hi++) {
    const size = Math.min(4, left - (4 - singles - hi - 1));
    for (let lo = 0; lo < size; lo++) codes.push(hi * 4 + lo);
    left -= size;
  }
  for (let hi = 4 - singles; hi < 4; hi++) codes.push(hi * 4);
  return codes;
}

function weightsModel(identity: LayerIdentity, config: LayerConfig, data: LayerData, plan: LayerPlan): WeightsModel {
  const sliceBits = data.encrypted.map((packed) => unpackBits(packed, data.nSlices * config.nIn));
  const words = weightImage(plan, config, (p, s) => sliceBits[p].subarray(s * config.nIn, (s + 1) * config.nIn));
  const rom = identity.choices.weights === 'rom';
  const roms = rom ? unitWeightImages(plan, config, words).map((image, unit) => ({ unit, depth: image.length, file: `${identity.top}_weights_u${unit}.hex`, image })) : [];
  return {
    words,
    addrBits: Math.max(1, clog2(plan.depth)),
    unitWordBits: config.planes * plan.slicesPerFetch * config.nIn,
    beatBits: byteMultiple(plan.wordBits),
    roms,
    memoryBits: rom ? plan.memoryBits : plan.depth * plan.wordBits,
    trainedBits: config.planes * plan.slices * config.nIn,
  };
}

/** Row e of the scale ROM: per emission e, or per output beat e (`perBeat`, the late scale stage). */
function scalesModel(top: string, config: LayerConfig, data: LayerData, plan: LayerPlan, widths: LayerWidths, emits: number, perBeat: boolean): ScalesModel {
  const biasBits = config.bias ? widths.bias : 1;
  const channelOf = (slot: number, e: number) => (config.layout === 'io' || perBeat ? e * config.lanes + slot : slot * plan.rowsPerUnit + e);
  const rowCount = perBeat ? plan.beatsPerVector : emits;
  const rows = Array.from({ length: rowCount }, (_, e) =>
    packFields(
      Array.from({ length: config.lanes }, (_, slot) => {
        const c = channelOf(slot, e);
        const alphas = Array.from({ length: config.planes }, (_, p) => bitsOfInt(c < config.n ? data.alpha[p][c] : 0n, widths.alpha));
        return packFields([...alphas, bitsOfInt(c < config.n ? data.bias[c] : 0n, biasBits)]);
      }),
    ),
  );
  return { file: `${top}_scales.hex`, biasBits, scaleBits: config.planes * widths.alpha + biasBits, rows };
}

function requantModel(config: LayerConfig, widths: LayerWidths): RequantModel {
  const shift = config.requant?.shift ?? 0;
  return {
    enabled: config.requant !== undefined,
    shift,
    roundBits: Math.max(widths.rounded, widths.out, shift + 1),
    roundHalf: shift > 0 ? 1n << BigInt(shift - 1) : 0n,
    saturate: config.requant !== undefined && widths.shifted > widths.final,
    satMax: (1n << BigInt(widths.final - 1)) - 1n,
    satMin: -(1n << BigInt(widths.final - 1)),
  };
}

function testbenchModel(identity: LayerIdentity, config: LayerConfig, data: LayerData, plan: LayerPlan, top: TopModel): TestbenchModel {
  const { choices } = identity;
  const acts = choices.inputs ? [...choices.inputs, ...drawActivations(config, FAST_VECTORS)] : drawActivations(config, choices.vectorCount);
  const actBeats: Uint8Array[] = [];
  const expectedBeats: Uint8Array[] = [];
  for (const vector of acts) {
    for (let b = 0; b < top.loadBeats; b++) {
      const lanes = Array.from({ length: config.simd }, (_, i) => {
        const k = b * config.simd + i;
        // Lanes past K carry junk the layer must ignore.
        return bitsOfInt(k < config.k ? BigInt(vector[k]) : -1n, config.actBits);
      });
      actBeats.push(padTo(packFields(lanes), top.actBeatBits));
    }
    const result = layerGolden(data, vector);
    for (let beat = 0; beat < plan.beatsPerVector; beat++) {
      const slots = Array.from({ length: config.lanes }, (_, s) => {
        const c = beat * config.lanes + s;
        return bitsOfInt(c < config.n ? result.final[c] : 0n, top.slotBits);
      });
      expectedBeats.push(packFields(slots));
    }
  }
  const seed = (stream: number) => testRandom(config.seed, stream).nextUint32() || 1;
  return {
    maxCycles: (choices.vectorCount + 4) * (plan.stepsPerVector + plan.depth + top.loadBeats + plan.beatsPerVector) * 8 + 2000,
    macsPerVector: config.planes * config.n * config.k,
    seeds: { act: seed(3), wgt: seed(4), out: seed(5) },
    actBeats,
    expectedBeats,
  };
}

/** The whole model of the layer `options` ask for; throws an InputError on bad input. */
export function layerModel(options: LayerGenOptions): LayerModel {
  const identity = layerIdentity(options);
  const { config, data } = identity.source;
  const plan = planLayer(config);
  const widths = layerWidths(config);
  const io = config.layout === 'io';
  const top = topModel(config, plan, widths);
  const mac = layerMacArray(config);
  const pipeline = pipelineModel(identity.choices.pipeline, mac);
  const collector = planCollector(config, plan, widths, pipeline);
  return {
    ...identity,
    config,
    data,
    plan,
    widths,
    mac,
    pipeline,
    io,
    names: moduleNames(identity.top, config.planes),
    topModel: top,
    acts: actsModel(config, plan),
    syncActs: !io && identity.choices.actStyle === 'block',
    gearbox: gearboxModel(plan),
    weights: weightsModel(identity, config, data, plan),
    scales: scalesModel(identity.top, config, data, plan, widths, top.emits, collector.lateScale),
    requant: requantModel(config, widths),
    collector,
    testbench: testbenchModel(identity, config, data, plan, top),
    macsPerCycle: (config.planes * config.n * config.k) / plan.stepsPerVector,
  };
}
