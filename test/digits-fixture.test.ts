/**
 * The trained digits network of test/fixtures/digits/ (python/train_digits.py, docs/TRAINING.md),
 * checked with flexor-rtl alone: the float view equals PyTorch's logits, the integer golden model
 * reaches the recorded accuracy, and calibration gives the committed scales.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../generator/formats/npy.js';
import { PROJECT_ROOT, runCliOk, tempDir } from './helpers.js';

const DIGITS = join(PROJECT_ROOT, 'test/fixtures/digits');
const fixture = (name: string) => join(DIGITS, name);

/** PyTorch computes in float32, the float view in float64: agreement to this fraction of the largest logit. */
const REL_TOLERANCE = 1e-4;

interface DigitsResults {
  seed: number;
  split: { train: number; test: number; calibration: number };
  floatAccuracy: number;
  integerGoldenAccuracy: number;
  layers: Record<string, { bitsPerWeight: number }>;
  overall: { bitsPerWeight: number; encryptedBits: number; weights: number };
}

const results = JSON.parse(readFileSync(fixture('results.json'), 'utf8')) as DigitsResults;

function npy(path: string): { shape: number[]; values: number[] } {
  const a = parseNpy(readFileSync(path), path);
  return { shape: a.shape, values: Array.from(a.data as ArrayLike<number | bigint>, Number) };
}

function accuracy(labelsPath: string, truth: number[]): number {
  const labels = npy(labelsPath).values;
  expect(labels.length).to.equal(truth.length);
  return labels.filter((l, v) => l === truth[v]).length / truth.length;
}

describe('the trained digits network (test/fixtures/digits)', () => {
  const truth = npy(fixture('test_labels.npy')).values;

  it('is the recorded split and below 1 bit per weight in every layer', () => {
    expect(truth.length).to.equal(results.split.test);
    expect(npy(fixture('test_images.npy')).shape).to.deep.equal([results.split.test, 1, 8, 8]);
    expect(npy(fixture('calib_images.npy')).shape).to.deep.equal([results.split.calibration, 1, 8, 8]);
    for (const [name, layer] of Object.entries(results.layers)) expect(layer.bitsPerWeight, name).to.be.below(1);
    expect(results.overall.encryptedBits / results.overall.weights).to.equal(results.overall.bitsPerWeight);
  });

  it("flexor golden --float gives PyTorch's logits and labels", () => {
    const dir = tempDir('digits-float');
    runCliOk(['golden', fixture('digits.yaml'), '--float', '--inputs', fixture('test_images.npy'),
      '-o', join(dir, 'float.npy'), '--labels', join(dir, 'labels.npy')]);
    const golden = npy(join(dir, 'float.npy'));
    const torch = npy(fixture('torch_logits.npy'));
    expect(golden.shape).to.deep.equal([truth.length, 10]);
    expect(golden.shape).to.deep.equal(torch.shape);
    const largest = Math.max(...torch.values.map(Math.abs));
    const worst = Math.max(...golden.values.map((g, i) => Math.abs(g - torch.values[i])));
    expect(worst / largest, `max |float golden - PyTorch| = ${worst}, largest |logit| ${largest}`).to.be.below(REL_TOLERANCE);
    expect(accuracy(join(dir, 'labels.npy'), truth)).to.equal(results.floatAccuracy);
  });

  it('calibration gives the committed scales, and the integer golden model the recorded accuracy', () => {
    const dir = tempDir('digits-int');
    runCliOk(['calibrate', fixture('digits.yaml'), '--inputs', fixture('calib_images.npy'), '-o', join(dir, 'scales.json')]);
    const scales = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { scales: Record<string, number> }).scales;
    expect(scales(join(dir, 'scales.json'))).to.deep.equal(scales(fixture('scales.json')));
    runCliOk(['golden', fixture('digits-calibrated.yaml'), '--inputs', fixture('test_images.npy'),
      '-o', join(dir, 'int.npy'), '--labels', join(dir, 'labels.npy')]);
    const integer = accuracy(join(dir, 'labels.npy'), truth);
    expect(integer).to.equal(results.integerGoldenAccuracy);
    expect(Math.abs(integer - results.floatAccuracy) * 100, 'percentage points').to.be.at.most(1);
  });
});
