/**
 * Hardware cost targets of a generated design, and by how much a design misses each one
 * (docs/SYNTH.md, "Targets"):
 *
 * - XOR decoder (each decoder module, `--target xilinx`): at most sum over rows of
 *   ceil((taps - 1) / 5) LUTs (one LUT per decoded bit up to 6 taps), and at most the least L with
 *   6^L >= the largest row's taps LUT levels;
 * - binary MAC array (the `<top>_mac` module with everything below it, `--target xilinx`): at most
 *   13 LUTs per MAC for 8-bit activations, beside FINN's LUT cost model of a binary-weight MAC;
 * - the whole layer (its top with everything below it, `--target xilinx`, LUTs as logic and as
 *   RAM): at most 15 LUTs per MAC for 8-bit activations;
 * - weight memory (any target): exactly q * ceil(N*K/Nout) * Nin trained bits, and in memory those
 *   plus the slices stored twice, q * duplicateSlicesPerPlane * Nin bits.
 *
 * targetChecks is pure: facts about the design folder and a synthesis report in, checks out.
 * readTargetFacts reads the facts from a folder with the project's own readers.
 */
import { readLayerManifest } from '../eda/layertools.js';
import { rowTaps } from '../core/matrix.js';
import { designDecoders } from '../eda/prove.js';
import { baseModuleName, inclusiveFigures, lutRamSites, synthesizeDesign, type SynthOptions, type SynthReport, type SynthTarget } from '../eda/synth.js';
import { readManifest } from '../formats/manifest.js';

/** The LUT target of a binary MAC with 8-bit activations, on 6-input LUTs. */
export const MAC_LUT_TARGET = 13;
/** The LUT target of a whole layer (every module of it) per binary MAC, 8-bit activations. */
export const LAYER_LUT_TARGET = 15;
/** The activation width the MAC targets are defined for. */
export const MAC_TARGET_ACT_BITS = 8;
/** The targets on LUTs and LUT levels are defined for this synthesis target (6-input LUTs). */
export const LUT_TARGETS_ON: SynthTarget = 'xilinx';

export interface TargetCheck {
  /** What is checked: "decoder p0 LUTs", "MAC array LUTs per MAC", "weight memory bits"... */
  readonly name: string;
  /** The measured figure; null when it could not be measured. */
  readonly measured: number | null;
  /** The target; null when none is defined for this design or synthesis target. */
  readonly target: number | null;
  /** Unit of measured, target and missedBy: "LUTs", "LUT levels", "LUTs per MAC", "bits". */
  readonly unit: string;
  /** "at most": met when measured <= target; "exactly": met when measured = target. */
  readonly bound: 'at most' | 'exactly';
  /** True met, false missed, null neither (see status). */
  readonly met: boolean | null;
  /**
   * met, missed; "not measurable" (no figure: synthesis failed, no such module, no manifest
   * figure); "no target" (measured, but no target is defined for it); "not checked" (the target is
   * defined for another synthesis target).
   */
  readonly status: 'met' | 'missed' | 'not measurable' | 'no target' | 'not checked';
  /** measured - target when missed (negative: below an exact target), 0 when met, null otherwise. */
  readonly missedBy: number | null;
  /** A published figure printed beside the target (FINN's LUTs per binary-weight MAC). */
  readonly reference?: { readonly name: string; readonly value: number };
  /** How the figures were obtained, or why there are none. */
  readonly detail: string;
}

/** One decoder module of a design and the taps of each row of its matrix. */
export interface DecoderFacts {
  readonly module: string;
  readonly plane: number;
  /** Ones in each row of the plane's XOR matrix. */
  readonly rowTaps: readonly number[];
}

/** What the targets need to know about a design folder, besides its synthesis. */
export interface TargetFacts {
  /** manifest.json kind: "decoder", "layer", ... */
  readonly kind: string;
  readonly top: string;
  /** A layer's 1-bit binary twin (generate layer --baseline): its identity "decoder" is no XOR decoder. */
  readonly baseline: boolean;
  /** Every XOR decoder module (none for a baseline). */
  readonly decoders: readonly DecoderFacts[];
  /** Why the decoders could not be read (then decoders is empty). */
  readonly decoderError?: string;
  /** A layer's configuration. */
  readonly layer?: {
    readonly n: number;
    readonly k: number;
    readonly nIn: number;
    readonly nOut: number;
    readonly planes: number;
    readonly lanes: number;
    readonly simd: number;
    readonly actBits: number;
    readonly weights: string;
  };
  /** A layer's manifest.json storage figures. */
  readonly storage?: { readonly memoryBits: number; readonly trainedBits: number; readonly duplicateSlicesPerPlane?: number };
}

// ---------------------------------------------------------------------------------------- arithmetic

/** LUT6s of one XOR row of `taps` inputs: none up to one tap, then one LUT per 5 more inputs. */
export function rowLutBound(taps: number): number {
  return taps <= 1 ? 0 : Math.ceil((taps - 1) / 5);
}

/** The decoder LUT target: sum over rows j of ceil((t_j - 1) / 5) (rows of 0 or 1 tap need none). */
export function decoderLutBound(rowTapCounts: readonly number[]): number {
  return rowTapCounts.reduce((n, t) => n + rowLutBound(t), 0);
}

/** The decoder LUT-level target: the least L with 6^L >= the largest row's taps (0 up to one tap). */
export function decoderLevelBound(rowTapCounts: readonly number[]): number {
  const widest = rowTapCounts.reduce((m, t) => Math.max(m, t), 0);
  let levels = 0;
  for (let reach = 1; reach < widest; reach *= 6) levels++;
  return levels;
}

/** FINN's LUT cost model of one MAC of W-bit weights and A-bit activations: (2 ceil((W+A)/6) - 1)(W+A). */
export function finnMacLuts(actBits: number, weightBits = 1): number {
  const width = weightBits + actBits;
  return (2 * Math.ceil(width / 6) - 1) * width;
}

/** The weight memory of a layer: q * ceil(N*K/Nout) * Nin trained bits, q * duplicates * Nin more stored twice. */
export function weightMemoryTarget(c: { planes: number; n: number; k: number; nIn: number; nOut: number }, duplicateSlicesPerPlane: number): {
  slices: number;
  trainedBits: number;
  duplicateBits: number;
  memoryBits: number;
} {
  const slices = Math.ceil((c.n * c.k) / c.nOut);
  const trainedBits = c.planes * slices * c.nIn;
  const duplicateBits = c.planes * duplicateSlicesPerPlane * c.nIn;
  return { slices, trainedBits, duplicateBits, memoryBits: trainedBits + duplicateBits };
}

// ---------------------------------------------------------------------------------------- checks

function check(name: string, unit: string, bound: TargetCheck['bound'], measured: number, target: number, detail: string, over = measured - target): TargetCheck {
  const met = bound === 'at most' ? over <= 0 : over === 0;
  return { name, measured, target, unit, bound, met, status: met ? 'met' : 'missed', missedBy: met ? 0 : over, detail };
}

function notMeasured(name: string, unit: string, bound: TargetCheck['bound'], target: number | null, detail: string): TargetCheck {
  return { name, measured: null, target, unit, bound, met: null, status: 'not measurable', missedBy: null, detail };
}

/** The synthesized variants of a module of the design (a parameterized module may have several). */
function variantsOf(synth: SynthReport, module: string) {
  return synth.modules.filter((m) => baseModuleName(m.module) === module);
}

function decoderChecks(facts: TargetFacts, synth: SynthReport, synthFailed: string | undefined): TargetCheck[] {
  if (facts.decoderError !== undefined) {
    return [notMeasured('decoder LUTs', 'LUTs', 'at most', null, `not measurable: ${facts.decoderError}`)];
  }
  const layer = facts.kind === 'layer';
  return facts.decoders.flatMap((d) => {
    const label = layer ? `decoder p${d.plane}` : 'decoder';
    const lutTarget = decoderLutBound(d.rowTaps);
    const levelTarget = decoderLevelBound(d.rowTaps);
    const widest = d.rowTaps.reduce((m, t) => Math.max(m, t), 0);
    const uniform = d.rowTaps.every((t) => t === d.rowTaps[0]) ? d.rowTaps[0] : undefined;
    const lutRule =
      uniform !== undefined
        ? `${d.rowTaps.length} rows of ${uniform} tap(s): ${d.rowTaps.length} x ceil((${uniform} - 1)/5) = ${lutTarget}`
        : `sum over ${d.rowTaps.length} rows of ceil((taps - 1)/5), rows of 0 or 1 tap none = ${lutTarget}`;
    const levelRule = `widest row ${widest} tap(s): least L with 6^L >= ${widest} is ${levelTarget}`;
    const variants = variantsOf(synth, d.module);
    if (synthFailed !== undefined || variants.length === 0) {
      const why = synthFailed ?? `the synthesized design has no module ${d.module}`;
      return [notMeasured(`${label} LUTs`, 'LUTs', 'at most', lutTarget, `not measurable: ${why}; target ${lutRule}`), notMeasured(`${label} LUT levels`, 'LUT levels', 'at most', levelTarget, `not measurable: ${why}; target ${levelRule}`)];
    }
    // Every variant (one per parameter set) must meet the target: the worst one is measured.
    const luts = Math.max(...variants.map((v) => inclusiveFigures(synth, v.module)!.luts));
    const levels = Math.max(...variants.map((v) => v.lutLevels ?? 0));
    const where = `${d.module}${variants.length > 1 ? ` (worst of ${variants.length} variants)` : ''}, one instance`;
    return [check(`${label} LUTs`, 'LUTs', 'at most', luts, lutTarget, `${where}; target ${lutRule}`), check(`${label} LUT levels`, 'LUT levels', 'at most', levels, levelTarget, `${where}; target ${levelRule}`)];
  });
}

/**
 * LUTs of a layer's MAC array: every instance of every variant of `<top>_mac`, each with all of its
 * submodules; undefined when the design has no such module.
 */
export function macArrayLuts(synth: SynthReport, top: string): number | undefined {
  const variants = variantsOf(synth, `${top}_mac`);
  if (variants.length === 0) return undefined;
  return variants.reduce((n, v) => n + inclusiveFigures(synth, v.module)!.luts * v.instances, 0);
}

function macCheck(facts: TargetFacts, synth: SynthReport, synthFailed: string | undefined): TargetCheck {
  const c = facts.layer!;
  const name = 'MAC array LUTs per MAC';
  const unit = 'LUTs per MAC';
  const macs = c.lanes * c.simd * c.planes;
  const finn = finnMacLuts(c.actBits);
  const reference = { name: 'FINN', value: finn };
  const finnNote = `; FINN's LUT cost of a binary-weight MAC, (2 x ceil((W+A)/6) - 1) x (W+A) with W = 1, A = ${c.actBits}: ${finn}`;
  const eight = c.actBits === MAC_TARGET_ACT_BITS;
  const target = eight ? MAC_LUT_TARGET : null;
  const targetNote = eight ? '' : `; the ${MAC_LUT_TARGET}-LUT target is defined for ${MAC_TARGET_ACT_BITS}-bit activations, this layer has ${c.actBits}`;
  const module = `${facts.top}_mac`;
  const luts = macArrayLuts(synth, facts.top);
  if (synthFailed !== undefined || luts === undefined) {
    const why = synthFailed ?? `the design has no ${module} module, so its MAC array cannot be told apart from the rest of the layer`;
    return { ...notMeasured(name, unit, 'at most', target, `not measurable: ${why}${targetNote}${finnNote}`), reference };
  }
  const measured = luts / macs;
  const detail = `${luts} LUTs in ${module} with its submodules / ${macs} MACs (lanes ${c.lanes} x simd ${c.simd} x planes ${c.planes})${targetNote}${finnNote}`;
  if (target === null) return { name, measured, target, unit, bound: 'at most', met: null, status: 'no target', missedBy: null, reference, detail };
  // Compared in whole LUTs (luts against 13 x MACs), so no rounding decides it.
  const met = luts <= target * macs;
  return { name, measured, target, unit, bound: 'at most', met, status: met ? 'met' : 'missed', missedBy: met ? 0 : (luts - target * macs) / macs, reference, detail };
}

/**
 * LUTs of a whole layer: every instance of every variant of its top module, each with all of its
 * submodules (in an accelerator, the engine's block); the LUT sites used as RAM beside them;
 * undefined when the design has no such module.
 */
export function layerLuts(synth: SynthReport, top: string): { luts: number; lutRamSites: number } | undefined {
  const variants = variantsOf(synth, top);
  if (variants.length === 0) return undefined;
  const figures = variants.map((v) => ({ f: inclusiveFigures(synth, v.module)!, n: v.instances }));
  return { luts: figures.reduce((n, x) => n + x.f.luts * x.n, 0), lutRamSites: figures.reduce((n, x) => n + lutRamSites(x.f.cellTypes) * x.n, 0) };
}

function layerCheck(facts: TargetFacts, synth: SynthReport, synthFailed: string | undefined): TargetCheck {
  const c = facts.layer!;
  const name = 'LUTs per MAC, whole layer';
  const unit = 'LUTs per MAC';
  const macs = c.lanes * c.simd * c.planes;
  const eight = c.actBits === MAC_TARGET_ACT_BITS;
  const target = eight ? LAYER_LUT_TARGET : null;
  const targetNote = eight ? '' : `; the ${LAYER_LUT_TARGET}-LUT target is defined for ${MAC_TARGET_ACT_BITS}-bit activations, this layer has ${c.actBits}`;
  const figures = layerLuts(synth, facts.top);
  if (synthFailed !== undefined || figures === undefined) {
    return notMeasured(name, unit, 'at most', target, `not measurable: ${synthFailed ?? `the design has no ${facts.top} module`}${targetNote}`);
  }
  // All in: the LUT sites used as RAM (LUT RAM, shift registers) are LUTs too, as a vendor's
  // utilization counts them ("Slice LUTs": LUT as logic plus LUT as memory).
  const luts = figures.luts + figures.lutRamSites;
  const mac = macArrayLuts(synth, facts.top);
  const macNote = mac === undefined ? '' : `; the MAC array ${mac}, the rest ${luts - mac}`;
  const detail = `${luts} LUTs in ${facts.top} with everything below it (${figures.luts} as logic, ${figures.lutRamSites} as RAM${macNote}) / ${macs} MACs${targetNote}`;
  if (target === null) return { name, measured: luts / macs, target, unit, bound: 'at most', met: null, status: 'no target', missedBy: null, detail };
  // Compared in whole LUTs (luts against 15 x MACs), so no rounding decides it.
  const met = luts <= target * macs;
  return { name, measured: luts / macs, target, unit, bound: 'at most', met, status: met ? 'met' : 'missed', missedBy: met ? 0 : (luts - target * macs) / macs, detail };
}

function memoryChecks(facts: TargetFacts): TargetCheck[] {
  const c = facts.layer!;
  const s = facts.storage;
  if (s === undefined || typeof s.memoryBits !== 'number' || typeof s.trainedBits !== 'number' || typeof s.duplicateSlicesPerPlane !== 'number') {
    return [notMeasured('weight memory bits', 'bits', 'exactly', null, 'not measurable: manifest.json has no storage figures (memoryBits, trainedBits, duplicateSlicesPerPlane); regenerate the design')];
  }
  const t = weightMemoryTarget(c, s.duplicateSlicesPerPlane);
  const formula = `q x ceil(N*K/Nout) x Nin = ${c.planes} x ceil(${c.n}*${c.k}/${c.nOut}) x ${c.nIn} = ${c.planes} x ${t.slices} x ${c.nIn}`;
  const where = c.weights === 'stream' ? 'one pass of the weight stream' : 'the on-chip weight memory';
  return [
    check('trained weight bits', 'bits', 'exactly', s.trainedBits, t.trainedBits, `manifest.json storage.trainedBits; target ${formula}`),
    check(
      'weight memory bits',
      'bits',
      'exactly',
      s.memoryBits,
      t.memoryBits,
      `manifest.json storage.memoryBits (${where}); target ${t.trainedBits} trained + ${t.duplicateBits} duplicate bits (q x ${s.duplicateSlicesPerPlane} x Nin: ${s.duplicateSlicesPerPlane} slice(s) per plane stored twice)`,
    ),
  ];
}

/**
 * The targets that apply to a design: decoders (decoder and layer designs, not a baseline), the
 * MAC array and the whole layer (layers) from the synthesis on xilinx, one line saying so on other targets; the weight
 * memory (layers) from the manifest, on any target.
 */
export function targetChecks(facts: TargetFacts, synth: SynthReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const isLayer = facts.kind === 'layer' && facts.layer !== undefined;
  const decoders = !facts.baseline && (facts.kind === 'decoder' || facts.kind === 'layer');
  if (decoders || isLayer) {
    if (synth.target !== LUT_TARGETS_ON) {
      const what = [decoders ? 'decoder LUTs and LUT levels' : '', isLayer ? 'MAC array LUTs per MAC, LUTs per MAC, whole layer' : ''].filter((w) => w !== '').join(', ');
      checks.push({
        name: what,
        measured: null,
        target: null,
        unit: 'LUTs',
        bound: 'at most',
        met: null,
        status: 'not checked',
        missedBy: null,
        detail: `defined for --target ${LUT_TARGETS_ON} (6-input LUTs); this synthesis is for ${synth.target}`,
      });
    } else {
      const failed = synth.modules.length === 0 ? 'synthesis failed' : undefined;
      if (decoders) checks.push(...decoderChecks(facts, synth, failed));
      if (isLayer) checks.push(macCheck(facts, synth, failed), layerCheck(facts, synth, failed));
    }
  }
  if (isLayer) checks.push(...memoryChecks(facts));
  return checks;
}

// ---------------------------------------------------------------------------------------- the folder

/** The facts of a design folder: its manifest, and each decoder's matrix (the reader flexor prove uses). */
export function readTargetFacts(dir: string): TargetFacts {
  const manifest = readManifest(dir);
  const kind = manifest.kind;
  if (kind !== 'decoder' && kind !== 'layer') return { kind: String(kind), top: manifest.top, baseline: false, decoders: [] };
  let layer: TargetFacts['layer'];
  let storage: TargetFacts['storage'];
  let baseline = false;
  if (kind === 'layer') {
    const m = readLayerManifest(dir, 'synth');
    const c = m.config;
    layer = { n: c.n, k: c.k, nIn: c.nIn, nOut: c.nOut, planes: c.planes, lanes: c.lanes, simd: c.simd, actBits: c.actBits, weights: m.weights };
    storage = m.storage;
    // The command that made it says so; a manifest without one, by the baseline's top name.
    baseline = typeof m.command === 'string' ? /(^|\s)--baseline(\s|$)/.test(m.command) : m.top.endsWith('_bin');
  }
  if (baseline) return { kind, top: manifest.top, baseline, decoders: [], layer, storage };
  try {
    const decoders = designDecoders(dir).map((d) => ({ module: d.module, plane: d.plane, rowTaps: Array.from({ length: d.matrix.nOut }, (_, j) => rowTaps(d.matrix, j).length) }));
    return { kind, top: manifest.top, baseline, decoders, layer, storage };
  } catch (e) {
    return { kind, top: manifest.top, baseline, decoders: [], decoderError: (e as Error).message, layer, storage };
  }
}

/** The targets of the design in `dir` against its synthesis. */
export function designTargets(dir: string, synth: SynthReport): TargetCheck[] {
  return targetChecks(readTargetFacts(dir), synth);
}

/** `flexor synth` on one design folder: the synthesis and the targets. */
export async function synthesizeWithTargets(dir: string, options: SynthOptions = {}): Promise<{ synth: SynthReport; targets: TargetCheck[] }> {
  const synth = await synthesizeDesign(dir, options);
  return { synth, targets: designTargets(dir, synth) };
}

// ---------------------------------------------------------------------------------------- text

/** 13 → "13", 13.5 → "13.50". */
export function formatFigure(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** "16 LUTs", "1 LUT level", "13.50 LUTs per MAC". */
export function figureText(v: number, unit: string): string {
  return `${formatFigure(v)} ${v === 1 ? unit.replace(/s\b/, '') : unit}`;
}

/** "at most 13 (FINN, ...: 27)", "exactly 1904", "none". */
export function targetText(c: TargetCheck): string {
  const ref = c.reference ? ` (${c.reference.name}: ${formatFigure(c.reference.value)})` : '';
  return `${c.target === null ? 'none' : `${c.bound} ${formatFigure(c.target)}`}${ref}`;
}

/** "met", "MISSED by 16 bits (0.8%)", "MISSED: 16 bits below (0.8%)", "not measurable", "no target". */
export function resultText(c: TargetCheck): string {
  if (c.status !== 'missed') return c.status;
  const by = c.missedBy ?? 0;
  const pct = c.target ? ` (${((Math.abs(by) / c.target) * 100).toFixed(1)}%)` : '';
  return by >= 0 ? `MISSED by ${figureText(by, c.unit)}${pct}` : `MISSED: ${figureText(-by, c.unit)} below${pct}`;
}

/**
 * The checks as text: one line each (check, measured, target, result) with its detail indented
 * below; a check not made on this synthesis target is one line saying so.
 */
export function targetsText(checks: readonly TargetCheck[]): string {
  if (checks.length === 0) return 'targets: none apply to this design\n';
  const table = checks.filter((c) => c.status !== 'not checked');
  const rows = table.map((c) => [c.name, c.measured === null ? '-' : figureText(c.measured, c.unit), targetText(c), resultText(c)]);
  const head = ['check', 'measured', 'target', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cols: string[]) => `  ${cols.map((col, i) => col.padEnd(widths[i])).join('  ')}`.trimEnd();
  const lines = ['targets (docs/SYNTH.md, Targets):'];
  for (const c of checks.filter((x) => x.status === 'not checked')) lines.push(`  ${c.name}: not checked, ${c.detail}`);
  if (table.length > 0) lines.push(format(head));
  rows.forEach((r, i) => lines.push(format(r), `      ${table[i].detail}`));
  return `${lines.join('\n')}\n`;
}

/**
 * `flexor synth --json`: per design folder its synthesis (without the Yosys log), targets, an
 * accelerator's blocks and, with --pnr, the post-route figures (`pnr`); one folder gives one
 * object, several a list.
 */
export function synthesisJson(designs: readonly { dir: string; synth: SynthReport; targets: readonly TargetCheck[]; blocks?: readonly unknown[]; pnr?: unknown }[]): string {
  const rows = designs.map(({ dir, synth, targets, blocks, pnr }) => {
    const { yosysLog: _log, ...rest } = synth;
    return { dir, ...rest, targets, ...(blocks !== undefined ? { blocks } : {}), ...(pnr !== undefined ? { pnr } : {}) };
  });
  return `${JSON.stringify(rows.length === 1 ? rows[0] : rows, null, 2)}\n`;
}
