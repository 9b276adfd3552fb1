/**
 * Running a generated design's testbench (sim/iverilog.sh, sim/verilator.sh) and lint
 * (verilator --lint-only -Wall). Reads what to run from the design folder's manifest.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.js';
import { PROJECT_ROOT } from '../formats/version.js';
import { changedFiles, readManifest } from '../formats/manifest.js';
import type { GeneratedFile } from '../rtl/design.js';
import { writeDesignFiles } from '../rtl/output.js';

export type Simulator = 'iverilog' | 'verilator';
export const SIMULATORS: readonly Simulator[] = ['iverilog', 'verilator'];

const SIM_DIR = fileURLToPath(new URL('sim/', PROJECT_ROOT));





export interface SimulationResult {
  readonly simulator: Simulator;
  /** Vectors that passed and failed, from the testbench's last "N passed, N failed" line. */
  readonly passed: number;
  readonly failed: number;
  readonly expected: number;
  readonly exitCode: number;
  /** True only if the run exited 0, nothing failed and every vector was checked. */
  readonly ok: boolean;
  /** What the testbench measured: its "latency", "cycles per vector" and "MACs per cycle" lines. */
  readonly figures: readonly string[];
  readonly output: string;
}

/** Throws a clear error if a tool is missing, with the way to install it. */
export function requireTool(tool: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new InputError(tool, "is not installed; run 'make deps' (installs the Debian packages iverilog and verilator)");
  }
}

/** The last "N passed, N failed" line of a testbench's output. */
export function parseSummary(output: string): { passed: number; failed: number } | undefined {
  const matches = [...output.matchAll(/^(\d+) passed, (\d+) failed$/gm)];
  const last = matches[matches.length - 1];
  return last ? { passed: Number(last[1]), failed: Number(last[2]) } : undefined;
}

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/** Builds and runs the testbench of the design in `dir` in one simulator. */
export async function simulate(dir: string, simulator: Simulator, options: { waves?: boolean } = {}): Promise<SimulationResult> {
  const manifest = readManifest(dir);
  requireTool(simulator);
  const args = [dir, manifest.testbench.top, ...(options.waves ? ['--waves'] : [])];
  const { code, output } = await run(join(SIM_DIR, `${simulator}.sh`), args);
  const summary = parseSummary(output) ?? { passed: 0, failed: 0 };
  const expected = manifest.testbench.vectors;
  const ok = code === 0 && summary.failed === 0 && summary.passed === expected;
  const figures = output.split('\n').filter((line) => /^(latency|first-vector latency|cycles per vector|cycles per image|ideal cycles per image|images per second at [0-9.]+ MHz|MACs per cycle|throughput): /.test(line));
  return { simulator, ...summary, expected, exitCode: code, ok, figures, output };
}

export interface VerifyReport {
  readonly results: readonly SimulationResult[];
  /** Generated files edited since generation (the run still goes ahead). */
  readonly changed: readonly string[];
  readonly ok: boolean;
}

/** `flexor verify`: runs the testbench in each simulator asked for, both at once. */
export async function verifyDesign(dir: string, simulators: readonly Simulator[], options: { waves?: boolean } = {}): Promise<VerifyReport> {
  const manifest = readManifest(dir);
  for (const s of simulators) requireTool(s);
  const results = await Promise.all(simulators.map((s) => simulate(dir, s, options)));
  return { results, changed: changedFiles(dir, manifest), ok: results.every((r) => r.ok) };
}

export interface LintReport {
  readonly ok: boolean;
  readonly command: string;
  readonly output: string;
}

/** `flexor lint`: verilator --lint-only -Wall over the synthesizable RTL; any warning fails. */
export function lintDesign(dir: string): LintReport {
  const manifest = readManifest(dir);
  requireTool('verilator');
  const args = ['--lint-only', '-Wall', '--top-module', manifest.top, '-f', manifest.rtlFileList];
  const result = spawnSync('verilator', args, { cwd: dir, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { ok: result.status === 0 && !/%(Warning|Error)/.test(output), command: `verilator ${args.join(' ')}`, output };
}

/**
 * `flexor sim`: a design folder's own RTL and memory images (edited or not) run with a testbench
 * generated again for other inputs. `files` (the regenerated design) are written to
 * DIR/build/sim/, DIR/rtl/ is copied over them, and the testbench runs there; what the testbench
 * writes is in `work`/build/<simulator>/.
 */
export async function simulateFolderRtl(dir: string, files: readonly GeneratedFile[], simulator: Simulator): Promise<{ work: string; result: SimulationResult }> {
  const work = join(dir, 'build', 'sim');
  rmSync(work, { recursive: true, force: true });
  writeDesignFiles(work, files, false);
  for (const file of readdirSync(join(dir, 'rtl'))) cpSync(join(dir, 'rtl', file), join(work, 'rtl', file));
  return { work, result: await simulate(work, simulator) };
}
