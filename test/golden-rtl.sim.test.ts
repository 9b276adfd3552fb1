/**
 * The golden RTL configurations (GOLDEN_CASES of golden-rtl.ts) in the real tools: each one
 * written afresh by the library, lint-clean under verilator --lint-only -Wall, and bit-exact against
 * the golden model in Icarus Verilog and Verilator. golden-rtl.test.ts checks that these are the
 * committed files of test/golden/rtl/.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { lintDesign, verifyDesign } from '../generator/eda/simulate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { GOLDEN_CASES, goldenFiles } from './golden-rtl.js';
import { tempDir } from './helpers.js';

describe('golden RTL configurations in lint and simulation', function () {
  const root = tempDir('golden-sim');

  for (const c of GOLDEN_CASES) {
    it(`${c.name}: lint-clean, bit-exact in Icarus and Verilator`, async function () {
      const dir = join(root, c.name);
      writeDesignFiles(dir, goldenFiles(c), false);
      const lint = lintDesign(dir);
      expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);
      const report = await verifyDesign(dir, ['iverilog', 'verilator']);
      expect(report.results.map((r) => r.simulator)).to.deep.equal(['iverilog', 'verilator']);
      for (const r of report.results) {
        const failure = `${r.simulator}: exit ${r.exitCode}, ${r.passed} passed, ${r.failed} failed of ${r.expected}\n${r.output.slice(-3000)}`;
        expect(r.ok, failure).to.equal(true);
        expect(r.expected, 'vectors checked').to.be.greaterThan(0);
        expect(r.passed).to.equal(r.expected);
      }
      expect(report.changed).to.deep.equal([]);
    });
  }
});
