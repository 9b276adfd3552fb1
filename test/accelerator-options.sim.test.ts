/**
 * An accelerator's implementation options, simulated: the small CNN with every engine's weight
 * ROMs and activation banks in block RAM style and every engine pipelined (`flexor network
 * --rom-style block --act-style block --pipeline decoders,mac:1,scale`) is bit-exact against the
 * golden model in Verilator, at its ideal rate (its testbench checks every logit and label and
 * measures the cycles per image from the second image on). The layer tests run each option in
 * both simulators; this one shows they hold inside a chain of engines.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { manifestOf, PROJECT_ROOT, runCliOk, tempDir } from './helpers.js';

const SMALL_CNN = join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml');

describe('an accelerator with memory styles and pipeline stages, simulated', function () {
  it('the small CNN with --rom-style block --act-style block --pipeline decoders,mac:1,scale: bit-exact in Verilator at its ideal rate', () => {
    const dir = tempDir('accel-options-sim');
    const design = join(dir, 'cnn');
    const flags = ['--rom-style', 'block', '--act-style', 'block', '--pipeline', 'decoders,mac:1,scale'];
    const made = runCliOk(['network', SMALL_CNN, ...flags, '--images', '2', '-o', design]);
    expect(made.stdout).to.include('Pipeline: decoders,mac:1,scale (--pipeline) in every engine, the same cycles per image; added cycles of latency: conv1 +4, conv2 +3, fc +4.');
    const manifest = manifestOf(design);
    expect(manifest).to.deep.include({ romStyle: 'block', actStyle: 'block' });
    expect(manifest.pipeline).to.deep.equal({ decoders: true, mac: 1, scale: true });
    expect(manifest.command).to.include(flags.join(' '));
    const verify = runCliOk(['verify', design, '--simulator', 'verilator']);
    expect(verify.stdout).to.match(/verilator: 2 passed, 0 failed/);
    // Banks read a step ahead and register stages cost no cycle per image.
    const measured = /verilator: cycles per image: (\d+)\.00/.exec(verify.stdout);
    const ideal = /verilator: ideal cycles per image: (\d+)/.exec(verify.stdout);
    expect(measured?.[1], verify.stdout).to.equal(ideal?.[1]);
  });
});
