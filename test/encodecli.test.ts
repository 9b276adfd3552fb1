/** flexor encode as a user runs it: weights .npy in, layer .npz out, bit error rates reported. */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSlice } from '../generator/core/golden.js';
import { drawMatrix } from '../generator/core/matrix.js';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { Xoshiro128StarStar } from '../generator/core/prng.js';
import { runCli, runCliOk as ok, tempDir } from './helpers.js';

describe('flexor encode', function () {
  const matrix = drawMatrix({ nIn: 6, nOut: 8, dense: true, seed: 3 });
  const flags = ['--nin', '6', '--nout', '8', '--dense', '--seed', '3'];

  it('encodes weights that are codewords with no error, and decode gives them back', function () {
    const dir = tempDir('encode');
    // [5, 2, 2, 2]: 40 weights = 5 slices of 8, each M x for a random x.
    const rng = new Xoshiro128StarStar(9n);
    const weights = new Int8Array(40);
    for (let s = 0; s < 5; s++) {
      const x = Array.from({ length: 6 }, () => rng.coin());
      decodeSlice(matrix, x).forEach((bit, j) => (weights[s * 8 + j] = bit ? 1 : -1));
    }
    writeFileSync(join(dir, 'conv.npy'), writeNpy({ dtype: 'int8', shape: [5, 2, 2, 2], data: weights }));
    const r = ok(['encode', join(dir, 'conv.npy'), ...flags, '-o', join(dir, 'conv.npz')]);
    expect(r.stdout).to.match(/^conv: 40 weights, 0 bit errors, bit error rate 0\.000000/m);
    ok(['decode', join(dir, 'conv.npz'), '-o', join(dir, 'codes.npy')]);
    const codes = parseNpy(readFileSync(join(dir, 'codes.npy')), 'codes.npy');
    expect(codes.shape).to.deep.equal([1, 5, 2, 2, 2]);
    expect(Array.from(codes.data as Int8Array)).to.deep.equal(Array.from(weights));
  });

  it('reports per layer and overall; float weights give scales; --weighted favours the large weights', function () {
    const dir = tempDir('encode-float');
    const rng = new Xoshiro128StarStar(11n);
    const n = 6;
    const k = 20;
    const w = Float32Array.from({ length: n * k }, () => (rng.nextUint32() / 2 ** 32 - 0.5) * (rng.coin() ? 8 : 0.01));
    writeFileSync(join(dir, 'fc.npy'), writeNpy({ dtype: 'float32', shape: [n, k], data: w }));
    writeFileSync(join(dir, 'fc2.npy'), writeNpy({ dtype: 'float32', shape: [n, k], data: w }));
    const plain = ok(['encode', join(dir, 'fc.npy'), join(dir, 'fc2.npy'), ...flags, '-o', join(dir, 'plain')]);
    ok(['encode', join(dir, 'fc.npy'), ...flags, '--weighted', '-o', join(dir, 'weighted.npz')]);
    expect(plain.stdout).to.match(/^fc: 120 weights, \d+ bit errors/m).and.match(/^fc2: 120 weights/m).and.match(/^overall: 240 weights/m);
    expect(existsSync(join(dir, 'plain', 'fc.npz')) && existsSync(join(dir, 'plain', 'fc2.npz'))).to.equal(true);
    // The weighted encoding's error, counted in |w|, is at most the plain one's.
    const cost = (file: string) => {
      ok(['decode', file, '-o', `${file}.codes.npy`]);
      const codes = parseNpy(readFileSync(`${file}.codes.npy`), 'codes').data as Int8Array;
      return Array.from(w).reduce((sum, v, i) => sum + ((v >= 0 ? 1 : -1) !== codes[i] ? Math.abs(v) : 0), 0);
    };
    expect(cost(join(dir, 'weighted.npz'))).to.be.at.most(cost(join(dir, 'plain', 'fc.npz')) + 1e-9);
  });

  for (const c of [
    { name: 'integer weights other than -1/+1', dtype: 'int8' as const, value: 2, field: 'w.npy[0]' },
    { name: '--weighted with -1/+1 integers', dtype: 'int8' as const, value: 1, field: '--weighted', extra: ['--weighted'] },
  ]) {
    it(`rejects ${c.name}`, function () {
      const dir = tempDir('encode-bad');
      writeFileSync(join(dir, 'w.npy'), writeNpy({ dtype: c.dtype, shape: [2, 8], data: new Int8Array(16).fill(c.value) }));
      const r = runCli(['encode', join(dir, 'w.npy'), ...flags, ...(c.extra ?? []), '-o', join(dir, 'w.npz')]);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include(c.field);
      expect(existsSync(join(dir, 'w.npz'))).to.equal(false);
    });
  }
});
