/**
 * What the command modules share: strict flag parsers, the flag groups several commands take,
 * output-file checks and writes, the exit status, and the three ways a command talks to the user
 * (`say` on standard output, `warn` and `fail` on standard error).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { InputError } from '../core/errors.js';
import { MATRIX_DRAWS, MAX_N_OUT, MAX_SEED } from '../core/matrix.js';
import type { OutputFile } from '../formats/files.js';
import type { LayerSettings } from '../formats/layersource.js';
import { DEFAULT_PNR_CLOCK_MHZ, PNR_ROUTERS, type PnrRouter } from '../eda/pnr.js';
import type { PnrSettings } from '../evidence/pnrfigures.js';
import { PNR_DEVICES, type PnrDevice } from '../rtl/ooc.js';

export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Any command module, as the lists of commands hold them for registering (each is typed by its own flags). */
export type AnyCommand = CommandModule<any, any>;

/**
 * A command module whose argument types come from its builder, so the handler sees the flags
 * with the types their parsers give.
 */
export function defineCommand<U>(module: {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<U>;
  handler: (argv: ArgumentsCamelCase<U>) => void | Promise<void>;
}): CommandModule<object, U> {
  return module;
}

// ---------------------------------------------------------------------------------------- status

let status = 0;

/** A check failed (a simulation, lint, synthesis or proof): the command exits 1 when it is done. */
export function checkFailed(): void {
  status = Math.max(status, EXIT_CHECK_FAILED);
}

/** The exit status the commands of this run set (0 if none failed), cleared for the next run. */
export function takeExitStatus(): number {
  const s = status;
  status = 0;
  return s;
}

// ---------------------------------------------------------------------------------------- messages

export function say(lines: readonly string[], stream: NodeJS.WritableStream = process.stdout): void {
  for (const line of lines) stream.write(`${line}\n`);
}

export function warn(warnings: readonly string[]): void {
  say(warnings.map((w) => `warning: ${w}`), process.stderr);
}

/** Bad input: one `flexor: ...` message on standard error; returns the exit status, 2. */
export function fail(message: string): number {
  process.stderr.write(`flexor: ${message}\n`);
  return EXIT_BAD_INPUT;
}

// ---------------------------------------------------------------------------------------- parsers

/** Parses an integer flag strictly: "12" is 12; "1.5", "abc", "" and repeated flags are errors. */
export function integerFlag(flag: string, allowed = 'an integer') {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new InputError(flag, 'is given more than once');
    const text = String(raw).trim();
    if (!/^[+-]?\d+$/.test(text)) throw new InputError(flag, `must be ${allowed}; got ${JSON.stringify(String(raw))}`);
    return Number(text);
  };
}

/** --clock-mhz 48 or 12.5: a positive number of MHz, at most 1000. */
export function mhzFlag(flag: string) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new InputError(flag, 'is given more than once');
    const text = String(raw).trim();
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0) || value > 1000) throw new InputError(flag, `must be a number of MHz above 0 and at most 1000; got ${JSON.stringify(String(raw))}`);
    return value;
  };
}

/** An iCE40 device of flexor pnr: hx8k or up5k. */
export function deviceFlag(flag: string) {
  return (raw: unknown): PnrDevice | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new InputError(flag, 'is given more than once');
    if (!PNR_DEVICES.includes(raw as PnrDevice)) throw new InputError(flag, `must be one of ${PNR_DEVICES.join(', ')}; got ${JSON.stringify(String(raw))}`);
    return raw as PnrDevice;
  };
}

/** --shape 16,16,3,3: comma-separated integers (the library checks their count and ranges). */
export function shapeFlag(raw: unknown): number[] {
  if (Array.isArray(raw)) throw new InputError('--shape', 'is given more than once');
  const parts = String(raw).split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new InputError('--shape', `must be comma-separated positive integers, Cout,Cin,kh,kw or out,in; got ${JSON.stringify(String(raw))}`);
  }
  return parts.map(Number);
}

/** --nin 12,16: a comma-separated list of positive integers. */
export function listFlag(flag: string) {
  return (raw: unknown): number[] | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new InputError(flag, 'is given more than once; give one comma-separated list');
    const parts = String(raw).split(',').map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p))) throw new InputError(flag, `must be comma-separated positive integers; got ${JSON.stringify(String(raw))}`);
    return parts.map(Number);
  };
}

// ---------------------------------------------------------------------------------------- flag groups

/** The seeded matrix: matrix, generate decoder and encode. */
export const matrixFlags = {
  nin: { type: 'string', coerce: integerFlag('--nin', 'an integer from 1 to --nout'), describe: 'Nin: encrypted bits per slice (1 <= Nin <= Nout)' },
  nout: { type: 'string', coerce: integerFlag('--nout', `an integer from 1 to ${MAX_N_OUT}`), describe: 'Nout: decoded weights per slice (up to 1024)' },
  ntap: { type: 'string', coerce: integerFlag('--ntap', 'an integer from 1 to --nin'), describe: 'ones per matrix row (1 <= nTap <= Nin)' },
  dense: { type: 'boolean', describe: 'each entry a fair coin instead of a fixed nTap' },
  draw: { choices: MATRIX_DRAWS, describe: "first: the seed's first matrix (default); full: the first of the largest rank the rows allow, every column used" },
  seed: { type: 'string', coerce: integerFlag('--seed', `an integer from 0 to ${MAX_SEED}`), default: '1', describe: 'seed, an integer from 0 to 4294967295' },
} as const;

/** The arithmetic and parallelism flags shared by generate layer and golden. */
export const layerSettingFlags = {
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

/** The library's LayerSettings from the parsed layerSettingFlags. */
export function layerSettings(argv: Record<string, unknown>): LayerSettings {
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

// ---------------------------------------------------------------------------------------- output files

/** Before a long run: the file `flag` names must not exist unless --force (writeNewFile checks again). */
export function requireNewFile(path: string, force: boolean, flag: string): void {
  if (!force && existsSync(path)) throw new InputError(flag, `${path} exists; pass --force to overwrite it`);
}

/** Writes a file; an existing one is overwritten only with `force`. */
export function writeNewFile(path: string, contents: string | Uint8Array, force: boolean, flag = '-o'): void {
  try {
    writeFileSync(path, contents, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new InputError(flag, `${path} exists; pass --force to overwrite it`);
    throw new InputError(flag, `cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Writes every file, creating `folder` first if one is given; files are refused or overwritten as by writeNewFile. */
export function writeNewFiles(files: readonly OutputFile[], force: boolean, folder?: string): void {
  if (folder !== undefined) mkdirSync(folder, { recursive: true });
  for (const file of files) writeNewFile(file.path, file.contents, force);
}

/** Writes (or rewrites) every file: outputs a command owns and regenerates, such as a sweep's. */
export function writeFiles(files: readonly OutputFile[]): void {
  for (const file of files) writeFileSync(file.path, file.contents);
}

/** `--no-cache`: synthesize again instead of reusing a cached Yosys run (docs/SYNTH.md, "Cache"). */
export const cacheFlag = {
  cache: { type: 'boolean', default: true, describe: 'reuse a cached synthesis (and place and route) of the same inputs and tools (--no-cache runs them again)' },
} as const;

/** `--pnr DEVICE` and its settings: place and route beside the synthesis (docs/IMPLEMENTATION.md, "Fmax in the other evidence"). */
export const pnrFlags = {
  pnr: { type: 'string', coerce: deviceFlag('--pnr'), describe: `also place and route on iCE40 ${PNR_DEVICES.join(' or ')} (flexor pnr's flow): post-route Fmax, LCs, block RAM, DSPs` },
  'pnr-clock-mhz': { type: 'string', coerce: mhzFlag('--pnr-clock-mhz'), describe: `with --pnr: the clock nextpnr aims at (default ${DEFAULT_PNR_CLOCK_MHZ})` },
  'pnr-seed': { type: 'string', coerce: integerFlag('--pnr-seed', 'an integer from 1 to 2147483647'), describe: "with --pnr: nextpnr's placer seed (default 1)" },
  'pnr-router': { choices: PNR_ROUTERS, describe: "with --pnr: nextpnr's router (default router1; where it makes no progress, another --pnr-seed or router2)" },
} as const;

/** The library's PnrSettings from the parsed pnrFlags; undefined without --pnr (its settings alone are an input error). */
export function pnrSettings(argv: Record<string, unknown>): PnrSettings | undefined {
  const device = argv.pnr as PnrDevice | undefined;
  const clockMhz = argv['pnr-clock-mhz'] as number | undefined;
  const seed = argv['pnr-seed'] as number | undefined;
  const router = argv['pnr-router'] as PnrRouter | undefined;
  if (device === undefined) {
    const stray = clockMhz !== undefined ? '--pnr-clock-mhz' : seed !== undefined ? '--pnr-seed' : router !== undefined ? '--pnr-router' : undefined;
    if (stray !== undefined) throw new InputError(stray, 'applies to place and route: give --pnr hx8k or --pnr up5k with it');
    return undefined;
  }
  return { device, clockMhz, seed, ...(router !== undefined ? { router } : {}) };
}
