/**
 * The trained digits network (test/fixtures/digits, docs/TRAINING.md) as hardware: its accelerator
 * generated from the committed fixtures, every test image run through the RTL in Verilator. The
 * hardware's logits equal the integer golden model's for every image, its accuracy is the
 * golden model's, and that is within 1 percentage point of the float accuracy recorded at training.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../generator/formats/npy.js';
import { PROJECT_ROOT, runCliOk, tempDir } from './helpers.js';

const DIGITS = join(PROJECT_ROOT, 'test/fixtures/digits');
const results = JSON.parse(readFileSync(join(DIGITS, 'results.json'), 'utf8')) as { floatAccuracy: number; integerGoldenAccuracy: number; split: { test: number } };
const values = (path: string) => Array.from(parseNpy(readFileSync(path), path).data as ArrayLike<number | bigint>, Number);

describe('the trained digits network in hardware (Verilator)', function () {
  it('every test image: the hardware\'s logits are the golden model\'s, its accuracy within 1 point of the float accuracy', () => {
    const dir = tempDir('digits');
    const acc = join(dir, 'acc');
    runCliOk(['network', join(DIGITS, 'digits-calibrated.yaml'), '-o', acc]);
    const images = join(DIGITS, 'test_images.npy');
    const sim = runCliOk(['sim', acc, '--inputs', images, '--simulator', 'verilator', '-o', join(dir, 'hw.npy'), '--labels', join(dir, 'hw_labels.npy')]);
    expect(sim.stdout).to.include(`verilator: ${results.split.test} passed, 0 failed`);
    runCliOk(['golden', acc, '--inputs', images, '-o', join(dir, 'golden.npy'), '--labels', join(dir, 'golden_labels.npy')]);
    const hw = values(join(dir, 'hw.npy'));
    expect(hw).to.have.length(results.split.test * 10);
    expect(hw).to.deep.equal(values(join(dir, 'golden.npy')));
    const truth = values(join(DIGITS, 'test_labels.npy'));
    const labels = values(join(dir, 'hw_labels.npy'));
    const accuracy = labels.filter((l, v) => l === truth[v]).length / truth.length;
    expect(accuracy).to.equal(results.integerGoldenAccuracy);
    expect(100 * Math.abs(results.floatAccuracy - accuracy)).to.be.at.most(1);
    // The rate the testbench measured over 360 images is the slowest block's ideal.
    const cycles = /cycles per image: ([0-9.]+)/.exec(sim.stdout);
    const ideal = /ideal cycles per image: ([0-9]+)/.exec(sim.stdout);
    expect(Number(cycles![1])).to.be.at.most(1.1 * Number(ideal![1]));
  });
});
