/**
 * `flexor report DIR` on a network accelerator folder: the blocks table from manifest.json and,
 * with true and predicted labels, the accuracy and the confusion matrix (an inline SVG whose
 * cells hold the counts); bad label files exit 2 naming the flag.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confusionCounts } from '../generator/evidence/svg.js';
import { writeNpy } from '../generator/formats/npy.js';
import { PROJECT_ROOT, runCli, runCliOk, tempDir } from './helpers.js';

const labelsFile = (path: string, labels: number[]) => {
  writeFileSync(path, writeNpy({ dtype: 'int64', shape: [labels.length], data: BigInt64Array.from(labels, BigInt) }));
  return path;
};

describe('flexor report on a network accelerator', () => {
  const dir = tempDir('netreport');
  const acc = join(dir, 'cnn');
  before(() => runCliOk(['network', join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'), '-o', acc]));

  it('counts a confusion matrix [true][predicted]', () => {
    expect(confusionCounts([0, 1, 1, 2], [0, 2, 1, 2], 3)).to.deep.equal([[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
    expect(() => confusionCounts([0, 3], [0, 1], 3)).to.throw(RangeError);
  });

  it('shows the blocks, the rate and, given labels, the accuracy and the confusion matrix', () => {
    const truth = labelsFile(join(dir, 'truth.npy'), [0, 1, 2, 3, 3, 9, 9, 9]);
    const predicted = labelsFile(join(dir, 'predicted.npy'), [0, 1, 2, 3, 4, 9, 9, 1]);
    const out = join(dir, 'report.html');
    runCliOk(['report', acc, '--labels', truth, '--predicted', predicted, '--clock-mhz', '50', '-o', out]);
    const html = readFileSync(out, 'utf8');
    expect(html).to.include('<td>conv2</td>').and.include('<b>324</b> cycles per image').and.include('154321 images per second at 50 MHz');
    expect(html).to.include('<b>6</b> of 8 images right: <b>75.00%</b>');
    // Cell (true 9, predicted 9) holds 2, (9, 1) holds 1, (3, 4) holds 1.
    expect(html).to.match(/data-true="9" data-predicted="9"[^>]*><title>true 9, predicted 9: 2<\/title>/);
    expect(html).to.match(/data-true="9" data-predicted="1"[^>]*><title>true 9, predicted 1: 1<\/title>/);
    expect(html).to.match(/data-true="3" data-predicted="4"[^>]*><title>true 3, predicted 4: 1<\/title>/);
    expect((html.match(/class="cell"/g) ?? []).length).to.equal(100);
    // The memory figures of manifest.json: weights as trained and as stored, data by kind.
    const m = JSON.parse(readFileSync(join(acc, 'manifest.json'), 'utf8')).figures.memory;
    expect(m.trainedWeightBits).to.be.greaterThan(0);
    expect(html).to.include(`<p>Memory: weights ${m.trainedWeightBits} bits as trained (encrypted), ${m.storedWeightBits} as stored in the ROMs; data `);
    expect(html).to.include(`bypass FIFOs 0, other blocks ${m.otherBits}.</p>`);
  });

  it('bad label files: exit 2 naming the flag, nothing written', () => {
    const truth = labelsFile(join(dir, 't2.npy'), [0, 1, 2]);
    const cases: [string[], RegExp][] = [
      [['--labels', truth], /--predicted: goes with --labels/],
      [['--labels', truth, '--predicted', labelsFile(join(dir, 'p2.npy'), [0, 1])], /--predicted: holds 2 labels; --labels holds 3/],
      [['--labels', truth, '--predicted', labelsFile(join(dir, 'p3.npy'), [0, 1, 10])], /--predicted: label 10 \(entry 2\) is not a class of small_cnn: 0 to 9/],
    ];
    cases.forEach(([flags, message], i) => {
      const out = join(dir, `bad${i}.html`);
      const r = runCli(['report', acc, ...flags, '-o', out]);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(existsSync(out)).to.equal(false);
    });
  });
});
