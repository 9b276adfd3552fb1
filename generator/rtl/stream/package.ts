/**
 * A stream block as a design folder: its RTL, the generic stream testbench and vectors, file
 * lists, FuseSoC core, README and manifest, so that `flexor verify` and `flexor lint` run on it as
 * on a decoder or a layer. Also the options and figures every stream block shares.
 */
import { canonicalJson } from '../../core/hash.js';
import { InputError, requireInteger } from '../../core/errors.js';
import { describeFiles, headerView, manifestFile, packageFiles, type GeneratedDesign, type GeneratedFile, type HeaderView } from '../design.js';
import { hdlKeywords, resetKeywords, type Hdl, type ResetStyle } from '../hdl.js';
import { render } from '../templates.js';
import { streamTestbench, type StreamTestbenchSpec } from './testbench.js';

/** Images run at full speed after the stalled ones, to measure cycles per image. */
export const FAST_IMAGES = 3;

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

/** The header of every file of a block: the library call that regenerates it, and its hash. */
export function blockHeader(generator: string, config: object, lines: readonly string[]): HeaderView {
  return headerView(`${generator}(${canonicalJson(config)})`, config, lines);
}

/** What the block templates share: HDL keywords, reset, header, module, the parameter check. */
export function blockView(settings: CommonSettings, header: HeaderView, module: string, paramCheck: readonly { name: string; value: number }[]) {
  return { ...hdlKeywords(settings.hdl), ...resetKeywords(settings.reset), header, module, paramCheck };
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
  /** The testbench; its module must be tb_<top>. */
  readonly testbench: StreamTestbenchSpec;
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
  if (p.testbench.module !== testbenchTop) throw new Error(`packageStreamBlock: the testbench module must be ${testbenchTop}`);
  const tb = streamTestbench(p.testbench);
  const warnings = p.warnings ?? [];
  const files: GeneratedFile[] = [...p.rtl, ...tb.files];
  files.push(...packageFiles(files, { header: p.header, top: p.top, testbenchTop, hdl: p.settings.hdl, description: p.description }));
  const f = p.figures;
  const summary = [
    ...p.summary,
    `Figures: ${f.idealCyclesPerImage} cycles per image at full speed, ${f.bufferBits} buffer bits, latency at most ${f.latencyBound} cycles (last beat in to last beat out).`,
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
