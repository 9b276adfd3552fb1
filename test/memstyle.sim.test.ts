/**
 * Memory styles in a whole accelerator, simulated: the small CNN with every engine's weight ROMs
 * and activation banks in block RAM style (`flexor network --rom-style block --act-style block`)
 * is bit-exact against the golden model in Verilator, at its rate (its testbench checks every
 * logit and the cycles per image).
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { manifestOf, PROJECT_ROOT, runCliOk, tempDir } from './helpers.js';

const SMALL_CNN = join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml');

describe('memory styles of an accelerator, simulated', function () {
  it('the small CNN with --rom-style block --act-style block: bit-exact in Verilator', () => {
    const dir = tempDir('memstyle-sim');
    const design = join(dir, 'cnn');
    const made = runCliOk(['network', SMALL_CNN, '--rom-style', 'block', '--act-style', 'block', '--images', '2', '-o', design]);
    expect(made.stdout).to.include(`wrote ${design}`);
    expect(manifestOf(design)).to.deep.include({ romStyle: 'block', actStyle: 'block' });
    expect(manifestOf(design).command).to.include('--rom-style block --act-style block');
    const verify = runCliOk(['verify', design, '--simulator', 'verilator']);
    expect(verify.stdout).to.match(/verilator: 2 passed, 0 failed/);
    // Banks read a step ahead cost no cycle: the second image comes at the ideal rate.
    const measured = /verilator: cycles per image: (\d+)\.00/.exec(verify.stdout);
    const ideal = /verilator: ideal cycles per image: (\d+)/.exec(verify.stdout);
    expect(measured?.[1], verify.stdout).to.equal(ideal?.[1]);
  });
});
