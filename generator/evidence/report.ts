/**
 * One self-contained HTML report: the synthesis table, the hardware cost targets (met or missed,
 * evidence/targets.ts), the memory a FleXOR layer saves against its
 * 1-bit binary twin, the sweep plot and a picture of the XOR decoder network. Inline CSS and SVG
 * only: no scripts, no external resources, so the file opens anywhere and can be mailed as is.
 * `htmlReport` renders the page from its parts; `designReport` gathers them for a design folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareWithBaseline, comparisonRows, type Comparison } from './compare.js';
import { InputError } from '../core/errors.js';
import { placeText } from '../eda/memories.js';
import { displayName, synthesisOrigin, synthesizeDesign, type SynthReport, type SynthTarget } from '../eda/synth.js';
import { designTargets, figureText, resultText, targetText, type TargetCheck } from './targets.js';
import { readManifest } from '../formats/manifest.js';
import { readMatrices } from '../formats/matrixfile.js';
import { VERSION } from '../formats/version.js';
import { confusionCounts, confusionSvg, decoderNetworkSvg, escapeXml } from './svg.js';
import { parseNpy } from '../formats/npy.js';
import { acceleratorNetwork, loadNetwork } from '../formats/networkrun.js';
import { checkPnrSettings, fmaxText, pnrComparisonRows, pnrEvidence, pnrSettingsText, type PnrFigures, type PnrSettings } from './pnrfigures.js';
import { memoryText, type MemoryFigures } from '../rtl/network/accelerator.js';

const CSS = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #fafafa; }
.note { color: #555; font-size: 0.9em; }
.bad { color: #b00020; } .good { color: #1b7f2a; }
td.met { background: #e6f4ea; color: #1b7f2a; font-weight: bold; } td.missed { background: #fdecea; color: #b00020; font-weight: bold; }
td.open { color: #555; }
figure { margin: 1em 0; overflow-x: auto; }
`;

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], totalRow = -1): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row, i) => `<tr${i === totalRow ? ' class="total"' : ''}>${row.map((c) => (typeof c === 'number' ? `<td class="num">${num(c)}</td>` : `<td>${escapeXml(c)}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function synthSection(r: SynthReport): string {
  const headers = ['module', 'instances', 'LUTs', 'flip-flops', 'carry cells', 'DSPs', 'block RAMs', 'memory bits', 'LUT levels'];
  const rows = r.modules.map((m) => [displayName(m.module), m.instances, m.luts, m.flipFlops, m.carryCells, m.dsps, m.blockRams, m.memoryBits, m.lutLevels ?? '']);
  const t = r.total;
  rows.push(['total (every instance)', 1, t.luts, t.flipFlops, t.carryCells, t.dsps, t.blockRams, t.memoryBits, r.lutLevels]);
  const parts = [
    '<h2>Synthesis</h2>',
    `<p>Top <code>${escapeXml(r.top)}</code>, target <b>${escapeXml(r.target)}</b>, Yosys ${escapeXml(r.yosysVersion)} (${escapeXml(r.yosys)}), ${escapeXml(synthesisOrigin(r))}. Figures per module are for one instance.</p>`,
    table(headers, rows, rows.length - 1),
  ];
  if (r.errors.length > 0) parts.push(`<p class="bad">Errors:</p><ul>${r.errors.map((e) => `<li class="bad">${escapeXml(e)}</li>`).join('')}</ul>`);
  if (r.warnings.length > 0) parts.push(`<details><summary>${r.warnings.length} warning(s)</summary><ul>${r.warnings.map((w) => `<li>${escapeXml(w)}</li>`).join('')}</ul></details>`);
  parts.push(...memorySection(r));
  return parts.join('\n');
}

/** Where each memory went (the synthesis report's memory table), with Yosys's own mapping lines folded away. */
function memorySection(r: SynthReport): string[] {
  if (r.memories.length === 0 && r.memoryMapping.length === 0) return [];
  const headers = ['module', 'memory', 'width x depth', 'bits', 'count', 'where (one instance)'];
  const rows = r.memories.map((p) => [displayName(p.module), p.memory, `${p.width} x ${p.depth}`, p.bits, p.instances, placeText(p)]);
  const parts = ['<h3>Where the memories went</h3>'];
  parts.push(rows.length > 0 ? table(headers, rows) : '<p class="note">No memory of the RTL is left after synthesis.</p>');
  if (r.memoryMapping.length > 0) {
    parts.push(`<details><summary>Yosys memory mapping (${r.memoryMapping.length} line(s))</summary><ul>${r.memoryMapping.map((l) => `<li><code>${escapeXml(l)}</code></li>`).join('')}</ul></details>`);
  }
  return parts;
}

function comparisonSection(c: Comparison): string {
  const rows = comparisonRows(c);
  const pct = (a: number, b: number) => (b === 0 ? '' : `${a - b >= 0 ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`);
  const body = rows.map(([name, a, b]) => [name, a, b, `${a - b >= 0 ? '+' : ''}${a - b}`, pct(a, b)]);
  const saved = c.baseline.trainedBits - c.flexor.trainedBits;
  const memorySaved = c.baseline.memoryBits - c.flexor.memoryBits;
  const extra = c.flexor.decoderLuts - c.baseline.decoderLuts;
  const ratio = c.baseline.memoryBits === 0 ? '' : ` (${((c.flexor.memoryBits / c.baseline.memoryBits) * 100).toFixed(1)}% of the binary layer's memory)`;
  return [
    '<h2>Memory savings against the 1-bit binary layer</h2>',
    `<p>Both synthesized for <b>${escapeXml(c.flexor.synth.target)}</b>. FleXOR stores <b>${memorySaved}</b> fewer weight-memory bits${escapeXml(ratio)} and ${saved} fewer trained bits; its XOR decoders cost <b>${extra}</b> LUTs${
      extra > 0 ? ` (${(saved / extra).toFixed(1)} stored bits saved per decoder LUT)` : ''
    }.</p>`,
    table(['figure', 'FleXOR', '1-bit binary', 'difference', 'relative'], body),
  ].join('\n');
}

/** The hardware cost targets: one row per check, met in green, missed in red (docs/SYNTH.md, Targets). */
function targetsSection(checks: readonly TargetCheck[]): string {
  const parts = ['<h2>Hardware cost targets</h2>'];
  if (checks.length === 0) {
    parts.push('<p class="note">No target applies to this design.</p>');
    return parts.join('\n');
  }
  const rows = checks.map((c) => {
    const cls = c.status === 'met' ? 'met' : c.status === 'missed' ? 'missed' : 'open';
    const measured = c.measured === null ? '-' : figureText(c.measured, c.unit);
    return `<tr><td>${escapeXml(c.name)}</td><td class="num">${escapeXml(measured)}</td><td>${escapeXml(targetText(c))}</td><td class="${cls}">${escapeXml(resultText(c))}</td><td class="note">${escapeXml(c.detail)}</td></tr>`;
  });
  parts.push(
    '<p class="note">Decoder and MAC-array targets are measured on <code>--target xilinx</code> (6-input LUTs); the weight-memory targets come from manifest.json and hold on any target.</p>',
    `<table>\n<thead><tr><th>check</th><th>measured</th><th>target</th><th>result</th><th>how</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
  );
  return parts.join('\n');
}

/** A site's use as a table cell: "53 of 7680", or "-". */
function siteCell(u: PnrFigures['lcs']): string {
  return u === null ? '-' : `${u.used} of ${u.available}`;
}

/**
 * Place and route (docs/IMPLEMENTATION.md): the post-route Fmax and the sites used, of the design,
 * or of both sides of a comparison with FleXOR's over the baseline's. A design that does not fit
 * shows "does not fit: N of M LCs" in red.
 */
function pnrSection(pnr: PnrFigures, baseline?: PnrFigures): string {
  const fmaxCell = (f: PnrFigures) => `<td class="${f.fits && f.fmaxMhz !== null ? 'num' : 'bad'}">${escapeXml(fmaxText(f))}</td>`;
  const rows =
    baseline === undefined
      ? [
          `<tr><td>post-route Fmax</td>${fmaxCell(pnr)}</tr>`,
          ...(
            [['LCs', siteCell(pnr.lcs)], ['of which the wrapper (about)', String(pnr.wrapperLcs)], ['block RAM (EBR)', siteCell(pnr.ebrs)], ['DSP (SB_MAC16)', siteCell(pnr.dsps)]] as const
          ).map(([name, value]) => `<tr><td>${escapeXml(name)}</td><td class="num">${escapeXml(value)}</td></tr>`),
        ]
      : pnrComparisonRows(pnr, baseline).map(([name, a, b, ratio], i) =>
          i === 0 ? `<tr><td>${escapeXml(name)}</td>${fmaxCell(pnr)}${fmaxCell(baseline)}<td class="num">${escapeXml(ratio)}</td></tr>` : `<tr><td>${escapeXml(name)}</td><td class="num">${escapeXml(a)}</td><td class="num">${escapeXml(b)}</td><td class="num">${escapeXml(ratio)}</td></tr>`,
        );
  const head = baseline === undefined ? '<tr><th>figure</th><th>design</th></tr>' : '<tr><th>figure</th><th>FleXOR</th><th>1-bit binary</th><th>FleXOR / binary</th></tr>';
  const errors = [...pnr.errors, ...(baseline?.errors ?? [])];
  return [
    '<h2>Place and route</h2>',
    `<p>${escapeXml(pnrSettingsText(pnr))}. The design inside its out-of-context wrapper (4 pins; docs/IMPLEMENTATION.md), whose LCs are counted in the figures; Fmax from nextpnr's JSON report, after routing.</p>`,
    `<table>\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
    ...(errors.length > 0 ? [`<ul>${errors.map((e) => `<li class="bad">${escapeXml(e)}</li>`).join('')}</ul>`] : []),
  ].join('\n');
}

/** Strips an XML declaration or doctype, so a stand-alone SVG can be inlined in HTML. */
function inlineSvg(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*\?>\s*/, '').replace(/^\s*<!DOCTYPE[^>]*>\s*/i, '').trim();
}

/**
 * The report as one HTML file (XHTML-style markup: every element closed). Sections appear only
 * for the inputs given. `sweepSvg` and `decoderSvg` are inlined as they are: pass the output of
 * sweepSvg and decoderNetworkSvg, not untrusted markup.
 */
export function htmlReport(input: { title: string; network?: readonly string[]; synth?: SynthReport; targets?: readonly TargetCheck[]; comparison?: Comparison; pnr?: PnrFigures; sweepSvg?: string; decoderSvg?: string }): string {
  const sections: string[] = [...(input.network ?? [])];
  if (input.synth) sections.push(synthSection(input.synth));
  if (input.targets) sections.push(targetsSection(input.targets));
  if (input.comparison) sections.push(comparisonSection(input.comparison));
  const pnr = input.pnr ?? input.comparison?.flexor.pnr;
  if (pnr) sections.push(pnrSection(pnr, input.comparison?.baseline.pnr));
  if (input.sweepSvg) {
    sections.push(
      [
        '<h2>Design-space sweep</h2>',
        '<p class="note">LUTs and weight-memory bits against stored bits per weight, one colour per nTap. Dots are sweep points; each line joins the smallest value at each bits-per-weight.</p>',
        `<figure>${inlineSvg(input.sweepSvg)}</figure>`,
      ].join('\n'),
    );
  }
  if (input.decoderSvg) {
    sections.push(
      [
        '<h2>XOR decoder network</h2>',
        '<p class="note">Encrypted bits x on the left; each decoded weight bit y is the XOR of the inputs wired to it.</p>',
        `<figure>${inlineSvg(input.decoderSvg)}</figure>`,
      ].join('\n'),
    );
  }
  if (sections.length === 0) sections.push('<p class="note">Nothing to report: no synthesis, targets, comparison, sweep or decoder was given.</p>');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(input.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeXml(input.title)}</h1>`,
    `<p class="note">Generated by flexor-rtl ${escapeXml(VERSION)}.</p>`,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export interface DesignReportOptions {
  /** A folder written by `flexor sweep`, whose plot (sweep.svg) the report shows. */
  readonly sweep?: string;
  readonly target?: SynthTarget;
  /** Reuse cached synthesis runs (default true). */
  readonly cache?: boolean;
  /** Also place and route on this iCE40 (a layer: both sides of the comparison): the page's "Place and route". */
  readonly pnr?: PnrSettings;
  /** Progress lines of place and route. */
  readonly onLog?: (line: string) => void;
}

export interface DesignReport {
  readonly html: string;
  /** The synthesis the page shows; `ok` is false when Yosys failed or reported errors. */
  readonly synth: SynthReport;
  /** With `pnr`: the design's post-route figures (`ok` false when place and route failed other than by not fitting). */
  readonly pnr?: PnrFigures;
}

/**
 * `flexor report`: the page of the design in `dir`, a decoder or a layer. Its synthesis and cost
 * targets; for a layer the comparison with its 1-bit binary twin (which synthesizes both); the
 * sweep's plot when `sweep` is given; the XOR network of plane 0. Every input is checked before
 * the synthesis runs.
 */
export async function designReport(dir: string, options: DesignReportOptions = {}): Promise<DesignReport> {
  const manifest = readManifest(dir);
  const sweepFile = options.sweep === undefined ? undefined : join(options.sweep, 'sweep.svg');
  if (sweepFile !== undefined && !existsSync(sweepFile)) throw new InputError('--sweep', `${options.sweep} holds no sweep.svg; give a folder written by flexor sweep`);
  const decoderSvg = decoderNetworkSvg(readMatrices(join(dir, 'matrix.json'))[0]);
  const sweepSvg = sweepFile === undefined ? undefined : readFileSync(sweepFile, 'utf8');
  if (options.pnr !== undefined) checkPnrSettings(options.pnr);
  const synthOptions = { target: options.target, cache: options.cache };
  const comparison = manifest.kind === 'layer' ? await compareWithBaseline(dir, { ...synthOptions, pnr: options.pnr, onLog: options.onLog }) : undefined;
  const synth = comparison?.flexor.synth ?? (await synthesizeDesign(dir, synthOptions));
  const targets = comparison?.flexor.targets ?? designTargets(dir, synth);
  const pnr = comparison?.flexor.pnr ?? (options.pnr === undefined ? undefined : await pnrEvidence(dir, options.pnr, synthOptions, options.onLog));
  return { html: htmlReport({ title: manifest.top, synth, targets, comparison, pnr, decoderSvg, sweepSvg }), synth, ...(pnr !== undefined ? { pnr } : {}) };
}

/** What an accelerator folder's manifest.json says about its blocks (rtl/network/accelerator.ts). */
interface AcceleratorFigures {
  readonly top: string;
  readonly network: string;
  readonly logitScale: number;
  readonly figures: {
    readonly idealCyclesPerImage: number;
    readonly slowest: string;
    /** The clock the design was generated for (--clock-mhz of flexor network). */
    readonly clockMhz?: number;
    readonly blocks: readonly { block: string; kind: string; idealCyclesPerImage: number; bufferBits: number; weightBits: number; lanes?: number; simd?: number; lutEstimate?: number }[];
    /** Weights as trained and as stored, data storage by kind (folders of older versions lack it). */
    readonly memory?: MemoryFigures;
    readonly bypassFifos?: readonly { block: string; add: string; depth: number; pixels: number; slackPixels: number; beatsPerPixel: number }[];
  };
}

export interface NetworkReportOptions {
  /** True labels (.npy, integers [V]) of the images whose `predicted` labels are given. */
  readonly labels?: string;
  /** The labels the hardware (flexor sim --labels) or the golden model gave, .npy [V]. */
  readonly predicted?: string;
  /** The clock of the images-per-second figure (default: the one the design was generated for, else 100 MHz). */
  readonly clockMhz?: number;
}

/** An integer label file as numbers; an InputError naming `flag` otherwise. */
function readLabels(path: string, flag: string): number[] {
  if (!existsSync(path)) throw new InputError(flag, `${path}: no such file`);
  const array = parseNpy(readFileSync(path), path);
  if (array.shape.length !== 1 || !/int/.test(array.dtype)) throw new InputError(flag, `${path} must hold integer labels [V]; got ${array.dtype} ${JSON.stringify(array.shape)}`);
  return Array.from(array.data as ArrayLike<number | bigint>, Number);
}

function blocksSection(m: AcceleratorFigures, clockMhz: number): string {
  const f = m.figures;
  const rows = f.blocks.map((b) => [b.block, b.kind, b.lanes !== undefined ? `${b.lanes} x ${b.simd}` : '', b.idealCyclesPerImage, b.bufferBits, b.weightBits, b.lutEstimate ?? '']);
  const buffers = f.blocks.reduce((n, b) => n + b.bufferBits, 0);
  const weights = f.blocks.reduce((n, b) => n + b.weightBits, 0);
  const luts = f.blocks.reduce((n, b) => n + (b.lutEstimate ?? 0), 0);
  rows.push(['total', '', '', f.idealCyclesPerImage, buffers, weights, luts]);
  return [
    '<h2>The accelerator</h2>',
    `<p>Network <b>${escapeXml(m.network)}</b>, top <code>${escapeXml(m.top)}</code>: every block runs at once; the slowest, <b>${escapeXml(f.slowest)}</b>, sets the rate: <b>${f.idealCyclesPerImage}</b> cycles per image, ${num(Math.round((clockMhz * 1e6) / f.idealCyclesPerImage))} images per second at ${num(clockMhz)} MHz. Weight memory ${weights} bits (the engines' ROMs), buffers ${buffers} bits (activations, line buffers, FIFOs). One logit step is ${num(m.logitScale)}.</p>`,
    ...(f.memory ? [`<p>${escapeXml(memoryText(f.memory))}</p>`] : []),
    ...(f.bypassFifos?.length ? [`<p>Bypass FIFOs (docs/NETWORK.md, "Bypass FIFOs"): ${f.bypassFifos.map((b) => `${escapeXml(b.block)} ${b.depth} beats ((${b.pixels} + ${b.slackPixels}) pixels x ${b.beatsPerPixel})`).join(', ')}.</p>`] : []),
    table(['block', 'kind', 'lanes x simd', 'ideal cycles per image', 'buffer bits', 'weight bits', 'LUTs (estimate)'], rows, rows.length - 1),
    '<p class="note">The LUT estimate is the generator\'s model (docs/NETWORK.md, "LUT estimate"), not a synthesis: <code>flexor synth</code> gives Yosys\' figures per block.</p>',
  ].join('\n');
}

function accuracySection(truth: readonly number[], predicted: readonly number[], classes: number, source: string): string {
  const counts = confusionCounts(truth, predicted, classes);
  const right = counts.reduce((n, row, t) => n + row[t], 0);
  return [
    '<h2>Accuracy</h2>',
    `<p><b>${right}</b> of ${truth.length} images right: <b>${((100 * right) / truth.length).toFixed(2)}%</b> (predicted labels from ${escapeXml(source)}).</p>`,
    `<figure>${inlineSvg(confusionSvg(counts, `Confusion matrix, ${truth.length} images`))}</figure>`,
  ].join('\n');
}

/**
 * `flexor report DIR` on a network accelerator folder: its blocks (rate, parallelism, buffers,
 * weights) and, with true and predicted labels, the accuracy and the confusion matrix. No
 * synthesis (`flexor synth DIR` gives the whole accelerator's).
 */
export function networkReport(dir: string, options: NetworkReportOptions = {}): { html: string } {
  const manifest = readManifest(dir) as unknown as AcceleratorFigures & { kind: string };
  if (manifest.kind !== 'accelerator') throw new InputError('DIR', `${dir} holds a ${manifest.kind} design, not a network accelerator`);
  if ((options.labels === undefined) !== (options.predicted === undefined)) throw new InputError(options.labels === undefined ? '--labels' : '--predicted', 'goes with --labels and --predicted together: the true labels and the labels to score');
  const clockMhz = options.clockMhz ?? manifest.figures.clockMhz ?? 100;
  if (!(clockMhz > 0)) throw new InputError('--clock-mhz', `must be a positive number of MHz; got ${clockMhz}`);
  const sections = [blocksSection(manifest, clockMhz)];
  if (options.labels !== undefined && options.predicted !== undefined) {
    const truth = readLabels(options.labels, '--labels');
    const predicted = readLabels(options.predicted, '--predicted');
    if (truth.length !== predicted.length) throw new InputError('--predicted', `holds ${predicted.length} labels; --labels holds ${truth.length}`);
    const spec = loadNetwork(acceleratorNetwork(dir, 'report'));
    const classes = spec.tensors[spec.tensors.length - 1].c;
    for (const [flag, list] of [['--labels', truth], ['--predicted', predicted]] as const) {
      const bad = list.findIndex((l) => !(l >= 0 && l < classes));
      if (bad >= 0) throw new InputError(flag, `label ${list[bad]} (entry ${bad}) is not a class of ${spec.name}: 0 to ${classes - 1}`);
    }
    sections.push(accuracySection(truth, predicted, classes, options.predicted));
  }
  return { html: htmlReport({ title: manifest.top, network: sections }) };
}
