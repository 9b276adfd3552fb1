/**
 * The `flexor` command as a user runs it: `node dist/generator/cli/flexor.js ...` in a child process.
 * Bad input (exit 2, one message naming the flag or file, nothing written), never overwriting,
 * deterministic output, headers that regenerate their design, `flexor matrix`, `verify`/`lint`
 * on a folder that is not a design, help and version, and the package's bin entry. The commands
 * that run the simulators are in cli.sim.test.ts, those that run Yosys in cli.synth.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { expect } from 'chai';
import { CLI, CLI_FIXTURES as BAD, generateDecoderCli as generate, manifestOf, NPY_FIXTURES as NPY, PROJECT_ROOT, readTree, runCli, runCliOk as ok, tempDir } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const GEN = ['generate', 'decoder'] as const;
const LAYER_BASE = ['generate', 'layer', '--nin', '16', '--nout', '20', '--ntap', '2'] as const;
const layer = (...args: string[]) => [...LAYER_BASE, '--shape', '16,16,3,3', ...args];

// ---------------------------------------------------------------------------------------------
// Helpers

/** Same file names, byte-identical contents; names the first file that differs. */
function expectSameTree(actual: Map<string, Buffer>, expected: Map<string, Buffer>, what: string): void {
  expect([...actual.keys()], `${what}: file names`).to.deep.equal([...expected.keys()]);
  for (const [path, bytes] of expected) {
    const got = actual.get(path)!;
    if (!got.equals(bytes)) {
      const a = got.toString('utf8').split('\n');
      const b = bytes.toString('utf8').split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      expect.fail(`${what}: ${path} differs at line ${line + 1}:\n  got      ${a[line]}\n  expected ${b[line]}`);
    }
  }
}

/** The stderr of a bad-input run: exactly one `flexor: ...` message, no stack trace, no warnings. */
function expectOneMessage(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines[0], stderr).to.match(/^flexor: \S/);
  expect(lines.filter((l) => l.startsWith('flexor:')), stderr).to.have.length(1);
  expect(stderr, 'no stack trace').not.to.match(/^\s+at /m);
  expect(stderr, 'no warnings before the error').not.to.match(/warning:/);
  return stderr;
}

/** Runs a header's command (`flexor ...`) through sh in `cwd`, with -o OUT, as a user would paste it. */
function regenerateWithShell(command: string, cwd: string, out: string): void {
  expect(command.startsWith('flexor ')).to.equal(true);
  const script = `"$FLEXOR_NODE" "$FLEXOR_CLI" ${command.slice('flexor '.length)} -o ${out}`;
  const r = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, FLEXOR_NODE: process.execPath, FLEXOR_CLI: CLI } });
  expect(r.status, `${script}\n${r.stderr}`).to.equal(0);
}

/**
 * The command of a header, read from its `Command:` line at `lines[i]` on: a header wraps a long
 * command before an option, ending each line but the last in ` \\` and aligning the next.
 */
function headerCommand(lines: readonly string[], i: number, comment: string, path: string): string {
  const label = `${comment} Command: `;
  const continuation = comment.padEnd(label.length);
  expect(lines[i].startsWith(label), `${path}: ${lines[i]}`).to.equal(true);
  let command = lines[i].slice(label.length);
  while (command.endsWith(' \\')) {
    i++;
    expect(lines[i].startsWith(continuation) && lines[i][label.length] !== ' ', `${path}: ${lines[i]}`).to.equal(true);
    command = `${command.slice(0, -2)} ${lines[i].slice(label.length)}`;
  }
  return command;
}

// ---------------------------------------------------------------------------------------------

describe('flexor CLI', () => {
  describe('bad input: exit 2, one message naming the field and what is allowed, nothing written', () => {
    interface BadCase {
      readonly name: string;
      readonly args: readonly string[];
      /** The flag, file or field the message must name. */
      readonly field: string;
      /** What the message must say is allowed (or why the value is wrong). */
      readonly allowed: string | RegExp;
      /** Append `-o out` (default true). */
      readonly output?: boolean;
    }
    const seeded = (...args: string[]) => [...GEN, '--nin', '16', '--nout', '20', '--ntap', '2', ...args];
    const small = (...args: string[]) => [...GEN, '--nin', '4', '--nout', '6', '--ntap', '2', ...args];
    const imported = (file: string, ...args: string[]) => [...GEN, '--matrix', file, ...args];

    const cases: BadCase[] = [
      // Sizes, taps and seed.
      { name: '--nin above --nout', args: [...GEN, '--nin', '30', '--nout', '20', '--ntap', '2'], field: '--nin', allowed: 'an integer from 1 to --nout (20); got 30' },
      { name: '--ntap 0', args: [...GEN, '--nin', '16', '--nout', '20', '--ntap', '0'], field: '--ntap', allowed: 'an integer from 1 to --nin (16); got 0' },
      { name: '--ntap 17 with --nin 16', args: [...GEN, '--nin', '16', '--nout', '20', '--ntap', '17'], field: '--ntap', allowed: 'an integer from 1 to --nin (16); got 17' },
      { name: '--seed -1', args: seeded('--seed', '-1'), field: '--seed', allowed: 'an integer from 0 to 4294967295; got -1' },
      // These two only say "must be an integer", not the range (see the report).
      { name: '--seed 1.5', args: seeded('--seed', '1.5'), field: '--seed', allowed: /must be an integer from 0 to 4294967295; got "1\.5"/ },
      { name: '--seed abc', args: seeded('--seed', 'abc'), field: '--seed', allowed: /must be an integer from 0 to 4294967295; got "abc"/ },
      { name: '--seed given twice', args: seeded('--seed', '1', '--seed', '2'), field: '--seed', allowed: 'more than once' },
      { name: '--nout 2000', args: [...GEN, '--nin', '16', '--nout', '2000', '--ntap', '2'], field: '--nout', allowed: 'an integer from 1 to 1024; got 2000' },
      { name: '--ntap with --dense', args: seeded('--dense'), field: '--ntap', allowed: /cannot be combined with --dense/ },
      { name: 'missing --nout', args: [...GEN, '--nin', '16', '--ntap', '2'], field: '--nout', allowed: 'is required' },
      { name: 'missing -o', args: small(), field: '-o/--output', allowed: /is required: the folder to write the design to/, output: false },
      // Matrix files.
      { name: '--matrix .npy with Nin > Nout', args: imported(join(NPY, 'wide_matrix.npy')), field: 'wide_matrix.npy', allowed: /\[Nout=4, Nin=6\]; Nin must be at most Nout/ },
      { name: '--matrix .json with Nin > Nout', args: imported(join(BAD, 'wide.json')), field: 'wide.json', allowed: /\[Nout=2, Nin=3\]; Nin must be at most Nout/ },
      { name: '--matrix 1-D .npy', args: imported(join(NPY, 'uint8_1d.npy')), field: 'uint8_1d.npy', allowed: /has shape \[5\]; a matrix must have shape \[Nout, Nin\]/ },
      { name: '--matrix 1-D .json', args: imported(join(BAD, 'one_dimensional.json')), field: 'one_dimensional.json[0]', allowed: /list of 0\/1 entries/ },
      { name: '--matrix int32 .npy', args: imported(join(NPY, 'int32_matrix.npy')), field: 'int32_matrix.npy', allowed: /dtype int32; a matrix must be bool or uint8/ },
      { name: '--matrix float64 .npy', args: imported(join(NPY, 'float64_2d.npy')), field: 'float64_2d.npy', allowed: /dtype float64; a matrix must be bool or uint8/ },
      { name: '--matrix big-endian .npy', args: imported(join(NPY, 'big_endian.npy')), field: 'big_endian.npy', allowed: /big-endian/ },
      { name: '--matrix .npy holding a 2', args: imported(join(NPY, 'uint8_with_two.npy')), field: 'uint8_with_two.npy[3][5]', allowed: /entries must be 0 or 1; got 2/ },
      { name: '--matrix .json holding a 2', args: imported(join(BAD, 'value_two.json')), field: 'value_two.json[1][0]', allowed: /entries must be 0 or 1; got 2/ },
      { name: '--matrix truncated .npy', args: imported(join(NPY, 'truncated.npy')), field: 'truncated.npy', allowed: /truncated: shape \[4, 5\] needs 80 bytes/ },
      { name: '--matrix missing file', args: imported('/nonexistent-flexor-dir/no_such_matrix.npy'), field: 'no_such_matrix.npy', allowed: 'no such file' },
      { name: '--matrix .txt file', args: imported(join(BAD, 'matrix.txt')), field: '--matrix', allowed: 'must name a .json or .npy file' },
      { name: '--matrix malformed JSON', args: imported(join(BAD, 'malformed.json')), field: 'malformed.json', allowed: 'is not valid JSON' },
      { name: '--matrix JSON rows of unequal length', args: imported(join(BAD, 'unequal_rows.json')), field: 'unequal_rows.json[1]', allowed: 'must have 2 entries like row 0; got 3' },
      { name: '--plane 3 on a 2-plane file', args: imported(join(NPY, 'uint8_2x12x8.npy'), '--plane', '3'), field: '--plane', allowed: /an integer from 0 to 1 \(the file has 2 plane\(s\)\); got 3/ },
      { name: '--plane without --matrix', args: small('--plane', '1'), field: '--plane', allowed: 'only applies with --matrix' },
      { name: '--matrix with --ntap', args: imported(join(NPY, 'uint8_2x12x8.npy'), '--ntap', '2'), field: '--matrix', allowed: /cannot be combined with --ntap/ },
      // Flags, commands and choices.
      { name: 'unknown flag --bogus', args: small('--bogus'), field: 'bogus', allowed: /Unknown argument.*\n.*flexor --help/ },
      { name: 'unknown command', args: ['frobnicate'], field: 'frobnicate', allowed: /Unknown argument.*\n.*flexor --help/, output: false },
      { name: '--hdl vhdl', args: small('--hdl', 'vhdl'), field: '--hdl', allowed: 'must be one of sv, verilog; got "vhdl"' },
      { name: '--reset weird', args: small('--registered', '--reset', 'weird'), field: '--reset', allowed: 'must be one of sync, async; got "weird"' },
      // flexor generate layer.
      { name: 'layer --shape with 3 entries', args: [...LAYER_BASE, '--shape', '16,16,3'], field: '--shape', allowed: 'must be 2 integers [out, in] (linear) or 4 integers [Cout, Cin, kh, kw]' },
      { name: 'layer --shape not numbers', args: [...LAYER_BASE, '--shape', '16,x'], field: '--shape', allowed: 'must be comma-separated positive integers' },
      { name: 'layer without --shape', args: LAYER_BASE, field: 'shape', allowed: /Missing required argument: shape|--shape: is required/ },
      { name: 'layer --lanes 0', args: layer('--lanes', '0'), field: '--lanes', allowed: 'an integer from 1 to N = 16' },
      { name: 'layer --lanes 17', args: layer('--lanes', '17'), field: '--lanes', allowed: 'an integer from 1 to N = 16' },
      { name: 'layer --simd 145', args: layer('--simd', '145'), field: '--simd', allowed: 'an integer from 1 to K = 144' },
      { name: 'layer --layout xy', args: layer('--layout', 'xy'), field: '--layout', allowed: 'must be one of oi, io; got "xy"' },
      { name: 'layer --weights flash', args: layer('--weights', 'flash'), field: '--weights', allowed: 'must be one of rom, stream; got "flash"' },
      { name: 'layer --act-bits 1', args: layer('--act-bits', '1'), field: '--act-bits', allowed: 'an integer from 2 to 16' },
      { name: 'layer --alpha-frac 16 with 16 alpha bits', args: layer('--alpha-frac', '16'), field: '--alpha-frac', allowed: 'an integer from 0 to --alpha-bits - 1 (15)' },
      { name: 'layer --bias-bits without --bias', args: layer('--bias-bits', '20'), field: '--bias-bits', allowed: 'only applies with --bias' },
      { name: 'layer --out-bits without --requant-shift', args: layer('--out-bits', '8'), field: '--out-bits', allowed: 'only applies with --requant-shift' },
      { name: 'layer --pipeline fast', args: layer('--pipeline', 'fast'), field: '--pipeline', allowed: 'must be a comma-separated list of decoders, mac:N (a register in the MAC trees every N adder levels, N from 1 to 16; mac is mac:1) and scale, or none; got "fast"' },
      { name: 'layer --pipeline mac:0', args: layer('--pipeline', 'mac:0'), field: '--pipeline', allowed: 'got "mac:0"' },
      { name: 'layer --pipeline scale,scale', args: layer('--pipeline', 'scale,scale'), field: '--pipeline', allowed: 'names scale twice' },
      { name: 'layer --nin above --nout', args: [...LAYER_BASE.slice(0, 2), '--shape', '4,4', '--nin', '9', '--nout', '8', '--ntap', '2'], field: '--nin', allowed: 'an integer from 1 to --nout (8)' },
      // flexor matrix.
      { name: 'matrix --format npy without -o', args: ['matrix', '--nin', '4', '--nout', '6', '--ntap', '2', '--format', 'npy'], field: '--format', allowed: 'give -o FILE', output: false },
      { name: 'matrix --planes 0', args: ['matrix', '--nin', '4', '--nout', '6', '--ntap', '2', '--planes', '0'], field: '--planes', allowed: 'an integer from 1 to 64; got 0' },
      { name: 'matrix --planes 65', args: ['matrix', '--nin', '4', '--nout', '6', '--ntap', '2', '--planes', '65'], field: '--planes', allowed: 'an integer from 1 to 64; got 65' },
      { name: 'matrix --nin above --nout', args: ['matrix', '--nin', '30', '--nout', '20', '--ntap', '2'], field: '--nin', allowed: 'an integer from 1 to --nout (20)' },
    ];

    for (const c of cases) {
      it(c.name, () => {
        // Run in an empty folder with a relative -o, so anything written (the output, a staging
        // folder beside it, a stray file) shows up in that folder.
        const cwd = tempDir('bad');
        const r = runCli([...c.args, ...(c.output === false ? [] : ['-o', 'out'])], cwd);
        expect(r.status, `stderr: ${r.stderr}`).to.equal(2);
        expect(r.stdout).to.equal('');
        const message = expectOneMessage(r.stderr);
        expect(message).to.include(c.field);
        if (typeof c.allowed === 'string') expect(message).to.include(c.allowed);
        else expect(message).to.match(c.allowed);
        expect(existsSync(join(cwd, 'out')), 'no output').to.equal(false);
        expect(readdirSync(cwd), 'nothing left behind (no *.flexor-tmp-* folder)').to.deep.equal([]);
      });
    }
  });

  describe('never overwrites', () => {
    const args = ['--nin', '4', '--nout', '6', '--ntap', '3'];

    it('synth, compare, report and sim refuse an existing output file before any long run, writing nothing', () => {
      const parent = tempDir('keep-reports');
      const design = join(parent, 'layer');
      ok(['generate', 'layer', '--shape', '4,6', '--nin', '3', '--nout', '5', '--ntap', '2', '-o', design]);
      const existing = join(parent, 'mine.txt');
      writeFileSync(existing, 'mine\n');
      const before = readTree(design);
      for (const [command, flag] of [
        [['synth', design, '--json', existing], '--json'],
        [['compare', design, '--json', existing], '--json'],
        [['report', design, '-o', existing], '-o'],
        [['report', design, '--sweep', join(parent, 'nowhere'), '-o', join(parent, 'new.html')], '--sweep'],
        [['sim', design, '--inputs', existing, '-o', existing], '-o'],
      ] as const) {
        const r = runCli(command);
        expect(r.status, command.join(' ')).to.equal(2);
        // The flag at fault, checked first: compare and report would otherwise have synthesized
        // the baseline into the design folder, and sim complained about --inputs.
        expect(expectOneMessage(r.stderr), command.join(' ')).to.match(new RegExp(`^flexor: ${flag}: `));
        expectSameTree(readTree(design), before, `after ${command[0]}`);
      }
      expect(readFileSync(existing, 'utf8')).to.equal('mine\n');
      expect(readdirSync(parent).sort()).to.deep.equal(['layer', 'mine.txt']);
    });

    it('refuses a non-empty output folder without --force, leaving it byte-identical', () => {
      const parent = tempDir('keep');
      const out = join(parent, 'out');
      mkdirSync(join(out, 'sub'), { recursive: true });
      writeFileSync(join(out, 'notes.txt'), 'mine\n');
      writeFileSync(join(out, 'sub', 'data.bin'), Buffer.from([0, 1, 2, 255]));
      const before = readTree(out);

      const r = runCli([...GEN, ...args, '-o', out]);
      expect(r.status).to.equal(2);
      expect(expectOneMessage(r.stderr)).to.include('-o').and.include('--force');
      expectSameTree(readTree(out), before, 'after the refusal');
      expect(readdirSync(parent)).to.deep.equal(['out']);
    });

    it('replaces a previous design with --force, stale files included', () => {
      const parent = tempDir('force');
      const out = join(parent, 'out');
      generate(['--nin', '5', '--nout', '9', '--ntap', '2', '--registered'], out);
      writeFileSync(join(out, 'stale.txt'), 'old\n');
      generate([...args, '--force'], out);
      generate(args, join(parent, 'fresh'));
      expectSameTree(readTree(out), readTree(join(parent, 'fresh')), '--force output vs a fresh one');
      expect(readdirSync(parent).sort()).to.deep.equal(['fresh', 'out']);
    });

    it('refuses, even with --force, to replace a non-empty folder that is not a design', () => {
      const parent = tempDir('force-foreign');
      const out = join(parent, 'out');
      mkdirSync(out);
      writeFileSync(join(out, 'matrix.npy'), 'the user\'s own file\n');
      const before = readTree(out);
      const r = runCli([...GEN, ...args, '-o', out, '--force']);
      expect(r.status).to.equal(2);
      expect(expectOneMessage(r.stderr)).to.include('-o').and.include('manifest.json');
      expectSameTree(readTree(out), before, 'after the refusal');
      expect(readdirSync(parent)).to.deep.equal(['out']);
    });

    it('writes into an existing empty folder without --force', () => {
      const out = join(tempDir('empty'), 'out');
      mkdirSync(out);
      generate(args, out);
      expect(existsSync(join(out, 'manifest.json'))).to.equal(true);
    });

    it('refuses an -o that is a file', () => {
      const parent = tempDir('isfile');
      const out = join(parent, 'out');
      writeFileSync(out, 'a file\n');
      const r = runCli([...GEN, ...args, '-o', out, '--force']);
      expect(r.status).to.equal(2);
      expect(expectOneMessage(r.stderr)).to.include('-o').and.include('not a folder');
      expect(readFileSync(out, 'utf8')).to.equal('a file\n');
    });

    it('flexor matrix -o FILE refuses an existing file without --force, overwrites it with --force', () => {
      // A full-rank configuration, so no warnings precede the error.
      const margs = ['matrix', '--nin', '6', '--nout', '10', '--ntap', '3', '--seed', '7'];
      const file = join(tempDir('mfile'), 'm.txt');
      writeFileSync(file, 'precious\n');
      const refused = runCli([...margs, '-o', file]);
      expect(refused.status).to.equal(2);
      expect(expectOneMessage(refused.stderr)).to.include('-o').and.include('--force');
      expect(readFileSync(file, 'utf8')).to.equal('precious\n');

      ok([...margs, '-o', file, '--force']);
      expect(readFileSync(file, 'utf8')).to.equal(ok(margs).stdout);
    });
  });

  describe('determinism', () => {
    const configs: { name: string; args: string[] }[] = [
      { name: 'combinational SystemVerilog', args: ['--nin', '6', '--nout', '10', '--ntap', '3', '--seed', '7'] },
      { name: 'registered Verilog, async reset', args: ['--nin', '6', '--nout', '10', '--ntap', '3', '--registered', '--hdl', 'verilog', '--reset', 'async'] },
      { name: 'dense', args: ['--nin', '6', '--nout', '10', '--dense', '--seed', '3'] },
      { name: 'imported .npy matrix', args: ['--matrix', join(NPY, 'uint8_2x12x8.npy'), '--plane', '1'] },
    ];
    for (const c of configs) {
      it(`${c.name}: two runs into different folders give identical trees, with no paths or dates`, () => {
        const first = tempDir('det1');
        const second = tempDir('det2');
        generate(c.args, join(first, 'a'), first);
        generate(c.args, join(second, 'deeper', 'b'), second);
        const a = readTree(join(first, 'a'));
        expectSameTree(readTree(join(second, 'deeper', 'b')), a, c.name);
        const forbidden = [first, second, PROJECT_ROOT.replace(/\/$/, ''), tmpdir()];
        for (const [path, bytes] of a) {
          const text = bytes.toString('utf8');
          for (const f of forbidden) expect(text, `${path} holds the path ${f}`).not.to.include(f);
          expect(text, `${path} holds a date`).not.to.match(/20\d\d-\d\d-\d\d/);
          expect(text, `${path} holds a time of day`).not.to.match(/\b\d\d:\d\d:\d\d\b/);
        }
      });
    }
  });

  describe('headers: every file states the command that regenerates it', () => {
    const configs: { name: string; args: string[]; matrix?: string }[] = [
      { name: 'combinational sv, largest seed', args: ['--nin', '6', '--nout', '10', '--ntap', '3', '--seed', '4294967295'] },
      { name: 'registered verilog, async reset', args: ['--nin', '5', '--nout', '9', '--ntap', '2', '--registered', '--hdl', 'verilog', '--reset', 'async'] },
      { name: 'registered dense, sync reset', args: ['--nin', '4', '--nout', '7', '--dense', '--seed', '12', '--registered'] },
      { name: 'imported .npy, plane 1', args: ['--matrix', 'uint8_2x12x8.npy', '--plane', '1', '--registered'], matrix: 'uint8_2x12x8.npy' },
      { name: 'imported .npy, plane 0 given explicitly', args: ['--matrix', 'uint8_2x12x8.npy', '--plane', '0', '--seed', '9'], matrix: 'uint8_2x12x8.npy' },
    ];
    for (const c of configs) {
      it(c.name, () => {
        const dir = tempDir('hdr');
        if (c.matrix) copyFileSync(join(NPY, c.matrix), join(dir, c.matrix));
        // An imported matrix is given by absolute path; the header must name only its basename.
        const args = c.args.map((a) => (a === c.matrix ? join(dir, a) : a));
        const original = join(dir, 'original');
        generate(args, original);

        const command = manifestOf(original).command as string;
        expect(command).to.match(/^flexor generate decoder /);
        if (c.matrix) expect(command).to.include(`--matrix ${c.matrix}`).and.not.include(dir);
        const tree = readTree(original);
        const headed = [...tree.keys()].filter((p) => ['.sv', '.v', '.f', '.core'].includes(extname(p)));
        expect(headed.length).to.be.at.least(5);
        for (const path of headed) {
          const lines = tree.get(path)!.toString('utf8').split('\n');
          const c = extname(path) === '.core' ? '#' : '//';
          let i = 0;
          if (extname(path) === '.core') expect(lines[i++], path).to.equal('CAPI=2:');
          expect(lines[i++], path).to.equal(`${c} SPDX-License-Identifier: MIT`);
          expect(lines[i++], path).to.match(new RegExp(`^${c} Generated by flexor-rtl ${VERSION.replace(/\./g, '\\.')}\\b`));
          expect(headerCommand(lines, i, c, path), path).to.equal(command);
        }

        // The header's command, run by a shell from the folder holding the matrix, regenerates the tree.
        regenerateWithShell(command, dir, 'again');
        expectSameTree(readTree(join(dir, 'again')), tree, `regenerated by "${command}"`);
      });
    }

    it("a matrix file name with a space and a quote is shell-quoted in the command", () => {
      const dir = tempDir('hdr-quote');
      const name = "my it's m.npy";
      copyFileSync(join(NPY, 'uint8_2x12x8.npy'), join(dir, name));
      generate(['--matrix', join(dir, name)], join(dir, 'original'));
      const command = manifestOf(join(dir, 'original')).command as string;
      expect(command).to.include(`--matrix 'my it'\\''s m.npy'`);
      regenerateWithShell(command, dir, 'again');
      expectSameTree(readTree(join(dir, 'again')), readTree(join(dir, 'original')), 'regenerated');
    });

    it('--reset async on a combinational decoder: the header command regenerates it', () => {
      const dir = tempDir('hdr-reset');
      generate(['--nin', '4', '--nout', '6', '--ntap', '3', '--reset', 'async'], join(dir, 'original'));
      const command = manifestOf(join(dir, 'original')).command as string;
      ok([...command.split(' ').slice(1), '-o', 'again'], dir);
      expectSameTree(readTree(join(dir, 'again')), readTree(join(dir, 'original')), 'regenerated');
    });
  });

  describe('flexor generate layer', () => {
    const args = ['--shape', '6,2,2,2', '--nin', '5', '--nout', '7', '--ntap', '2', '--lanes', '2', '--simd', '3', '--planes', '2', '--bias', '--vectors', '2'];

    it('is deterministic and its header command regenerates the same tree', () => {
      const dir = tempDir('layer-det');
      ok(['generate', 'layer', ...args, '-o', join(dir, 'a')]);
      ok(['generate', 'layer', ...args, '-o', join(dir, 'b')]);
      const a = readTree(join(dir, 'a'));
      expectSameTree(readTree(join(dir, 'b')), a, 'generated twice');
      const command = manifestOf(join(dir, 'a')).command as string;
      expect(command).to.match(/^flexor generate layer --shape 6,2,2,2 /);
      regenerateWithShell(command, dir, 'again');
      expectSameTree(readTree(join(dir, 'again')), a, `regenerated by "${command}"`);
      for (const [path, bytes] of a) {
        if (/\.(sv|v|f)$/.test(path)) expect(bytes.toString('utf8').split('\n')[0], path).to.equal('// SPDX-License-Identifier: MIT');
      }
    });

    it('prints the plan and the files, and warns on stderr', () => {
      const dir = tempDir('layer-out');
      const r = ok(['generate', 'layer', '--shape', '16,16,3,3', '--nin', '16', '--nout', '20', '--ntap', '2', '--lanes', '4', '--simd', '16', '-o', join(dir, 'l')]);
      expect(r.stdout).to.include('36 cycles per vector in steady state').and.include('3 slice(s) per plane stored twice');
      expect(r.stdout).to.include('_weights_u0.hex').and.include('_weights_u3.hex').and.include('tb/expected.hex');
      expect(r.stderr).to.include('warning: plane 0: rank over GF(2) is 12');
    });
  });

  describe('flexor matrix', () => {
    it('prints the rank line and one line per row', () => {
      const r = ok(['matrix', '--nin', '4', '--nout', '6', '--ntap', '2', '--seed', '1']);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^# plane 0 of 1: Nout=6 x Nin=4, nTap=2, seed=1; rank over GF\(2\) \d of 4$/);
      const rows = lines.filter((l) => !l.startsWith('#'));
      expect(rows).to.have.length(6);
      rows.forEach((row, j) => {
        const m = /^(\d+): ([01]{4}) {2}([\d,]+)$/.exec(row);
        expect(m, row).not.to.equal(null);
        expect(Number(m![1])).to.equal(j);
        expect(m![2].split('').filter((b) => b === '1')).to.have.length(2);
        const taps = [...m![2]].flatMap((b, i) => (b === '1' ? [i] : []));
        expect(m![3]).to.equal(taps.join(','));
      });
    });

    it('sends warnings (rank below Nin, unused columns) to stderr, not stdout', () => {
      const even = ok(['matrix', '--nin', '4', '--nout', '6', '--ntap', '2']);
      expect(even.stderr).to.match(/^warning: plane 0: rank over GF\(2\) is 3, below Nin = 4/m);
      expect(even.stdout).not.to.include('warning');
      const sparse = ok(['matrix', '--nin', '8', '--nout', '8', '--ntap', '1', '--seed', '1']);
      expect(sparse.stderr).to.match(/^warning: plane 0: column\(s\) [\d, ]+ are never used/m);
      expect(sparse.stdout).not.to.include('warning').and.not.include('never used');
      const json = ok(['matrix', '--nin', '8', '--nout', '8', '--ntap', '1', '--seed', '1', '--format', 'json']);
      expect(() => JSON.parse(json.stdout)).not.to.throw();
    });

    it('--format json round-trips through generate decoder --matrix', () => {
      const dir = tempDir('json');
      const flags = ['--nin', '6', '--nout', '10', '--ntap', '3', '--seed', '7'];
      ok(['matrix', ...flags, '--format', 'json', '-o', 'm.json'], dir);
      generate([...flags, '--registered'], join(dir, 'direct'), dir);
      generate(['--matrix', 'm.json', '--seed', '7', '--registered'], join(dir, 'imported'), dir);

      // Same decoder apart from the module names, the command/hash/matrix header lines, the
      // README and the manifest's configuration.
      const normalized = (name: string) => {
        const top = manifestOf(join(dir, name)).top as string;
        const core = top.replace(/_reg$/, '');
        const files = new Map<string, string>();
        for (const [path, bytes] of readTree(join(dir, name))) {
          if (path === 'README.md' || path === 'manifest.json') continue;
          const text = bytes
            .toString('utf8')
            .split('\n')
            .filter((l) => !/^(\/\/|#) (Command|Configuration sha256|Matrix):/.test(l))
            .join('\n');
          files.set(path.replaceAll(core, 'CORE'), text.replaceAll(core, 'CORE'));
        }
        return { top, core, files };
      };
      const direct = normalized('direct');
      const imported = normalized('imported');
      expect(direct.core).to.equal('flexor_dec_6x10_t3_s7');
      expect(imported.core).to.match(/^flexor_dec_6x10_t3_m[0-9a-f]{8}$/);
      expect([...imported.files.keys()]).to.deep.equal([...direct.files.keys()]);
      for (const [path, text] of direct.files) expect(imported.files.get(path), path).to.equal(text);
      const [md, mi] = [manifestOf(join(dir, 'direct')), manifestOf(join(dir, 'imported'))];
      expect(mi.matrix).to.deep.equal(md.matrix);
      expect(mi.netlist).to.deep.equal(md.netlist);
    });

    it('--format npy --planes 2 writes a [2, Nout, Nin] uint8 file that --matrix --plane 1 accepts', () => {
      const dir = tempDir('npy');
      const flags = ['--nin', '6', '--nout', '10', '--ntap', '3', '--seed', '7', '--planes', '2'];
      const r = ok(['matrix', ...flags, '--format', 'npy', '-o', 'm.npy'], dir);
      expect(r.stdout).to.include('wrote m.npy');

      const bytes = readFileSync(join(dir, 'm.npy'));
      expect(bytes.subarray(0, 6).toString('latin1')).to.equal('\x93NUMPY');
      const headerLength = bytes.readUInt16LE(8);
      const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
      expect(header).to.match(/'descr': '\|u1'/).and.match(/'fortran_order': False/).and.match(/'shape': \(2, 10, 6\)/);
      const data = bytes.subarray(10 + headerLength);
      expect(data.length).to.equal(2 * 10 * 6);
      expect([...data].every((v) => v === 0 || v === 1)).to.equal(true);

      generate(['--matrix', 'm.npy', '--plane', '1'], join(dir, 'plane1'), dir);
      const planes = (JSON.parse(ok(['matrix', ...flags, '--format', 'json']).stdout) as { planes: number[][][] }).planes;
      const decoded = JSON.parse(readFileSync(join(dir, 'plane1', 'matrix.json'), 'utf8')) as { planes: number[][][] };
      expect(decoded.planes).to.deep.equal([planes[1]]);
      expect(Array.from(data.subarray(60))).to.deep.equal(planes[1].flat());
    });
  });

  describe('verify and lint', () => {
    for (const command of ['verify', 'lint']) {
      it(`${command} on a folder without manifest.json exits 2 with a clear message`, () => {
        const dir = tempDir(`not-design-${command}`);
        writeFileSync(join(dir, 'something.sv'), 'module m; endmodule\n');
        const r = runCli([command, dir]);
        expect(r.status).to.equal(2);
        expect(expectOneMessage(r.stderr)).to.include(dir).and.include('manifest.json').and.include('flexor generate');
        expect(readdirSync(dir)).to.deep.equal(['something.sv']);
      });
    }
  });

  describe('help and version', () => {
    for (const command of [['matrix'], ['generate', 'decoder'], ['verify'], ['lint']]) {
      it(`flexor ${command.join(' ')} --help shows an example`, () => {
        const r = ok([...command, '--help']);
        expect(r.stdout).to.include(`flexor ${command.join(' ')}`);
        expect(r.stdout).to.include('Examples:');
        const examples = r.stdout.slice(r.stdout.indexOf('Examples:'));
        expect(examples).to.match(new RegExp(`^\\s+flexor ${command.join(' ')} \\S`, 'm'));
      });
    }

    it('flexor --help lists every command and the exit statuses', () => {
      const r = ok(['--help']);
      for (const c of ['matrix', 'generate', 'verify', 'lint']) expect(r.stdout).to.match(new RegExp(`^\\s+flexor ${c}\\b`, 'm'));
      expect(r.stdout).to.include('2 bad input');
    });

    it('flexor --version prints the package.json version', () => {
      expect(ok(['--version']).stdout).to.equal(`${VERSION}\n`);
    });

    it('npx flexor --version works from the project root (the bin entry) and leaves dist/ as it was', () => {
      // npx installs the project into its cache as a link, which runs the project's "prepare"
      // script in the project itself: a build there would rewrite dist/ under the tests running
      // beside this one. The build belongs to make (and to "prepack", for npm pack and git installs).
      const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
      for (const hook of ['prepare', 'preinstall', 'install', 'postinstall']) expect(scripts, `package.json scripts.${hook}`).to.not.have.property(hook);
      const before = statSync(CLI).mtimeMs;
      // --no: never fetch a package named "flexor" from the registry; "--" keeps --version for us.
      const r = spawnSync('npx', ['--no', '--', 'flexor', '--version'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.trim()).to.equal(VERSION);
      expect(statSync(CLI).mtimeMs, 'dist/generator/cli/flexor.js rewritten by npx').to.equal(before);
    });
  });
});
