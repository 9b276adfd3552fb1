/**
 * A test file that breaks the unit set's rule on purpose, for unit-guard.test.ts: it runs
 * iverilog and the embedded Yosys (in this process and through the CLI) and passes whatever they
 * do, so only the guard can tell. Not a *.test.ts file: no suite runs it by itself.
 */
import { verifyDesign } from '../../generator/eda/simulate.js';
import { proveDesign } from '../../generator/eda/prove.js';
import { runCli, tempDir, writeDecoder } from '../helpers.js';

describe('a test file that runs the tools', function () {
  const decoder = () => writeDecoder(tempDir('guard'), 'dec', { nIn: 3, nOut: 4, nTap: 2, seed: 1 });

  // First: a call still under way when its test has ended is logged under a later test.
  it('runs no tool', function () {
    decoder();
  });

  it('simulates in Icarus', async function () {
    await verifyDesign(decoder(), ['iverilog']).catch(() => undefined);
  });

  it('proves with the embedded Yosys', async function () {
    await proveDesign(decoder()).catch(() => undefined);
  });

  it('proves through the CLI', function () {
    runCli(['prove', decoder()]);
  });
});
