#!/usr/bin/env node
/**
 * The `flexor` command. Each command parses its flags, calls one library function, writes what it
 * returned and sets the exit status: 0 success, 1 a check failed (simulation, lint), 2 bad input.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { generateDecoder } from '../rtl/decoder.js';
import { describeFiles } from '../rtl/design.js';
import type { Layout } from '../core/layer.js';
import { generateLayer, type WeightSource } from '../rtl/layer/generate.js';
import { layerSource, readActivations, type LayerSettings } from '../formats/layersource.js';
import { basename, join } from 'node:path';
import { decodeLayerCodes, goldenLayerOutputs, simulateLayerDesign } from '../eda/layertools.js';
import { generateNetwork } from '../rtl/network.js';
import { proveDesign } from '../eda/prove.js';
import { compareWithBaseline, comparisonText } from '../evidence/compare.js';
import { planSweep, runSweep, sweepCsv, sweepSvg } from '../evidence/sweep.js';
import { decoderNetworkSvg, htmlReport } from '../evidence/report.js';
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS, YOSYS_KINDS, synthReportText, synthesizeDesign, type YosysKind } from '../eda/synth.js';
import { designTargets, synthesizeWithTargets, targetsText } from '../evidence/targets.js';
import { encodeWeightFiles } from '../formats/weightfile.js';
import { drawMatrix, type XorMatrix } from '../core/matrix.js';
import { readMatrices } from '../formats/matrixfile.js';
import { InputError } from '../core/errors.js';
import { MAX_N_OUT, MAX_PLANES, MAX_SEED } from '../core/matrix.js';
import { HDLS, RESET_STYLES, type Hdl, type ResetStyle } from '../rtl/hdl.js';
import { MATRIX_FORMATS, matrixOutput, type MatrixFormat } from '../formats/matrixoutput.js';
import { writeDesignFiles } from '../rtl/output.js';
import { SIMULATORS, lintDesign, verifyDesign, type Simulator } from '../eda/simulate.js';
import { VERSION } from '../formats/version.js';
import { designFolders, readManifest } from '../formats/manifest.js';

const EXIT_CHECK_FAILED = 1;
const EXIT_BAD_INPUT = 2;

/** Parses an integer flag strictly: "12" is 12; "1.5", "abc", "" and repeated flags are errors. */
function integerFlag(flag: string, allowed = 'an integer') {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new InputError(flag, 'is given more than once');
    const text = String(raw).trim();
    if (!/^[+-]?\d+$/.test(text)) throw new InputError(flag, `must be ${allowed}; got ${JSON.stringify(String(raw))}`);
    return Number(text);
  };
}

/** --shape 16,16,3,3: comma-separated integers (the library checks their count and ranges). */
function shapeFlag(raw: unknown): number[] {
  if (Array.isArray(raw)) throw new InputError('--shape', 'is given more than once');
  const parts = String(raw).split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new InputError('--shape', `must be comma-separated positive integers, Cout,Cin,kh,kw or out,in; got ${JSON.stringify(String(raw))}`);
  }
  return parts.map(Number);
}

const matrixFlags = {
  nin: { type: 'string', coerce: integerFlag('--nin', 'an integer from 1 to --nout'), describe: 'Nin: encrypted bits per slice (1 <= Nin <= Nout)' },
  nout: { type: 'string', coerce: integerFlag('--nout', `an integer from 1 to ${MAX_N_OUT}`), describe: 'Nout: decoded weights per slice (up to 1024)' },
  ntap: { type: 'string', coerce: integerFlag('--ntap', 'an integer from 1 to --nin'), describe: 'ones per matrix row (1 <= nTap <= Nin)' },
  dense: { type: 'boolean', describe: 'each entry a fair coin instead of a fixed nTap' },
  seed: { type: 'string', coerce: integerFlag('--seed', `an integer from 0 to ${MAX_SEED}`), default: '1', describe: 'seed, an integer from 0 to 4294967295' },
} as const;

function say(lines: readonly string[], stream: NodeJS.WriteStream = process.stdout): void {
  for (const line of lines) stream.write(`${line}\n`);
}

function warn(warnings: readonly string[]): void {
  say(warnings.map((w) => `warning: ${w}`), process.stderr);
}

function matrixCommand(y: Argv) {
  return y
    .command(
      'matrix',
      'Draw the XOR matrix (or matrices) and print or write it with its rank',
      (b) =>
        b
          .options(matrixFlags)
          .options({
            planes: { type: 'string', coerce: integerFlag('--planes', `an integer from 1 to ${MAX_PLANES}`), default: '1', describe: 'bit-planes q, each with its own matrix' },
            format: { choices: MATRIX_FORMATS, default: 'text' as MatrixFormat, describe: 'output format' },
            output: { alias: 'o', type: 'string', describe: 'write to this file instead of standard output' },
            force: { type: 'boolean', default: false, describe: 'overwrite an existing output file' },
          })
          .example('$0 matrix --nin 16 --nout 20 --ntap 2 --seed 1', 'print the matrix and its rank')
          .example('$0 matrix --nin 16 --nout 20 --ntap 2 --planes 2 --format npy -o m.npy', 'write [2, 20, 16] uint8 for numpy'),
      (argv) => {
        const spec = { nIn: argv.nin!, nOut: argv.nout!, nTap: argv.ntap, dense: argv.dense, seed: argv.seed!, planes: argv.planes };
        if (argv.nin === undefined) throw new InputError('--nin', 'is required');
        if (argv.nout === undefined) throw new InputError('--nout', 'is required');
        if (argv.format === 'npy' && argv.output === undefined) throw new InputError('--format', 'npy is binary: give -o FILE');
        const result = matrixOutput(spec, argv.format);
        if (argv.output === undefined) {
          process.stdout.write(result.contents);
        } else {
          writeNewFile(argv.output, result.contents, argv.force);
          say([...result.summary, `wrote ${argv.output}`]);
        }
        warn(result.warnings);
      },
    );
}

/** Writes a file; an existing one is overwritten only with `force`. */
function writeNewFile(path: string, contents: string | Uint8Array, force: boolean, flag = '-o'): void {
  try {
    writeFileSync(path, contents, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new InputError(flag, `${path} exists; pass --force to overwrite it`);
    throw new InputError(flag, `cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Before a long run: the file `flag` names must not exist unless --force (writeNewFile checks again). */
function requireNewFile(path: string, force: boolean, flag: string): void {
  if (!force && existsSync(path)) throw new InputError(flag, `${path} exists; pass --force to overwrite it`);
}

function generateCommand(y: Argv) {
  return y.command('generate <what>', 'Generate RTL, testbench and vectors into a folder', (g) =>
    g
      .command(
        'decoder',
        'The parallel XOR decoder of one matrix, with its self-checking testbench',
        (b) =>
          b
            .options(matrixFlags)
            .options({
              matrix: { type: 'string', describe: 'import the matrix from a .json or .npy file instead of drawing it' },
              plane: { type: 'string', coerce: integerFlag('--plane', 'an integer from 0 to planes - 1'), describe: 'which plane of a multi-plane --matrix file (default 0)' },
              registered: { type: 'boolean', default: false, describe: 'one pipeline register with a valid/ready handshake' },
              reset: { choices: RESET_STYLES, default: 'sync' as ResetStyle, describe: 'reset of the registered decoder: sync active-high rst, async active-low rst_ni' },
              hdl: { choices: HDLS, default: 'sv' as Hdl, describe: 'SystemVerilog or Verilog-2005 RTL' },
              output: { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' },
              force: { type: 'boolean', default: false, describe: 'replace a non-empty output folder' },
            })
            .example('$0 generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 -o rtl-out/dec', '0.8 bits per weight, combinational')
            .example('$0 generate decoder --matrix m.npy --registered --hdl verilog -o out', 'an imported matrix, pipelined, Verilog-2005'),
        (argv) => {
          const design = generateDecoder({
            nIn: argv.nin,
            nOut: argv.nout,
            nTap: argv.ntap,
            dense: argv.dense,
            seed: argv.seed,
            matrixFile: argv.matrix,
            plane: argv.plane,
            registered: argv.registered,
            reset: argv.reset,
            hdl: argv.hdl,
          });
          writeDesignFiles(argv.output, design.files, argv.force);
          warn(design.warnings);
          say([`wrote ${argv.output}: top ${design.top}, testbench ${design.testbenchTop}`, ...design.summary]);
          say(describeFiles(design.files).map((line) => `  ${line}`));
        },
      )
      .command(
        'layer',
        'A whole layer: weight memory or stream, XOR decoders, binary MAC array, scales, AXI4-Stream ports, testbench',
        (b) =>
          b
            .options(matrixFlags)
            .options(layerSettingFlags)
            .options({
              from: { type: 'string', describe: 'a trained layer (.npz, docs/FORMAT.md) instead of a seeded one' },
              inputs: { type: 'string', describe: 'the testbench runs these activation vectors (.npy int [V, K])' },
              name: { type: 'string', describe: 'name the top module flexor_<name>' },
              baseline: { type: 'boolean', describe: "the layer's plain 1-bit binary twin: same weights and outputs, no XOR decoder" },
              shape: { type: 'string', coerce: shapeFlag, describe: 'weight shape: Cout,Cin,kh,kw (conv) or out,in (linear); not with --from' },
              planes: { type: 'string', coerce: integerFlag('--planes', `an integer from 1 to ${MAX_PLANES}`), describe: 'bit-planes q (default 1)' },
              layout: { choices: ['oi', 'io'] as const, describe: 'flattening of the trained weights: oi (PyTorch, default) or io (output channel fastest)' },
              weights: { choices: ['rom', 'stream'] as const, default: 'rom' as WeightSource, describe: 'encrypted weights in on-chip memory or on an AXI4-Stream port' },
              reset: { choices: RESET_STYLES, default: 'sync' as ResetStyle, describe: 'sync active-high rst or async active-low rst_ni' },
              hdl: { choices: HDLS, default: 'sv' as Hdl, describe: 'SystemVerilog or Verilog-2005 RTL' },
              vectors: { type: 'string', coerce: integerFlag('--vectors', 'an integer from 1 to 10000'), describe: 'testbench vectors with random stalls (default 6; 4 more run at full speed)' },
              output: { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' },
              force: { type: 'boolean', default: false, describe: 'replace a previous design in the output folder' },
            })
            .example('$0 generate layer --shape 16,16,3,3 --nin 16 --nout 20 --ntap 2 --lanes 4 --simd 16 -o rtl-out/layer', 'a ResNet-20 3x3 layer at 0.8 bits per weight')
            .example('$0 generate layer --shape 10,64 --nin 7 --nout 10 --dense --weights stream --hdl verilog -o out', 'a linear layer, weights streamed'),
        (argv) => {
          const settings = layerSettings(argv);
          const source = { from: argv.from, shape: argv.shape, nIn: argv.nin, nOut: argv.nout, nTap: argv.ntap, dense: argv.dense, planes: argv.planes, layout: argv.layout as Layout | undefined };
          const inputs = argv.inputs === undefined ? undefined : readActivations(argv.inputs, layerSource({ ...settings, ...source }).config);
          const design = generateLayer({
            ...source,
            ...settings,
            inputs,
            inputsFile: argv.inputs === undefined ? undefined : basename(argv.inputs),
            name: argv.name,
            baseline: argv.baseline,
            weights: argv.weights,
            reset: argv.reset,
            hdl: argv.hdl,
            vectors: argv.vectors,
          });
          writeDesignFiles(argv.output, design.files, argv.force);
          warn(design.warnings);
          say([`wrote ${argv.output}: top ${design.top}, testbench ${design.testbenchTop}`, ...design.summary]);
          say(describeFiles(design.files).map((line) => `  ${line}`));
        },
      )
      .example('$0 generate decoder --nin 16 --nout 20 --ntap 2 -o rtl-out/dec', 'a combinational decoder')
      .demandCommand(1, 'name what to generate: decoder or layer'),
  );
}

/** The arithmetic and parallelism flags shared by generate layer, golden and network. */
const layerSettingFlags = {
  seed: { type: 'string', coerce: integerFlag('--seed', `an integer from 0 to ${MAX_SEED}`), describe: 'seed of drawn data and test vectors (default 1)' },
  lanes: { type: 'string', coerce: integerFlag('--lanes', 'an integer from 1 to N'), describe: 'output channels computed at once (default 1)' },
  simd: { type: 'string', coerce: integerFlag('--simd', 'an integer from 1 to K'), describe: 'inputs per lane per cycle (default 1)' },
  'act-bits': { type: 'string', coerce: integerFlag('--act-bits', 'an integer from 2 to 16'), describe: 'signed activation bits (default 8)' },
  'alpha-bits': { type: 'string', coerce: integerFlag('--alpha-bits', 'an integer from 2 to 32'), describe: 'scale width (default 16)' },
  'alpha-frac': { type: 'string', coerce: integerFlag('--alpha-frac', 'an integer from 0 to --alpha-bits - 1'), describe: 'scale fraction bits (default 12)' },
  bias: { type: 'boolean', describe: 'add a per-channel bias' },
  'bias-bits': { type: 'string', coerce: integerFlag('--bias-bits', 'an integer from 2 to 48'), describe: 'bias width (default 32)' },
  'requant-shift': { type: 'string', coerce: integerFlag('--requant-shift', 'an integer from 0 to 62'), describe: 'requantize: round, shift right by this, saturate' },
  'out-bits': { type: 'string', coerce: integerFlag('--out-bits', 'an integer from 2 to 32'), describe: 'saturation width with --requant-shift (default 8)' },
} as const;

function layerSettings(argv: Record<string, unknown>): LayerSettings {
  return {
    seed: argv.seed as number | undefined,
    lanes: argv.lanes as number | undefined,
    simd: argv.simd as number | undefined,
    actBits: argv['act-bits'] as number | undefined,
    alphaBits: argv['alpha-bits'] as number | undefined,
    alphaFrac: argv['alpha-frac'] as number | undefined,
    bias: argv.bias as boolean | undefined,
    biasBits: argv['bias-bits'] as number | undefined,
    requantShift: argv['requant-shift'] as number | undefined,
    outBits: argv['out-bits'] as number | undefined,
  };
}

function verifyCommand(y: Argv) {
  return y.command(
    'verify <dir>',
    "Build and run a generated design's testbench; exit 0 only if every vector passed",
    (b) =>
      b
        .positional('dir', { type: 'string', demandOption: true, describe: 'folder written by flexor generate' })
        .options({
          simulator: { choices: [...SIMULATORS, 'both'] as const, default: 'both', describe: 'which simulator(s) to run' },
          waves: { type: 'boolean', default: false, describe: 'write DIR/build/<simulator>/waves.vcd' },
        })
        .example('$0 verify rtl-out/dec', 'Icarus Verilog and Verilator')
        .example('$0 verify rtl-out/dec --simulator iverilog --waves', 'one simulator, with a waveform'),
    async (argv) => {
      const simulators: Simulator[] = argv.simulator === 'both' ? [...SIMULATORS] : [argv.simulator as Simulator];
      const folders = designFolders(argv.dir);
      for (const dir of folders) {
      if (folders.length > 1) say([`== ${dir}`]);
      const report = await verifyDesign(dir, simulators, { waves: argv.waves });
      if (report.changed.length > 0) warn([`edited since generation: ${report.changed.join(', ')}`]);
      for (const r of report.results) {
        if (!r.ok) process.stdout.write(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
        const verdict = r.ok ? 'PASS' : `FAIL (exit status ${r.exitCode}, ${r.expected} vectors expected)`;
        say([`${r.simulator}: ${r.passed} passed, ${r.failed} failed -- ${verdict}`, ...r.figures.map((f) => `${r.simulator}: ${f}`)]);
        if (argv.waves && r.ok) say([`${r.simulator}: waveform in ${dir}/build/${r.simulator}/waves.vcd`]);
      }
      if (!report.ok) process.exitCode = EXIT_CHECK_FAILED;
      }
    },
  );
}

function lintCommand(y: Argv) {
  return y.command(
    'lint <dir>',
    'verilator --lint-only -Wall over the generated RTL; exit non-zero on any warning',
    (b) => b.positional('dir', { type: 'string', demandOption: true, describe: 'folder written by flexor generate' }).example('$0 lint rtl-out/dec', ''),
    (argv) => {
      for (const dir of designFolders(argv.dir)) {
        const report = lintDesign(dir);
        if (report.output) process.stdout.write(report.output);
        say([`${dir}: ${report.command}: ${report.ok ? 'clean' : 'WARNINGS'}`]);
        if (!report.ok) process.exitCode = EXIT_CHECK_FAILED;
      }
    },
  );
}

/** yargs' own messages, reworded to name the flag as the user types it. */
function friendly(message: string): string {
  const missing = /^Missing required argument: (\w+)/.exec(message);
  if (missing) return missing[1] === 'output' ? '-o/--output: is required: the folder to write the design to' : `--${missing[1]}: is required`;
  // yargs: 'Invalid values:\n  Argument: hdl, Given: "vhdl", Choices: "sv", "verilog"'.
  const choice = /Argument: ([\w-]+), Given: (.*), Choices: (.*)$/m.exec(message);
  if (choice) return `--${choice[1]}: must be one of ${choice[3].replace(/"/g, '')}; got ${choice[2]}`;
  if (/^Unknown argument/.test(message) || /^Did you mean/.test(message)) {
    return `${message} (commands: matrix, generate decoder, generate layer, verify, lint, synth, prove, compare, sweep, report, decode, golden, sim, encode, network; flags: see --help)`;
  }
  return message;
}

function synthCommand(y: Argv) {
  return y.command(
    'synth <dir>',
    'Synthesize a generated design with Yosys (inside Node by default) and report LUTs, flip-flops, carry cells, memory bits, LUT levels and the cost targets',
    (b) =>
      b
        .positional('dir', { type: 'string', demandOption: true, describe: 'a design or network folder' })
        .options({
          target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
          yosys: { choices: YOSYS_KINDS, default: 'embedded' as YosysKind, describe: 'embedded (@yowasp/yosys, no install) or the system yosys on PATH' },
          json: { type: 'string', describe: 'also write the report as JSON to this file' },
          force: { type: 'boolean', default: false, describe: 'overwrite an existing --json file' },
        })
        .example('$0 synth rtl-out/demo-layer --target xilinx --json synth.json', ''),
    async (argv) => {
      if (argv.json !== undefined) requireNewFile(argv.json, argv.force, '--json');
      const reports = [];
      for (const dir of designFolders(argv.dir)) {
        // A missed target is information, not a failed check: the exit status is the synthesis's.
        const { synth: report, targets } = await synthesizeWithTargets(dir, { target: argv.target, yosys: argv.yosys });
        say([`${dir}:`, synthReportText(report), targetsText(targets)]);
        for (const e of report.errors) say([`error: ${e}`], process.stderr);
        if (!report.ok) process.exitCode = EXIT_CHECK_FAILED;
        const { yosysLog: _log, ...rest } = report;
        reports.push({ dir, ...rest, targets });
      }
      if (argv.json !== undefined) writeNewFile(argv.json, `${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`, argv.force, '--json');
    },
  );
}

function compareCommand(y: Argv) {
  return y.command(
    'compare <dir>',
    'A generated layer against its 1-bit binary twin: memory bits, LUTs, flip-flops, LUT levels, what the decoders cost',
    (b) =>
      b
        .positional('dir', { type: 'string', demandOption: true, describe: 'a layer folder' })
        .options({
          target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
          yosys: { choices: YOSYS_KINDS, default: 'embedded' as YosysKind, describe: 'embedded or system yosys' },
          json: { type: 'string', describe: 'also write the comparison as JSON' },
          force: { type: 'boolean', default: false, describe: 'overwrite an existing --json file' },
        })
        .example('$0 compare rtl-out/demo-layer --target xilinx', ''),
    async (argv) => {
      if (argv.json !== undefined) requireNewFile(argv.json, argv.force, '--json');
      const c = await compareWithBaseline(argv.dir, { target: argv.target, yosys: argv.yosys });
      say([comparisonText(c)]);
      if (!c.flexor.synth.ok || !c.baseline.synth.ok) process.exitCode = EXIT_CHECK_FAILED;
      if (argv.json !== undefined) {
        const strip = (x: typeof c.flexor) => ({ ...x, synth: { ...x.synth, yosysLog: undefined } });
        writeNewFile(argv.json, `${JSON.stringify({ flexor: strip(c.flexor), baseline: strip(c.baseline) }, null, 2)}\n`, argv.force, '--json');
      }
    },
  );
}

/** --nin 12,16: a comma-separated list of positive integers. */
function listFlag(flag: string) {
  return (raw: unknown): number[] | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new InputError(flag, 'is given more than once; give one comma-separated list');
    const parts = String(raw).split(',').map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p))) throw new InputError(flag, `must be comma-separated positive integers; got ${JSON.stringify(String(raw))}`);
    return parts.map(Number);
  };
}

function sweepCommand(y: Argv) {
  return y.command(
    'sweep',
    'Synthesize a layer over lists of Nin, Nout, nTap, planes, lanes and simd: CSV, JSON and an SVG plot; resumes where it stopped',
    (b) =>
      b
        .options({
          shape: { type: 'string', demandOption: true, coerce: shapeFlag, describe: 'weight shape: Cout,Cin,kh,kw or out,in' },
          nin: { type: 'string', demandOption: true, coerce: listFlag('--nin'), describe: 'list of Nin' },
          nout: { type: 'string', demandOption: true, coerce: listFlag('--nout'), describe: 'list of Nout' },
          ntap: { type: 'string', default: '2', coerce: listFlag('--ntap'), describe: 'list of nTap' },
          planes: { type: 'string', default: '1', coerce: listFlag('--planes'), describe: 'list of q' },
          lanes: { type: 'string', default: '1', coerce: listFlag('--lanes'), describe: 'list of lanes' },
          simd: { type: 'string', default: '1', coerce: listFlag('--simd'), describe: 'list of simd' },
          seed: { type: 'string', coerce: integerFlag('--seed', `an integer from 0 to ${MAX_SEED}`), default: '1', describe: 'seed of the drawn layers' },
          target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
          jobs: { type: 'string', coerce: integerFlag('--jobs', 'an integer from 1 to 64'), describe: 'points synthesized at once (default: the cores)' },
          output: { alias: 'o', type: 'string', demandOption: true, describe: 'folder for sweep.jsonl (the resumable state), sweep.csv, sweep.json, sweep.svg' },
        })
        .example('$0 sweep --shape 16,16,3,3 --nin 8,12,16 --nout 20 --ntap 2,3 --lanes 4 --simd 16 -o rtl-out/sweep', 'run again with the same -o to resume'),
    async (argv) => {
      const axes = { nIn: argv.nin!, nOut: argv.nout!, nTap: argv.ntap!, planes: argv.planes!, lanes: argv.lanes!, simd: argv.simd! };
      const plan = planSweep(axes, argv.shape);
      if (plan.skipped.length > 0) warn([`${plan.skipped.length} point(s) skipped: ${plan.skipped.slice(0, 3).map((s) => s.reason).join('; ')}${plan.skipped.length > 3 ? '; ...' : ''}`]);
      mkdirSync(argv.output, { recursive: true });
      const tty = process.stderr.isTTY;
      const results = await runSweep({
        shape: argv.shape,
        axes,
        seed: argv.seed,
        target: argv.target,
        jobs: argv.jobs,
        stateFile: join(argv.output, 'sweep.jsonl'),
        onProgress: (done, total, last, cached) => {
          const width = 30;
          const bar = '#'.repeat(Math.round((done / Math.max(1, total)) * width)).padEnd(width, '.');
          const line = `[${bar}] ${done}/${total}${last ? ` ${last.key}${cached ? ' (done before)' : last.error ? ` ERROR ${last.error}` : ` ${last.luts} LUTs`}` : ''}`;
          process.stderr.write(tty ? `\r${line.slice(0, (process.stderr.columns ?? 120) - 1).padEnd((process.stderr.columns ?? 120) - 1)}` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      writeFileSync(join(argv.output, 'sweep.csv'), sweepCsv(results));
      writeFileSync(join(argv.output, 'sweep.json'), `${JSON.stringify(results, null, 2)}\n`);
      writeFileSync(join(argv.output, 'sweep.svg'), sweepSvg(results));
      const failed = results.filter((r) => r.error !== undefined);
      say([`${results.length} point(s), ${failed.length} failed; wrote ${argv.output}/sweep.csv, sweep.json, sweep.svg`]);
      if (failed.length > 0) process.exitCode = EXIT_CHECK_FAILED;
    },
  );
}

function reportCommand(y: Argv) {
  return y.command(
    'report <dir>',
    'One self-contained HTML page: synthesis table, memory savings against the 1-bit baseline, sweep plot, the XOR network',
    (b) =>
      b
        .positional('dir', { type: 'string', demandOption: true, describe: 'a decoder or layer folder' })
        .options({
          sweep: { type: 'string', describe: 'a folder written by flexor sweep, to include its plot' },
          target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
          output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .html to write' },
          force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
        })
        .example('$0 report rtl-out/demo-layer -o report.html', ''),
    async (argv) => {
      // Every input checked before the synthesis runs.
      const manifest = readManifest(argv.dir);
      requireNewFile(argv.output, argv.force, '-o');
      const sweepFile = argv.sweep === undefined ? undefined : join(argv.sweep, 'sweep.svg');
      if (sweepFile !== undefined && !existsSync(sweepFile)) throw new InputError('--sweep', `${argv.sweep} holds no sweep.svg; give a folder written by flexor sweep`);
      const decoderSvg = decoderNetworkSvg(readMatrices(join(argv.dir, 'matrix.json'))[0]);
      const comparison = manifest.kind === 'layer' ? await compareWithBaseline(argv.dir, { target: argv.target }) : undefined;
      const synth = comparison?.flexor.synth ?? (await synthesizeDesign(argv.dir, { target: argv.target }));
      const targets = comparison?.flexor.targets ?? designTargets(argv.dir, synth);
      const html = htmlReport({ title: `${manifest.top}`, synth, targets, comparison, decoderSvg, sweepSvg: sweepFile === undefined ? undefined : readFileSync(sweepFile, 'utf8') });
      writeNewFile(argv.output, html, argv.force);
      say([`wrote ${argv.output}`]);
      if (!synth.ok) process.exitCode = EXIT_CHECK_FAILED;
    },
  );
}

function proveCommand(y: Argv) {
  return y.command(
    'prove <dir>',
    "Prove with Yosys's SAT solver that every XOR decoder in a design computes y = M x for all inputs",
    (b) => b.positional('dir', { type: 'string', demandOption: true, describe: 'a design or network folder' }).example('$0 prove rtl-out/demo-decoder', ''),
    async (argv) => {
      const proofs = await proveDesign(argv.dir);
      for (const p of proofs) {
        if (p.proven) {
          say([`${p.module} (plane ${p.plane}): proven, y = M x for all inputs`]);
        } else if (p.counterexample) {
          const c = p.counterexample;
          say([`${p.module} (plane ${p.plane}): REFUTED: input ${c.input} expected ${c.expected} got ${c.got} (output bits ${c.differingBits.join(', ')} differ)`]);
        } else {
          say([`${p.module} (plane ${p.plane}): not proven: ${p.error ?? 'unknown error'}`]);
        }
      }
      if (!proofs.every((p) => p.proven)) process.exitCode = EXIT_CHECK_FAILED;
    },
  );
}

function layerToolCommands(y: Argv) {
  return y
    .command(
      'decode <layer>',
      "A trained layer's binary codes: int8 {-1, +1}, shape [q, *shape], PyTorch order",
      (b) =>
        b
          .positional('layer', { type: 'string', demandOption: true, describe: 'the layer (.npz, docs/FORMAT.md)' })
          .options({
            output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
            force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
          })
          .example('$0 decode conv1.npz -o codes.npy', ''),
      (argv) => {
        writeNewFile(argv.output, decodeLayerCodes(argv.layer), argv.force);
        say([`wrote ${argv.output}`]);
      },
    )
    .command(
      'golden <layer>',
      'The golden model on your activation vectors: int64 [V, N] in units of 2^-(alpha-frac - requant-shift)',
      (b) =>
        b
          .positional('layer', { type: 'string', demandOption: true, describe: 'the layer (.npz, docs/FORMAT.md)' })
          .options(layerSettingFlags)
          .options({
            inputs: { type: 'string', demandOption: true, describe: 'activation vectors, .npy int [V, K]' },
            float: { type: 'boolean', default: false, describe: 'write float64 (the fixed-point values times their scale) instead of int64' },
            output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
            force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
          })
          .example('$0 golden conv1.npz --inputs acts.npy --bias -o out.npy', ''),
      (argv) => {
        const result = goldenLayerOutputs(argv.layer, argv.inputs, layerSettings(argv), argv.float ? 'float' : 'int');
        writeNewFile(argv.output, result.npy, argv.force);
        say([`wrote ${argv.output}: ${result.vectors} vector(s) x ${result.config.n} channels, ${argv.float ? 'float64' : `int64 in units of 2^-${result.config.alphaFrac - (result.config.requant?.shift ?? 0)}`}`]);
      },
    )
    .command(
      'sim <dir>',
      "Your activation vectors through a generated layer's RTL; writes what the hardware produced, as flexor golden does",
      (b) =>
        b
          .positional('dir', { type: 'string', demandOption: true, describe: 'a layer folder written by flexor generate layer' })
          .options({
            inputs: { type: 'string', demandOption: true, describe: 'activation vectors, .npy int [V, K]' },
            simulator: { choices: SIMULATORS, default: 'iverilog' as Simulator, describe: 'which simulator' },
            float: { type: 'boolean', default: false, describe: 'write float64 instead of int64' },
            output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
            force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
          })
          .example('$0 sim rtl-out/conv1 --inputs acts.npy -o hw.npy', 'then compare with flexor golden: cmp or numpy'),
      async (argv) => {
        requireNewFile(argv.output, argv.force, '-o');
        const sim = await simulateLayerDesign(argv.dir, argv.inputs, argv.simulator, argv.float ? 'float' : 'int');
        writeNewFile(argv.output, sim.npy, argv.force);
        const r = sim.result;
        say([`${r.simulator}: ${r.passed} passed, ${r.failed} failed against the golden model -- ${r.ok ? 'PASS' : 'FAIL'}`, `wrote ${argv.output}: ${sim.vectors} vector(s) x ${sim.config.n} channels`]);
        if (!r.ok) {
          process.stdout.write(r.output.split('\n').filter((l) => l.startsWith('MISMATCH')).join('\n') + '\n');
          process.exitCode = EXIT_CHECK_FAILED;
        }
      },
    )
    .command(
      'encode <weights..>',
      'Convert binary (or float) weights to FleXOR: the exact nearest encrypted bits per slice; one layer .npz per file',
      (b) =>
        b
          .positional('weights', { type: 'string', array: true, demandOption: true, describe: 'weight .npy files, [Cout, Cin, kh, kw] or [out, in]: -1/+1 integers or floats' })
          .options(matrixFlags)
          .options({
            matrix: { type: 'string', describe: 'the XOR matrix (.json or .npy) instead of drawing one' },
            plane: { type: 'string', coerce: integerFlag('--plane', 'an integer from 0 to planes - 1'), describe: 'which plane of a multi-plane --matrix file (default 0)' },
            weighted: { type: 'boolean', default: false, describe: 'weight each bit error by |w| (float weights)' },
            importance: { type: 'string', describe: 'per-weight importance .npy (same shape as the one weight file)' },
            output: { alias: 'o', type: 'string', demandOption: true, describe: 'a folder for the layers (<name>.npz each), or a .npz for one file' },
            force: { type: 'boolean', default: false, describe: 'overwrite existing outputs' },
          })
          .example('$0 encode conv1.npy conv2.npy --nin 16 --nout 20 --ntap 2 -o encoded/', 'exact, unweighted')
          .example('$0 encode fc.npy --matrix m.npy --weighted -o fc.npz', 'weighted by the float weights\' magnitudes'),
      (argv) => {
        const matrix = argv.matrix !== undefined ? importedMatrix(argv.matrix, argv.plane, argv) : drawnMatrix(argv);
        const report = encodeWeightFiles(argv.weights, matrix, { weighted: argv.weighted, importanceFile: argv.importance });
        const single = argv.output.toLowerCase().endsWith('.npz');
        if (single && report.layers.length !== 1) throw new InputError('-o', 'names one .npz file but several weight files were given; give a folder');
        if (single) {
          writeNewFile(argv.output, report.layers[0].npz, argv.force);
        } else {
          // Only the layers' own files are written; nothing else in the folder is touched.
          const targets = report.layers.map((l) => join(argv.output, `${l.name}.npz`));
          if (!argv.force) for (const t of targets) if (existsSync(t)) throw new InputError('-o', `${t} exists; pass --force to overwrite it`);
          mkdirSync(argv.output, { recursive: true });
          report.layers.forEach((l, i) => writeFileSync(targets[i], l.npz));
        }
        for (const l of report.layers) {
          say([`${l.name}: ${l.result.weights} weights, ${l.result.bitErrors} bit errors, bit error rate ${l.bitErrorRate.toFixed(6)} (${l.result.method})`]);
        }
        say([`overall: ${report.weights} weights, ${report.bitErrors} bit errors, bit error rate ${report.bitErrorRate.toFixed(6)}`, `wrote ${argv.output}`]);
      },
    )
    .command(
      'network <manifest>',
      'A whole network from a manifest (JSON or YAML): one design folder per layer, a file list and a storage report',
      (b) =>
        b
          .positional('manifest', { type: 'string', demandOption: true, describe: 'the network manifest (docs/NETWORK.md)' })
          .options({
            output: { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' },
            force: { type: 'boolean', default: false, describe: 'replace a previous design in the output folder' },
          })
          .example('$0 network docs/examples/resnet20-mixed.yaml -o rtl-out/net && $0 verify rtl-out/net', ''),
      (argv) => {
        const network = generateNetwork(argv.manifest);
        writeDesignFiles(argv.output, network.files, argv.force);
        warn(network.warnings);
        say([`wrote ${argv.output}`, ...network.summary, 'storage (storage.json, README.md):']);
        for (const r of network.storage) {
          say([`  ${r.name}: ${r.weights} weights, ${r.encryptedBits} encrypted bits, ${r.bitsPerWeight.toFixed(3)} bits/weight, ${r.compressionVsBinary.toFixed(2)}x vs 1-bit, ${r.compressionVsFloat.toFixed(1)}x vs float32`]);
        }
      },
    );
}

function drawnMatrix(argv: { nin?: number; nout?: number; ntap?: number; dense?: boolean; seed?: number }): XorMatrix {
  if (argv.nin === undefined) throw new InputError('--nin', 'is required unless --matrix is given');
  if (argv.nout === undefined) throw new InputError('--nout', 'is required unless --matrix is given');
  return drawMatrix({ nIn: argv.nin, nOut: argv.nout, nTap: argv.ntap, dense: argv.dense, seed: argv.seed ?? 1 });
}

function importedMatrix(file: string, plane: number | undefined, argv: { nin?: number; nout?: number; ntap?: number; dense?: boolean }): XorMatrix {
  if (argv.ntap !== undefined || argv.dense) throw new InputError('--matrix', 'cannot be combined with --ntap or --dense: the file gives the matrix');
  const planes = readMatrices(file);
  const p = plane ?? 0;
  if (p >= planes.length) throw new InputError('--plane', `must be an integer from 0 to ${planes.length - 1}; got ${p}`);
  const m = planes[p];
  if (argv.nin !== undefined && argv.nin !== m.nIn) throw new InputError('--nin', `is ${argv.nin} but the matrix has Nin = ${m.nIn}`);
  if (argv.nout !== undefined && argv.nout !== m.nOut) throw new InputError('--nout', `is ${argv.nout} but the matrix has Nout = ${m.nOut}`);
  return m;
}

function fail(message: string): never {
  process.stderr.write(`flexor: ${message}\n`);
  process.exit(EXIT_BAD_INPUT);
}

export async function main(argv: string[]): Promise<void> {
  // `flexor ... | head`: a closed pipe ends the output quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  let cli = yargs(argv)
    .scriptName('flexor')
    .usage('$0 <command> [options]\n\nFleXOR XOR-decoder RTL generator: generate, verify against the golden model, lint.')
    .version(VERSION)
    .strict()
    .recommendCommands()
    .demandCommand(1, 'name a command')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .example('$0 generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 -o rtl-out/dec', 'generate a decoder at 0.8 bits per weight')
    .example('$0 verify rtl-out/dec', 'check it bit-exactly in Icarus Verilog and Verilator')
    .epilogue('Exit status: 0 success, 1 a check failed, 2 bad input (nothing is written).')
    .fail((msg, err) => {
      // yargs wraps errors thrown while coercing a flag (our InputErrors) in a YError.
      if (err instanceof InputError || err?.name === 'YError') fail(err.message);
      if (err) throw err;
      fail(`${friendly(msg)}\nRun 'flexor --help' for the commands and their options.`);
    });
  cli = matrixCommand(cli);
  cli = generateCommand(cli);
  cli = verifyCommand(cli);
  cli = lintCommand(cli);
  cli = layerToolCommands(cli);
  cli = synthCommand(cli);
  cli = proveCommand(cli);
  cli = compareCommand(cli);
  cli = sweepCommand(cli);
  cli = reportCommand(cli);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof InputError) fail(e.message);
    throw e;
  }
}

await main(hideBin(process.argv));
