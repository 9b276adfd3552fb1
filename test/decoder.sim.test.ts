/**
 * Simulation tests: generated decoders, run in Icarus Verilog and Verilator against the golden
 * model's vectors, lint-clean under verilator -Wall; and a broken decoder that both must reject.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecoderOptions } from '../generator/rtl/decoder.js';
import { lintDesign, verifyDesign, type SimulationResult } from '../generator/eda/simulate.js';
import { tempDir, writeDecoder } from './helpers.js';

interface Case {
  readonly name: string;
  readonly options: DecoderOptions;
}

/** Varied configurations, degenerate ones included; each runs in both simulators. */
const CASES: readonly Case[] = [
  { name: 'default 16x20 nTap=2', options: { nIn: 16, nOut: 20, nTap: 2, seed: 1 } },
  { name: 'default, registered', options: { nIn: 16, nOut: 20, nTap: 2, seed: 1, registered: true } },
  { name: 'default, Verilog-2005', options: { nIn: 16, nOut: 20, nTap: 2, seed: 1, hdl: 'verilog' } },
  { name: 'default, registered, Verilog-2005, async reset', options: { nIn: 16, nOut: 20, nTap: 2, seed: 1, registered: true, hdl: 'verilog', reset: 'async' } },
  { name: 'Nin = Nout = 1', options: { nIn: 1, nOut: 1, nTap: 1, seed: 3 } },
  { name: 'Nin = 1, Nout = 8, registered, Verilog', options: { nIn: 1, nOut: 8, nTap: 1, seed: 4, registered: true, hdl: 'verilog' } },
  { name: 'Nin = Nout = 8, nTap = Nin', options: { nIn: 8, nOut: 8, nTap: 8, seed: 5 } },
  { name: 'nTap = 1 (a wire per row), Verilog', options: { nIn: 8, nOut: 20, nTap: 1, seed: 6, hdl: 'verilog' } },
  { name: 'dense 12x12, registered, Verilog, async reset', options: { nIn: 12, nOut: 12, dense: true, seed: 7, registered: true, hdl: 'verilog', reset: 'async' } },
  { name: 'nTap = Nin = Nout = 16, registered, async reset', options: { nIn: 16, nOut: 16, nTap: 16, seed: 8, registered: true, reset: 'async' } },
  { name: 'Nout = 64, nTap = 3', options: { nIn: 10, nOut: 64, nTap: 3, seed: 9 } },
  { name: 'dense 16x64, registered', options: { nIn: 16, nOut: 64, dense: true, seed: 10, registered: true } },
  { name: 'Nin = 20 > 16: random vectors', options: { nIn: 20, nOut: 24, nTap: 2, seed: 11 } },
  { name: 'Nin = 32, Nout = 64, nTap = 5, registered, Verilog', options: { nIn: 32, nOut: 64, nTap: 5, seed: 12, registered: true, hdl: 'verilog' } },
  { name: 'dense Nin = Nout = 64, Verilog', options: { nIn: 64, nOut: 64, dense: true, seed: 13, hdl: 'verilog' } },
  { name: '7x9 nTap = 4 (unbalanced trees)', options: { nIn: 7, nOut: 9, nTap: 4, seed: 123 } },
  { name: 'seed 0, nTap = Nin = 5, registered', options: { nIn: 5, nOut: 12, nTap: 5, seed: 0, registered: true } },
  { name: '14x20 nTap = 3, Verilog', options: { nIn: 14, nOut: 20, nTap: 3, seed: 14, hdl: 'verilog' } },
  { name: 'largest seed, registered, Verilog, async reset', options: { nIn: 16, nOut: 20, nTap: 2, seed: 4294967295, registered: true, hdl: 'verilog', reset: 'async' } },
  { name: 'Nout = 256, Nin = 3', options: { nIn: 3, nOut: 256, nTap: 2, seed: 15 } },
  { name: 'dense 13x26', options: { nIn: 13, nOut: 26, dense: true, seed: 16 } },
  { name: 'Nin = 24, nTap = 6, registered, 3-level trees', options: { nIn: 24, nOut: 30, nTap: 6, seed: 17, registered: true } },
  { name: 'Nin = 100, Nout = 128, nTap = 9, Verilog', options: { nIn: 100, nOut: 128, nTap: 9, seed: 18, hdl: 'verilog' } },
];

function describeFailure(r: SimulationResult): string {
  return `${r.simulator}: exit ${r.exitCode}, ${r.passed} passed, ${r.failed} failed of ${r.expected}\n${r.output.slice(-3000)}`;
}

describe('generated decoders in simulation', function () {
  const root = tempDir('sim');

  CASES.forEach((c, index) => {
    it(`${c.name}: bit-exact in Icarus and Verilator, lint-clean`, async function () {
      const dir = writeDecoder(root, `case${index}`, c.options);
      const lint = lintDesign(dir);
      expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);
      const report = await verifyDesign(dir, ['iverilog', 'verilator']);
      for (const r of report.results) {
        expect(r.ok, describeFailure(r)).to.equal(true);
        expect(r.passed).to.equal(r.expected);
        expect(r.output).to.match(new RegExp(`^${r.expected} passed, 0 failed$`, 'm'));
      }
      expect(report.changed).to.deep.equal([]);
    });
  });

  it('an imported matrix with a zero row and an unused column', async function () {
    const matrixFile = join(root, 'odd.json');
    writeFileSync(matrixFile, JSON.stringify([[1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 1], [0, 1, 0, 0], [1, 1, 0, 1]]));
    const dir = writeDecoder(root, 'imported', { matrixFile, registered: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { top: string; warnings: string[] };
    expect(manifest.top).to.match(/^flexor_dec_4x5_mixed_m[0-9a-f]{8}_reg$/);
    expect(manifest.warnings.join('\n')).to.match(/column\(s\) 2 are never used/).and.match(/row\(s\) 1 have no tap/);
    const core = readFileSync(join(dir, 'rtl', `${manifest.top.replace(/_reg$/, '')}.sv`), 'utf8');
    expect(core).to.contain("assign dec_o[1] = 1'b0;").and.contain('  assign unused_enc = ^{\n    enc_i[2]\n  };\n');
    const lint = lintDesign(dir);
    expect(lint.ok, lint.output).to.equal(true);
    const report = await verifyDesign(dir, ['iverilog', 'verilator']);
    for (const r of report.results) expect(r.ok, describeFailure(r)).to.equal(true);
  });
});

describe('a deliberately broken decoder', function () {
  const root = tempDir('broken');

  for (const registered of [false, true]) {
    it(`is rejected by its testbench in both simulators (${registered ? 'registered' : 'combinational'})`, async function () {
      const dir = writeDecoder(root, registered ? 'reg' : 'comb', { nIn: 16, nOut: 20, nTap: 2, seed: 1, registered });
      const rtlPath = join(dir, 'rtl', 'flexor_dec_16x20_t2_s1.sv');
      const rtl = readFileSync(rtlPath, 'utf8');
      // Move one tap of row 0 to a column that row does not use.
      const gate = /assign x0_1_0 = enc_i\[(\d+)\] \^ enc_i\[(\d+)\];/.exec(rtl);
      expect(gate, 'row 0 gate not found').to.not.equal(null);
      const [a, b] = [Number(gate![1]), Number(gate![2])];
      const other = [0, 1, 2, 4, 5].find((c) => c !== a && c !== b)!;
      writeFileSync(rtlPath, rtl.replace(gate![0], `assign x0_1_0 = enc_i[${a}] ^ enc_i[${other}];`));

      const report = await verifyDesign(dir, ['iverilog', 'verilator']);
      expect(report.ok).to.equal(false);
      expect(report.changed).to.deep.equal(['rtl/flexor_dec_16x20_t2_s1.sv']);
      for (const r of report.results) {
        expect(r.ok, r.simulator).to.equal(false);
        expect(r.exitCode, r.simulator).to.not.equal(0);
        expect(r.failed, r.simulator).to.be.greaterThan(0);
        // Exhaustive inputs: exactly the half of them on which x[b] differs from x[other] fail.
        expect(r.failed, r.simulator).to.equal(32768);
        expect(r.output).to.match(/MISMATCH vector \d+: input [0-9a-f]{4} expected [0-9a-f]{5} got [0-9a-f]{5}/);
        expect(r.output).to.match(/^32768 passed, 32768 failed$/m);
      }
    });
  }
});
