/**
 * A stream block as a design folder: its RTL, the generic stream testbench and vectors, file
 * lists, FuseSoC core, README and manifest, so that `flexor verify` and `flexor lint` run on it as
 * on a decoder or a layer. Also the options and figures every stream block shares.
 */
import { canonicalJson } from '../../core/hash.js';
import { InputError, requireInteger } from '../../core/errors.js';
import { describeFiles, headerView, manifestFile, packageFiles, type GeneratedDesign, type GeneratedFile, type HeaderView } from '../design.js';
import { clog2, hdlKeywords, resetKeywords, type Hdl, type ResetStyle } from '../hdl.js';
import { render } from '../templates.js';
import { HEADER_TEXT_COLUMNS, MAX_COLUMNS, packWords } from '../textwrap.js';
import { multiStreamTestbench, streamTestbench, type MultiStreamTestbenchSpec, type StreamTestbenchSpec } from './testbench.js';

/** Images run at full speed after the stalled ones: one to settle, three to measure cycles per image. */
export const FAST_IMAGES = 4;

/** The figures every stream block's generator returns (docs/STREAMS.md, "Blocks"). */
export interface BlockFigures {
  /** Cycles per image in steady state with a source that never waits and a sink always ready. */
  readonly idealCyclesPerImage: number;
  /** Bits of data storage: memories and registers holding values (counters and flags excluded). */
  readonly bufferBits: number;
  /**
   * Most cycles from the handshake of an image's last input beat to that of its last output beat,
   * with the sink always ready (the testbench measures it in its full-speed phase).
   */
  readonly latencyBound: number;
}

export interface StreamBlockDesign extends GeneratedDesign {
  readonly figures: BlockFigures;
}

/** Options every stream block's generator takes. */
export interface StreamBlockCommonOptions {
  readonly hdl?: Hdl;
  readonly reset?: ResetStyle;
  /** Seeds the test vectors and the testbench's stalls; default 1. */
  readonly seed?: number;
  /** Images run with random stalls (default 2); FAST_IMAGES more run at full speed. */
  readonly images?: number;
  /** Names the top module flexor_<name> instead of a name that tells the configuration. */
  readonly name?: string;
}

export interface CommonSettings {
  readonly hdl: Hdl;
  readonly reset: ResetStyle;
  readonly seed: number;
  readonly stallImages: number;
  readonly name?: string;
}

/** The latency figure in words: at most N cycles from the last beat in to the last beat out, or how early the last beat leaves. */
function latencyText(cycles: number): string {
  if (cycles >= 0) return `latency at most ${cycles} cycles (last beat in to last beat out)`;
  return `the last beat out leaves ${-cycles} cycles before the last beat in (input rows no output reads)`;
}

/** Checks the shared options; each error names the option and what is allowed. */
export function commonSettings(options: StreamBlockCommonOptions): CommonSettings {
  const hdl = options.hdl ?? 'sv';
  if (hdl !== 'sv' && hdl !== 'verilog') throw new InputError('hdl', `must be sv or verilog; got ${String(hdl)}`);
  const reset = options.reset ?? 'sync';
  if (reset !== 'sync' && reset !== 'async') throw new InputError('reset', `must be sync or async; got ${String(reset)}`);
  const seed = requireInteger('seed', options.seed ?? 1, 0, 0xffffffff, 'an integer from 0 to 4294967295');
  const stallImages = requireInteger('images', options.images ?? 2, 0, 1000);
  if (options.name !== undefined && !/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(options.name)) {
    throw new InputError('name', `must be a letter then letters, digits or _ (at most 63), to make a module name; got ${JSON.stringify(options.name)}`);
  }
  return { hdl, reset, seed, stallImages, ...(options.name !== undefined ? { name: options.name } : {}) };
}

/** The top module: flexor_<name>, or the configuration's own name. */
export function blockModuleName(settings: CommonSettings, configured: string): string {
  return settings.name !== undefined ? `flexor_${settings.name}` : configured;
}

/** Words joined by `separator` into lines of at most `width` columns (a word never splits). */
export function wrapWords(words: readonly string[], separator: string, width: number): string[] {
  if (words.length === 0) return [];
  return packWords(words.map((word, i) => (i < words.length - 1 ? `${word}${separator.trimEnd()}` : word)), width);
}

/** A non-negative parameter value as a literal: unsized below 2^31, sized above (an unsized literal is 32 bits). */
export function parameterLiteral(value: number): string {
  return value < 2 ** 31 ? String(value) : literal(value.toString(2).length, value);
}

/**
 * The parameter check of a block module (templates/stream/paramcheck.hbs): an initial block that
 * reports every parameter that differs from the generated configuration and stops; lines within
 * MAX_COLUMNS.
 */
export function paramCheckBlock(hdl: Hdl, module: string, checks: readonly { name: string; value: number }[]): string {
  const sv = hdl === 'sv';
  const terms = checks.map((c) => `${c.name} != ${parameterLiteral(c.value)}`);
  const wrapped = wrapWords(terms, ' ||', MAX_COLUMNS - 20);
  const conditionLines = wrapped.map((line, i) => `${i === 0 ? 'if (' : '    '}${line}${i === wrapped.length - 1 ? ') begin' : ''}`);
  return render('stream/paramcheck', { sv, module, checks, conditionLines, report: sv ? '$error' : '$display' }).trimEnd();
}

/**
 * The header of a block's files: the configuration as JSON lines short enough for the header to
 * keep them as they are, then `lines` (prose, which the header wraps).
 */
export function blockHeader(generator: string, config: object, lines: readonly string[]): HeaderView {
  const json = canonicalJson(config);
  const fields = json.slice(1, -1).split(/,(?=")/);
  const configLines = wrapWords(fields, ',', HEADER_TEXT_COLUMNS - 4).map((line, i, all) => `${i === 0 ? '  {' : '   '}${line}${i === all.length - 1 ? '}' : ''}`);
  return headerView(`${generator}(configuration)`, config, ['Configuration:', ...configLines, ...lines]);
}

/** What the block templates share: HDL keywords, reset, header, module, the parameter check. */
export function blockView(settings: CommonSettings, header: HeaderView, module: string, paramCheck: readonly { name: string; value: number }[]) {
  return { ...hdlKeywords(settings.hdl), ...resetKeywords(settings.reset), header, module, paramCheck: paramCheckBlock(settings.hdl, module, paramCheck) };
}

/** An RTL file rendered from templates/stream/<template>.hbs, named after its module. */
export function blockRtl(settings: CommonSettings, template: string, view: { readonly module: string }): GeneratedFile {
  return { path: `rtl/${view.module}.${hdlKeywords(settings.hdl).ext}`, role: 'rtl', contents: render(`stream/${template}`, view) };
}

export interface StreamBlockPackage {
  /** The manifest's kind: `stream-<block>`. */
  readonly kind: string;
  readonly header: HeaderView;
  readonly top: string;
  readonly settings: CommonSettings;
  /** The resolved configuration, as the manifest records it. */
  readonly config: object;
  /** The RTL (and any memory images), one module per file. */
  readonly rtl: readonly GeneratedFile[];
  /** The testbench's streams and images; its module (tb_<top>), header, reset, stalls and seed come from the block. */
  readonly testbench:
    | Omit<StreamTestbenchSpec, 'header' | 'module' | 'dut' | 'reset' | 'stallImages' | 'seed'>
    | Omit<MultiStreamTestbenchSpec, 'header' | 'module' | 'dut' | 'reset' | 'stallImages' | 'seed'>;
  /** One line for the FuseSoC core. */
  readonly description: string;
  /** Lines that say what was generated (the README's list). */
  readonly summary: readonly string[];
  readonly figures: BlockFigures;
  readonly warnings?: readonly string[];
  /** More manifest fields (ports, widths). */
  readonly details?: Record<string, unknown>;
}

/** RTL, testbench, vectors, file lists, core, README and manifest of a stream block. */
export function packageStreamBlock(p: StreamBlockPackage): StreamBlockDesign {
  const testbenchTop = `tb_${p.top}`;
  const common = { header: p.header, module: testbenchTop, dut: p.top, reset: p.settings.reset, stallImages: p.settings.stallImages, seed: p.settings.seed };
  const tb = 'inputs' in p.testbench ? multiStreamTestbench({ ...p.testbench, ...common }) : streamTestbench({ ...p.testbench, ...common });
  const warnings = p.warnings ?? [];
  const files: GeneratedFile[] = [...p.rtl, ...tb.files];
  files.push(...packageFiles(files, { header: p.header, top: p.top, testbenchTop, hdl: p.settings.hdl, description: p.description }));
  const f = p.figures;
  const summary = [
    ...p.summary,
    `Figures: ${f.idealCyclesPerImage} cycles per image at full speed, ${f.bufferBits} buffer bits, ${latencyText(f.latencyBound)}.`,
    `${p.settings.hdl === 'sv' ? 'SystemVerilog' : 'Verilog-2005'}; reset ${resetKeywords(p.settings.reset).resetText}.`,
    tb.summary,
  ];
  const readme: GeneratedFile = { path: 'README.md', role: 'readme', contents: '' };
  const listed = [...files, readme, { path: 'manifest.json', role: 'manifest' as const, contents: '' }];
  files.push({ ...readme, contents: render('design/design_readme', { header: p.header, top: p.top, testbenchTop, summary, fileLines: describeFiles(listed), warnings }) });
  files.push(
    manifestFile(
      p.header,
      {
        kind: p.kind,
        config: p.config,
        hdl: p.settings.hdl,
        reset: p.settings.reset,
        top: p.top,
        rtlFileList: `${p.top}.f`,
        testbench: tb.manifest,
        figures: p.figures,
        ...(p.details ?? {}),
        warnings,
      },
      files,
    ),
  );
  return { top: p.top, testbenchTop, files, warnings, summary, figures: p.figures };
}

/**
 * A constant of one `width`-bit field per item, item 0 in the lowest bits, as a concatenation of
 * sized literals wrapped to lines of MAX_COLUMNS (the first line follows `lead` columns of text,
 * the others are indented by `indent`).
 */
export function packedConstant(values: readonly number[], width: number, indent: number): string {
  const items = [...values].reverse().map((v) => literal(width, v));
  const lines = wrapWords(items, ',', MAX_COLUMNS - indent - 3);
  return `{${lines.join(`\n${' '.repeat(indent + 1)}`)}}`;
}

/** Bits of a counter over [0, count): at least 1. */
export function counterBits(count: number): number {
  return Math.max(1, clog2(count));
}

/** A sized unsigned decimal literal: `8'd5`. */
export function literal(width: number, value: number | bigint): string {
  if (BigInt(value) < 0n || BigInt(value) >> BigInt(width) !== 0n) throw new Error(`literal: ${value} does not fit ${width} bits`);
  return `${width}'d${value}`;
}

/** What a counter over [0, count) needs in a template: its width and its 0, 1 and last values. */
export function counterView(count: number) {
  const bits = counterBits(count);
  return { bits, zero: literal(bits, 0), one: literal(bits, 1), last: literal(bits, count - 1) };
}

/** `name` (from bits) widened to `to` bits: sign-extended or zero-extended, as a concatenation. */
export function extendExpression(name: string, from: number, to: number, signed: boolean): string {
  if (to < from) throw new Error(`extendExpression: cannot widen ${from} bits to ${to}`);
  if (to === from) return name;
  return signed ? `{{${to - from}{${name}[${from - 1}]}}, ${name}}` : `{${literal(to - from, 0)}, ${name}}`;
}

/** Bits of a two's complement field holding every integer in [min, max], or of an unsigned one (min >= 0). */
export function rangeBits(min: bigint, max: bigint, signed: boolean): number {
  let bits = 1;
  if (signed) {
    while (-(1n << BigInt(bits - 1)) > min || max > (1n << BigInt(bits - 1)) - 1n) bits++;
  } else {
    if (min < 0n) throw new Error('rangeBits: a negative value in an unsigned field');
    while (max > (1n << BigInt(bits)) - 1n) bits++;
  }
  return bits;
}
