/**
 * `make test-unit`: mocha on the unit set with the simulators and Yosys out of reach. A test that
 * reaches for one fails the run, named, even if the test itself passed (a test may tolerate a
 * failing tool, or only look at an exit status).
 *
 *   node dist/test/unit-guard/run.js [mocha arguments...]
 *
 * - iverilog, vvp, verilator, yosys and sta (OpenSTA): scripts of those names first on PATH log the call and
 *   exit 127 (so `command -v` finds them, and running them fails);
 * - the embedded Yosys (@yowasp/yosys, WebAssembly inside Node): every Node process (the CLI runs
 *   in child processes) starts with no-wasm.js through NODE_OPTIONS, which makes compiling
 *   WebAssembly log the call and throw;
 * - mocha-hooks.js keeps the running test's title in the environment, so each logged call names
 *   its test.
 *
 * The exit status is mocha's, or 1 if anything was logged.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The commands no unit test may run: the simulators (and Icarus's runtime) and a system Yosys. */
const GUARDED_COMMANDS = ['iverilog', 'vvp', 'verilator', 'yosys', 'sta'] as const;

/** Where the guarded commands and the embedded Yosys write each call: "<command line>\t<test>". */
export const LOG_VARIABLE = 'FLEXOR_UNIT_GUARD_LOG';
/** The running test, kept by mocha-hooks.js. */
export const TEST_VARIABLE = 'FLEXOR_UNIT_GUARD_TEST';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** Runs mocha with `args` under the guard; returns mocha's exit status and the calls that were logged. */
function runGuarded(args: readonly string[]): { status: number; calls: string[] } {
  const work = mkdtempSync(join(tmpdir(), 'flexor-unit-guard-'));
  try {
    const bin = join(work, 'bin');
    const log = join(work, 'calls.log');
    writeShims(bin);
    const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
    const nodeOptions = [process.env.NODE_OPTIONS ?? '', `--import=${pathToFileURL(join(HERE, 'no-wasm.js')).href}`].join(' ').trim();
    const result = spawnSync(process.execPath, [mocha, '--require', join(HERE, 'mocha-hooks.js'), ...args], {
      stdio: 'inherit',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NODE_OPTIONS: nodeOptions, [LOG_VARIABLE]: log },
    });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : [];
    return { status: result.status ?? 1, calls };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function writeShims(bin: string): void {
  mkdirSync(bin);
  for (const command of GUARDED_COMMANDS) {
    const script = [
      '#!/bin/sh',
      `printf '%s\\t%s\\n' "${command} $*" "$${TEST_VARIABLE}" >> "$${LOG_VARIABLE}"`,
      `echo "${command}: not run in the unit set (make test-unit); name the test file *.sim.test.ts or *.synth.test.ts" >&2`,
      'exit 127',
      '',
    ].join('\n');
    writeFileSync(join(bin, command), script);
    chmodSync(join(bin, command), 0o755);
  }
}

/** The report of the logged calls: one line per test and command, the command line cut short. */
function callsReport(calls: readonly string[]): string {
  const lines = new Set<string>();
  for (const call of calls) {
    const [commandLine, test] = call.split('\t');
    const shown = commandLine.length > 100 ? `${commandLine.slice(0, 97)}...` : commandLine;
    lines.add(`  ${test || '(outside any test)'}: ${shown}`);
  }
  return [
    `unit set: ${calls.length} call(s) of a simulator or Yosys, which the unit set must not run:`,
    ...lines,
    'Name a test file that runs them *.sim.test.ts (iverilog, verilator) or *.synth.test.ts (Yosys).',
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { status, calls } = runGuarded(process.argv.slice(2));
  if (calls.length > 0) process.stderr.write(callsReport(calls));
  process.exitCode = calls.length > 0 ? 1 : status;
}
