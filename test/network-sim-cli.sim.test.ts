/**
 * `flexor sim DIR` and `flexor golden DIR` on a network accelerator folder, as a user runs them:
 * the hardware's logits and labels for the user's images are exactly the golden model's, in both
 * simulators; a corrupted weight image gives different logits, a failing exit and the probe's
 * verdict; bad combinations exit 2 and write nothing.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testRandom } from '../generator/core/prng.js';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { PROJECT_ROOT, runCli, runCliOk, tempDir } from './helpers.js';

const SMALL_CNN = join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml');

/** V real images of the small CNN in [0, 1), in `layout`. */
function images(dir: string, v: number, layout: 'nchw' | 'nhwc', seed: number): string {
  const rng = testRandom(seed, 0);
  const path = join(dir, `images_${layout}_${v}.npy`);
  const shape = layout === 'nchw' ? [v, 1, 12, 12] : [v, 12, 12, 1];
  writeFileSync(path, writeNpy({ dtype: 'float32', shape, data: Float32Array.from({ length: v * 144 }, () => rng.nextUint32() / 2 ** 32) }));
  return path;
}

const int64 = (path: string) => Array.from(parseNpy(readFileSync(path), path).data as BigInt64Array, Number);

describe('flexor sim and golden on a network accelerator folder', function () {
  const dir = tempDir('netsim');
  const design = join(dir, 'cnn');
  before(() => {
    // The example gives its scales: no calibration flag is needed.
    runCliOk(['network', SMALL_CNN, '-o', design]);
  });

  it('sim writes exactly the logits and labels golden writes, from the folder or the manifest (Icarus Verilog)', () => {
    const imgs = images(dir, 4, 'nchw', 21);
    const sim = runCliOk(['sim', design, '--inputs', imgs, '-o', join(dir, 'hw.npy'), '--labels', join(dir, 'hw_labels.npy')]);
    expect(sim.stdout).to.include('iverilog: 4 passed, 0 failed').and.include('cycles per image');
    runCliOk(['golden', design, '--inputs', imgs, '-o', join(dir, 'golden.npy'), '--labels', join(dir, 'golden_labels.npy')]);
    runCliOk(['golden', SMALL_CNN, '--inputs', imgs, '-o', join(dir, 'manifest.npy')]);
    const hw = parseNpy(readFileSync(join(dir, 'hw.npy')), 'hw.npy');
    expect(hw.dtype).to.equal('int64');
    expect(hw.shape).to.deep.equal([4, 10]);
    expect(int64(join(dir, 'hw.npy'))).to.deep.equal(int64(join(dir, 'golden.npy')));
    expect(int64(join(dir, 'golden.npy'))).to.deep.equal(int64(join(dir, 'manifest.npy')));
    expect(int64(join(dir, 'hw_labels.npy'))).to.deep.equal(int64(join(dir, 'golden_labels.npy')));
    // Not all logits alike: the comparison means something.
    expect(new Set(int64(join(dir, 'hw.npy'))).size).to.be.greaterThan(20);
  });

  it('one image in [V, H, W, C] with --layout nhwc, in Verilator: the same logits, throughput not measured', () => {
    const imgs = images(dir, 1, 'nhwc', 22);
    const sim = runCliOk(['sim', design, '--inputs', imgs, '--layout', 'nhwc', '--simulator', 'verilator', '-o', join(dir, 'hw1.npy')]);
    expect(sim.stdout).to.include('verilator: 1 passed, 0 failed').and.include('throughput: not measured');
    runCliOk(['golden', design, '--inputs', imgs, '--layout', 'nhwc', '-o', join(dir, 'golden1.npy')]);
    expect(int64(join(dir, 'hw1.npy'))).to.deep.equal(int64(join(dir, 'golden1.npy')));
  });

  it('a corrupted weight image: sim exits 1, writes what the hardware sent (not the golden logits), the probe names conv2', () => {
    const bad = join(dir, 'bad');
    runCliOk(['network', SMALL_CNN, '-o', bad]);
    const rom = join(bad, 'rtl', 'flexor_small_cnn_conv2_weights_u1.hex');
    const lines = readFileSync(rom, 'utf8').split('\n');
    for (let i = 0; i < 8; i++) lines[i] = (BigInt(`0x${lines[i]}`) ^ (1n << BigInt(i))).toString(16).padStart(lines[i].length, '0');
    writeFileSync(rom, lines.join('\n'));
    const imgs = images(dir, 3, 'nchw', 23);
    const sim = runCli(['sim', bad, '--inputs', imgs, '-o', join(dir, 'bad.npy')]);
    expect(sim.status, sim.stdout + sim.stderr).to.equal(1);
    expect(sim.stdout).to.match(/probe: first block whose output differs: conv2 /).and.include('FAIL');
    runCliOk(['golden', bad, '--inputs', imgs, '-o', join(dir, 'bad_golden.npy')]);
    expect(int64(join(dir, 'bad.npy'))).to.not.deep.equal(int64(join(dir, 'bad_golden.npy')));
  });

  it('bad combinations exit 2 and write nothing', () => {
    const imgs = images(dir, 3, 'nchw', 24);
    const cases: [string[], RegExp][] = [
      [['sim', design, '--inputs', imgs, '--float', '-o', join(dir, 'x1.npy')], /--float: applies to a layer folder/],
      [['golden', design, '--inputs', imgs, '--calibrate', imgs, '-o', join(dir, 'x2.npy')], /--calibrate: does not apply to a design folder/],
      [['golden', design, '--inputs', imgs, '--layout', 'nhwc', '-o', join(dir, 'x3.npy')], /--inputs|shape/],
      [['sim', join(dir, 'nowhere'), '--inputs', imgs, '-o', join(dir, 'x4.npy')], /DIR: .*no manifest\.json/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, `${args.join(' ')}\n${r.stderr}`).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(existsSync(args[args.length - 1])).to.equal(false);
    }
  });
});
