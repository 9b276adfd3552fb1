/**
 * `flexor synth` on an accelerator folder (docs/SYNTH.md, "Accelerators"): the one Yosys run of
 * the whole top (hierarchy kept) read back per block, an instance of the top with everything
 * below it, beside the generator's LUT estimate; and the layer targets checked for every engine.
 *
 * acceleratorBlockRows and acceleratorChecks are pure: the manifest's facts and a synthesis
 * report in, rows and checks out. readAcceleratorFacts reads the facts from a folder.
 */
import { InputError } from '../core/errors.js';
import { rowTaps } from '../core/matrix.js';
import { designDecoders } from '../eda/prove.js';
import { baseModuleName, designInputs, inclusiveFigures, lutRamSites, synthesizeDesign, synthesizeSources, type DesignSources, type ModuleFigures, type SynthOptions, type SynthReport } from '../eda/synth.js';
import { readManifest } from '../formats/manifest.js';
import { synthesizeWithTargets, targetChecks, type TargetCheck, type TargetFacts } from './targets.js';
import { checkPnrSettings, pnrEvidence, type PnrFigures, type PnrSettings } from './pnrfigures.js';

/** One block of the accelerator as manifest.json's figures list it. */
export interface AcceleratorBlockFacts {
  readonly block: string;
  readonly kind: string;
  /** Its module: `<top>_<block>`. */
  readonly module: string;
  readonly lutEstimate: number;
  readonly lanes?: number;
  readonly simd?: number;
}

/** What the accelerator's synthesis readout needs from its folder. */
export interface AcceleratorFacts {
  readonly top: string;
  readonly blocks: readonly AcceleratorBlockFacts[];
  /** The engines as layer target facts (top = the engine's module). */
  readonly engines: readonly (TargetFacts & { readonly block: string })[];
}

/** One row of the block table: a block's instance with its submodules, and the estimate. */
export interface AcceleratorBlockRow {
  readonly block: string;
  readonly kind: string;
  readonly module: string;
  /** Null when the synthesized design has no such module (synthesis failed). */
  readonly luts: number | null;
  readonly flipFlops: number | null;
  /** LUT sites used as LUT RAM or shift registers (xilinx), not in luts. */
  readonly lutRamSites: number | null;
  readonly carryCells: number | null;
  readonly dsps: number | null;
  readonly blockRams: number | null;
  readonly memoryBits: number | null;
  readonly lutEstimate: number;
}

interface ManifestBlock {
  block: string;
  kind: string;
  lutEstimate?: number;
  lanes?: number;
  simd?: number;
}
interface ManifestEngine {
  block: string;
  module: string;
  config: { n: number; k: number; nIn: number; nOut: number; planes: number; lanes: number; simd: number; actBits: number };
  storage: { memoryBits: number; trainedBits: number; duplicateSlicesPerPlane: number };
}

/** The facts of an accelerator folder (kind "accelerator"): its blocks and its engines. */
export function readAcceleratorFacts(dir: string): AcceleratorFacts {
  const manifest = readManifest(dir) as unknown as { kind?: string; top: string; figures?: { blocks?: ManifestBlock[] }; engines?: ManifestEngine[] };
  if (manifest.kind !== 'accelerator') throw new InputError('DIR', `${dir} holds no accelerator`);
  const blocks = manifest.figures?.blocks;
  if (!Array.isArray(blocks) || !Array.isArray(manifest.engines) || blocks.some((b) => typeof b.lutEstimate !== 'number')) {
    throw new InputError(`${dir}/manifest.json`, 'lacks the blocks, their LUT estimates or the engines; regenerate the accelerator with this version of flexor');
  }
  const top = manifest.top;
  let decoders: ReturnType<typeof designDecoders> = [];
  let decoderError: string | undefined;
  try {
    decoders = designDecoders(dir);
  } catch (e) {
    decoderError = (e as Error).message;
  }
  const engines = manifest.engines.map((e) => ({
    block: e.block,
    kind: 'layer',
    top: e.module,
    baseline: false,
    decoders: decoders.filter((d) => d.block === e.block).map((d) => ({ module: d.module, plane: d.plane, rowTaps: Array.from({ length: d.matrix.nOut }, (_, j) => rowTaps(d.matrix, j).length) })),
    ...(decoderError !== undefined ? { decoderError } : {}),
    layer: { ...e.config, weights: 'rom' },
    storage: e.storage,
  }));
  return {
    top,
    blocks: blocks
      .filter((b) => b.kind !== 'input')
      .map((b) => ({ block: b.block, kind: b.kind, module: `${top}_${b.block}`, lutEstimate: b.lutEstimate!, ...(b.lanes !== undefined ? { lanes: b.lanes, simd: b.simd } : {}) })),
    engines,
  };
}

/** Each block's figures: every instance of its module (any parameter variant) with its submodules. */
export function acceleratorBlockRows(facts: AcceleratorFacts, synth: SynthReport): AcceleratorBlockRow[] {
  return facts.blocks.map((b) => {
    const variants = synth.modules.filter((m) => baseModuleName(m.module) === b.module);
    const base = { block: b.block, kind: b.kind, module: b.module, lutEstimate: b.lutEstimate };
    if (variants.length === 0) return { ...base, luts: null, flipFlops: null, lutRamSites: null, carryCells: null, dsps: null, blockRams: null, memoryBits: null };
    const all = variants.map((v) => inclusiveFigures(synth, v.module)!);
    const add = (f: (x: (typeof all)[number]) => number) => all.reduce((n, x, i) => n + f(x) * variants[i].instances, 0);
    return {
      ...base,
      luts: add((x) => x.luts), flipFlops: add((x) => x.flipFlops), lutRamSites: add((x) => lutRamSites(x.cellTypes)), carryCells: add((x) => x.carryCells),
      dsps: add((x) => x.dsps), blockRams: add((x) => x.blockRams), memoryBits: add((x) => x.memoryBits),
    };
  });
}

/** The layer targets of every engine (decoders, MAC array, weight memory), each check named after its engine. */
export function acceleratorChecks(facts: AcceleratorFacts, synth: SynthReport): TargetCheck[] {
  return facts.engines.flatMap((e) => targetChecks(e, synth).map((c) => ({ ...c, name: `${e.block}: ${c.name}` })));
}

/** Relative error of an estimate against a measured figure, in percent (signed: + is over). */
export function estimateError(estimate: number, measured: number): number {
  return measured === 0 ? (estimate === 0 ? 0 : Infinity) : ((estimate - measured) / measured) * 100;
}

/** The block table: measured per block (with its submodules), the estimate and its error, and the total. */
export function acceleratorBlocksText(rows: readonly AcceleratorBlockRow[], total: SynthReport['total'], totalLutRam = lutRamSites(total.cellTypes)): string {
  const fmt = (v: number | null) => (v === null ? '-' : String(v));
  const err = (r: { luts: number | null; lutEstimate: number }) => (r.luts === null || r.luts === 0 ? '-' : `${estimateError(r.lutEstimate, r.luts) >= 0 ? '+' : ''}${estimateError(r.lutEstimate, r.luts).toFixed(0)}%`);
  const estimate = rows.reduce((n, r) => n + r.lutEstimate, 0);
  const head = ['block', 'kind', 'LUTs', 'FFs', 'LUT RAM', 'carry', 'DSP', 'BRAM', 'mem bits', 'estimate', 'error'];
  const body = rows.map((r) => [r.block, r.kind, fmt(r.luts), fmt(r.flipFlops), fmt(r.lutRamSites), fmt(r.carryCells), fmt(r.dsps), fmt(r.blockRams), fmt(r.memoryBits), String(r.lutEstimate), err(r)]);
  const totalRow = ['total', '', String(total.luts), String(total.flipFlops), String(totalLutRam), String(total.carryCells), String(total.dsps), String(total.blockRams), String(total.memoryBits), String(estimate), err({ luts: total.luts, lutEstimate: estimate })];
  const all = [head, ...body, totalRow];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    'per block (an instance of the top with everything below it; estimate: the generator\'s LUT model, docs/NETWORK.md):',
    line(head), rule, ...body.map(line), rule, line(totalRow), '',
  ].join('\n');
}

/**
 * The largest accelerator, in estimated LUTs, that `flexor synth` synthesizes without `--large`
 * (docs/SYNTH.md, "Accelerators": the small CNN, about 7600, takes one to three minutes; LeNet-5,
 * about 56000, did not finish in 15 minutes).
 */
export const MAX_SYNTH_ESTIMATE = 20_000;

/** What `flexor synth` reports of one folder. */
export interface FolderSynthesis {
  synth: SynthReport;
  targets: TargetCheck[];
  /** An accelerator's blocks. */
  blocks?: AcceleratorBlockRow[];
  /** With `pnr`: the post-route figures (evidence/pnrfigures.ts). */
  pnr?: PnrFigures;
}

export interface FolderSynthOptions extends SynthOptions {
  /** Synthesize an accelerator above MAX_SYNTH_ESTIMATE all the same. */
  large?: boolean;
  /** Also place and route on this iCE40 (flexor pnr's flow): the report's `pnr`. */
  pnr?: PnrSettings;
  /** Progress lines of place and route (installing nextpnr, placing...). */
  onLog?: (line: string) => void;
}

/**
 * `flexor synth` on one folder: the synthesis, its targets, for an accelerator its blocks, and
 * with `pnr` the post-route figures. The place-and-route settings are checked before anything runs.
 */
export async function synthesizeFolder(dir: string, options: FolderSynthOptions = {}): Promise<FolderSynthesis> {
  if (options.pnr !== undefined) checkPnrSettings(options.pnr);
  const result = await synthesizeOneFolder(dir, options);
  if (options.pnr === undefined) return result;
  return { ...result, pnr: await pnrEvidence(dir, options.pnr, options, options.onLog) };
}

/**
 * The synthesis of one folder. An accelerator whose LUT estimate exceeds MAX_SYNTH_ESTIMATE is
 * refused (InputError) unless `large`.
 */
async function synthesizeOneFolder(dir: string, options: SynthOptions & { large?: boolean }): Promise<FolderSynthesis> {
  if (readManifest(dir).kind !== 'accelerator') return synthesizeWithTargets(dir, options);
  const facts = readAcceleratorFacts(dir);
  const estimate = facts.blocks.reduce((n, b) => n + b.lutEstimate, 0);
  if (estimate > MAX_SYNTH_ESTIMATE && options.large !== true) {
    const biggest = [...facts.blocks].sort((a, b) => b.lutEstimate - a.lutEstimate).slice(0, 3).map((b) => `${b.block} ${b.lutEstimate}`).join(', ');
    throw new InputError('DIR', `${dir}: the accelerator's LUT estimate is ${estimate} (largest blocks: ${biggest}), above ${MAX_SYNTH_ESTIMATE}: synthesizing it in the embedded Yosys would take far longer than a few minutes (docs/SYNTH.md, "Accelerators"); pass --large to run it anyway`);
  }
  const synth = await synthesizeDesign(dir, options);
  return { synth, targets: acceleratorChecks(facts, synth), blocks: acceleratorBlockRows(facts, synth) };
}

// ------------------------------------------------------------------------------ block by block

/** The name every block's module takes in its own synthesis (blockSources). */
export const BLOCK_TOP = 'flexor_block';

/** The module a file defines (one module per file) and the identifiers it uses, comments left out. */
function moduleFacts(text: string): { name?: string; words: Set<string>; code: string } {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').split('\n').map((l) => l.replace(/\/\/.*$/, '')).join('\n');
  return { name: /\bmodule\s+([A-Za-z_][A-Za-z0-9_$]*)/.exec(code)?.[1], words: new Set(code.match(/[A-Za-z_][A-Za-z0-9_$.]*/g) ?? []), code };
}

/**
 * One block of an accelerator as a design of its own: the RTL files its module reaches and the
 * memory files they read, comments removed and the block's module name (a prefix of its
 * submodules' and memory files' names) replaced by BLOCK_TOP. Two blocks that differ only in
 * their names (windows, FIFOs, tails of one geometry) so give identical inputs: the synthesis
 * cache runs Yosys once for them.
 */
export function blockSources(all: DesignSources, module: string): DesignSources {
  const facts = new Map(all.sources.map((path) => [path, moduleFacts(all.inputs.get(path)!)]));
  const byModule = new Map([...facts].filter(([, f]) => f.name !== undefined).map(([path, f]) => [f.name!, path]));
  const reached: string[] = [];
  const todo = [module];
  while (todo.length > 0) {
    const path = byModule.get(todo.pop()!);
    if (path === undefined || reached.includes(path)) continue;
    reached.push(path);
    for (const word of facts.get(path)!.words) if (byModule.has(word)) todo.push(word);
  }
  if (reached.length === 0) throw new InputError('DIR', `no RTL file defines the block module ${module}`);
  const canonical = (text: string) => text.split(module).join(BLOCK_TOP);
  const sources = all.sources.filter((p) => reached.includes(p));
  const code = sources.map((p) => facts.get(p)!.code).join('\n');
  const memories = [...all.inputs.keys()].filter((p) => !all.sources.includes(p) && code.includes(p.split('/').pop()!));
  const inputs = new Map([...sources.map((p) => [canonical(p), canonical(facts.get(p)!.code)] as const), ...memories.map((p) => [canonical(p), all.inputs.get(p)!] as const)]);
  return { top: BLOCK_TOP, sources: sources.map(canonical), inputs };
}

/** A block's row from the synthesis of the block alone (its total). */
function blockRow(b: AcceleratorBlockFacts, total: ModuleFigures): AcceleratorBlockRow {
  return {
    block: b.block, kind: b.kind, module: b.module, lutEstimate: b.lutEstimate, luts: total.luts, flipFlops: total.flipFlops, lutRamSites: lutRamSites(total.cellTypes),
    carryCells: total.carryCells, dsps: total.dsps, blockRams: total.blockRams, memoryBits: total.memoryBits,
  };
}

/**
 * Every block of an accelerator synthesized on its own (blockSources; `only` picks blocks by
 * name), for designs too large for one run of `flexor synth` (docs/NETWORK.md, "Synthesis block
 * by block"). Returns the rows, the distinct designs among them and how many came from the cache.
 */
export async function synthesizeBlocks(dir: string, options: SynthOptions & { only?: RegExp; log?: (line: string) => void } = {}): Promise<{ rows: AcceleratorBlockRow[]; distinct: number; cached: number }> {
  const facts = readAcceleratorFacts(dir);
  const all = designInputs(dir);
  const rows: AcceleratorBlockRow[] = [];
  const seen = new Set<string>();
  let cached = 0;
  for (const b of facts.blocks.filter((x) => x.kind !== 'fork' && (options.only?.test(x.block) ?? true))) {
    const sources = blockSources(all, b.module);
    seen.add(JSON.stringify([...sources.inputs]));
    const synth = await synthesizeSources(() => sources, options);
    if (!synth.ok) throw new InputError(b.block, `synthesis failed: ${synth.errors.join('; ')}`);
    if (synth.cached) cached++;
    options.log?.(`${b.block} (${b.kind}): ${synth.total.luts} LUTs${synth.cached ? ' (cached)' : ` (${synth.seconds.toFixed(0)} s)`}`);
    rows.push(blockRow(b, synth.total));
  }
  return { rows, distinct: seen.size, cached };
}
