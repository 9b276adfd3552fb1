/**
 * `flexor prove DIR`: a formal proof, with Yosys's SAT engine (@yowasp/yosys, WebAssembly, inside
 * Node), that every generated XOR decoder of a design computes y = M x for all 2^Nin inputs. Each
 * decoder module, read unchanged from the design's RTL, is compared in a miter against a reference
 * module written from matrix.json; the result is a proof or a counterexample. docs/PROVE.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runYosys } from '@yowasp/yosys';
import { bitsToHex } from '../rtl/design.js';
import { InputError } from '../core/errors.js';
import { decodeSlice } from '../core/golden.js';
import { rowTaps, type XorMatrix } from '../core/matrix.js';
import { readMatrices } from '../formats/matrixfile.js';
import { sha256 } from '../core/hash.js';
import { designFolders, readManifest } from '../formats/manifest.js';

export interface Counterexample {
  /** The input slice x, hex, bit i = x[i] (the tb/stimulus.hex convention). */
  readonly input: string;
  /** M x, from the reference, hex, bit j = y[j]. */
  readonly expected: string;
  /** What the decoder outputs for that input, hex. */
  readonly got: string;
  /** The rows j where expected and got differ, ascending. */
  readonly differingBits: number[];
}

export interface DecoderProof {
  /** The decoder module proven (or refuted). */
  readonly module: string;
  /** Its RTL file: the design folder joined with the manifest's path. */
  readonly file: string;
  /** Which plane of the folder's matrix.json is its specification (0 for a decoder design). */
  readonly plane: number;
  /** The engine block of an accelerator folder whose decoder it is. */
  readonly block?: string;
  /** True only if Yosys proved the decoder equal to y = M x for every input. */
  readonly proven: boolean;
  /** Present when the proof failed because the decoder differs from M x for this input. */
  readonly counterexample?: Counterexample;
  /** Present when Yosys could not read, elaborate or prove the module (proven is then false). */
  readonly error?: string;
  /** Yosys's output for this proof (the SAT run, or the error). */
  readonly log: string;
}

/** One decoder to prove: where it is and what it must compute. */
type Tree = { [name: string]: Tree | string | Uint8Array };

interface ProofJob {
  readonly module: string;
  /** Path inside the design folder, as the manifest lists it. */
  readonly relativePath: string;
  readonly file: string;
  readonly plane: number;
  readonly matrix: XorMatrix;
  readonly source: string;
  readonly block?: string;
}

const REF_PREFIX = 'flexor_prove_ref_';
const DUT_PREFIX = 'flexor_prove_dut_';
const MITER_PREFIX = 'flexor_prove_miter_';
const MARK = 'flexor-prove:';

/** A Verilog constant of `matrix.nIn` bits holding row j of M (bit i = M[j][i]). */
function rowMask(matrix: XorMatrix, j: number): string {
  return `${matrix.nIn}'h${bitsToHex(matrix.bits.subarray(j * matrix.nIn, (j + 1) * matrix.nIn))}`;
}

/**
 * The reference for y = M x, written from the matrix alone (not from the generator's netlist):
 * each output is the parity of the input ANDed with its row as a constant mask.
 */
export function referenceModule(name: string, matrix: XorMatrix): string {
  const lines = [
    `// Reference for y = M x over GF(2): ${matrix.nOut} rows, ${matrix.nIn} columns.`,
    `// y[j] is the parity of x masked by row j of M (bit i of the mask is M[j][i]).`,
    `module ${name} (`,
    `  input  wire [${matrix.nIn - 1}:0] x,`,
    `  output wire [${matrix.nOut - 1}:0] y`,
    `);`,
  ];
  for (let j = 0; j < matrix.nOut; j++) {
    const taps = rowTaps(matrix, j);
    lines.push(`  assign y[${j}] = ^(x & ${rowMask(matrix, j)});  // row ${j}: ${taps.length === 0 ? 'no taps' : `taps ${taps.join(', ')}`}`);
  }
  lines.push('endmodule', '');
  return lines.join('\n');
}

/** The decoder under proof behind the reference's ports: enc_i = x, dec_o = y (it has no parameters). */
function dutWrapper(name: string, dut: string, matrix: XorMatrix): string {
  return [
    `module ${name} (`,
    `  input  wire [${matrix.nIn - 1}:0] x,`,
    `  output wire [${matrix.nOut - 1}:0] y`,
    `);`,
    `  ${dut} u_dut (.enc_i(x), .dec_o(y));`,
    'endmodule',
    '',
  ].join('\n');
}

function requireFile(dir: string, relativePath: string, what: string): string {
  const path = join(dir, relativePath);
  if (!existsSync(path)) throw new InputError(path, `is missing: the ${what} listed in ${join(dir, 'manifest.json')}; regenerate the design`);
  return path;
}

/** The folder's matrix.json (or an accelerator engine's), checked against the manifest: the specification must be the generated one. */
function readSpec(dir: string, files: readonly { path: string; sha256: string }[], relativePath = 'matrix.json'): XorMatrix[] {
  const path = requireFile(dir, relativePath, 'matrix');
  const recorded = files.find((f) => f.path === relativePath);
  if (recorded !== undefined && sha256(readFileSync(path)) !== recorded.sha256) {
    throw new InputError(path, 'was edited since generation (its sha256 differs from manifest.json); the proof needs the matrix the design was generated from');
  }
  return readMatrices(path);
}

/** One XOR decoder module of a design folder and the matrix it must compute. */
export interface DesignDecoder {
  /** The decoder module (a registered decoder's combinational core, a layer's `<top>_dec_p<plane>`). */
  readonly module: string;
  /** Its RTL file, as the manifest lists it (relative to the design folder). */
  readonly relativePath: string;
  /** Which plane of the folder's matrix.json is its matrix (0 for a decoder design). */
  readonly plane: number;
  readonly matrix: XorMatrix;
  /** The engine block of an accelerator folder whose decoder it is. */
  readonly block?: string;
}

/** An engine as an accelerator's manifest.json lists it (generator/rtl/network/accelerator.ts). */
interface ManifestEngine {
  readonly block: string;
  readonly module: string;
  readonly config?: { planes?: number; nIn?: number; nOut?: number };
  readonly matrix: string;
}

/** An article for a design kind: "an accelerator", "a layer". */
function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** Every engine's decoders of an accelerator folder (kind "accelerator"), engine by engine. */
function acceleratorDecoders(dir: string, manifest: ReturnType<typeof readManifest>, fileOf: (module: string) => string): DesignDecoder[] {
  const engines = (manifest as unknown as { engines?: ManifestEngine[] }).engines;
  if (!Array.isArray(engines)) throw new InputError(join(dir, 'manifest.json'), 'lists no engines; regenerate the accelerator with this version of flexor');
  return engines.flatMap((engine) => {
    const planes = engine.config?.planes;
    if (typeof planes !== 'number' || !Number.isInteger(planes) || planes < 1) throw new InputError(join(dir, 'manifest.json'), `engine ${engine.block} lacks config.planes; regenerate the accelerator`);
    const matrices = readSpec(dir, manifest.files, engine.matrix);
    if (matrices.length !== planes) throw new InputError(join(dir, engine.matrix), `has ${matrices.length} plane(s) but engine ${engine.block} has ${planes} decoder(s)`);
    return matrices.map((matrix, plane) => {
      checkShape(dir, engine.matrix, plane, matrix, engine.config ?? {});
      const module = `${engine.module}_dec_p${plane}`;
      return { module, relativePath: fileOf(module), plane, matrix, block: engine.block };
    });
  });
}

/** A plane's matrix against the manifest's Nin and Nout. */
function checkShape(dir: string, matrixPath: string, plane: number, matrix: XorMatrix, config: { nIn?: number; nOut?: number }): void {
  if ((config.nIn !== undefined && config.nIn !== matrix.nIn) || (config.nOut !== undefined && config.nOut !== matrix.nOut)) {
    throw new InputError(join(dir, matrixPath), `plane ${plane} is ${matrix.nOut} x ${matrix.nIn}; the manifest says Nout = ${config.nOut}, Nin = ${config.nIn}`);
  }
}

/**
 * The decoders of one design folder (a decoder or a layer) and their matrices, read from
 * manifest.json and matrix.json (checked against the manifest's hash). Throws InputError for a
 * folder that is not a generated decoder or layer, or whose matrix.json was edited.
 */
export function designDecoders(dir: string): DesignDecoder[] {
  const manifest = readManifest(dir);
  const raw = manifest as unknown as { kind?: string; config?: { registered?: boolean; planes?: number; nIn?: number; nOut?: number } };
  const rtl = manifest.files.filter((f) => f.role === 'rtl');
  const fileOf = (module: string): string => {
    const entry = rtl.find((f) => f.path === `rtl/${module}.sv` || f.path === `rtl/${module}.v`);
    if (entry === undefined) throw new InputError(join(dir, 'manifest.json'), `lists no RTL file for module ${module}; regenerate the design`);
    return entry.path;
  };
  let modules: string[];
  if (raw.kind === 'decoder') {
    const registered = raw.config?.registered === true;
    if (registered && !manifest.top.endsWith('_reg')) throw new InputError(join(dir, 'manifest.json'), `top ${manifest.top} of a registered decoder should end in _reg`);
    modules = [registered ? manifest.top.slice(0, -'_reg'.length) : manifest.top];
  } else if (raw.kind === 'layer') {
    const planes = raw.config?.planes;
    if (typeof planes !== 'number' || !Number.isInteger(planes) || planes < 1) throw new InputError(join(dir, 'manifest.json'), 'lacks config.planes; regenerate the design');
    modules = Array.from({ length: planes }, (_, p) => `${manifest.top}_dec_p${p}`);
  } else if (raw.kind === 'accelerator') {
    return acceleratorDecoders(dir, manifest, fileOf);
  } else {
    throw new InputError('DIR', `${dir} holds ${withArticle(String(raw.kind))} design; prove takes a decoder, layer, network or accelerator folder`);
  }
  const matrices = readSpec(dir, manifest.files);
  if (matrices.length !== modules.length) {
    throw new InputError(join(dir, 'matrix.json'), `has ${matrices.length} plane(s) but the design has ${modules.length} decoder(s)`);
  }
  return modules.map((module, plane) => {
    const matrix = matrices[plane];
    checkShape(dir, 'matrix.json', plane, matrix, raw.config ?? {});
    return { module, relativePath: fileOf(module), plane, matrix };
  });
}

/** The decoders of one design folder with their RTL, ready to prove. */
function folderJobs(dir: string): ProofJob[] {
  return designDecoders(dir).map(({ module, relativePath, plane, matrix, block }) => {
    const file = requireFile(dir, relativePath, `RTL of ${module}`);
    return { module, relativePath, file, plane, matrix, source: readFileSync(file, 'utf8'), ...(block !== undefined ? { block } : {}) };
  });
}

/** Where job k's RTL file is in a run's virtual file system. */
function virtualPath(job: ProofJob, k: number): string {
  return `design${k}/${job.relativePath}`;
}

/** Puts a file at a slash-separated path into a Yosys file tree (folders are nested objects). */
function addFile(tree: Tree, path: string, contents: string): void {
  const parts = path.split('/');
  let folder = tree;
  for (const part of parts.slice(0, -1)) {
    const next = folder[part];
    if (next === undefined || typeof next === 'string' || next instanceof Uint8Array) folder = folder[part] = {};
    else folder = next;
  }
  folder[parts[parts.length - 1]] = contents;
}

/** The Yosys script and files proving `jobs` in one run. */
function proofRun(jobs: readonly ProofJob[]): { args: string[]; files: Tree } {
  const files: Tree = {};
  const commands: string[] = [];
  jobs.forEach((job, k) => {
    const path = virtualPath(job, k);
    addFile(files, path, job.source);
    commands.push(`read_verilog -sv ${path}`);
  });
  files['flexor_prove.v'] = jobs.map((job, k) => referenceModule(`${REF_PREFIX}${k}`, job.matrix) + dutWrapper(`${DUT_PREFIX}${k}`, job.module, job.matrix)).join('\n');
  commands.push('read_verilog flexor_prove.v', 'hierarchy -check', 'proc');
  jobs.forEach((_, k) => commands.push(`miter -equiv -flatten -make_outputs ${REF_PREFIX}${k} ${DUT_PREFIX}${k} ${MITER_PREFIX}${k}`));
  // Normalize the miters (function-preserving): gate level, XOR trees collected into one
  // $reduce_xor per output, identical cells merged. Equal rows then share one cell and the SAT
  // problem is small; unequal rows stay apart and SAT finds an input where they differ.
  const miters = `${MITER_PREFIX}*`;
  commands.push(`techmap ${miters}`, `opt_expr ${miters}`, `opt_clean ${miters}`, `extract_reduce ${miters}`, `opt_merge ${miters}`, `opt_expr ${miters}`, `opt_clean ${miters}`);
  jobs.forEach((_, k) => {
    commands.push(`log ${MARK} begin ${k}`, `sat -prove trigger 0 -show-inputs -show-outputs ${MITER_PREFIX}${k}`, `log ${MARK} end ${k}`);
  });
  return { args: ['-Q', '-p', commands.join('; ')], files };
}

async function yosys(args: string[], files: Tree): Promise<{ ok: boolean; output: string }> {
  const decoder = new TextDecoder();
  let output = '';
  const sink = (bytes: Uint8Array | null) => {
    if (bytes) output += decoder.decode(bytes, { stream: true });
  };
  try {
    await runYosys(args, files, { stdout: sink, stderr: sink });
    return { ok: true, output };
  } catch (e) {
    // Yosys exits non-zero on an ERROR (it is in the output); anything else is a real failure.
    if (typeof (e as { code?: unknown }).code === 'number') return { ok: false, output };
    throw e;
  }
}

/** The values of a SAT model table row: `\name  dec  hex  bin`, the binary column MSB first. */
function modelValues(log: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const m of log.matchAll(/^\s*\\(\S+)\s+\S+\s+\S+\s+([01xXzZ]+)\s*$/gm)) values.set(m[1], m[2]);
  return values;
}

/** Bits of a binary column (MSB first) as an array with bit i at index i. */
function binaryToBits(binary: string, width: number, name: string): Uint8Array {
  if (binary.length !== width || /[^01]/.test(binary)) throw new Error(`yosys reported ${name} = ${binary}; expected ${width} bits of 0/1`);
  return Uint8Array.from({ length: width }, (_, i) => (binary[width - 1 - i] === '1' ? 1 : 0));
}

function errorText(output: string): string {
  const lines = output.split('\n').filter((l) => /ERROR|error:/i.test(l));
  return lines.length > 0 ? lines.join('\n') : 'yosys failed without an error message';
}

function proofOf(job: ProofJob, fields: { proven: boolean; counterexample?: Counterexample; error?: string; log: string }): DecoderProof {
  return { module: job.module, file: job.file, plane: job.plane, ...(job.block !== undefined ? { block: job.block } : {}), ...fields };
}

/** Reads the result of job k from a run's output. */
function parseProof(job: ProofJob, k: number, output: string): DecoderProof {
  const begin = output.indexOf(`${MARK} begin ${k}\n`);
  const end = output.indexOf(`${MARK} end ${k}\n`, begin);
  if (begin < 0 || end < 0) return proofOf(job, { proven: false, error: 'yosys reported no result for this module', log: output });
  const log = output.slice(begin, end + `${MARK} end ${k}\n`.length);
  if (/SAT proof finished - no model found: SUCCESS!/.test(log)) return proofOf(job, { proven: true, log });
  if (!/SAT proof finished - model found: FAIL!/.test(log)) return proofOf(job, { proven: false, error: 'yosys finished without a proof or a counterexample', log });

  const { nIn, nOut } = job.matrix;
  const values = modelValues(log);
  const [x, gold, gate] = ['in_x', 'gold_y', 'gate_y'].map((name) => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`yosys found a counterexample for ${job.module} but did not print ${name}`);
    return v;
  });
  const input = binaryToBits(x, nIn, 'in_x');
  const expected = binaryToBits(gold, nOut, 'gold_y');
  const got = binaryToBits(gate, nOut, 'gate_y');
  // The reference is independent of the generator; cross-check it against the golden model too.
  const golden = decodeSlice(job.matrix, input);
  if (golden.some((b, j) => b !== expected[j])) {
    throw new Error(`reference for ${job.module} disagrees with the golden model at input ${bitsToHex(input)}: a bug in the prover`);
  }
  const differingBits: number[] = [];
  for (let j = 0; j < nOut; j++) if (expected[j] !== got[j]) differingBits.push(j);
  if (differingBits.length === 0) throw new Error(`yosys reported a counterexample for ${job.module} whose outputs agree`);
  return proofOf(job, {
    proven: false,
    counterexample: { input: bitsToHex(input), expected: bitsToHex(expected), got: bitsToHex(got), differingBits },
    log,
  });
}

/** Proves the jobs in one Yosys run; if the run fails, proves each alone to tell whose error it is. */
async function proveJobs(jobs: readonly ProofJob[]): Promise<DecoderProof[]> {
  const run = proofRun(jobs);
  const { ok, output } = await yosys(run.args, run.files);
  if (ok) return jobs.map((job, k) => parseProof(job, k, output));
  if (jobs.length === 1) {
    // Name the file as the user knows it, not by its place in Yosys's virtual file system.
    const text = output.split(virtualPath(jobs[0], 0)).join(jobs[0].file);
    return [proofOf(jobs[0], { proven: false, error: errorText(text), log: text })];
  }
  const proofs: DecoderProof[] = [];
  for (const job of jobs) proofs.push(...(await proveJobs([job])));
  return proofs;
}

/** Splits jobs into runs: a module name may appear only once per Yosys run. */
function batches(jobs: readonly ProofJob[]): ProofJob[][] {
  const runs: { jobs: ProofJob[]; names: Set<string> }[] = [];
  for (const job of jobs) {
    let run = runs.find((r) => !r.names.has(job.module));
    if (run === undefined) {
      run = { jobs: [], names: new Set() };
      runs.push(run);
    }
    run.jobs.push(job);
    run.names.add(job.module);
  }
  return runs.map((r) => r.jobs);
}

/**
 * Proves every XOR decoder of a design folder: a decoder design's combinational core, each plane's
 * decoder of a layer, every layer of a network folder. One Yosys run proves all of them when their
 * module names are distinct. Throws InputError if the folder is not a generated design.
 */
export async function proveDesign(dir: string): Promise<DecoderProof[]> {
  const jobs = designFolders(dir).flatMap((folder) => folderJobs(folder));
  const proofs: DecoderProof[] = [];
  for (const batch of batches(jobs)) proofs.push(...(await proveJobs(batch)));
  // Back in the order of the jobs (batches keep it unless names repeat).
  return jobs.map((job) => proofs.find((p) => p.file === job.file && p.module === job.module)!);
}

/** One line per proof: proven, refuted with its counterexample, or why it could not be proven. */
export function proofText(p: DecoderProof): string {
  const what = `${p.block !== undefined ? `engine ${p.block}: ` : ''}${p.module} (plane ${p.plane})`;
  if (p.proven) return `${what}: proven, y = M x for all inputs`;
  const c = p.counterexample;
  if (c) return `${what}: REFUTED: input ${c.input} expected ${c.expected} got ${c.got} (output bits ${c.differingBits.join(', ')} differ)`;
  return `${what}: not proven: ${p.error ?? 'unknown error'}`;
}
