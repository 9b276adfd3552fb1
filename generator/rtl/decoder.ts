/**
 * `generateDecoder`: configuration in, files out. Draws (or imports) the matrix, builds the XOR
 * netlist, renders the RTL, the testbench, its vectors from the golden model, file lists, a FuseSoC
 * core and the manifest. Validates everything before producing anything.
 */
import { bitsToHex, describeFiles, headerView, manifestFile, packageFiles, type GeneratedDesign, type GeneratedFile, type HeaderView } from './design.js';
import { InputError, requireInteger } from '../core/errors.js';
import { decodeSlice } from '../core/golden.js';
import { hdlKeywords, resetKeywords, type Hdl, type ResetStyle } from './hdl.js';
import { gf2Rank, matrixWarnings, uniformTaps, type XorMatrix } from '../core/matrix.js';
import { matricesToJson } from '../formats/matrixfile.js';
import { resolveMatrix } from '../formats/matrixoptions.js';
import { buildXorNetlist, type Signal, type XorNetlist } from './netlist.js';
import { testRandom } from '../core/prng.js';
import { render } from './templates.js';

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
    | { readonly source: 'seeded'; readonly nTap?: number; readonly dense?: boolean; readonly seed: number }
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

/** flexor_dec_<Nin>x<Nout>_<t<nTap>|dense>_<s<seed>|m<hash>>: the name tells the configuration. */
export function decoderModuleName(config: DecoderConfig, matrix: XorMatrix): string {
  const m = config.matrix;
  const taps = m.source === 'seeded' ? (m.dense ? 'dense' : `t${m.nTap}`) : uniformTaps(matrix) !== undefined ? `t${uniformTaps(matrix)}` : 'mixed';
  const origin = m.source === 'seeded' ? `s${m.seed}` : `m${m.sha256.slice(0, 8)}`;
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

function signalName(s: Signal, net: XorNetlist): string {
  if (s.kind === 'input') return `enc_i[${s.index}]`;
  if (s.kind === 'zero') return "1'b0";
  const g = net.gates[s.id];
  return `x${g.row}_${g.level}_${g.position}`;
}

/** The combinational decoder of `matrix` as module `module`: its netlist, rendered. */
export function renderDecoderModule(matrix: XorMatrix, module: string, header: HeaderView, hdl: Hdl): string {
  const net = buildXorNetlist(matrix);
  return render('decoder/decoder', {
    ...hdlKeywords(hdl),
    header,
    module,
    nIn: matrix.nIn,
    nOut: matrix.nOut,
    paramCheck: [
      { name: 'NIN', value: matrix.nIn },
      { name: 'NOUT', value: matrix.nOut },
    ],
    gateCount: net.gates.length,
    depth: net.depth,
    unusedInputs: net.unusedInputs.map((i) => `enc_i[${i}]`).join(', '),
    unusedList: net.unusedInputs.join(', '),
    gates: net.gates.map((g) => ({ name: signalName({ kind: 'gate', id: g.id }, net), a: signalName(g.a, net), b: signalName(g.b, net) })),
    outputs: net.outputs.map((o) => ({
      row: o.row,
      driver: signalName(o.driver, net),
      comment: o.taps.length === 0 ? 'no taps, constant 0' : `taps ${o.taps.join(', ')}`,
    })),
  });
}

export function generateDecoder(options: DecoderOptions): GeneratedDesign {
  const { config, matrix } = resolve(options);
  const plane = config.matrix.source === 'file' ? config.matrix.plane : 0;
  const warnings = matrixWarnings(matrix, plane);
  const net = buildXorNetlist(matrix);
  const core = decoderModuleName(config, matrix);
  const top = config.registered ? `${core}_reg` : core;
  const testbenchTop = `tb_${top}`;
  const kw = hdlKeywords(config.hdl);
  const rank = gf2Rank(matrix);
  const matrixLine =
    config.matrix.source === 'seeded'
      ? `Matrix: ${config.nOut} x ${config.nIn}, ${config.matrix.dense ? 'dense' : `${config.matrix.nTap} taps per row`}, seed ${config.matrix.seed}, rank ${rank} over GF(2).`
      : `Matrix: ${config.nOut} x ${config.nIn} from ${config.matrix.file} (plane ${config.matrix.plane}, sha256 ${config.matrix.sha256.slice(0, 16)}), rank ${rank} over GF(2).`;
  const header: HeaderView = headerView(decoderCommand(config), config, [matrixLine]);
  const paramCheck = [
    { name: 'NIN', value: config.nIn },
    { name: 'NOUT', value: config.nOut },
  ];
  const files: GeneratedFile[] = [];
  const rtlPath = (name: string) => `rtl/${name}.${kw.ext}`;

  files.push({ path: rtlPath(core), role: 'rtl', contents: renderDecoderModule(matrix, core, header, config.hdl) });
  const rst = resetKeywords(config.reset ?? 'sync');
  if (config.registered) {
    files.push({
      path: rtlPath(top),
      role: 'rtl',
      contents: render('decoder/decoder_reg', { ...kw, ...rst, header, module: top, core, nIn: config.nIn, nOut: config.nOut, paramCheck }),
    });
  }

  // Test vectors and expected outputs, from the golden model.
  const vectors = decoderVectors(config.nIn, config.seed);
  const exhaustive = config.nIn <= EXHAUSTIVE_MAX_N_IN;
  const stimulusHex = vectors.map((x) => bitsToHex(x)).join('\n') + '\n';
  const expectedHex = vectors.map((x) => bitsToHex(decodeSlice(matrix, x))).join('\n') + '\n';
  const vectorText = exhaustive
    ? `all ${vectors.length} inputs`
    : `${vectors.length} slices: zero, all ones, the ${config.nIn} unit vectors, then seeded random ones`;
  const tbView = {
    header,
    module: testbenchTop,
    dut: top,
    nIn: config.nIn,
    nOut: config.nOut,
    vectors: vectors.length,
    vectorText,
    maxReport: MAX_REPORTED_MISMATCHES,
    ...rst,
    resetPad: ' '.repeat(Math.max(0, 17 - rst.resetPort.length)),
    maxCycles: vectors.length * 16 + 1000,
    seedValid: lfsrSeed(config.seed, 1),
    seedReady: lfsrSeed(config.seed, 2),
  };
  files.push({
    path: `tb/${testbenchTop}.sv`,
    role: 'testbench',
    contents: render(config.registered ? 'decoder/tb_decoder_reg' : 'decoder/tb_decoder', tbView),
  });
  files.push({ path: 'tb/stimulus.hex', role: 'vectors', contents: stimulusHex });
  files.push({ path: 'tb/expected.hex', role: 'vectors', contents: expectedHex });

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
    `Decoder: ${config.registered ? `registered (one pipeline stage, valid/ready; reset ${rst.resetText})` : 'combinational'}, ${config.hdl === 'sv' ? 'SystemVerilog' : 'Verilog-2005'}; ${net.gates.length} two-input XOR gates, ${net.depth} level(s) deep.`,
    `Bits per weight: ${config.nIn}/${config.nOut} = ${(config.nIn / config.nOut).toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}.`,
    `Testbench: ${vectorText}${config.registered ? ', with seeded random tvalid gaps and tready back-pressure' : ''}.`,
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
        vectors: vectors.length,
        exhaustive,
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
