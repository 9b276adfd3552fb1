/**
 * `flexor compare`: a generated layer against its plain 1-bit binary twin (generate layer
 * --baseline: same weights, same outputs, no XOR decoder), both synthesized the same way.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateLayer, settingsOf } from '../rtl/layer/generate.js';
import { readLayerFile } from '../formats/layerfile.js';
import { readLayerManifest } from '../eda/layertools.js';
import { writeDesignFiles } from '../rtl/output.js';
import { lutRamSites, synthesizeDesign, type SynthOptions, type SynthReport } from '../eda/synth.js';
import { designTargets, targetsText, type TargetCheck } from './targets.js';
import { checkPnrSettings, fmaxRatio, pnrComparisonText, pnrEvidence, type PnrFigures, type PnrSettings } from './pnrfigures.js';

export interface CompareSide {
  readonly dir: string;
  readonly memoryBits: number;
  readonly trainedBits: number;
  readonly synth: SynthReport;
  /** LUTs of the XOR decoder modules, all instances. */
  readonly decoderLuts: number;
  /** The hardware cost targets of this side (generator/targets.ts). */
  readonly targets?: readonly TargetCheck[];
  /** With `pnr`: the post-route figures of this side (evidence/pnrfigures.ts). */
  readonly pnr?: PnrFigures;
}

export interface CompareOptions extends SynthOptions {
  /** Also place and route both sides on this iCE40 (flexor pnr's flow). */
  pnr?: PnrSettings;
  /** Progress lines of place and route. */
  onLog?: (line: string) => void;
}

export interface Comparison {
  readonly flexor: CompareSide;
  readonly baseline: CompareSide;
}

function side(dir: string, synth: SynthReport, pnr?: PnrFigures): CompareSide {
  const manifest = readLayerManifest(dir, 'compare');
  const decoderLuts = synth.modules.filter((m) => /_dec_p\d+$/.test(m.module)).reduce((n, m) => n + m.luts * m.instances, 0);
  return { dir, memoryBits: manifest.storage.memoryBits, trainedBits: manifest.storage.trainedBits, synth, decoderLuts, targets: designTargets(dir, synth), ...(pnr !== undefined ? { pnr } : {}) };
}

/** The post-route figures of one side, with `options.pnr`. */
async function sidePnr(dir: string, options: CompareOptions): Promise<PnrFigures | undefined> {
  return options.pnr === undefined ? undefined : pnrEvidence(dir, options.pnr, options, options.onLog);
}

/**
 * Generates the baseline of the layer in `dir` into DIR/build/compare/baseline and synthesizes
 * both; with `pnr`, places and routes both too.
 */
export async function compareWithBaseline(dir: string, options: CompareOptions = {}): Promise<Comparison> {
  if (options.pnr !== undefined) checkPnrSettings(options.pnr);
  const manifest = readLayerManifest(dir, 'compare');
  const trained = readLayerFile(join(dir, 'layer.npz'));
  const design = generateLayer({ ...settingsOf(manifest.config), trained, baseline: true, weights: manifest.weights, romStyle: manifest.romStyle, actStyle: manifest.actStyle, reset: manifest.reset, hdl: manifest.hdl, pipeline: manifest.pipeline, topName: `${manifest.top}_bin` });
  const baselineDir = join(dir, 'build', 'compare', 'baseline');
  rmSync(baselineDir, { recursive: true, force: true });
  writeDesignFiles(baselineDir, design.files, false);
  const flexorSynth = await synthesizeDesign(dir, options);
  const baselineSynth = await synthesizeDesign(baselineDir, options);
  return { flexor: side(dir, flexorSynth, await sidePnr(dir, options)), baseline: side(baselineDir, baselineSynth, await sidePnr(baselineDir, options)) };
}

/** The compared figures: name, FleXOR, 1-bit binary. */
export function comparisonRows(c: Comparison): [string, number, number][] {
  return [
    ['weight memory bits (RTL)', c.flexor.memoryBits, c.baseline.memoryBits],
    ['stored weight bits (trained)', c.flexor.trainedBits, c.baseline.trainedBits],
    ['LUTs', c.flexor.synth.total.luts, c.baseline.synth.total.luts],
    ['LUT sites as RAM', lutRamSites(c.flexor.synth.total.cellTypes), lutRamSites(c.baseline.synth.total.cellTypes)],
    ['flip-flops', c.flexor.synth.total.flipFlops, c.baseline.synth.total.flipFlops],
    ['carry cells', c.flexor.synth.total.carryCells, c.baseline.synth.total.carryCells],
    ['block RAMs', c.flexor.synth.total.blockRams, c.baseline.synth.total.blockRams],
    ['LUT levels', c.flexor.synth.lutLevels, c.baseline.synth.lutLevels],
    ['XOR decoder LUTs', c.flexor.decoderLuts, c.baseline.decoderLuts],
  ];
}

/** The side-by-side table and what the decoders cost against the memory they save. */
export function comparisonText(c: Comparison): string {
  const rows = comparisonRows(c);
  const pct = (a: number, b: number) => (b === 0 ? '' : ` (${a - b >= 0 ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%)`);
  const lines = [`target ${c.flexor.synth.target}`, `${'figure'.padEnd(30)}${'FleXOR'.padStart(12)}${'1-bit binary'.padStart(14)}  difference`];
  for (const [name, a, b] of rows) lines.push(`${name.padEnd(30)}${String(a).padStart(12)}${String(b).padStart(14)}  ${a - b >= 0 ? '+' : ''}${a - b}${pct(a, b)}`);
  const saved = c.baseline.trainedBits - c.flexor.trainedBits;
  const extraDecoder = c.flexor.decoderLuts - c.baseline.decoderLuts;
  lines.push(
    `The XOR decoders cost ${extraDecoder} LUTs and save ${saved} stored weight bits` +
      (extraDecoder > 0 ? ` (${(saved / extraDecoder).toFixed(1)} bits per decoder LUT).` : '.'),
  );
  if (c.flexor.pnr !== undefined && c.baseline.pnr !== undefined) lines.push('', pnrComparisonText(c.flexor.pnr, c.baseline.pnr).trimEnd());
  if (c.flexor.targets !== undefined) lines.push('', `FleXOR design ${c.flexor.synth.top}, ${targetsText(c.flexor.targets).trimEnd()}`);
  return lines.join('\n');
}

/**
 * The comparison as `flexor compare --json` writes it: both sides, without the Yosys logs; with
 * place and route, each side's `pnr` and `fmaxRatio` (FleXOR's Fmax over the baseline's, null
 * when either has none).
 */
export function comparisonJson(c: Comparison): string {
  const strip = (x: CompareSide) => ({ ...x, synth: { ...x.synth, yosysLog: undefined } });
  const ratio = c.flexor.pnr !== undefined && c.baseline.pnr !== undefined ? fmaxRatio(c.flexor.pnr, c.baseline.pnr) : undefined;
  const pnr = ratio === undefined ? {} : { fmaxRatio: ratio };
  return `${JSON.stringify({ flexor: strip(c.flexor), baseline: strip(c.baseline), ...pnr }, null, 2)}\n`;
}
