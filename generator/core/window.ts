/**
 * The sliding-window unit (the conv input generator), as math: its configuration, the behavioural
 * model (a feature map in, the layer's input vectors out, in the order k = (cin*kh + i)*kw + j),
 * the plan of its banked line buffer (every bank, address and select the RTL uses) and a cycle
 * model of that RTL, which gives its exact cycle counts. docs/STREAMS.md, "Sliding window", is
 * the specification; the reasoning behind the banks is written there.
 */
import { InputError, requireInteger } from './errors.js';

export const MAX_WINDOW_SIDE = 4096;
export const MAX_WINDOW_CHANNELS = 65536;
export const MAX_KERNEL = 16;
export const MAX_VALUE_BITS = 32;

/**
 * What a caller passes, named as the other feature-map blocks name them (docs/STREAMS.md);
 * undefined means the default.
 */
export interface WindowOptions {
  /** H, W, C of the feature map. */
  readonly h: number;
  readonly w: number;
  readonly c: number;
  /** P_in: channels per input beat, 1 .. C. */
  readonly p: number;
  /** Bits of a value: 2 .. 32 signed, 1 .. 32 unsigned. */
  readonly bits: number;
  /** Two's complement (default) or unsigned (after a ReLU). */
  readonly signed?: boolean;
  /** Kernel rows, and columns (default kh). */
  readonly kh: number;
  readonly kw?: number;
  /** 1 (default) or 2. */
  readonly stride?: number;
  /** Zero rows and columns on every side, 0 (default) .. min(kh, kw) - 1. */
  readonly padding?: number;
  /** S: values per output beat (the layer's SIMD), 1 .. K. */
  readonly s: number;
  /**
   * Bits of an output slot, bits .. 32, each value sign-extended (signed) or zero-extended
   * (unsigned); default bits when signed, bits + 1 when unsigned (a signed activation holds it).
   */
  readonly outBits?: number;
  /**
   * Pixels the input may run ahead of the output being emitted, beyond what that output keeps
   * live: 0 .. H*W, default the stride (at most H*W). More buffer for fewer stalls (docs/STREAMS.md).
   */
  readonly slack?: number;
}

export interface WindowConfig {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly p: number;
  readonly bits: number;
  readonly signed: boolean;
  readonly kh: number;
  readonly kw: number;
  readonly stride: number;
  readonly padding: number;
  readonly s: number;
  readonly outBits: number;
  readonly slack: number;
}

/** Checks every option, naming the field at fault and what it allows. */
export function resolveWindow(o: WindowOptions): WindowConfig {
  const h = requireInteger('h', o.h, 1, MAX_WINDOW_SIDE);
  const w = requireInteger('w', o.w, 1, MAX_WINDOW_SIDE);
  const c = requireInteger('c', o.c, 1, MAX_WINDOW_CHANNELS);
  const p = requireInteger('p', o.p, 1, c, `an integer from 1 to c = ${c} (channels per input beat)`);
  const signed = o.signed ?? true;
  if (typeof signed !== 'boolean') throw new InputError('signed', `must be true or false; got ${String(signed)}`);
  const least = signed ? 2 : 1;
  const bits = requireInteger('bits', o.bits, least, MAX_VALUE_BITS, `an integer from ${least} to ${MAX_VALUE_BITS}${signed ? ' (signed)' : ''}`);
  const kh = requireInteger('kh', o.kh, 1, MAX_KERNEL);
  const kw = requireInteger('kw', o.kw ?? kh, 1, MAX_KERNEL);
  const stride = requireInteger('stride', o.stride ?? 1, 1, 2, '1 or 2');
  const maxPad = Math.min(kh, kw) - 1;
  const padding = requireInteger('padding', o.padding ?? 0, 0, maxPad, `an integer from 0 to min(kh, kw) - 1 = ${maxPad} (every window keeps a row and a column of the image)`);
  if (h + 2 * padding < kh) throw new InputError('h', `h + 2 * padding = ${h + 2 * padding} must be at least kh = ${kh}`);
  if (w + 2 * padding < kw) throw new InputError('w', `w + 2 * padding = ${w + 2 * padding} must be at least kw = ${kw}`);
  const k = c * kh * kw;
  const s = requireInteger('s', o.s, 1, k, `an integer from 1 to K = c * kh * kw = ${k} (values per output beat)`);
  const outBits = requireInteger('outBits', o.outBits ?? Math.min(MAX_VALUE_BITS, signed ? bits : bits + 1), bits, MAX_VALUE_BITS, `an integer from bits = ${bits} to ${MAX_VALUE_BITS}`);
  const slack = requireInteger('slack', o.slack ?? Math.min(stride, h * w), 0, h * w, `an integer from 0 to h * w = ${h * w}`);
  return { h, w, c, p, bits, signed, kh, kw, stride, padding, s, outBits, slack };
}

/** The sizes every part of the unit shares. */
export interface WindowGeometry {
  readonly outHeight: number;
  readonly outWidth: number;
  /** kh * kw. */
  readonly window: number;
  /** K = C * kh * kw. */
  readonly k: number;
  /** ceil(C / P_in): input beats per pixel. */
  readonly beatsPerPixel: number;
  /** ceil(K / S): output beats per vector. */
  readonly beatsPerVector: number;
  /** Values on a vector's last beat: K - (beatsPerVector - 1) * S. */
  readonly lastBeatValues: number;
  readonly pixels: number;
  readonly outputs: number;
}

export function windowGeometry(c: WindowConfig): WindowGeometry {
  const outHeight = Math.floor((c.h + 2 * c.padding - c.kh) / c.stride) + 1;
  const outWidth = Math.floor((c.w + 2 * c.padding - c.kw) / c.stride) + 1;
  const window = c.kh * c.kw;
  const k = c.c * window;
  const beatsPerVector = Math.ceil(k / c.s);
  return {
    outHeight,
    outWidth,
    window,
    k,
    beatsPerPixel: Math.ceil(c.c / c.p),
    beatsPerVector,
    lastBeatValues: k - (beatsPerVector - 1) * c.s,
    pixels: c.h * c.w,
    outputs: outHeight * outWidth,
  };
}

/**
 * The behavioural model: one image (values in raster order, channels fastest: index (h*W + w)*C + c)
 * to its Ho*Wo vectors in raster order, x[(cin*kh + i)*kw + j] = in[ho*s + i - pad][wo*s + j - pad][cin],
 * zero in the padding.
 */
export function slidingWindow(c: WindowConfig, image: ArrayLike<number>): number[][] {
  const g = windowGeometry(c);
  if (image.length !== g.pixels * c.c) throw new RangeError(`an image holds H*W*C = ${g.pixels * c.c} values; got ${image.length}`);
  const vectors: number[][] = [];
  for (let ho = 0; ho < g.outHeight; ho++) {
    for (let wo = 0; wo < g.outWidth; wo++) {
      const x = new Array<number>(g.k).fill(0);
      for (let cin = 0; cin < c.c; cin++) {
        for (let i = 0; i < c.kh; i++) {
          const h = ho * c.stride + i - c.padding;
          for (let j = 0; j < c.kw; j++) {
            const w = wo * c.stride + j - c.padding;
            if (h >= 0 && h < c.h && w >= 0 && w < c.w) x[(cin * c.kh + i) * c.kw + j] = image[(h * c.w + w) * c.c + cin];
          }
        }
      }
      vectors.push(x);
    }
  }
  return vectors;
}

/** An image's input beats: pixel by pixel, P_in channels a beat, zeros past C. */
export function inputBeats(c: WindowConfig, image: ArrayLike<number>): number[][] {
  const g = windowGeometry(c);
  const beats: number[][] = [];
  for (let px = 0; px < g.pixels; px++) {
    for (let b = 0; b < g.beatsPerPixel; b++) {
      beats.push(Array.from({ length: c.p }, (_, l) => (b * c.p + l < c.c ? image[px * c.c + b * c.p + l] : 0)));
    }
  }
  return beats;
}

/** A vector's output beats: S values a beat, zeros past K. */
export function vectorBeats(c: WindowConfig, vector: readonly number[]): number[][] {
  const g = windowGeometry(c);
  return Array.from({ length: g.beatsPerVector }, (_, b) =>
    Array.from({ length: c.s }, (_, s) => (b * c.s + s < g.k ? vector[b * c.s + s] : 0)),
  );
}

// ---------------------------------------------------------------- what each output position needs

/** The last input row and column the output (ho, wo) needs (clamped to the image). */
export function lastRow(c: WindowConfig, ho: number): number {
  return Math.min(ho * c.stride - c.padding + c.kh - 1, c.h - 1);
}
export function lastColumn(c: WindowConfig, wo: number): number {
  return Math.min(wo * c.stride - c.padding + c.kw - 1, c.w - 1);
}
/** The first input row and column the output (ho, wo) reads (clamped to the image). */
export function firstRow(c: WindowConfig, ho: number): number {
  return Math.max(ho * c.stride - c.padding, 0);
}
export function firstColumn(c: WindowConfig, wo: number): number {
  return Math.max(wo * c.stride - c.padding, 0);
}
/**
 * Whether output row ho lies in the top padding such that the next output row starts at input row
 * 0 too: then pixel 0 of the image stays needed whatever the column.
 */
export function topRow(c: WindowConfig, ho: number): boolean {
  const g = windowGeometry(c);
  return ho < g.outHeight - 1 && ho * c.stride + c.stride <= c.padding;
}
/** Pixels of the image (raster index + 1) that must have arrived before output (ho, wo) is emitted. */
export function needPixels(c: WindowConfig, ho: number, wo: number): number {
  return lastRow(c, ho) * c.w + lastColumn(c, wo) + 1;
}
/** The oldest pixel of the image that output (ho, wo) or any later output of the image reads. */
export function freePixel(c: WindowConfig, ho: number, wo: number): number {
  return firstRow(c, ho) * c.w + (topRow(c, ho) ? 0 : firstColumn(c, wo));
}
/** Whether window row i (column j) of output row ho (column wo) lies inside the image. */
export function rowInside(c: WindowConfig, ho: number, i: number): boolean {
  const h = ho * c.stride - c.padding + i;
  return h >= 0 && h < c.h;
}
export function columnInside(c: WindowConfig, wo: number, j: number): boolean {
  const w = wo * c.stride - c.padding + j;
  return w >= 0 && w < c.w;
}

// ---------------------------------------------------------------- the banked line buffer

/**
 * One memory of a bank (every bank m holds one of each): the lanes lane0 .. lane0 + lanes - 1 of
 * the input words (beats of a pixel) b with b mod NW = group, word wd = floor(b / NW) of a pixel at
 * entry wd * PD + pa, where pa is the pixel's address in the bank.
 */
export interface WindowMemory {
  readonly group: number;
  readonly lane0: number;
  readonly lanes: number;
  /** Words of one pixel it holds. */
  readonly words: number;
  /** Entries: words * PD. */
  readonly depth: number;
}

/** Where output beat b of a vector starts: k = b*S = cb*kh*kw + o; cb = wq * P_in*NW + cbr. */
export interface BeatState {
  readonly o: number;
  readonly cb: number;
  readonly cbr: number;
  readonly wq: number;
}

export interface WindowPlan {
  readonly config: WindowConfig;
  readonly geometry: WindowGeometry;
  /** o_p = i*W + j of window position p = i*kw + j: its raster distance from the window's base pixel. */
  readonly offsets: readonly number[];
  /** M: pixel g of the stream lives in bank g mod M (chooseBanks). */
  readonly banks: number;
  /** Per residue e < M: floor(o / M) of the offset o with o mod M = e, or -1 when none has it. */
  readonly residueRow: readonly number[];
  /** The most pixels one output keeps live: max over outputs of needPixels - freePixel. */
  readonly spanPixels: number;
  /** Pixels the input may run ahead of the output being emitted, beyond the span (the option slack). */
  readonly slackPixels: number;
  /** D = M * PD: the ring of pixels; pixel g at slot g mod D, in bank (slot mod M) at address floor(slot / M). */
  readonly ringPixels: number;
  /** PD: pixels per bank. */
  readonly bankPixels: number;
  /** R': channels one output beat reads at most. */
  readonly channelLanes: number;
  /** NW: words (input beats of one pixel) one output beat reads at most. */
  readonly wordGroups: number;
  readonly memories: readonly WindowMemory[];
  /** One per output beat of a vector. */
  readonly beats: readonly BeatState[];
  /** B: width of the pixel counters, compared modulo 2^B. */
  readonly counterBits: number;
  /** Bits the ring holds: D * C * bits. */
  readonly ringBits: number;
  /** ((kh-1)*W + kw) * C * bits, the bound of docs/STREAMS.md. */
  readonly boundBits: number;
}

/** Whether the distinct offsets stay distinct modulo m (the window's pixels sit in different banks). */
export function banksSeparate(offsets: readonly number[], m: number): boolean {
  const distinct = [...new Set(offsets)];
  return new Set(distinct.map((o) => o % m)).size === distinct.length;
}

/**
 * The bank count M for a ring of at least `pixels` pixels: among the moduli that keep the window's
 * pixels in different banks, the one with the smallest ring M * ceil(pixels / M) plus M (a bank is a
 * rotator lane: the rotator grows with M as the ring grows with the rounding); ties to the smaller M.
 * M = max offset + 1 always separates them; past max(that, pixels) the cost only grows.
 */
export function chooseBanks(offsets: readonly number[], pixels: number): number {
  const distinct = new Set(offsets).size;
  const last = Math.max(...offsets) + 1;
  let best = { m: last, cost: Infinity };
  for (let m = distinct; m <= Math.max(last, pixels); m++) {
    if (!banksSeparate(offsets, m)) continue;
    const cost = m * Math.ceil(pixels / m) + m;
    if (cost < best.cost) best = { m, cost };
  }
  return best.m;
}

function beatStates(c: WindowConfig, g: WindowGeometry): { beats: BeatState[]; channelLanes: number; wordGroups: number } {
  const starts = Array.from({ length: g.beatsPerVector }, (_, b) => b * c.s);
  const spans = starts.map((k0) => ({ cb: Math.floor(k0 / g.window), cLast: Math.floor((Math.min(k0 + c.s, g.k) - 1) / g.window) }));
  const channelLanes = Math.max(...spans.map((s) => s.cLast - s.cb + 1));
  const wordGroups = Math.max(...spans.map((s) => Math.floor(s.cLast / c.p) - Math.floor(s.cb / c.p) + 1));
  const period = c.p * wordGroups;
  const beats = starts.map((k0, b) => {
    const cb = spans[b].cb;
    return { o: k0 % g.window, cb, cbr: cb % period, wq: Math.floor(cb / period) };
  });
  return { beats, channelLanes, wordGroups };
}

/**
 * The memories of one bank: a memory per word group, split in two where the group holds the
 * pixel's last, partial word (lanes past C of that word are not stored).
 */
function bankMemories(c: WindowConfig, g: WindowGeometry, wordGroups: number, bankPixels: number): WindowMemory[] {
  const lastWord = g.beatsPerPixel - 1;
  const lastLanes = c.c - lastWord * c.p;
  const memories: WindowMemory[] = [];
  for (let group = 0; group < wordGroups; group++) {
    const words = Math.ceil((g.beatsPerPixel - group) / wordGroups);
    const add = (lane0: number, lanes: number, n: number) => memories.push({ group, lane0, lanes, words: n, depth: n * bankPixels });
    if (group !== lastWord % wordGroups || lastLanes === c.p) {
      add(0, c.p, words);
    } else {
      add(0, lastLanes, words);
      if (words > 1) add(lastLanes, c.p - lastLanes, words - 1);
    }
  }
  return memories;
}

/** Every constant of the unit's RTL: banks, ring, memories, beat states, counter width, figures. */
export function planWindow(c: WindowConfig): WindowPlan {
  const g = windowGeometry(c);
  const offsets: number[] = [];
  for (let i = 0; i < c.kh; i++) for (let j = 0; j < c.kw; j++) offsets.push(i * c.w + j);
  let spanPixels = 0;
  for (let ho = 0; ho < g.outHeight; ho++) {
    for (let wo = 0; wo < g.outWidth; wo++) spanPixels = Math.max(spanPixels, needPixels(c, ho, wo) - freePixel(c, ho, wo));
  }
  const slackPixels = c.slack;
  const banks = chooseBanks(offsets, spanPixels + slackPixels);
  const residueRow = new Array<number>(banks).fill(-1);
  for (const o of offsets) residueRow[o % banks] = Math.floor(o / banks);
  const bankPixels = Math.ceil((spanPixels + slackPixels) / banks);
  const ringPixels = banks * bankPixels;
  const { beats, channelLanes, wordGroups } = beatStates(c, g);
  const memories = bankMemories(c, g, wordGroups, bankPixels);
  // |in_px - need| and |in_px - free| stay below H*W + D; one more bit for the sign.
  const counterBits = bitsFor(g.pixels + ringPixels) + 1;
  return {
    config: c,
    geometry: g,
    offsets,
    banks,
    residueRow,
    spanPixels,
    slackPixels,
    ringPixels,
    bankPixels,
    channelLanes,
    wordGroups,
    memories,
    beats,
    counterBits,
    ringBits: ringPixels * c.c * c.bits,
    boundBits: ((c.kh - 1) * c.w + c.kw) * c.c * c.bits,
  };
}

/**
 * The slack with which the unit keeps pace when its input and its output both run evenly at one
 * period per image (docs/NETWORK.md, "Stride-2 windows"): pixel `r*j` arrives as output `j` is
 * issued (`r` = input pixels per output), shifted by the least phase that brings every output's
 * pixels in first; the ring must then hold the input from each output's oldest pixel on. 0 when the
 * span already does (stride 1 with "same" padding).
 */
export function rateSlack(c: WindowConfig): number {
  const g = windowGeometry(c);
  const r = g.pixels / g.outputs;
  let phase = -Infinity;
  let ahead = -Infinity;
  let span = 0;
  for (let ho = 0; ho < g.outHeight; ho++) {
    for (let wo = 0; wo < g.outWidth; wo++) {
      const j = ho * g.outWidth + wo;
      phase = Math.max(phase, needPixels(c, ho, wo) - j * r);
      ahead = Math.max(ahead, j * r - freePixel(c, ho, wo));
      span = Math.max(span, needPixels(c, ho, wo) - freePixel(c, ho, wo));
    }
  }
  return Math.max(0, Math.ceil(phase + ahead) - span);
}

/** Bits to hold 0 .. n. */
function bitsFor(n: number): number {
  let bits = 1;
  while (2 ** bits <= n) bits++;
  return bits;
}

// ---------------------------------------------------------------- the selects the RTL computes

/** Lane λ of a bank's channel read when the beat's cb mod P_in*NW is cbr: memory and lane, or none. */
export function laneSource(plan: WindowPlan, cbr: number, lane: number): { memory: number; lane: number } | undefined {
  const x = cbr + lane;
  const group = Math.floor(x / plan.config.p) % plan.wordGroups;
  const l = x % plan.config.p;
  const memory = plan.memories.findIndex((m) => m.group === group && l >= m.lane0 && l < m.lane0 + m.lanes);
  return memory < 0 ? undefined : { memory, lane: l - plan.memories[memory].lane0 };
}

/** The word a memory reads in beat state (wq, cbr): wq, or wq + 1 past the read's first word; 0 past the memory. */
export function memoryWord(plan: WindowPlan, memory: number, wq: number, cbr: number): { word: number; clamped: boolean } {
  const m = plan.memories[memory];
  const word = wq + (cbr >= (m.group + 1) * plan.config.p ? 1 : 0);
  return word < m.words ? { word, clamped: false } : { word: 0, clamped: true };
}

/** Slot s of a beat whose first value is at o: channel lane λ and window position p, or none (past K). */
export function slotSource(plan: WindowPlan, o: number, slot: number): { lane: number; position: number } | undefined {
  const x = o + slot;
  const lane = Math.floor(x / plan.geometry.window);
  return lane < plan.channelLanes ? { lane, position: x % plan.geometry.window } : undefined;
}

/**
 * Bank m's pixel address relative to the window base (q0, r0): q0 + bankDelta (mod PD), with
 * bankDelta < PD (an offset may pass the ring when its row lies in the padding of every window
 * that reaches it: the value read there is never used).
 */
export function bankDelta(plan: WindowPlan, bank: number, r0: number): number {
  const e = (bank - r0 + plan.banks) % plan.banks;
  return (Math.max(0, plan.residueRow[e]) + (bank < r0 ? 1 : 0)) % plan.bankPixels;
}

/** The bank whose data window position p takes when the base is in bank r0. */
export function positionBank(plan: WindowPlan, position: number, r0: number): number {
  return (r0 + plan.offsets[position]) % plan.banks;
}

// ---------------------------------------------------------------- the cycle model of the RTL

export interface WindowRunOptions {
  /** Per cycle: whether the source holds a new beat back (it never withdraws one it offers). */
  readonly inputGap?: () => boolean;
  /** Per cycle: whether the sink refuses a beat. */
  readonly outputStall?: () => boolean;
  /** Give up (throw) after this many cycles; default a generous bound. */
  readonly maxCycles?: number;
}

export interface WindowBeat {
  readonly data: readonly number[];
  readonly last: boolean;
  /** The cycle (from 0, the first after reset) in which the beat moved. */
  readonly cycle: number;
}

export interface WindowRun {
  readonly beats: readonly WindowBeat[];
  /** The cycle in which each image's last output beat moved. */
  readonly imageEnds: readonly number[];
  /** The cycle in which each image's last input beat moved. */
  readonly inputEnds: readonly number[];
}

interface StageOne {
  readonly o: number;
  readonly cbr: number;
  readonly r0: number;
  readonly rowIn: readonly boolean[];
  readonly colIn: readonly boolean[];
  readonly last: boolean;
  /** Per bank, per memory: the entry read (undefined: never written). */
  readonly read: readonly (readonly (readonly number[] | undefined)[])[];
}

const mod = (x: number, m: number) => ((x % m) + m) % m;

/**
 * The unit's RTL, register for register, cycle for cycle: memories with a registered read, the
 * issue stage (output position and beat), stage 1 (the read words) and the output register, with
 * the same handshake. Throws if a used value was never written or the run does not finish.
 */
class WindowMachine {
  private readonly c: WindowConfig;
  private readonly g: WindowGeometry;
  private readonly mem: (readonly number[] | undefined)[][][];
  private inPx = 0;
  private inBeat = 0;
  private img = 0;
  private ho = 0;
  private wo = 0;
  private b = 0;
  private one: StageOne | undefined;
  private out: { data: number[]; last: boolean } | undefined;

  /** With `timing`, no value is stored or read: the handshake and the cycles only. */
  constructor(
    private readonly plan: WindowPlan,
    private readonly timing = false,
  ) {
    this.c = plan.config;
    this.g = plan.geometry;
    this.mem = timing ? [] : Array.from({ length: plan.banks }, () => plan.memories.map((m) => new Array<readonly number[] | undefined>(m.depth)));
  }

  /** The registered handshake signals of this cycle. */
  flags(): { space: boolean; readyOut: boolean } {
    const image = this.img * this.g.pixels;
    const free = image + freePixel(this.c, this.ho, this.wo);
    const need = image + needPixels(this.c, this.ho, this.wo);
    const limit = 2 ** (this.plan.counterBits - 1);
    if (Math.abs(this.inPx - free) >= limit || Math.abs(this.inPx - need) >= limit) throw new Error('pixel counters out of range');
    return { space: this.inPx - free < this.plan.ringPixels, readyOut: this.inPx >= need };
  }

  outValid(): boolean {
    return this.out !== undefined;
  }

  /** One rising edge. `beat` is the input beat that moves in it, if any; returns the output beat that moved. */
  edge(beat: readonly number[] | undefined, outReady: boolean): { data: number[]; last: boolean } | undefined {
    const { readyOut } = this.flags();
    const moved = this.out !== undefined && outReady ? this.out : undefined;
    const adv2 = this.out === undefined || outReady;
    const adv1 = this.one === undefined || adv2;
    if (adv2) this.out = this.one ? (this.timing ? { data: [], last: this.one.last } : this.stageTwo(this.one)) : undefined;
    if (adv1) this.one = readyOut ? this.issue() : undefined;
    if (adv1 && readyOut) this.advanceOutput();
    if (beat) this.write(beat);
    return moved;
  }

  private baseSlot(): number {
    const c = this.c;
    const base = this.img * this.g.pixels + (this.ho * c.stride - c.padding) * c.w + this.wo * c.stride - c.padding;
    return mod(base, this.plan.ringPixels);
  }

  private issue(): StageOne {
    const plan = this.plan;
    const slot = this.baseSlot();
    const q0 = Math.floor(slot / plan.banks);
    const r0 = slot % plan.banks;
    const { o, cbr, wq } = plan.beats[this.b];
    const read = this.mem.map((memories, bank) => {
      const pa = (q0 + bankDelta(plan, bank, r0)) % plan.bankPixels;
      return memories.map((entries, j) => entries[memoryWord(plan, j, wq, cbr).word * plan.bankPixels + pa]);
    });
    return {
      o,
      cbr,
      r0,
      rowIn: Array.from({ length: this.c.kh }, (_, i) => rowInside(this.c, this.ho, i)),
      colIn: Array.from({ length: this.c.kw }, (_, j) => columnInside(this.c, this.wo, j)),
      last: this.b === this.g.beatsPerVector - 1,
      read,
    };
  }

  private stageTwo(one: StageOne): { data: number[]; last: boolean } {
    const plan = this.plan;
    const data = Array.from({ length: this.c.s }, (_, s) => {
      if (one.last && s >= this.g.lastBeatValues) return 0;
      const source = slotSource(plan, one.o, s);
      if (!source) return 0;
      const i = Math.floor(source.position / this.c.kw);
      const j = source.position % this.c.kw;
      if (!one.rowIn[i] || !one.colIn[j]) return 0;
      const lane = laneSource(plan, one.cbr, source.lane);
      if (!lane) return 0;
      const value = one.read[positionBank(plan, source.position, one.r0)][lane.memory]?.[lane.lane];
      if (value === undefined) throw new Error(`slot ${s} reads a value that was never written`);
      return value;
    });
    return { data, last: one.last };
  }

  private advanceOutput(): void {
    if (++this.b < this.g.beatsPerVector) return;
    this.b = 0;
    if (++this.wo < this.g.outWidth) return;
    this.wo = 0;
    if (++this.ho < this.g.outHeight) return;
    this.ho = 0;
    this.img++;
  }

  private write(beat: readonly number[]): void {
    const plan = this.plan;
    const slot = this.inPx % plan.ringPixels;
    const bank = slot % plan.banks;
    const pa = Math.floor(slot / plan.banks);
    const group = this.inBeat % plan.wordGroups;
    const word = Math.floor(this.inBeat / plan.wordGroups);
    if (!this.timing) {
      plan.memories.forEach((m, j) => {
        if (m.group === group && word < m.words) this.mem[bank][j][word * plan.bankPixels + pa] = beat.slice(m.lane0, m.lane0 + m.lanes);
      });
    }
    if (++this.inBeat === this.g.beatsPerPixel) {
      this.inBeat = 0;
      this.inPx++;
    }
  }
}

/**
 * Runs `images` through the cycle model with the given stalls; every output beat, and when each
 * image's last input and output beats moved. With a count instead of images, the timing only
 * (the beats carry no data).
 */
export function runWindow(plan: WindowPlan, images: readonly ArrayLike<number>[] | number, options: WindowRunOptions = {}): WindowRun {
  const c = plan.config;
  const g = plan.geometry;
  const timing = typeof images === 'number';
  const count = timing ? images : images.length;
  const perImageIn = g.pixels * g.beatsPerPixel;
  const input = timing ? undefined : images.flatMap((image) => inputBeats(c, image));
  const inputLength = count * perImageIn;
  const totalOut = count * g.outputs * g.beatsPerVector;
  const maxCycles = options.maxCycles ?? 64 * (inputLength + totalOut) + 1000;
  const machine = new WindowMachine(plan, timing);
  const beats: WindowBeat[] = [];
  const imageEnds: number[] = [];
  const inputEnds: number[] = [];
  let sent = 0;
  let offered = false;
  for (let cycle = 0; beats.length < totalOut || sent < inputLength; cycle++) {
    if (cycle >= maxCycles) throw new Error(`no progress: ${sent} of ${inputLength} input beats taken, ${beats.length} of ${totalOut} output beats out after ${cycle} cycles`);
    if (!offered && sent < inputLength) offered = !(options.inputGap?.() ?? false);
    const take = offered && machine.flags().space;
    const outReady = !(options.outputStall?.() ?? false);
    const moved = machine.edge(take ? (input?.[sent] ?? []) : undefined, outReady);
    if (take) {
      sent++;
      offered = false;
      if (sent % perImageIn === 0) inputEnds.push(cycle);
    }
    if (moved) {
      beats.push({ ...moved, cycle });
      if (beats.length % (g.outputs * g.beatsPerVector) === 0) imageEnds.push(cycle);
    }
  }
  return { beats, imageEnds, inputEnds };
}

/**
 * The figures of docs/STREAMS.md ("Blocks") for this unit; the first three are every stream
 * block's, as the generic testbench measures them.
 */
export interface WindowFigures {
  /**
   * Cycles per image with a source that never waits and a sink always ready, as the testbench
   * measures them: four images from an empty unit, (end of image 3 - end of image 1) / 2.
   */
  readonly idealCyclesPerImage: number;
  /** Bits of data storage: the ring, the memories' read registers and the output register. */
  readonly bufferBits: number;
  /**
   * Most cycles from an image's last input beat to its last output beat, at full speed (negative
   * when the last output leaves before the image's last, unused, input rows arrive).
   */
  readonly latencyBound: number;
  /** max(H*W*ceil(C/P_in), Ho*Wo*ceil(K/S)): the rate bound of any window unit (docs/STREAMS.md). */
  readonly rateBoundCycles: number;
  /** The ring alone: D * C * bits. */
  readonly ringBits: number;
  /** ((kh-1)*W + kw) * C * bits, the line-buffer bound of docs/STREAMS.md. */
  readonly boundBits: number;
  /**
   * Cycles from the handshake of the input beat that completes the last pixel an output needs to
   * the handshake of that output's first beat, when the unit is idle and the sink ready.
   */
  readonly firstBeatLatency: number;
}

/** The pipeline: the pixel count register, the read register, the output register. */
export const WINDOW_LATENCY = 3;

/** Images the figures run: as the testbench's full-speed phase. */
export const FIGURE_IMAGES = 4;

export function windowFigures(plan: WindowPlan): WindowFigures {
  const c = plan.config;
  const g = plan.geometry;
  const run = runWindow(plan, FIGURE_IMAGES);
  const ends = run.imageEnds;
  const readRegisters = plan.banks * plan.memories.reduce((sum, m) => sum + m.lanes, 0) * c.bits;
  return {
    idealCyclesPerImage: (ends[FIGURE_IMAGES - 1] - ends[1]) / (FIGURE_IMAGES - 2),
    bufferBits: plan.ringBits + readRegisters + c.s * c.outBits,
    latencyBound: Math.max(...ends.map((end, i) => end - run.inputEnds[i])),
    rateBoundCycles: Math.max(g.pixels * g.beatsPerPixel, g.outputs * g.beatsPerVector),
    ringBits: plan.ringBits,
    boundBits: plan.boundBits,
    firstBeatLatency: WINDOW_LATENCY,
  };
}
