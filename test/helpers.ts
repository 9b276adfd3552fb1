/** Shared by the tests: temporary folders, the real CLI, generated designs on disk. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDecoder, type DecoderOptions } from '../generator/rtl/decoder.js';
import { writeDesignFiles } from '../generator/rtl/output.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(PROJECT_ROOT, 'dist/generator/cli/flexor.js');

const made: string[] = [];

/** A fresh temporary folder, removed after the run unless FLEXOR_KEEP_TEST_DIRS is set. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `flexor-test-${label}-`));
  made.push(dir);
  return dir;
}

after(() => {
  if (!process.env.FLEXOR_KEEP_TEST_DIRS) for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

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
