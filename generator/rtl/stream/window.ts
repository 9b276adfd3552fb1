/**
 * `generateWindow`: the sliding-window unit (the conv input generator) as RTL. Every constant,
 * table and select of the module is computed here from the plan of generator/core/window.ts; the
 * templates (templates/stream/window*.hbs) only loop and substitute. docs/STREAMS.md, "Sliding
 * window", describes the block.
 */
import type { HeaderView } from '../design.js';
import { byteBits, featureMapBeats, vectorStreamBeats } from '../../core/streams.js';
import {
  bankDelta,
  columnInside,
  firstColumn,
  firstRow,
  lastColumn,
  lastRow,
  laneSource,
  memoryWord,
  planWindow,
  resolveWindow,
  rowInside,
  slidingWindow,
  topRow,
  windowFigures,
  type WindowConfig,
  type WindowFigures,
  type WindowOptions,
  type WindowPlan,
} from '../../core/window.js';
import { clog2, hdlKeywords } from '../hdl.js';
import { drawFeatureMaps } from './maxpool.js';
import {
  blockHeader,
  blockModuleName,
  blockRtl,
  blockView,
  commonSettings,
  extendExpression,
  FAST_IMAGES,
  literal,
  packageStreamBlock,
  wrapWords,
  type CommonSettings,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';
import type { BeatDescription } from './testbench.js';
import { MAX_COLUMNS } from '../textwrap.js';

export interface WindowGenOptions extends StreamBlockCommonOptions, WindowOptions {}

/** A design plus its plan and the figures of docs/STREAMS.md. */
export interface WindowDesign extends StreamBlockDesign {
  readonly plan: WindowPlan;
  readonly figures: WindowFigures;
}

// ---------------------------------------------------------------- literals and small expressions

/** Bits to hold 0 .. n (at least 1). */
function bitsFor(n: number): number {
  return Math.max(1, clog2(n + 1));
}

/**
 * A value that depends on a counter (0 .. n-1) as runs of equal values, as a chain of
 * `counter < end ? value :` (values printed by `show`), a run a line (after `indent`) when the
 * chain is long; the last run needs no test; no values (a counter of one value) give 0.
 */
function piecewise(values: readonly number[], counter: string, counterBits: number, show: (v: number) => string, indent: number): string {
  if (values.length === 0) return show(0);
  const runs: { end: number; value: number }[] = [];
  values.forEach((v, x) => {
    const last = runs[runs.length - 1];
    if (last && last.value === v) last.end = x + 1;
    else runs.push({ end: x + 1, value: v });
  });
  const parts = runs.map((r, i) => (i === runs.length - 1 ? show(r.value) : `(${counter} < ${literal(counterBits, r.end)}) ? ${show(r.value)} :`));
  const line = parts.join(' ');
  return indent + line.length <= MAX_COLUMNS - 2 ? line : parts.join(`
${' '.repeat(indent)}`);
}

/** A condition true for the counter values in one interval of 0 .. n-1 (given as a predicate). */
function interval(inside: (x: number) => boolean, n: number, counter: string, counterBits: number): string {
  const xs = Array.from({ length: n }, (_, x) => x).filter(inside);
  if (xs.length === 0) return "1'b0";
  const lo = xs[0];
  const hi = xs[xs.length - 1];
  if (xs.length !== hi - lo + 1) throw new Error('not an interval');
  const parts = [];
  if (lo > 0) parts.push(`(${counter} >= ${literal(counterBits, lo)})`);
  if (hi < n - 1) parts.push(`(${counter} <= ${literal(counterBits, hi)})`);
  return parts.length === 0 ? "1'b1" : parts.join(' && ');
}

/** Case labels, several per line, leaving room for `: name = value;` within MAX_COLUMNS. */
function caseLabels(labels: readonly string[], indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const label of labels) {
    const next = line === '' ? label : `${line}, ${label}`;
    if (indent.length + next.length + 2 > MAX_COLUMNS - 26 && line !== '') {
      lines.push(`${line},`);
      line = label;
    } else {
      line = next;
    }
  }
  lines.push(line);
  return lines.join(`\n${indent}`);
}

/** Groups keys by the value they map to; the most frequent value first (it becomes the default). */
function groupByValue<V extends string>(entries: readonly { key: number; value: V }[]): { value: V; keys: number[] }[] {
  const groups = new Map<V, number[]>();
  for (const e of entries) groups.set(e.value, [...(groups.get(e.value) ?? []), e.key]);
  return [...groups.entries()].map(([value, keys]) => ({ value, keys })).sort((a, b) => b.keys.length - a.keys.length || a.keys[0] - b.keys[0]);
}

// ---------------------------------------------------------------- naming

/**
 * flexor_window_<H>x<W>x<C>_k<kh>x<kw>_st<stride>_pad<padding>_p<P_in>_s<S>_<s|u><bits>a<outBits>,
 * then _sl<slack> when the slack is not the default.
 */
export function windowModuleName(c: WindowConfig): string {
  const geometry = `${c.h}x${c.w}x${c.c}_k${c.kh}x${c.kw}_st${c.stride}_pad${c.padding}`;
  const slack = c.slack === Math.min(c.stride, c.h * c.w) ? '' : `_sl${c.slack}`;
  return `flexor_window_${geometry}_p${c.p}_s${c.s}_${c.signed ? 's' : 'u'}${c.bits}a${c.outBits}${slack}`;
}

// ---------------------------------------------------------------- the module's view

/** Widths of the module's counters and fields. */
interface Widths {
  readonly cnt: number;
  readonly pa: number;
  readonly mb: number;
  readonly ncol: number;
  readonly fcol: number;
  readonly o: number;
  readonly cbr: number;
  readonly rw: number;
  readonly delta: number;
  readonly beat: number;
  readonly wo: number;
  readonly ho: number;
  readonly inBeat: number;
  readonly inGroup: number;
  readonly addr: readonly number[];
  readonly maxAddr: number;
}

function widthsOf(plan: WindowPlan): Widths {
  const c = plan.config;
  const g = plan.geometry;
  const maxWords = Math.max(...plan.memories.map((m) => m.words));
  const addr = plan.memories.map((m) => Math.max(1, clog2(m.depth)));
  return {
    cnt: plan.counterBits,
    pa: Math.max(1, clog2(plan.bankPixels)),
    mb: Math.max(1, clog2(plan.banks)),
    ncol: bitsFor(c.w),
    fcol: bitsFor(c.w - 1),
    o: bitsFor(g.window - 1),
    cbr: bitsFor(c.p * plan.wordGroups - 1),
    rw: bitsFor(Math.max(maxWords - 1, 1) * plan.bankPixels),
    delta: bitsFor(Math.min(Math.max(...plan.residueRow) + 1, plan.bankPixels - 1)),
    beat: Math.max(1, clog2(g.beatsPerVector)),
    wo: Math.max(1, clog2(g.outWidth)),
    ho: Math.max(1, clog2(g.outHeight)),
    inBeat: Math.max(1, clog2(g.beatsPerPixel)),
    inGroup: Math.max(1, clog2(plan.wordGroups)),
    addr,
    maxAddr: Math.max(...addr),
  };
}

/** Which of the optional registers the configuration needs. */
interface Needs {
  readonly banked: boolean;
  readonly multiBeat: boolean;
  readonly needO: boolean;
  readonly needCbr: boolean;
  readonly needRwoff: boolean;
  readonly multiWo: boolean;
  readonly multiHo: boolean;
  readonly pixelBeats: boolean;
  readonly inGroups: boolean;
  readonly inWords: boolean;
}

function needsOf(plan: WindowPlan): Needs {
  const g = plan.geometry;
  const distinct = (f: (b: { o: number; cbr: number; wq: number }) => number) => new Set(plan.beats.map(f)).size > 1;
  return {
    banked: plan.banks > 1,
    multiBeat: g.beatsPerVector > 1,
    needO: distinct((b) => b.o),
    needCbr: distinct((b) => b.cbr),
    needRwoff: distinct((b) => b.wq),
    multiWo: g.outWidth > 1,
    multiHo: g.outHeight > 1,
    pixelBeats: g.beatsPerPixel > 1,
    inGroups: plan.wordGroups > 1,
    inWords: plan.memories.some((m) => m.words > 1),
  };
}

/** A ring slot (pa, bank) plus a constant: `<name>_pa`, `<name>_bank`. */
interface SlotAdd {
  readonly name: string;
  readonly src: string;
  readonly aq: string;
  readonly ar: string;
  readonly comment: string;
}

function slotAdd(plan: WindowPlan, w: Widths, name: string, src: string, step: number, comment: string): SlotAdd {
  const s = ((step % plan.ringPixels) + plan.ringPixels) % plan.ringPixels;
  return { name, src, aq: literal(w.pa + 1, Math.floor(s / plan.banks)), ar: literal(w.mb + 1, s % plan.banks), comment };
}

/** The ring slot of a stream pixel index (negative: before the first image). */
function slotOf(plan: WindowPlan, w: Widths, pixel: number): { pa: string; bank: string } {
  const s = ((pixel % plan.ringPixels) + plan.ringPixels) % plan.ringPixels;
  return { pa: literal(w.pa, Math.floor(s / plan.banks)), bank: literal(w.mb, s % plan.banks) };
}

/**
 * The beat-state recurrence the RTL runs (o += S mod KK with a carry into cb; cbr wraps at
 * P_in*NW into wq), checked here against the plan's beat states.
 */
function beatRecurrence(plan: WindowPlan, w: Widths, n: Needs): { adv: string; wqStep: string } {
  const c = plan.config;
  const kk = plan.geometry.window;
  const period = c.p * plan.wordGroups;
  const sr = c.s % kk;
  const sq = Math.floor(c.s / kk);
  let o = 0;
  let cbr = 0;
  let wq = 0;
  plan.beats.forEach((b, i) => {
    if (b.o !== o || b.cbr !== cbr || b.wq !== wq) throw new Error(`beat ${i}: the recurrence drifts from the plan`);
    const carry = o + sr >= kk ? 1 : 0;
    o = o + sr - carry * kk;
    const sum = cbr + sq + carry;
    if (sum >= 2 * period) throw new Error('a beat advances past two word periods');
    wq += sum >= period ? 1 : 0;
    cbr = sum % period;
  });
  const adv = n.needO ? `(o_carry ? ${literal(w.cbr + 1, sq + 1)} : ${literal(w.cbr + 1, sq)})` : literal(w.cbr + 1, sq);
  let wqStep = 'cbr_wrapped';
  if (!n.needCbr) wqStep = sq >= period ? "1'b1" : sq + 1 >= period && n.needO ? 'o_carry' : "1'b0";
  return { adv, wqStep };
}

/** The output position's counters: their resets, increments and the masks they drive. */
function counterView(plan: WindowPlan, w: Widths) {
  const c = plan.config;
  const g = plan.geometry;
  const img = g.pixels;
  // Increments from one output column (row) to the next; none with one column (row).
  const wos = Array.from({ length: g.outWidth - 1 }, (_, x) => x);
  const hos = Array.from({ length: g.outHeight - 1 }, (_, x) => x);
  // Indents: where the template prints these, `ncol_q      <= ncol_q + (` and `nrow_q ...`.
  const colInc = (f: (wo: number) => number, width: number) => piecewise(wos.map((x) => f(x + 1) - f(x)), 'wo_q', w.wo, (v) => literal(width, v), 35);
  const rowInc = (f: (ho: number) => number) => piecewise(hos.map((x) => (f(x + 1) - f(x)) * c.w), 'ho_q', w.ho, (v) => literal(w.cnt, v), 37);
  const ftop = interval((ho) => topRow(c, ho), g.outHeight, 'ho_q', w.ho);
  const fcolWide = extendExpression('fcol_q', w.fcol, w.cnt, false);
  const rowMasks = Array.from({ length: c.kh }, (_, i) => ({ i, expr: interval((ho) => rowInside(c, ho, i), g.outHeight, 'ho_q', w.ho) }));
  const colMasks = Array.from({ length: c.kw }, (_, j) => ({ j, expr: interval((wo) => columnInside(c, wo, j), g.outWidth, 'wo_q', w.wo) }));
  const base0 = slotOf(plan, w, -c.padding * c.w - c.padding);
  return {
    lastWo: literal(w.wo, g.outWidth - 1),
    lastHo: literal(w.ho, g.outHeight - 1),
    lastBeat: literal(w.beat, g.beatsPerVector - 1),
    basePa0: base0.pa,
    baseBank0: base0.bank,
    nrow0: literal(w.cnt, lastRow(c, 0) * c.w),
    ncol0: literal(w.ncol, lastColumn(c, 0) + 1),
    fcol0: literal(w.fcol, firstColumn(c, 0)),
    frow0: literal(w.cnt, firstRow(c, 0) * c.w),
    ncolInc: colInc((x) => lastColumn(c, x), w.ncol),
    fcolInc: colInc((x) => firstColumn(c, x), w.fcol),
    nrowInc: rowInc((x) => lastRow(c, x)),
    frowInc: rowInc((x) => firstRow(c, x)),
    nrowImage: literal(w.cnt, img + (lastRow(c, 0) - lastRow(c, g.outHeight - 1)) * c.w),
    frowImage: literal(w.cnt, img + (firstRow(c, 0) - firstRow(c, g.outHeight - 1)) * c.w),
    freeExpr: ftop === "1'b0" ? `frow_q + ${fcolWide}` : `frow_q + (${ftop} ? ${literal(w.cnt, 0)} : ${fcolWide})`,
    needExpr: `nrow_q + ${extendExpression('ncol_q', w.ncol, w.cnt, false)}`,
    ring: literal(w.cnt, plan.ringPixels),
    varRows: rowMasks.filter((m) => m.expr !== "1'b1" && m.expr !== "1'b0"),
    varCols: colMasks.filter((m) => m.expr !== "1'b1" && m.expr !== "1'b0"),
    rowMasks,
    colMasks,
  };
}

/** The registered window-row (column) validity a position uses: a register, or a constant. */
function maskOf(masks: { i?: number; j?: number; expr: string }[], index: number, reg: string): string {
  const expr = masks[index].expr;
  return expr === "1'b1" || expr === "1'b0" ? expr : reg;
}

/** Per bank: its pixel address table over the base bank r0 (delta = z[(m - r0) mod M] + (m < r0)). */
function bankView(plan: WindowPlan, w: Widths) {
  return Array.from({ length: plan.banks }, (_, m) => {
    const groups = groupByValue(Array.from({ length: plan.banks }, (_, r0) => ({ key: r0, value: literal(w.delta, bankDelta(plan, m, r0)) })));
    return {
      m,
      defaultDelta: groups[0].value,
      items: groups.slice(1).map((gr) => ({ labels: caseLabels(gr.keys.map((k) => literal(w.mb, k)), '      '), value: gr.value })),
      deltaWide: extendExpression(`delta_${m}`, w.delta, w.pa + 1, false),
    };
  });
}

/**
 * The word memory j reads in each beat, as the RTL computes it: rwoff_q (wq * PD, when wq
 * changes within a vector) plus PD past the read's first word group (cbr >= (group + 1) * P_in),
 * zero past the memory's words; a constant when every beat reads the same word. Checked here
 * against memoryWord for every beat.
 */
function readWord(plan: WindowPlan, w: Widths, n: Needs, j: number) {
  const c = plan.config;
  const m = plan.memories[j];
  const pd = plan.bankPixels;
  const xw = w.rw + 1;
  const threshold = (m.group + 1) * c.p;
  const words = plan.beats.map((b) => memoryWord(plan, j, b.wq, b.cbr).word);
  if (words.every((v) => v === words[0])) return { varies: false, offset: words[0] * pd, sum: '', word: '', xw };
  const inc = n.needCbr && plan.beats.some((b) => b.cbr >= threshold);
  const clamp = plan.beats.some((b) => memoryWord(plan, j, b.wq, b.cbr).clamped);
  plan.beats.forEach((b, i) => {
    const raw = (n.needRwoff ? b.wq : 0) + (inc && b.cbr >= threshold ? 1 : 0);
    if ((clamp && raw >= m.words ? 0 : raw) !== words[i]) throw new Error(`memory ${j}, beat ${i}: the read word drifts from the plan`);
  });
  const step = () => `(cbr_q >= ${literal(w.cbr, threshold)} ? ${literal(xw, pd)} : ${literal(xw, 0)})`;
  const base = `{1'b0, rwoff_q}`;
  const sum = n.needRwoff ? (inc ? `${base} + ${step()}` : base) : step();
  const word = clamp ? `rword_sum_${j} >= ${literal(xw, m.words * pd)} ? ${literal(xw, 0)} : rword_sum_${j}` : `rword_sum_${j}`;
  return { varies: true, offset: 0, sum, word, xw };
}

/** Per memory: its port widths, the word it reads (a wire `rword_<j>` when that varies) and its write condition. */
function memoryView(plan: WindowPlan, w: Widths, n: Needs, unused: string[]) {
  const c = plan.config;
  return plan.memories.map((m, j) => {
    const aw = w.addr[j];
    const rw = readWord(plan, w, n, j);
    if (rw.varies && rw.xw > aw) unused.push(`rword_${j}[${rw.xw - 1}:${aw}]`);
    const pa = extendExpression('rpa[gm]', w.pa, aw, false);
    const readAddr = rw.varies ? `rword_${j}[${aw - 1}:0] + ${pa}` : rw.offset > 0 ? `${literal(aw, rw.offset)} + ${pa}` : pa;
    const cond = [n.inGroups ? `in_grp_q == ${literal(w.inGroup, m.group)}` : '', m.words < Math.ceil((plan.geometry.beatsPerPixel - m.group) / plan.wordGroups) ? '!in_last' : ''].filter((x) => x);
    return {
      j,
      width: m.lanes * c.bits,
      depth: m.depth,
      addrBits: aw,
      lane0: m.lane0,
      lanes: m.lanes,
      group: m.group,
      words: rw.varies,
      sum: rw.sum,
      word: rw.word,
      xw: rw.xw,
      readAddr,
      writeAddr: aw === w.maxAddr ? 'wr_addr' : `wr_addr[${aw - 1}:0]`,
      writeData: `s_axis_fm_tdata[${(m.lane0 + m.lanes) * c.bits - 1}:${m.lane0 * c.bits}]`,
      writeCond: cond.length ? ` && ${cond.join(' && ')}` : '',
    };
  });
}

/**
 * A logarithmic network over n lanes, pruned to what the final lanes need: lane x of the last
 * stage is lane x + a of the input (modulo n when rotating; zero past n when shifting), a the
 * amount; stage k moves by 2^k when bit k of the amount is set. Constant-zero lanes are folded
 * away; each other lane of a stage is one wire.
 */
interface BarrelSpec {
  readonly n: number;
  readonly stages: number;
  readonly rotate: boolean;
  readonly finals: readonly number[];
  /** The input lane x, or undefined for a zero. */
  readonly input: (x: number) => string | undefined;
  readonly select: (k: number) => string;
  readonly name: (k: number, x: number) => string;
  readonly zero: string;
}

interface Barrel {
  readonly wires: readonly { name: string }[];
  readonly assigns: readonly { name: string; expr: string }[];
  /** The input lanes the network reads. */
  readonly inputs: ReadonlySet<number>;
  /** Final lane x, or undefined for a zero. */
  readonly final: (x: number) => string | undefined;
}

function barrel(spec: BarrelSpec): Barrel {
  const { n, stages } = spec;
  const step = (x: number, k: number) => (spec.rotate ? (x + 2 ** k) % n : x + 2 ** k);
  const needed: number[][] = new Array(stages + 1);
  needed[stages] = [...new Set(spec.finals.filter((x) => x < n))];
  for (let k = stages - 1; k >= 0; k--) needed[k] = [...new Set(needed[k + 1].flatMap((x) => [x, step(x, k)]).filter((x) => x < n))];
  const value = new Map<string, string | undefined>();
  const wires: { name: string }[] = [];
  const assigns: { name: string; expr: string }[] = [];
  for (let k = 0; k <= stages; k++) {
    for (const x of [...needed[k]].sort((a, b) => a - b)) {
      let v: string | undefined;
      if (k === 0) {
        v = spec.input(x);
      } else {
        const a = value.get(`${k - 1},${x}`);
        const b = value.get(`${k - 1},${step(x, k - 1)}`);
        if (a === b) {
          v = a;
        } else {
          v = spec.name(k, x);
          wires.push({ name: v });
          assigns.push({ name: v, expr: `${spec.select(k - 1)} ? ${b ?? spec.zero} : ${a ?? spec.zero}` });
        }
      }
      value.set(`${k},${x}`, v);
    }
  }
  return { wires, assigns, inputs: new Set(needed[0]), final: (x) => value.get(`${stages},${x}`) };
}

/**
 * Per bank, its channel lanes: the read words laid side by side (group u, lane l at u*P + l)
 * rotated by cbr, so that lane l is channel cb + l (docs/STREAMS.md).
 */
function laneView(plan: WindowPlan, w: Widths, n: Needs) {
  const c = plan.config;
  const period = c.p * plan.wordGroups;
  const zero = `{${c.bits}{1'b0}}`;
  const source = (x: number) => {
    const s = laneSource(plan, 0, x);
    return s ? `mem${s.memory}_l${s.lane}` : undefined;
  };
  const net = barrel({
    n: period,
    stages: n.needCbr ? w.cbr : 0,
    rotate: true,
    finals: Array.from({ length: plan.channelLanes }, (_, l) => l),
    input: source,
    select: (k) => `cbr1_q[${k}]`,
    name: (k, x) => `lr${k}_${x}`,
    zero,
  });
  const memLanes = [...net.inputs].sort((a, b) => a - b).flatMap((x) => {
    const s = laneSource(plan, 0, x);
    if (!s) return [];
    const m = plan.memories[s.memory];
    return [{ name: `mem${s.memory}_l${s.lane}`, expr: m.lanes === 1 ? `rd${s.memory}[gm]` : `rd${s.memory}[gm][${s.lane * c.bits} +: ${c.bits}]` }];
  });
  const lanes = Array.from({ length: plan.channelLanes }, (_, l) => ({ lane: l, expr: net.final(l) ?? zero }));
  return { memLanes, laneWires: net.wires, laneAssigns: net.assigns, laneOut: lanes };
}

/**
 * The output slots: the window's values laid out in k order from the beat's first channel
 * (channel lane l, position p at l*KH*KW + p) shifted down by o, so that slot s is k = cb*KH*KW + o + s.
 */
function slotNetwork(plan: WindowPlan, w: Widths, n: Needs, live: readonly boolean[]) {
  const c = plan.config;
  const kk = plan.geometry.window;
  return barrel({
    n: plan.channelLanes * kk,
    stages: n.needO ? w.o : 0,
    rotate: false,
    finals: Array.from({ length: c.s }, (_, s) => s),
    input: (x) => (live[x % kk] ? `pos${x % kk}_c${Math.floor(x / kk)}` : undefined),
    select: (k) => `o1_q[${k}]`,
    name: (k, x) => `sh${k}_${x}`,
    zero: `{${c.bits}{1'b0}}`,
  });
}

/**
 * The rotator, one per channel lane: final lane f is bank (f + r0) mod M, so that window
 * position p takes lane o_p mod M; only the (position, channel lane) pairs the slots read.
 */
function rotatorView(plan: WindowPlan, w: Widths, n: Needs, used: ReadonlySet<number>) {
  const c = plan.config;
  const kk = plan.geometry.window;
  const m = plan.banks;
  const wires: { name: string }[] = [];
  const assigns: { name: string; expr: string }[] = [];
  const finals: ((p: number) => string | undefined)[] = [];
  for (let lane = 0; lane < plan.channelLanes; lane++) {
    const net = barrel({
      n: m,
      stages: n.banked ? w.mb : 0,
      rotate: true,
      finals: plan.offsets.flatMap((o, p) => (used.has(lane * kk + p) ? [o % m] : [])),
      input: (x) => `ch[${x * plan.channelLanes + lane}]`,
      select: (k) => `bank1_q[${k}]`,
      name: (k, x) => `rot${k}_l${x}_c${lane}`,
      zero: `{${c.bits}{1'b0}}`,
    });
    wires.push(...net.wires);
    assigns.push(...net.assigns);
    finals.push((p) => net.final(plan.offsets[p] % m));
  }
  return { rotWires: wires, rotAssigns: assigns, finalLane: (p: number, lane: number) => finals[lane](p)! };
}

/** The used (position, channel lane) pairs: the rotated value, zero where the position lies in the padding. */
function positionView(plan: WindowPlan, counters: ReturnType<typeof counterView>, used: ReadonlySet<number>, finalLane: (p: number, lane: number) => string) {
  const c = plan.config;
  const kk = plan.geometry.window;
  const pairs: { name: string; expr: string }[] = [];
  for (const x of [...used].sort((a, b) => a - b)) {
    const p = x % kk;
    const lane = Math.floor(x / kk);
    const conds = [maskOf(counters.rowMasks, Math.floor(p / c.kw), `row_in${Math.floor(p / c.kw)}_q`), maskOf(counters.colMasks, p % c.kw, `col_in${p % c.kw}_q`)].filter((e) => e !== "1'b1");
    const zero = `{${c.bits}{1'b0}}`;
    pairs.push({ name: `pos${p}_c${lane}`, expr: conds.length === 0 ? finalLane(p, lane) : `(${conds.join(' && ')}) ? ${finalLane(p, lane)} : ${zero}` });
  }
  return { positions: pairs };
}

/** The slots: zero past K on a vector's last beat, then extended to OUT_BITS. */
function slotView(plan: WindowPlan, shifter: Barrel) {
  const c = plan.config;
  const g = plan.geometry;
  const zero = `{${c.bits}{1'b0}}`;
  return Array.from({ length: c.s }, (_, s) => {
    const sel = shifter.final(s) ?? zero;
    const value = s >= g.lastBeatValues ? `last1_q ? ${zero} : ${sel}` : sel;
    const pad = c.outBits - c.bits;
    const ext = pad === 0 ? `slot_val${s}` : c.signed ? `{{${pad}{slot_val${s}[${c.bits - 1}]}}, slot_val${s}}` : `{{${pad}{1'b0}}, slot_val${s}}`;
    return { s, value, ext, at: `${s * c.outBits} +: ${c.outBits}` };
  });
}

/** The slot adds of the ring pointers: the input's next pixel, the next window, row and image. */
function slotAdds(plan: WindowPlan, w: Widths, n: Needs, unused: string[]) {
  const c = plan.config;
  const g = plan.geometry;
  const adds = [slotAdd(plan, w, 'wr_next', 'wr', 1, "the input's next pixel")];
  if (n.multiWo) adds.push(slotAdd(plan, w, 'col_next', 'base', c.stride, 'the next window of the row: STRIDE pixels on'));
  if (n.multiHo) adds.push(slotAdd(plan, w, 'row_next', 'row', c.stride * c.w, "the next row's first window: STRIDE*W pixels on"));
  adds.push(slotAdd(plan, w, 'img_next', 'row', g.pixels - (g.outHeight - 1) * c.stride * c.w, "the next image's first window"));
  // The input's bank is a one-hot ring: its carry is leaving the last bank.
  return adds.map((a) => {
    const bankAdd = n.banked && a.name !== 'wr_next';
    if (bankAdd) unused.push(`${a.name}_bwrap[${w.mb}]`);
    unused.push(`${a.name}_pwrap[${w.pa}]`);
    const carry = bankAdd ? `${a.name}_carry` : `wr_hot_q[${plan.banks - 1}]`;
    return { ...a, bankAdd, carryWide: `{${w.pa}'d0, ${carry}}` };
  });
}

/** The ports' widths: tdata padded to bytes. */
function portView(c: WindowConfig) {
  const inDataBits = c.p * c.bits;
  const inBeatBits = byteBits(inDataBits);
  const outDataBits = c.s * c.outBits;
  const outBeatBits = byteBits(outDataBits);
  const extended = `${c.bits}-bit ${c.signed ? 'signed, sign' : 'unsigned, zero'}-extended to OUT_BITS`;
  return {
    inPad: inBeatBits > inDataBits,
    inBeatBits,
    inDataBits,
    outPad: outBeatBits > outDataBits,
    outBeatBits,
    outDataBits,
    outTdata: outBeatBits > outDataBits ? `{${literal(outBeatBits - outDataBits, 0)}, out_data_q}` : 'out_data_q',
    extendText: c.outBits === c.bits ? `${c.bits}-bit ${c.signed ? 'signed' : 'unsigned'}` : extended,
  };
}

/** The counters' sized constants and the input side's address and pointer updates. */
function literalView(plan: WindowPlan, w: Widths, n: Needs) {
  const c = plan.config;
  const g = plan.geometry;
  const period = c.p * plan.wordGroups;
  const pd = literal(w.rw, plan.bankPixels);
  const wrPa = extendExpression('wr_pa_q', w.pa, w.maxAddr, false);
  return {
    oStep: literal(w.o + 1, c.s % g.window),
    oLimit: literal(w.o + 1, g.window),
    oZero: literal(w.o, 0),
    cbrLimit: literal(w.cbr + 1, period),
    cbrZero: literal(w.cbr, 0),
    rwStep: pd,
    rwZero: literal(w.rw, 0),
    beatZero: literal(w.beat, 0),
    beatOne: literal(w.beat, 1),
    woZero: literal(w.wo, 0),
    woOne: literal(w.wo, 1),
    hoZero: literal(w.ho, 0),
    hoOne: literal(w.ho, 1),
    cntOne: literal(w.cnt, 1),
    lastPixelBeat: literal(w.inBeat, g.beatsPerPixel - 1),
    inBeatZero: literal(w.inBeat, 0),
    inBeatOne: literal(w.inBeat, 1),
    lastGroup: literal(w.inGroup, plan.wordGroups - 1),
    inGroupZero: literal(w.inGroup, 0),
    inGroupOne: literal(w.inGroup, 1),
    inWoffNext: n.inGroups ? `in_grp_q == ${literal(w.inGroup, plan.wordGroups - 1)} ? in_woff_q + ${pd} : in_woff_q` : `in_woff_q + ${pd}`,
    writeAddr: n.inWords ? `${extendExpression('in_woff_q', w.rw, w.maxAddr, false)} + ${wrPa}` : wrPa,
    wrHot0: literal(plan.banks, 1),
    wrHotNext: plan.banks > 1 ? `{wr_hot_q[${plan.banks - 2}:0], wr_hot_q[${plan.banks - 1}]}` : 'wr_hot_q',
  };
}

/** Everything the template prints. */
function moduleView(plan: WindowPlan, settings: CommonSettings, header: HeaderView, module: string) {
  const c = plan.config;
  const g = plan.geometry;
  const w = widthsOf(plan);
  const n = needsOf(plan);
  const ports = portView(c);
  const unused: string[] = ['s_axis_fm_tlast'];
  if (ports.inPad) unused.push(`s_axis_fm_tdata[${ports.inBeatBits - 1}:${ports.inDataBits}]`);
  const counters = counterView(plan, w);
  const live = Array.from({ length: g.window }, (_, p) => {
    const rowMask = counters.rowMasks[Math.floor(p / c.kw)].expr;
    const colMask = counters.colMasks[p % c.kw].expr;
    return rowMask !== "1'b0" && colMask !== "1'b0";
  });
  const shifter = slotNetwork(plan, w, n, live);
  const used = new Set([...shifter.inputs].filter((x) => live[x % g.window]));
  const rot = rotatorView(plan, w, n, used);
  const { adv, wqStep } = beatRecurrence(plan, w, n);
  if (n.needO) unused.push(`o_wrap[${w.o}]`);
  if (n.needCbr) unused.push(`cbr_wrap[${w.cbr}]`);
  const bankList = n.banked ? bankView(plan, w) : [{ m: 0 }];
  if (n.banked) for (let m = 0; m < plan.banks; m++) unused.push(`rpwrap_${m}[${w.pa}]`);
  const memories = memoryView(plan, w, n, unused);
  const checks: [string, number][] = [
    ['H', c.h], ['W', c.w], ['C', c.c], ['KH', c.kh], ['KW', c.kw], ['STRIDE', c.stride],
    ['PAD', c.padding], ['P_IN', c.p], ['SIMD', c.s], ['BITS', c.bits], ['OUT_BITS', c.outBits],
  ];
  return {
    ...blockView(settings, header, module, checks.map(([name, value]) => ({ name, value }))),
    height: c.h,
    width: c.w,
    channels: c.c,
    pIn: c.p,
    simd: c.s,
    bits: c.bits,
    outBits: c.outBits,
    kh: c.kh,
    kw: c.kw,
    stride: c.stride,
    padding: c.padding,
    ...g,
    period: c.p * plan.wordGroups,
    banks: plan.banks,
    ringPixels: plan.ringPixels,
    bankPixels: plan.bankPixels,
    channelLanes: plan.channelLanes,
    wordGroups: plan.wordGroups,
    w,
    n,
    ctr: counters,
    ...ports,
    slotAdds: slotAdds(plan, w, n, unused),
    bankCount: literal(w.mb + 1, plan.banks),
    bankDepth: literal(w.pa + 1, plan.bankPixels),
    bankList,
    memories,
    ...laneView(plan, w, n),
    ...rot,
    ...positionView(plan, counters, used, rot.finalLane),
    slotWires: shifter.wires,
    slotAssigns: shifter.assigns,
    slotOut: slotView(plan, shifter),
    ...literalView(plan, w, n),
    advExpr: adv,
    wqStep,
    unusedBits: `{${wrapWords(unused, ',', MAX_COLUMNS - 28).join('\n                        ')}}`,
  };
}

// ---------------------------------------------------------------- the design

/** Where an output beat lies: its output position and the k it starts at. */
function windowDescription(plan: WindowPlan): BeatDescription {
  const g = plan.geometry;
  const s = plan.config.s;
  return {
    format: 'position (%0d, %0d), k %0d..%0d',
    values: (beat) => {
      const vector = Math.floor(beat / g.beatsPerVector);
      const k0 = (beat % g.beatsPerVector) * s;
      return [Math.floor(vector / g.outWidth), vector % g.outWidth, k0, Math.min(g.k, k0 + s) - 1];
    },
  };
}

export function generateWindow(options: WindowGenOptions): WindowDesign {
  const settings = commonSettings(options);
  const c = resolveWindow(options);
  const config = { kind: 'stream-window', ...c, ...settings };
  const plan = planWindow(c);
  const figures = windowFigures(plan);
  const g = plan.geometry;
  const top = blockModuleName(settings, windowModuleName(c));
  const what = `Sliding window: ${c.h} x ${c.w} x ${c.c} (${c.signed ? 'signed' : 'unsigned'} ${c.bits}-bit values, ${c.p} per beat), kernel ${c.kh} x ${c.kw}, stride ${c.stride}, padding ${c.padding}, to ${g.outHeight} x ${g.outWidth} vectors of K = ${g.k} values in (cin, i, j) order, ${c.s} per beat, ${c.outBits}-bit.`;
  const header = blockHeader('generateWindow', config, [what]);
  const view = moduleView(plan, settings, header, top);
  const mem = { ...hdlKeywords(settings.hdl), header, module: `${top}_mem` };
  const maps = drawFeatureMaps(c, settings.seed, settings.stallImages + FAST_IMAGES);
  const images = maps.map((fm) => ({
    input: featureMapBeats(fm, c.p, c.bits),
    output: slidingWindow(c, fm.values).flatMap((v) => vectorStreamBeats(v, c.s, c.outBits)),
  }));
  const design = packageStreamBlock({
    kind: 'stream-window',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'window', view), blockRtl(settings, 'window_mem', mem)],
    testbench: {
      input: { prefix: 's_axis_fm', dataBits: view.inBeatBits },
      output: { prefix: 'm_axis_act', dataBits: view.outBeatBits },
      images,
      describeBeat: windowDescription(plan),
      watchdogCycles: Math.max(1000, 4 * figures.latencyBound),
    },
    description: `Sliding window ${c.kh}x${c.kw} on ${c.h}x${c.w}x${c.c}, beats ${c.p} in, ${c.s} out`,
    summary: [
      what,
      `Buffer: a ring of D = ${plan.ringPixels} pixels in M = ${plan.banks} bank(s) of ${plan.bankPixels} (${figures.ringBits} bits; the bound ((kh-1)*W + kw)*C*bits is ${figures.boundBits}); ${plan.memories.length} memory(ies) per bank.`,
      `Rate bound max(H*W*ceil(C/P_in), Ho*Wo*ceil(K/S)): ${figures.rateBoundCycles} cycles per image; an output's first beat 3 cycles after its last pixel.`,
    ],
    figures,
    details: { ports: { in: 's_axis_fm', out: 'm_axis_act' }, plan: planSummary(plan), beatBits: { in: view.inBeatBits, out: view.outBeatBits } },
  });
  return { ...design, plan, figures };
}

/** The plan's figures for the manifest (not its per-beat tables). */
function planSummary(plan: WindowPlan) {
  return {
    outHeight: plan.geometry.outHeight,
    outWidth: plan.geometry.outWidth,
    k: plan.geometry.k,
    beatsPerPixel: plan.geometry.beatsPerPixel,
    beatsPerVector: plan.geometry.beatsPerVector,
    banks: plan.banks,
    bankPixels: plan.bankPixels,
    ringPixels: plan.ringPixels,
    spanPixels: plan.spanPixels,
    slackPixels: plan.slackPixels,
    channelLanes: plan.channelLanes,
    wordGroups: plan.wordGroups,
    memories: plan.memories,
    counterBits: plan.counterBits,
  };
}
