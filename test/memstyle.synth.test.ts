/**
 * Memory styles in synthesis (docs/SYNTH.md, "Memory styles"): one small layer with its weight ROMs
 * and activation banks in block RAM lands in RAMB18/RAMB36 on xilinx, SB_RAM40_4K on ice40 and
 * DP16KD/PDPW16KD on ecp5, by the Yosys statistics and the report's memory table; the same layer
 * with `registers` has no block RAM at all. (Its simulation: test/layer.sim.test.ts.)
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { synthesizeDesign, synthReportText, type SynthReport, type SynthTarget } from '../generator/eda/synth.js';
import { generateLayer, type LayerGenOptions, type MemoryStyle } from '../generator/rtl/layer/generate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { tempDir } from './helpers.js';

const LAYER: LayerGenOptions = { shape: [8, 8, 3, 3], nIn: 8, nOut: 10, nTap: 2, seed: 1, lanes: 2, simd: 8, vectors: 1 };

const BLOCK_CELLS: Record<Exclude<SynthTarget, 'generic'>, RegExp> = {
  xilinx: /^RAMB(18|36)E1$/,
  ice40: /^SB_RAM40_4K$/,
  ecp5: /^(DP16KD|PDPW16KD)$/,
};

function layerFolder(root: string, style: MemoryStyle): string {
  const dir = join(root, style);
  writeDesignFiles(dir, generateLayer({ ...LAYER, romStyle: style, actStyle: style }).files, false);
  return dir;
}

function rowsOf(report: SynthReport, memory: string) {
  const rows = report.memories.filter((m) => m.memory === memory);
  expect(rows.length, `${memory} in ${report.memories.map((m) => m.memory).join(', ')}`).to.be.greaterThan(0);
  return rows;
}

describe('memory styles in synthesis (embedded Yosys)', function () {
  const root = tempDir('memstyle-synth');
  let blockDir = '';
  before(() => {
    blockDir = layerFolder(root, 'block');
  });

  for (const target of Object.keys(BLOCK_CELLS) as (keyof typeof BLOCK_CELLS)[]) {
    it(`block: the weight ROMs and the activation banks are ${BLOCK_CELLS[target].source} cells on ${target}`, async function () {
      const report = await synthesizeDesign(blockDir, { target });
      expect(report.ok, report.errors.join('\n')).to.equal(true);
      const blockTypes = Object.entries(report.total.cellTypes).filter(([t]) => BLOCK_CELLS[target].test(t));
      expect(blockTypes.reduce((n, [, c]) => n + c, 0), JSON.stringify(report.total.cellTypes)).to.equal(report.total.blockRams);
      for (const row of [...rowsOf(report, 'rom'), ...rowsOf(report, 'act_mem')]) {
        expect(row.place, `${row.module}.${row.memory}`).to.equal('block RAM');
        expect(Object.keys(row.cells).every((t) => BLOCK_CELLS[target].test(t)), JSON.stringify(row.cells)).to.equal(true);
      }
      const used = report.memories.filter((m) => m.place === 'block RAM').reduce((n, m) => n + m.instances * Object.values(m.cells).reduce((a, b) => a + b, 0), 0);
      expect(used).to.equal(report.total.blockRams);
      expect(synthReportText(report)).to.match(/memories \(where Yosys put each one\):[\s\S]*act_mem +\d+ x \d+ +\d+ +1 +block RAM: /);
    });
  }

  it('registers: no block RAM on xilinx; the ROMs are logic, the banks flip-flops', async function () {
    const report = await synthesizeDesign(layerFolder(root, 'registers'), { target: 'xilinx' });
    expect(report.ok, report.errors.join('\n')).to.equal(true);
    expect(report.total.blockRams).to.equal(0);
    for (const row of rowsOf(report, 'rom')) expect(row.place).to.equal('logic');
    for (const row of rowsOf(report, 'act_mem')) expect(row.place).to.equal('flip-flops');
  });
});
