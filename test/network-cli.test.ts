/** `flexor golden MANIFEST` and `flexor calibrate`, as a user runs them. */
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { testRandom } from '../generator/core/prng.js';
import { PROJECT_ROOT, runCli, tempDir, withoutScales } from './helpers.js';

/** The small CNN without its scales: calibration is what these tests are about. */
const SMALL_CNN = withoutScales(join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'), tempDir('netcli-manifest'));

/** V real images [V, 1, 12, 12] in [0, 1), seeded. */
function images(dir: string, v: number): string {
  const rng = testRandom(5, 0);
  const data = Float32Array.from({ length: v * 144 }, () => rng.nextUint32() / 2 ** 32);
  const path = join(dir, 'images.npy');
  writeFileSync(path, writeNpy({ dtype: 'float32', shape: [v, 1, 12, 12], data }));
  return path;
}

describe('flexor golden and calibrate on a network manifest', () => {
  it('golden writes int64 logits [V, 10] and labels; calibrate\'s scales give the same logits', () => {
    const dir = tempDir('netcli');
    const imgs = images(dir, 5);
    const golden = runCli(['golden', SMALL_CNN, '--inputs', imgs, '--calibrate', imgs, '-o', join(dir, 'logits.npy'), '--labels', join(dir, 'labels.npy')]);
    expect(golden.status, golden.stderr).to.equal(0);
    const logits = parseNpy(readFileSync(join(dir, 'logits.npy')), 'logits');
    expect(logits.dtype).to.equal('int64');
    expect(logits.shape).to.deep.equal([5, 10]);
    const labels = parseNpy(readFileSync(join(dir, 'labels.npy')), 'labels');
    expect(labels.shape).to.deep.equal([5]);
    // The label is the argmax of the logits, ties to the lowest index.
    const l = logits.data as BigInt64Array;
    for (let v = 0; v < 5; v++) {
      const row = Array.from(l.subarray(v * 10, v * 10 + 10));
      expect(Number((labels.data as BigInt64Array)[v])).to.equal(row.indexOf(row.reduce((a, b) => (b > a ? b : a))));
    }
    const cal = runCli(['calibrate', SMALL_CNN, '--inputs', imgs, '-o', join(dir, 'scales.json'), '--write-manifest', join(dir, 'calibrated.yaml')]);
    expect(cal.status, cal.stderr).to.equal(0);
    expect(cal.stdout).to.include('conv1: conv [8, 1, 3, 3]').and.include('wrote');
    for (const args of [['--scales', join(dir, 'scales.json')], []]) {
      const source = args.length ? SMALL_CNN : join(dir, 'calibrated.yaml');
      const again = runCli(['golden', source, '--inputs', imgs, ...args, '-o', join(dir, `again${args.length}.npy`)]);
      expect(again.status, again.stderr).to.equal(0);
      expect(readFileSync(join(dir, `again${args.length}.npy`)).equals(readFileSync(join(dir, 'logits.npy')))).to.equal(true);
    }
    const float = runCli(['golden', SMALL_CNN, '--inputs', imgs, '--float', '-o', join(dir, 'float.npy')]);
    expect(float.status, float.stderr).to.equal(0);
    expect(parseNpy(readFileSync(join(dir, 'float.npy')), 'float').dtype).to.equal('float64');
  });

  it('bad input: exit 2 naming the field, nothing written', () => {
    const dir = tempDir('netcli-bad');
    const imgs = images(dir, 2);
    const cases: [string[], RegExp][] = [
      [['golden', SMALL_CNN, '--inputs', imgs, '-o', join(dir, 'a.npy')], /scale/],
      [['golden', SMALL_CNN, '--inputs', imgs, '--calibrate', imgs, '--layout', 'nhwc', '-o', join(dir, 'b.npy')], /images|shape/],
      [['golden', SMALL_CNN, '--inputs', join(dir, 'none.npy'), '--calibrate', imgs, '-o', join(dir, 'c.npy')], /no such file/],
      [['calibrate', join(dir, 'none.yaml'), '--inputs', imgs, '-o', join(dir, 'd.json')], /MANIFEST/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(message);
      expect(existsSync(args[args.indexOf('-o') + 1]), args.join(' ')).to.equal(false);
    }
  });
});

describe('flexor network on a bad chained manifest', () => {
  const example = readFileSync(join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'), 'utf8');
  const cases: [string, string, RegExp][] = [
    ['an unknown layer kind', example.replace('{kind: flatten}', '{kind: reshape}'), /layers\[5\]\.kind: must be one of conv, linear, relu, maxpool, avgpool, flatten; got "reshape"/],
    ['consecutive shapes that do not fit', example.replace('shape: [16, 8, 3, 3]', 'shape: [16, 4, 3, 3]'), /conv2 \(layers\[3\]\) takes Cin = 4 .* output of maxpool2 \(layers\[2\]\), 6 x 6 x 8/],
    ['a pool that does not divide', example.replace('{kind: maxpool, size: 2}', '{kind: maxpool, size: 5}'), /layers\[2\]\.size: .*5 x 5 pool does not divide/],
    ['a scale that is not positive', example.replace('scale: 0.005959895065785463', 'scale: -1'), /layers\[0\]\.scale: .*positive/],
    ['a throughput below a layer\'s output positions', example, /cycles|positions/],
  ];
  for (const [what, text, message] of cases) {
    it(`${what}: exit 2, the message names the field, no output folder`, () => {
      const dir = tempDir('netbad');
      const manifest = join(dir, 'net.yaml');
      writeFileSync(manifest, text);
      const out = join(dir, 'out');
      const extra = what.startsWith('a throughput') ? ['--cycles-per-image', '10'] : [];
      const r = runCli(['network', manifest, ...extra, '-o', out]);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(existsSync(out)).to.equal(false);
    });
  }
});

describe('flexor calibrate --write-manifest elsewhere', () => {
  it('rewrites relative from: paths so the written manifest names the same trained layers', () => {
    const digits = join(PROJECT_ROOT, 'test/fixtures/digits');
    const dir = tempDir('calmove');
    const written = join(dir, 'sub', 'calibrated.yaml');
    mkdirSync(join(dir, 'sub'));
    const r = runCli(['calibrate', join(digits, 'digits.yaml'), '--inputs', join(digits, 'calib_images.npy'), '-o', join(dir, 'scales.json'), '--write-manifest', written]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`wrote ${written}`);
    const text = readFileSync(written, 'utf8');
    expect(text).to.not.match(/from: conv1\.npz/);
    // Golden on the moved manifest equals golden on the fixture's own calibrated manifest.
    const a = runCli(['golden', written, '--inputs', join(digits, 'test_images.npy'), '-o', join(dir, 'a.npy')]);
    expect(a.status, a.stderr).to.equal(0);
    const b = runCli(['golden', join(digits, 'digits-calibrated.yaml'), '--inputs', join(digits, 'test_images.npy'), '-o', join(dir, 'b.npy')]);
    expect(b.status, b.stderr).to.equal(0);
    expect(readFileSync(join(dir, 'a.npy')).equals(readFileSync(join(dir, 'b.npy')))).to.equal(true);
  });
});
