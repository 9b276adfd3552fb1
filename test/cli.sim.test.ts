/**
 * The `flexor` command running the simulators (see cli.test.ts): verify's figures and waveforms,
 * a corrupted expected.hex caught by Icarus Verilog, lint with Verilator.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateDecoderCli as generate, manifestOf, runCli, runCliOk as ok, tempDir } from './helpers.js';

/** Flips the lowest bit of the last hex digit of line `index` of a $readmemh file. */
function flipHexDigit(path: string, index: number): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  const line = lines[index];
  lines[index] = line.slice(0, -1) + (parseInt(line.slice(-1), 16) ^ 1).toString(16);
  writeFileSync(path, lines.join('\n'));
}

describe('flexor CLI', () => {
  describe('flexor generate layer', () => {
    const args = ['--shape', '6,2,2,2', '--nin', '5', '--nout', '7', '--ntap', '2', '--lanes', '2', '--simd', '3', '--planes', '2', '--bias', '--vectors', '2'];

    it('verify prints the testbench figures: latency, cycles per vector, MACs per cycle', () => {
      const dir = join(tempDir('layer-verify'), 'l');
      ok(['generate', 'layer', ...args, '-o', dir]);
      const r = ok(['verify', dir, '--simulator', 'iverilog']);
      // 6 channels, 2 lanes, K = 8, simd 3: 3 * 3 = 9 cycles per vector; 2 planes * 48 MACs.
      expect(r.stdout).to.match(/^iverilog: 36 passed, 0 failed -- PASS$/m);
      expect(r.stdout).to.match(/^iverilog: cycles per vector: 9\.00$/m);
      expect(r.stdout).to.match(/^iverilog: MACs per cycle: 10\.67$/m);
      expect(r.stdout).to.match(/^iverilog: latency: \d+ cycles/m);
    });
  });

  describe('verify and lint', () => {
    const design = ['--nin', '4', '--nout', '6', '--ntap', '3'];

    it('verify --waves makes both simulators write a waveform', () => {
      const dir = join(tempDir('waves'), 'dec');
      generate(['--nin', '3', '--nout', '5', '--ntap', '2', '--registered'], dir);
      const r = ok(['verify', dir, '--waves']);
      for (const simulator of ['iverilog', 'verilator']) {
        const vcd = join(dir, 'build', simulator, 'waves.vcd');
        expect(r.stdout).to.include(`${simulator}: waveform in ${dir}/build/${simulator}/waves.vcd`);
        const text = readFileSync(vcd, 'utf8');
        expect(text, simulator).to.include('$enddefinitions').and.include('m_axis_dec_tvalid');
      }
    });

    describe('with Icarus Verilog', function () {
      it('passes a good design and fails, naming the vector, after expected.hex is corrupted', () => {
        const dir = join(tempDir('verify'), 'dec');
        generate(design, dir);
        const good = ok(['verify', dir, '--simulator', 'iverilog']);
        expect(good.stdout).to.include('iverilog: 16 passed, 0 failed -- PASS');

        flipHexDigit(join(dir, 'tb', 'expected.hex'), 2);
        const bad = runCli(['verify', dir, '--simulator', 'iverilog']);
        expect(bad.status, bad.stdout + bad.stderr).to.equal(1);
        expect(bad.stdout + bad.stderr).to.match(/^MISMATCH vector 2: /m);
        expect(bad.stdout).to.match(/^iverilog: 15 passed, 1 failed -- FAIL/m);
        expect(bad.stderr).to.include('edited since generation: tb/expected.hex');
      });
    });

    describe('with Verilator', function () {
      it('lint is clean on a generated design and fails on a declared-but-unused signal', () => {
        const dir = join(tempDir('lint'), 'dec');
        generate(design, dir);
        expect(ok(['lint', dir]).stdout).to.match(/: clean$/m);

        const top = manifestOf(dir).top as string;
        const rtl = join(dir, 'rtl', `${top}.sv`);
        const text = readFileSync(rtl, 'utf8');
        expect(text).to.include('\nendmodule');
        writeFileSync(rtl, text.replace('\nendmodule', '\n  logic spare_by_test_x;\nendmodule'));
        const r = runCli(['lint', dir]);
        expect(r.status, r.stdout + r.stderr).to.equal(1);
        expect(r.stdout).to.include('spare_by_test_x').and.match(/%Warning-UNUSED/);
        expect(r.stdout).to.match(/: WARNINGS$/m);
      });
    });
  });
});
