/**
 * Simulation tests of the stream blocks (docs/STREAMS.md): each block's RTL against its model's
 * vectors in Icarus Verilog and Verilator, SystemVerilog and Verilog-2005, with seeded stalls on
 * both streams, lint-clean; its measured throughput and latency against the generator's figures;
 * and the generic testbench rejecting a broken block and a block that never answers.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { lintDesign, verifyDesign, type SimulationResult, type Simulator } from '../generator/eda/simulate.js';
import { generateFifo } from '../generator/rtl/stream/fifo.js';
import type { StreamBlockDesign } from '../generator/rtl/stream/package.js';
import { tempDir } from './helpers.js';

interface Case {
  readonly name: string;
  readonly design: () => StreamBlockDesign;
  /** Simulators to run (both by default; the cheap Icarus alone for the larger sweeps). */
  readonly simulators?: readonly Simulator[];
}

const BOTH: readonly Simulator[] = ['iverilog', 'verilator'];

const CASES: readonly Case[] = [
  { name: 'FIFO, depth 4, 12 bits', design: () => generateFifo({ dataBits: 12, depth: 4 }) },
  { name: 'FIFO, depth 2, 1 bit, Verilog-2005, async reset', design: () => generateFifo({ dataBits: 1, depth: 2, hdl: 'verilog', reset: 'async', seed: 2 }) },
  { name: 'FIFO, depth 5 (not a power of two), 70 bits', design: () => generateFifo({ dataBits: 70, depth: 5, seed: 3 }), simulators: ['iverilog'] },
];

function figure(output: string, label: string): number {
  const match = new RegExp(`^${label}: ([0-9.]+)`, 'm').exec(output);
  expect(match, `no "${label}" line in\n${output.slice(-2000)}`).to.not.equal(null);
  return Number(match![1]);
}

function describeFailure(r: SimulationResult): string {
  return `${r.simulator}: exit ${r.exitCode}, ${r.passed} passed, ${r.failed} failed of ${r.expected}\n${r.output.slice(-3000)}`;
}

describe('stream blocks in simulation', function () {
  const root = tempDir('stream-sim');

  CASES.forEach((c, index) => {
    it(`${c.name}: bit-exact with stalls on both streams, at the ideal rate, lint-clean`, async function () {
      const design = c.design();
      const dir = join(root, `case${index}`);
      writeDesignFiles(dir, design.files, false);
      const lint = lintDesign(dir);
      expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);
      const report = await verifyDesign(dir, c.simulators ?? BOTH);
      const { idealCyclesPerImage, latencyBound } = design.figures;
      for (const r of report.results) {
        expect(r.ok, describeFailure(r)).to.equal(true);
        expect(r.output).to.match(new RegExp(`^${r.expected} passed, 0 failed$`, 'm'));
        const cycles = figure(r.output, 'cycles per image');
        expect(cycles, `${r.simulator}: cycles per image`).to.be.within(idealCyclesPerImage, idealCyclesPerImage * 1.05 + 1);
        expect(figure(r.output, 'latency'), `${r.simulator}: latency`).to.be.at.most(latencyBound);
      }
    });
  });
});

describe('the stream-block testbench', function () {
  const root = tempDir('stream-broken');

  it('rejects corrupted expected beats (tdata and tlast), naming the beat, in both simulators', async function () {
    const dir = join(root, 'corrupt');
    writeDesignFiles(dir, generateFifo({ dataBits: 12, depth: 4 }).files, false);
    const path = join(dir, 'tb', 'expected.hex');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = `${(parseInt(lines[2].slice(0, 3), 16) ^ 0x10).toString(16).padStart(3, '0')} 0`;
    lines[5] = lines[5].replace(/ 0$/, ' 1');
    writeFileSync(path, lines.join('\n'));
    const report = await verifyDesign(dir, BOTH);
    expect(report.changed).to.deep.equal(['tb/expected.hex']);
    for (const r of report.results) {
      expect(r.ok, r.simulator).to.equal(false);
      expect(r.exitCode, r.simulator).to.not.equal(0);
      expect(r.failed, r.simulator).to.equal(2);
      expect(r.output).to.match(/^MISMATCH beat 2 \(image 0, beat 2 of it\): expected tdata [0-9a-f]{3} tlast 0, got tdata [0-9a-f]{3} tlast 0$/m);
      expect(r.output).to.match(/^MISMATCH beat 5 \(image 0, beat 5 of it\): expected tdata ([0-9a-f]{3}) tlast 1, got tdata \1 tlast 0$/m);
      expect(r.output).to.match(new RegExp(`^${r.expected - 2} passed, 2 failed$`, 'm'));
    }
  });

  it('fails with the watchdog when the block never answers', async function () {
    const dir = join(root, 'silent');
    const design = generateFifo({ dataBits: 8, depth: 2, hdl: 'verilog' });
    writeDesignFiles(dir, design.files, false);
    const rtl = join(dir, 'rtl', `${design.top}.v`);
    writeFileSync(rtl, readFileSync(rtl, 'utf8').replace('assign m_axis_out_tvalid = out_valid_q;', "assign m_axis_out_tvalid = 1'b0;"));
    const report = await verifyDesign(dir, ['iverilog']);
    const r = report.results[0];
    expect(r.ok).to.equal(false);
    expect(r.exitCode).to.not.equal(0);
    expect(r.output).to.match(/^WATCHDOG: no beat moved for 1000 cycles: \d+ of \d+ input beats taken, 0 of \d+ output beats received$/m);
    expect(r.output).to.match(new RegExp(`^0 passed, ${r.expected} failed$`, 'm'));
  });
});
