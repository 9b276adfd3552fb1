/**
 * Shared by the tests: temporary folders, fixture paths, the real CLI, generated designs on disk,
 * the bad-input assertion and fast-check arbitraries used by more than one file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import yaml from 'js-yaml';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { InputError } from '../generator/core/errors.js';
import { testRandom } from '../generator/core/prng.js';
import { writeNpy } from '../generator/formats/npy.js';
import { drawMatrix, type XorMatrix } from '../generator/core/matrix.js';
import { generateDecoder, type DecoderOptions } from '../generator/rtl/decoder.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import type { SimulationResult } from '../generator/eda/simulate.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(PROJECT_ROOT, 'dist/generator/cli/flexor.js');

/** test/fixtures/npy/: .npy files (and the values they hold, as JSON) written by make_fixtures.py with real numpy. */
export const NPY_FIXTURES = join(PROJECT_ROOT, 'test/fixtures/npy');
/** test/fixtures/layers/: trained-layer .npz files and their numpy sidecars, written by make_fixtures.py. */
export const LAYER_FIXTURES = join(PROJECT_ROOT, 'test/fixtures/layers');
/** test/fixtures/cli/: bad matrix files for the CLI's bad-input cases. */
export const CLI_FIXTURES = join(PROJECT_ROOT, 'test/fixtures/cli');

/** What make_fixtures.py computed with numpy for a good layer file of test/fixtures/layers/ (<stem>.json). */
export interface LayerSidecar {
  shape: number[];
  layout: 'oi' | 'io';
  n_in: number;
  n_out: number;
  q: number;
  n_slices: number;
  alpha: number[][];
  bias: number[] | null;
  /** Per plane the decoded stream's first N*K bits, stream order. */
  codes: number[][];
  /** W[c][k], k in (cin, i, j) order. */
  weights: number[][];
}

export function layerSidecar(stem: string): LayerSidecar {
  return JSON.parse(readFileSync(join(LAYER_FIXTURES, `${stem}.json`), 'utf8')) as LayerSidecar;
}

const made: string[] = [];

/** A fresh temporary folder, removed after the run unless FLEXOR_KEEP_TEST_DIRS is set. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `flexor-test-${label}-`));
  made.push(dir);
  return dir;
}

/**
 * Removes the folders tempDir made so far (unless FLEXOR_KEEP_TEST_DIRS is set). A root hook
 * (root-hooks.ts, required by .mocharc.json) calls it after the run, and in a parallel run after
 * each file, in the worker that ran it.
 */
export function removeTempDirs(): void {
  if (process.env.FLEXOR_KEEP_TEST_DIRS) return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// The synthesis cache of the whole run: a temporary folder, never the user's. Child processes
// (runCli, sweep workers) inherit it with the environment.
process.env.FLEXOR_CACHE_DIR = tempDir('synth-cache');

/**
 * Gives the tests of the calling `describe` a fresh, empty synthesis cache (restored after them),
 * for tests that must see Yosys run on a design another test file may have synthesized already.
 */
export function freshSynthCache(): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.FLEXOR_CACHE_DIR;
    process.env.FLEXOR_CACHE_DIR = tempDir('synth-cache');
  });
  after(() => {
    if (saved === undefined) delete process.env.FLEXOR_CACHE_DIR;
    else process.env.FLEXOR_CACHE_DIR = saved;
  });
}

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `flexor ARGS...` as a user would, from the project root. */
export function runCli(args: readonly string[], cwd = PROJECT_ROOT): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `flexor ARGS...` and fails, showing the command and its output, unless it exited 0. */
export function runCliOk(args: readonly string[], cwd?: string): CliResult {
  const r = runCli(args, cwd);
  expect(r.status, `flexor ${args.join(' ')}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(0);
  return r;
}

/** `flexor generate decoder ARGS -o OUT`, which must succeed. */
export function generateDecoderCli(args: readonly string[], out: string, cwd?: string): CliResult {
  return runCliOk(['generate', 'decoder', ...args, '-o', out], cwd);
}

/** A design folder's manifest.json, parsed. */
export function manifestOf(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, any>;
}

/** Generates a decoder into a new folder below `parent` and returns its path. */
export function writeDecoder(parent: string, name: string, options: DecoderOptions): string {
  const dir = join(parent, name);
  writeDesignFiles(dir, generateDecoder(options).files, false);
  return dir;
}

/** Every file below `dir` (relative path → contents), for byte-for-byte comparisons. */
export function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

/**
 * Calls `fn` and asserts that it throws an InputError for `field` (the flag, file or array the
 * user knows), whose message names the field and holds every pattern: a string as a phrase it
 * includes, a RegExp as one it matches. Returns the error for further checks.
 */
export function expectInputError(fn: () => unknown, field: string, ...patterns: readonly (string | RegExp)[]): InputError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected an InputError for ${field}`).to.be.instanceOf(InputError);
  const error = caught as InputError;
  expect(error.field, error.message).to.equal(field);
  expect(error.message).to.include(field);
  for (const pattern of patterns) {
    if (typeof pattern === 'string') expect(error.message).to.include(pattern);
    else expect(error.message).to.match(pattern);
  }
  return error;
}

/**
 * A random matrix with Nout in [minOut, maxOut] and Nin in [minIn, maxIn] (both capped at Nout;
 * minIn defaults to 1, maxIn to maxOut): nTap rows (nTap from 1 to Nin) or dense, any seed.
 */
export function matrixArb(o: { minOut: number; maxOut: number; minIn?: number; maxIn?: number }): fc.Arbitrary<XorMatrix> {
  const { minOut, maxOut, minIn = 1, maxIn = maxOut } = o;
  return fc
    .integer({ min: minOut, max: maxOut })
    .chain((nOut) =>
      fc.record({
        nOut: fc.constant(nOut),
        nIn: fc.integer({ min: Math.min(minIn, nOut), max: Math.min(maxIn, nOut) }),
        tapFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        seed: fc.integer({ min: 0, max: 0xffffffff }),
      }),
    )
    .map(({ nOut, nIn, tapFraction, seed }) =>
      tapFraction === undefined
        ? drawMatrix({ nIn, nOut, dense: true, seed })
        : drawMatrix({ nIn, nOut, nTap: 1 + Math.floor(tapFraction * (nIn - 1)), seed }),
    );
}

/**
 * A copy of a network manifest in `dir` with every layer's `scale` removed (the example manifests
 * give their scales; tests of calibration need a network without them). Returns the copy's path.
 */
export function withoutScales(manifest: string, dir: string): string {
  const doc = yaml.load(readFileSync(manifest, 'utf8')) as { layers: Record<string, unknown>[] };
  doc.layers = doc.layers.map(({ scale: _scale, ...layer }) => layer);
  const path = join(dir, basename(manifest));
  writeFileSync(path, yaml.dump(doc, { lineWidth: -1, flowLevel: 2 }));
  return path;
}

/** Seeded real images in [0, 1), [V, C, H, W], written to dir/images_VxCxHxW.npy; returns the path. */
export function imagesFile(dir: string, v: number, c: number, h: number, w: number, seed = 5): string {
  const rng = testRandom(seed, 0);
  const path = join(dir, `images_${v}x${c}x${h}x${w}.npy`);
  writeFileSync(path, writeNpy({ dtype: 'float32', shape: [v, c, h, w], data: Float32Array.from({ length: v * c * h * w }, () => rng.nextUint32() / 2 ** 32) }));
  return path;
}

/** A figure a testbench prints on a line of its own, `label: value` (a signed decimal; the first such line). */
export function printedFigure(output: string, label: string): number {
  const match = new RegExp(`^${label}: (-?[0-9.]+)`, 'm').exec(output);
  expect(match, `no "${label}" line in\n${output.slice(-2000)}`).to.not.equal(null);
  return Number(match![1]);
}

/** A simulation in words, for an assertion's message: simulator, exit status, counts and the end of its output. */
export function describeSimulation(r: SimulationResult): string {
  return `${r.simulator}: exit ${r.exitCode}, ${r.passed} passed, ${r.failed} failed of ${r.expected}\n${r.output.slice(-3000)}`;
}
