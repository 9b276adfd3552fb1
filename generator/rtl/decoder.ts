/**
 * `generateDecoder`: configuration in, files out. Draws (or imports) the matrix, builds the XOR
 * netlist, renders the RTL, the testbench, its vectors from the golden model, file lists, a FuseSoC
 * core and the manifest. Validates everything before producing anything.
 */
import { bitsToHex, describeFiles, headerView, manifestFile, packageFiles, type GeneratedDesign, type GeneratedFile, type HeaderView } from './design.js';
import { InputError, requireInteger } from '../core/errors.js';
import { decodeSlice } from '../core/golden.js';
import { hdlKeywords, resetKeywords, type Hdl, type ResetStyle } from './hdl.js';
import { gf2Rank, matrixWarnings, targetRank, uniformTaps, type MatrixDraw, type XorMatrix } from '../core/matrix.js';
import { matricesToJson } from '../formats/matrixfile.js';
import { resolveMatrix } from '../formats/matrixoptions.js';
import { buildXorNetlist, type Signal, type XorNetlist } from './netlist.js';
import { testRandom } from '../core/prng.js';
import { render } from './templates.js';
import { MAX_COLUMNS, wrapList, wrapText } from './textwrap.js';

/** Exhaustive testing up to this Nin (2^16 vectors); random vectors above it. */
export const EXHAUSTIVE_MAX_N_IN = 16;
/** Vectors tested when Nin is above EXHAUSTIVE_MAX_N_IN. */
export const RANDOM_VECTORS = 10_000;
/** Mismatches a testbench prints before it only counts them. */
export const MAX_REPORTED_MISMATCHES = 8;

export interface DecoderOptions {
  readonly nIn?: number;
  readonly nOut?: number;
  readonly nTap?: number;
  readonly dense?: boolean;
  /** first (default) or full: which matrix of the seed's sequence (docs/MATRIX.md). */
  readonly draw?: MatrixDraw;
  /** Seed of the matrix (when drawn) and of the test vectors and stalls; default 1. */
  readonly seed?: number;
  /** A .json or .npy matrix file to import instead of drawing one. */
  readonly matrixFile?: string;
  /** Which plane of a multi-plane matrix file; default 0. */
  readonly plane?: number;
  readonly registered?: boolean;
  readonly hdl?: Hdl;
  readonly reset?: ResetStyle;
}

/** The resolved configuration: what the header's hash covers and the manifest records. */
export interface DecoderConfig {
  readonly kind: 'decoder';
  readonly nIn: number;
  readonly nOut: number;
  readonly matrix:
    | { readonly source: 'seeded'; readonly nTap?: number; readonly dense?: boolean; readonly seed: number; readonly draw?: 'full' }
    | { readonly source: 'file'; readonly file: string; readonly plane: number; readonly sha256: string };
  readonly seed: number;
  readonly registered: boolean;
  readonly hdl: Hdl;
  /** Only for a registered decoder; a combinational one has no reset. */
  readonly reset?: ResetStyle;
}

interface ResolvedMatrix {
  readonly config: DecoderConfig;
  readonly matrix: XorMatrix;
}

function resolve(options: DecoderOptions): ResolvedMatrix {
  const seed = requireInteger('--seed', options.seed ?? 1, 0, 0xffffffff, 'an integer from 0 to 4294967295');
  const hdl = options.hdl ?? 'sv';
  if (hdl !== 'sv' && hdl !== 'verilog') throw new InputError('--hdl', `must be sv or verilog; got ${String(hdl)}`);
  const reset = options.reset ?? 'sync';
  if (reset !== 'sync' && reset !== 'async') throw new InputError('--reset', `must be sync or async; got ${String(reset)}`);
  const registered = options.registered ?? false;
  const common = { kind: 'decoder' as const, seed, registered, hdl, reset: registered ? reset : undefined };

  const { matrix, source } = resolveMatrix({ ...options, seed });
  return { config: { ...common, nIn: matrix.nIn, nOut: matrix.nOut, matrix: source }, matrix };
}

/** The command that regenerates this design (without the output folder). */
export function decoderCommand(config: DecoderConfig): string {
  const m = config.matrix;
  const parts = ['flexor generate decoder'];
  if (m.source === 'seeded') {
    parts.push(`--nin ${config.nIn} --nout ${config.nOut}`, m.dense ? '--dense' : `--ntap ${m.nTap}`);
    if (m.draw === 'full') parts.push('--draw full');
  } else {
    parts.push(`--matrix ${shellQuote(m.file)}`);
    if (m.plane !== 0) parts.push(`--plane ${m.plane}`);
  }
  parts.push(`--seed ${config.seed}`);
  if (config.registered) parts.push('--registered');
  if (config.reset === 'async') parts.push('--reset async');
  parts.push(`--hdl ${config.hdl}`);
  return parts.join(' ');
}

/** A word as a POSIX shell reads it back: quoted unless it is plain. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_.,:=+\/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * flexor_dec_<Nin>x<Nout>_<t<nTap>|dense>_<s<seed>|m<hash>>, s<seed>f for a full draw: the name
 * tells the configuration.
 */
export function decoderModuleName(config: DecoderConfig, matrix: XorMatrix): string {
  const m = config.matrix;
  const taps = m.source === 'seeded' ? (m.dense ? 'dense' : `t${m.nTap}`) : uniformTaps(matrix) !== undefined ? `t${uniformTaps(matrix)}` : 'mixed';
  const origin = m.source === 'seeded' ? `s${m.seed}${m.draw === 'full' ? 'f' : ''}` : `m${m.sha256.slice(0, 8)}`;
  return `flexor_dec_${config.nIn}x${config.nOut}_${taps}_${origin}`;
}

/** The test vectors: every input when Nin <= 16; else zero, all ones, each unit vector, then random. */
export function decoderVectors(nIn: number, seed: number): Uint8Array[] {
  if (nIn <= EXHAUSTIVE_MAX_N_IN) {
    return Array.from({ length: 2 ** nIn }, (_, v) => Uint8Array.from({ length: nIn }, (_, i) => (v >>> i) & 1));
  }
  const vectors: Uint8Array[] = [new Uint8Array(nIn), new Uint8Array(nIn).fill(1)];
  for (let i = 0; i < nIn; i++) {
    const unit = new Uint8Array(nIn);
    unit[i] = 1;
    vectors.push(unit);
  }
  const rng = testRandom(seed, 0);
  while (vectors.length < RANDOM_VECTORS) {
    const x = new Uint8Array(nIn);
    for (let i = 0; i < nIn; i += 32) {
      const word = rng.nextUint32();
      for (let b = 0; b < 32 && i + b < nIn; b++) x[i + b] = (word >>> b) & 1;
    }
    vectors.push(x);
  }
  return vectors;
}

/** A non-zero 32-bit LFSR seed, as 8 hex digits. */
function lfsrSeed(seed: number, stream: number): string {
  const value = testRandom(seed, stream).nextUint32() || 1;
  return value.toString(16).padStart(8, '0');
}

/** Timing of the testbenches (ns and cycles), printed as their named constants. */
export const TESTBENCH_TIMING = {
  /** Combinational testbench: from applying a slice to comparing the decoded bits. */
  settleNs: 1,
  /** Registered testbench: half the clock period (a 100 MHz clock). */
  halfPeriodNs: 5,
  /** Cycles the reset is held at the start. */
  resetCycles: 4,
  /** Cycles run after the last expected beat, to catch beats beyond it. */
  drainCycles: 8,
  /** The watchdog: this many cycles per vector, plus the slack below. */
  watchdogCyclesPerVector: 16,
  watchdogSlack: 1000,
} as const;

function signalName(s: Signal, net: XorNetlist): string {
  if (s.kind === 'input') return `enc_i[${s.index}]`;
  if (s.kind === 'zero') return "1'b0";
  const g = net.gates[s.id];
  return `x${g.row}_${g.level}_${g.position}`;
}

interface LocalparamSpec {
  readonly name: string;
  readonly value: number;
  readonly comment: string;
}

interface PortSpec {
  readonly direction: 'input' | 'output';
  /** `[MSB:LSB]`, or empty for one bit. */
  readonly range: string;
  readonly name: string;
  readonly comment?: string;
  /** A comment line above this port that opens a group of ports. */
  readonly group?: string;
}

const spaces = (n: number) => ' '.repeat(Math.max(0, n));

/**
 * The view of templates/decoder/_module.hbs: a module's localparams and ports with the padding
 * that aligns their columns, in both flavours. SystemVerilog declares the localparams in the
 * parameter port list and the ports in the port list (commas between entries); Verilog-2005,
 * which allows no localparam there, lists the port names and declares the localparams, then the
 * ports, in the body (each ending in a semicolon).
 */
function moduleView(hdl: Hdl, module: string, localparams: readonly LocalparamSpec[], ports: readonly PortSpec[]) {
  const kw = hdlKeywords(hdl);
  const sep = (i: number, n: number) => (i < n - 1 ? ',' : '');
  const nameWidth = Math.max(...localparams.map((p) => p.name.length));
  const valueWidth = Math.max(...localparams.map((p) => String(p.value).length));
  const types = ports.map((p) => (p.range === '' ? kw.net : `${kw.net}${p.range} `));
  const typeWidth = Math.max(...types.map((t) => t.length));
  const portWidth = Math.max(...ports.map((p) => p.name.length));
  return {
    ...kw,
    module,
    localparams: localparams.map((p, i) => {
      const value = String(p.value);
      const svSep = sep(i, localparams.length);
      return {
        name: p.name,
        namePad: spaces(nameWidth - p.name.length),
        value,
        svSep,
        svPad: spaces(valueWidth + 1 - value.length - svSep.length),
        vPad: spaces(valueWidth - value.length),
        comment: p.comment,
      };
    }),
    ports: ports.map((p, i) => {
      const svSep = sep(i, ports.length);
      return {
        group: p.group ?? '',
        direction: p.direction.padEnd('output'.length),
        type: types[i].padEnd(typeWidth),
        name: p.name,
        svSep,
        svPad: spaces(portWidth + 1 - p.name.length - svSep.length),
        vPad: spaces(portWidth - p.name.length),
        comment: p.comment ?? '',
      };
    }),
  };
}

/** NIN and NOUT: the widths every decoder module is generated for. */
function widthLocalparams(nIn: number, nOut: number): LocalparamSpec[] {
  return [
    { name: 'NIN', value: nIn, comment: 'encrypted bits per slice' },
    { name: 'NOUT', value: nOut, comment: 'decoded bits per slice' },
  ];
}

/**
 * One output assignment, `  assign dec_o[<row>] = <driver>;  // <comment>`, as
 * templates/decoder/decoder.hbs prints it: a tap list too long for the line continues on
 * comment lines aligned under the first (`indent`, then `//   `).
 */
function outputView(row: number, taps: readonly number[], driver: string) {
  const indent = spaces(`  assign dec_o[${row}] = ${driver};  `.length);
  const text = taps.length === 0 ? `row ${row}: no taps, constant 0` : `row ${row}: taps ${taps.join(', ')}`;
  const [comment, ...continued] = wrapText(text, MAX_COLUMNS - indent.length - '//   '.length, MAX_COLUMNS - indent.length - '// '.length);
  return { row, driver, comment, continued, indent };
}

/** The combinational decoder of `matrix` as module `module`: its netlist, rendered. */
export function renderDecoderModule(matrix: XorMatrix, module: string, header: HeaderView, hdl: Hdl): string {
  const net = buildXorNetlist(matrix);
  const ports: PortSpec[] = [
    { direction: 'input', range: '[NIN-1:0]', name: 'enc_i', comment: 'encrypted slice: bit i is x[i]' },
    { direction: 'output', range: '[NOUT-1:0]', name: 'dec_o', comment: 'decoded slice: bit j is y[j]' },
  ];
  const unused = net.unusedInputs;
  return render('decoder/decoder', {
    ...moduleView(hdl, module, widthLocalparams(matrix.nIn, matrix.nOut), ports),
    header,
    nIn: matrix.nIn,
    nOut: matrix.nOut,
    gateCount: net.gates.length,
    depth: net.depth,
    // Printed as `  // <line>` and, inside `^{ ... }`, as `    <line>`.
    unusedComment: wrapText(`Column(s) ${unused.join(', ')} of the matrix are all zero: those encrypted bits reach no output.`, MAX_COLUMNS - '  // '.length),
    unusedInputs: unused.length === 0 ? [] : wrapList(unused.map((i) => `enc_i[${i}]`), MAX_COLUMNS - '    '.length),
    gates: net.gates.map((g) => ({ name: signalName({ kind: 'gate', id: g.id }, net), a: signalName(g.a, net), b: signalName(g.b, net) })),
    outputs: net.outputs.map((o) => outputView(o.row, o.taps, signalName(o.driver, net))),
  });
}

/** The registered wrapper `module` around the combinational decoder `core`. */
function renderRegisteredModule(config: DecoderConfig, module: string, core: string, header: HeaderView): string {
  const rst = resetKeywords(config.reset ?? 'sync');
  const ports: PortSpec[] = [
    { direction: 'input', range: '', name: 'clk' },
    { direction: 'input', range: '', name: rst.resetPort },
    { direction: 'input', range: '[NIN-1:0]', name: 's_axis_enc_tdata', group: 'encrypted slices in' },
    { direction: 'input', range: '', name: 's_axis_enc_tvalid' },
    { direction: 'output', range: '', name: 's_axis_enc_tready' },
    { direction: 'output', range: '[NOUT-1:0]', name: 'm_axis_dec_tdata', group: 'decoded slices out' },
    { direction: 'output', range: '', name: 'm_axis_dec_tvalid' },
    { direction: 'input', range: '', name: 'm_axis_dec_tready' },
  ];
  return render('decoder/decoder_reg', {
    ...moduleView(config.hdl, module, widthLocalparams(config.nIn, config.nOut), ports),
    ...rst,
    header,
    core,
  });
}

/** The testbench of `top` and its vector files, from the golden model. */
function testbenchFiles(config: DecoderConfig, matrix: XorMatrix, top: string, testbenchTop: string, header: HeaderView) {
  const vectors = decoderVectors(config.nIn, config.seed);
  const exhaustive = config.nIn <= EXHAUSTIVE_MAX_N_IN;
  const vectorText = exhaustive
    ? `all ${vectors.length} inputs`
    : `${vectors.length} slices: zero, all ones, the ${config.nIn} unit vectors, then seeded random ones`;
  const rst = resetKeywords(config.reset ?? 'sync');
  const timing = TESTBENCH_TIMING;
  const view = {
    header,
    module: testbenchTop,
    dut: top,
    nIn: config.nIn,
    nOut: config.nOut,
    vectors: vectors.length,
    vectorText,
    maxReport: MAX_REPORTED_MISMATCHES,
    ...rst,
    // Aligns `.rst (` with `.s_axis_enc_tvalid(` in the testbench's port connections.
    resetPad: spaces('s_axis_enc_tvalid'.length - rst.resetPort.length),
    ...timing,
    maxCycles: vectors.length * timing.watchdogCyclesPerVector + timing.watchdogSlack,
    seedValid: lfsrSeed(config.seed, 1),
    seedReady: lfsrSeed(config.seed, 2),
  };
  const files: GeneratedFile[] = [
    {
      path: `tb/${testbenchTop}.sv`,
      role: 'testbench',
      contents: render(config.registered ? 'decoder/tb_decoder_reg' : 'decoder/tb_decoder', view),
    },
    { path: 'tb/stimulus.hex', role: 'vectors', contents: vectors.map((x) => bitsToHex(x)).join('\n') + '\n' },
    { path: 'tb/expected.hex', role: 'vectors', contents: vectors.map((x) => bitsToHex(decodeSlice(matrix, x))).join('\n') + '\n' },
  ];
  return { files, vectors: vectors.length, exhaustive, vectorText };
}

export function generateDecoder(options: DecoderOptions): GeneratedDesign {
  const { config, matrix } = resolve(options);
  const plane = config.matrix.source === 'file' ? config.matrix.plane : 0;
  const seeded = config.matrix.source === 'seeded' ? config.matrix : undefined;
  const warnings = matrixWarnings(matrix, plane, seeded?.draw === 'full' ? targetRank({ nIn: config.nIn, ...seeded }) : matrix.nIn);
  const net = buildXorNetlist(matrix);
  const core = decoderModuleName(config, matrix);
  const top = config.registered ? `${core}_reg` : core;
  const testbenchTop = `tb_${top}`;
  const kw = hdlKeywords(config.hdl);
  const rank = gf2Rank(matrix);
  const matrixLine =
    config.matrix.source === 'seeded'
      ? `Matrix: ${config.nOut} x ${config.nIn}, ${config.matrix.dense ? 'dense' : `${config.matrix.nTap} taps per row`}, seed ${config.matrix.seed}${config.matrix.draw === 'full' ? ' (full draw)' : ''}, rank ${rank} over GF(2).`
      : `Matrix: ${config.nOut} x ${config.nIn} from ${config.matrix.file} (plane ${config.matrix.plane}, sha256 ${config.matrix.sha256.slice(0, 16)}), rank ${rank} over GF(2).`;
  const header: HeaderView = headerView(decoderCommand(config), config, [matrixLine]);
  const files: GeneratedFile[] = [];
  const rtlPath = (name: string) => `rtl/${name}.${kw.ext}`;

  files.push({ path: rtlPath(core), role: 'rtl', contents: renderDecoderModule(matrix, core, header, config.hdl) });
  if (config.registered) files.push({ path: rtlPath(top), role: 'rtl', contents: renderRegisteredModule(config, top, core, header) });
  const testbench = testbenchFiles(config, matrix, top, testbenchTop, header);
  files.push(...testbench.files);

  // File lists, FuseSoC core, matrix, manifest.
  files.push(
    ...packageFiles(files, {
      header,
      top,
      testbenchTop,
      hdl: config.hdl,
      description: `FleXOR XOR decoder ${config.nOut}x${config.nIn}${config.registered ? ', registered' : ''}`,
    }),
  );
  files.push({
    path: 'matrix.json',
    role: 'matrix',
    contents: matricesToJson([matrix], { rank: [rank] }),
  });
  const summaryLines = [
    matrixLine,
    `Decoder: ${config.registered ? `registered (one pipeline stage, valid/ready; reset ${resetKeywords(config.reset ?? 'sync').resetText})` : 'combinational'}, ${config.hdl === 'sv' ? 'SystemVerilog' : 'Verilog-2005'}; ${net.gates.length} two-input XOR gates, ${net.depth} level(s) deep.`,
    `Bits per weight: ${config.nIn}/${config.nOut} = ${(config.nIn / config.nOut).toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}.`,
    `Testbench: ${testbench.vectorText}${config.registered ? ', with seeded random tvalid gaps and tready back-pressure' : ''}.`,
  ];
  const readmeFile: GeneratedFile = { path: 'README.md', role: 'readme', contents: '' };
  const listed = [...files, readmeFile, { path: 'manifest.json', role: 'manifest' as const, contents: '' }];
  files.push({
    ...readmeFile,
    contents: render('design/design_readme', { header, top, testbenchTop, summary: summaryLines, fileLines: describeFiles(listed), warnings }),
  });
  const manifest = manifestFile(
    header,
    {
      kind: 'decoder',
      config,
      top,
      rtlFileList: `${top}.f`,
      testbench: {
        top: testbenchTop,
        fileList: `${testbenchTop}.f`,
        vectorFiles: ['tb/stimulus.hex', 'tb/expected.hex'],
        vectors: testbench.vectors,
        exhaustive: testbench.exhaustive,
      },
      matrix: { nIn: config.nIn, nOut: config.nOut, rank, taps: net.outputs.map((o) => o.taps) },
      netlist: { xorGates: net.gates.length, depth: net.depth, unusedInputs: net.unusedInputs },
      warnings,
    },
    files,
  );
  files.push(manifest);
  return { top, testbenchTop, files, warnings, summary: summaryLines };
}
