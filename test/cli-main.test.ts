/**
 * The `flexor` command as a library: cli/main.ts imports without running anything, runs
 * in-process and returns the exit status, and every command module is complete and registered.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { main } from '../generator/cli/main.js';
import { COMMANDS, commandNames } from '../generator/cli/commands/index.js';
import { GENERATE_COMMANDS } from '../generator/cli/commands/generate.js';
import type { AnyCommand } from '../generator/cli/flags.js';
import { PROJECT_ROOT } from './helpers.js';

const COMMANDS_DIR = join(PROJECT_ROOT, 'dist/generator/cli/commands');

/** `main(args)` in this process, with what it wrote to standard output and standard error. */
async function runMain(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { stdout, stderr } = process;
  const stdoutWrite = stdout.write;
  const stderrWrite = stderr.write;
  stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof stdout.write;
  stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof stderr.write;
  try {
    const status = await main(args);
    return { status, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.write = stdoutWrite;
    stderr.write = stderrWrite;
  }
}

function isCommandModule(value: unknown): value is AnyCommand {
  return typeof value === 'object' && value !== null && 'command' in value && 'handler' in value;
}

describe('flexor main and its command modules', () => {
  it('importing cli/main.js runs no command and writes nothing', () => {
    const url = pathToFileURL(join(PROJECT_ROOT, 'dist/generator/cli/main.js')).href;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(url)}); console.log(String(process.exitCode));`], { encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('undefined\n');
    expect(r.status).to.equal(0);
  });

  it('every command module has command, describe, builder and handler', () => {
    for (const module of [...COMMANDS, ...GENERATE_COMMANDS]) {
      const name = String(module.command);
      expect(module.command, name).to.be.a('string').and.match(/^[a-z]+\b/);
      expect(module.describe, name).to.be.a('string').and.not.equal('');
      expect(module.builder, name).to.be.a('function');
      expect(module.handler, name).to.be.a('function');
    }
  });

  it('every command module in cli/commands/ is registered, once', async () => {
    const registered = [...COMMANDS, ...GENERATE_COMMANDS];
    expect(new Set(registered).size).to.equal(registered.length);
    const found: AnyCommand[] = [];
    for (const file of readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.js'))) {
      const exports = (await import(pathToFileURL(join(COMMANDS_DIR, file)).href)) as Record<string, unknown>;
      found.push(...Object.values(exports).filter(isCommandModule));
    }
    expect(found.filter((m) => !registered.includes(m)).map((m) => m.command)).to.deep.equal([]);
    expect(commandNames()).to.have.members([
      'matrix', 'generate decoder', 'generate layer', 'verify', 'lint', 'synth', 'prove', 'compare', 'sweep', 'report', 'decode', 'golden', 'calibrate', 'sim', 'encode', 'network', 'pnr', 'asic',
    ]);
  });

  it('runs in-process and returns the exit status instead of exiting', async () => {
    const before = process.exitCode;
    const good = await runMain(['matrix', '--nin', '4', '--nout', '6', '--ntap', '3']);
    expect(good.status, good.stderr).to.equal(0);
    expect(good.stdout).to.match(/^# plane 0 of 1: Nout=6 x Nin=4, nTap=3, seed=1; rank over GF\(2\) \d of 4$/m);
    const bad = await runMain(['matrix', '--nin', '30', '--nout', '20', '--ntap', '2']);
    expect(bad).to.deep.include({ status: 2, stdout: '' });
    expect(bad.stderr).to.match(/^flexor: --nin: .*an integer from 1 to --nout \(20\)/);
    const unknown = await runMain(['frobnicate']);
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.include('Unknown argument: frobnicate').and.include('generate decoder, generate layer');
    const help = await runMain(['--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^\s+flexor sweep\b/m);
    expect(process.exitCode).to.equal(before);
  });
});
