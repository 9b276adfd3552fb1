/**
 * The random source and the seeded matrices, pinned to committed reference values, and checked
 * against the Python reference of docs/MATRIX.md (docs/flexor_matrix.py).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { decoderVectors } from '../generator/rtl/decoder.js';
import { drawMatrix, drawPlanes, gf2Rank, matrixFromRows, matrixRows, matrixWarnings, planeRandom, rowTaps, type MatrixSpec, type XorMatrix } from '../generator/core/matrix.js';
import { Xoshiro128StarStar, splitMix64 } from '../generator/core/prng.js';
import { testRandom } from '../generator/core/prng.js';
import { expectInputError } from './helpers.js';

/** The project root, resolved from dist/test/. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = join(ROOT, 'test/golden/matrix_20x16_t2_s1.json');

/** The 20 x 16, nTap = 2, seed 1 matrix as printed in docs/MATRIX.md. */
const SEED1_ROWS = [
  '0000000000100001', '0100000001000000', '0000001000100000', '0100000001000000', '0000000000001100',
  '0000000000001001', '0000100000000010', '0000000001000001', '0000011000000000', '0000000000001010',
  '1000010000000000', '0000000001000010', '1000010000000000', '0010000000000100', '1000000000000010',
  '0010000000000100', '0000100001000000', '0000100000000010', '0000010000000001', '0010000010000000',
];

function rowStrings(m: XorMatrix): string[] {
  return matrixRows(m).map((r) => r.join(''));
}

function identity(n: number): XorMatrix {
  const bits = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) bits[i * n + i] = 1;
  return { nIn: n, nOut: n, bits };
}

function fromStrings(rows: string[]): XorMatrix {
  return matrixFromRows(rows.map((r) => Array.from(r, Number)), 'test');
}

describe('SplitMix64', () => {
  it('gives the published outputs from state 1234567', () => {
    let state = 1234567n;
    const outputs: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const [next, z] = splitMix64(state);
      state = next;
      outputs.push(z);
    }
    expect(outputs).to.deep.equal([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ]);
  });

  it('advances the state by the golden gamma, wrapping at 2^64', () => {
    expect(splitMix64(0n)[0]).to.equal(0x9e3779b97f4a7c15n);
    const [next] = splitMix64((1n << 64n) - 1n);
    expect(next).to.equal(0x9e3779b97f4a7c14n);
  });

  it('gives the two seeding outputs of seed64 = 1 documented in MATRIX.md', () => {
    const [s1, z0] = splitMix64(1n);
    const [, z1] = splitMix64(s1);
    expect(z0).to.equal(0x910a2dec89025cc1n);
    expect(z1).to.equal(0xbeeb8da1658eec67n);
  });
});

describe('Xoshiro128StarStar', () => {
  it('gives the committed first outputs for seed64 = 1', () => {
    const rng = new Xoshiro128StarStar(1n);
    const outputs = Array.from({ length: 8 }, () => rng.nextUint32());
    expect(outputs).to.deep.equal([1695105466, 1423115009, 634581793, 1068227753, 716759206, 4186505319, 3777694425, 2710820970]);
  });

  it('gives the committed first outputs for seed64 = 0 and 2^64 - 1', () => {
    const zero = new Xoshiro128StarStar(0n);
    expect(Array.from({ length: 4 }, () => zero.nextUint32())).to.deep.equal([3737715805, 2584255861, 2876756834, 3286328325]);
    const top = new Xoshiro128StarStar((1n << 64n) - 1n);
    for (let i = 0; i < 100; i++) {
      const r = top.nextUint32();
      expect(Number.isInteger(r) && r >= 0 && r < 2 ** 32).to.equal(true);
    }
  });

  it('rejects start states outside [0, 2^64)', () => {
    expect(() => new Xoshiro128StarStar(-1n)).to.throw(RangeError);
    expect(() => new Xoshiro128StarStar(1n << 64n)).to.throw(RangeError);
  });

  it('below(10) and coin() give the values documented in MATRIX.md', () => {
    const a = new Xoshiro128StarStar(1n);
    expect(Array.from({ length: 10 }, () => a.below(10))).to.deep.equal([6, 9, 3, 3, 6, 9, 5, 0, 7, 6]);
    const b = new Xoshiro128StarStar(1n);
    expect(Array.from({ length: 10 }, () => b.coin())).to.deep.equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('coin() is the top bit of the next output', () => {
    const a = new Xoshiro128StarStar(42n);
    const b = new Xoshiro128StarStar(42n);
    for (let i = 0; i < 1000; i++) expect(a.coin()).to.equal(b.nextUint32() >>> 31);
  });

  it('below(n) rejects r < 2^32 mod n, then returns r mod n', () => {
    for (const n of [1, 3, 10, 1000, 0x80000001, 0xffffffff, 0x100000000]) {
      const a = new Xoshiro128StarStar(7n);
      const b = new Xoshiro128StarStar(7n);
      const threshold = 0x100000000 % n;
      for (let i = 0; i < 200; i++) {
        let r: number;
        do r = b.nextUint32();
        while (r < threshold);
        expect(a.below(n), `n = ${n}`).to.equal(r % n);
      }
    }
  });

  it('below(n) stays in [0, n) and every residue appears, about equally often', () => {
    const rng = new Xoshiro128StarStar(3n);
    for (const n of [1, 2, 3, 5, 7, 16, 100, 1024]) {
      const counts = new Array<number>(n).fill(0);
      const draws = n * 200;
      for (let i = 0; i < draws; i++) {
        const r = rng.below(n);
        expect(Number.isInteger(r) && r >= 0 && r < n, `below(${n}) gave ${r}`).to.equal(true);
        counts[r]++;
      }
      // Seeded, so deterministic; the bounds are loose (about 7 standard deviations).
      for (const c of counts) expect(c, `a residue of below(${n})`).to.be.within(200 - 100, 200 + 100);
    }
    for (const n of [0x80000001, 0xffffffff, 0x100000000]) {
      for (let i = 0; i < 1000; i++) expect(rng.below(n)).to.be.within(0, n - 1);
    }
  });

  it('below(n) rejects n outside [1, 2^32]', () => {
    const rng = new Xoshiro128StarStar(1n);
    for (const n of [0, -1, 1.5, 0x100000001, NaN]) expect(() => rng.below(n), String(n)).to.throw(RangeError);
  });

  it('planeRandom(seed, p) starts from p * 2^32 + seed', () => {
    const a = planeRandom(5, 3);
    const b = new Xoshiro128StarStar(3n * 2n ** 32n + 5n);
    for (let i = 0; i < 10; i++) expect(a.nextUint32()).to.equal(b.nextUint32());
  });
});

describe('test-vector random source', () => {
  it('testRandom(seed, stream) starts from 0x666c78 * 2^40 + stream * 2^32 + seed', () => {
    const a = testRandom(1, 2);
    const b = new Xoshiro128StarStar(0x666c78n * 2n ** 40n + 2n * 2n ** 32n + 1n);
    for (let i = 0; i < 10; i++) expect(a.nextUint32()).to.equal(b.nextUint32());
    expect([0, 1, 2].map((s) => testRandom(1, s).nextUint32())).to.deep.equal([0x6407a8f7, 0x5d51b035, 0x3b26099d]);
  });

  it('is exhaustive up to Nin = 16 with x[i] = bit i of v', () => {
    const v = decoderVectors(5, 1);
    expect(v).to.have.length(32);
    v.forEach((x, k) => expect(Array.from(x)).to.deep.equal([0, 1, 2, 3, 4].map((i) => (k >> i) & 1)));
    expect(decoderVectors(16, 9)).to.have.length(65536);
  });

  it('above Nin = 16: zero, ones, unit vectors, then random slices of 32-bit words, 10,000 in all', () => {
    const nIn = 40;
    const v = decoderVectors(nIn, 1);
    expect(v).to.have.length(10_000);
    expect(Array.from(v[0]).every((b) => b === 0)).to.equal(true);
    expect(Array.from(v[1]).every((b) => b === 1)).to.equal(true);
    for (let i = 0; i < nIn; i++) expect(rowTaps({ nIn, nOut: 1, bits: v[2 + i] }, 0)).to.deep.equal([i]);
    const rng = testRandom(1, 0);
    for (let k = 2 + nIn; k < v.length; k++) {
      const x = new Array<number>(nIn);
      for (let w = 0; w < Math.ceil(nIn / 32); w++) {
        const word = rng.nextUint32();
        for (let b = 0; b < 32 && 32 * w + b < nIn; b++) x[32 * w + b] = (word >>> b) & 1;
      }
      expect(Array.from(v[k])).to.deep.equal(x);
    }
    expect(Array.from(v[2 + nIn].subarray(0, 8))).to.deep.equal([1, 1, 1, 0, 1, 1, 1, 1]);
  });
});

describe('drawMatrix', () => {
  const seed1: MatrixSpec = { nIn: 16, nOut: 20, nTap: 2, seed: 1 };

  it('draws the committed golden 20 x 16, nTap = 2, seed 1 matrix', () => {
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { nIn: number; nOut: number; planes: number[][][]; seed: number; nTap: number };
    expect([golden.nIn, golden.nOut, golden.seed, golden.nTap]).to.deep.equal([16, 20, 1, 2]);
    expect(golden.planes).to.have.length(1);
    const m = drawMatrix(seed1);
    expect(matrixRows(m)).to.deep.equal(golden.planes[0]);
    expect(rowStrings(m)).to.deep.equal(SEED1_ROWS);
  });

  it('gives the documented rank and warnings for the seed 1 matrix', () => {
    const m = drawMatrix(seed1);
    expect(gf2Rank(m)).to.equal(12);
    const warnings = matrixWarnings(m, 0);
    expect(warnings).to.have.length(2);
    expect(warnings[0]).to.include('rank over GF(2) is 12, below Nin = 16').and.include('even number of taps');
    expect(warnings[1]).to.include('column(s) 3, 7, 11');
  });

  it('gives the documented first rows of plane 1 and of the dense seed 1 matrix', () => {
    expect(rowStrings(drawMatrix(seed1, 1)).slice(0, 3)).to.deep.equal(['1010000000000000', '0000000000001001', '0001000001000000']);
    expect(rowStrings(drawMatrix({ nIn: 16, nOut: 20, dense: true, seed: 1 })).slice(0, 3)).to.deep.equal([
      '0000011111011100',
      '0000011001001101',
      '1010111101001010',
    ]);
  });

  it('puts exactly nTap ones in every row', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }).chain((nIn) =>
          fc.record({
            nIn: fc.constant(nIn),
            nOut: fc.integer({ min: nIn, max: 100 }),
            nTap: fc.integer({ min: 1, max: nIn }),
            seed: fc.integer({ min: 0, max: 0xffffffff }),
          }),
        ),
        (spec) => {
          const m = drawMatrix(spec);
          for (let j = 0; j < m.nOut; j++) expect(rowTaps(m, j)).to.have.length(spec.nTap);
        },
      ),
      { numRuns: 100 },
    );
    const full = drawMatrix({ nIn: 9, nOut: 12, nTap: 9, seed: 4 });
    expect(Array.from(full.bits).every((b) => b === 1)).to.equal(true);
  });

  it('dense: no all-zero row, about half ones', () => {
    const m = drawMatrix({ nIn: 64, nOut: 256, dense: true, seed: 1 });
    for (let j = 0; j < m.nOut; j++) expect(rowTaps(m, j).length, `row ${j}`).to.be.above(0);
    const ones = m.bits.reduce((a, b) => a + b, 0);
    expect(ones / m.bits.length).to.be.within(0.47, 0.53);
    // Nin = 1: a zero row is drawn again, so every row is [1].
    const single = drawMatrix({ nIn: 1, nOut: 200, dense: true, seed: 1 });
    expect(Array.from(single.bits).every((b) => b === 1)).to.equal(true);
    const two = rowStrings(drawMatrix({ nIn: 2, nOut: 300, dense: true, seed: 2 }));
    expect(new Set(two)).to.deep.equal(new Set(['01', '10', '11']));
  });

  it('plane 0 of a multi-plane draw equals the single matrix; other planes differ', () => {
    for (const spec of [seed1, { nIn: 32, nOut: 48, dense: true, seed: 77 }] as MatrixSpec[]) {
      const planes = drawPlanes({ ...spec, planes: 4 });
      expect(planes).to.have.length(4);
      expect(planes[0].bits).to.deep.equal(drawMatrix(spec).bits);
      planes.forEach((m, p) => expect(m.bits).to.deep.equal(drawMatrix(spec, p).bits));
      for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) expect(planes[a].bits, `planes ${a}, ${b}`).to.not.deep.equal(planes[b].bits);
    }
  });

  it('different seeds give different matrices', () => {
    expect(drawMatrix(seed1).bits).to.not.deep.equal(drawMatrix({ ...seed1, seed: 2 }).bits);
  });

  it('rejects invalid specs with an InputError naming the flag', () => {
    const ok = { nIn: 16, nOut: 20, nTap: 2, seed: 1 };
    expectInputError(() => drawMatrix({ ...ok, nIn: 0 }), '--nin');
    expectInputError(() => drawMatrix({ ...ok, nIn: 21 }), '--nin');
    expectInputError(() => drawMatrix({ ...ok, nIn: 2.5 }), '--nin');
    expectInputError(() => drawMatrix({ ...ok, nOut: 0 }), '--nout');
    expectInputError(() => drawMatrix({ ...ok, nIn: 1, nOut: 1025 }), '--nout');
    expectInputError(() => drawMatrix({ ...ok, nTap: 0 }), '--ntap');
    expectInputError(() => drawMatrix({ ...ok, nTap: 17 }), '--ntap');
    expectInputError(() => drawMatrix({ nIn: 16, nOut: 20, seed: 1 }), '--ntap');
    expectInputError(() => drawMatrix({ ...ok, dense: true }), '--ntap');
    expectInputError(() => drawMatrix({ ...ok, seed: -1 }), '--seed');
    expectInputError(() => drawMatrix({ ...ok, seed: 2 ** 32 }), '--seed');
    expectInputError(() => drawMatrix({ ...ok, seed: 0.5 }), '--seed');
    expectInputError(() => drawPlanes({ ...ok, planes: 0 }), '--planes');
    expectInputError(() => drawPlanes({ ...ok, planes: 65 }), '--planes');
    expect(drawMatrix({ nIn: 1024, nOut: 1024, nTap: 1, seed: 0xffffffff }).nOut).to.equal(1024);
    expect(drawPlanes({ ...ok, planes: 64 })).to.have.length(64);
  });
});

describe('gf2Rank', () => {
  it('is n for the identity', () => {
    for (const n of [1, 5, 31, 32, 33, 100]) expect(gf2Rank(identity(n)), `n = ${n}`).to.equal(n);
  });

  it('does not count duplicated or dependent rows', () => {
    expect(gf2Rank(fromStrings(['1100', '1100', '1100', '1100']))).to.equal(1);
    expect(gf2Rank(fromStrings(['100', '010', '001', '100', '010', '001']))).to.equal(3);
    expect(gf2Rank(fromStrings(['110', '011', '101']))).to.equal(2); // row 2 = row 0 ^ row 1
    expect(gf2Rank(fromStrings(['000', '000', '000']))).to.equal(0);
  });

  it('is below Nin when every row has an even number of ones, and warns so', () => {
    const m = fromStrings(['1100', '0110', '0011', '1111', '1010']);
    expect(gf2Rank(m)).to.equal(3);
    expect(matrixWarnings(m, 2)[0]).to.include('plane 2').and.include('below Nin = 4').and.include('even number of taps');
  });

  it('warns about zero rows', () => {
    const m = fromStrings(['10', '01', '00']);
    expect(gf2Rank(m)).to.equal(2);
    expect(matrixWarnings(m, 0)).to.deep.equal(['plane 0: row(s) 2 have no tap: those weights are constant -1']);
  });

  it('is at most min(Nin, Nout) and unchanged by XORing one row into another', () => {
    const matrix = fc
      .record({ nIn: fc.integer({ min: 1, max: 70 }), extra: fc.integer({ min: 0, max: 10 }) })
      .chain(({ nIn, extra }) =>
        fc.record({
          nIn: fc.constant(nIn),
          nOut: fc.constant(nIn + extra),
          bits: fc.uint8Array({ min: 0, max: 1, minLength: nIn * (nIn + extra), maxLength: nIn * (nIn + extra) }),
          from: fc.nat(nIn + extra - 1),
          to: fc.nat(nIn + extra - 1),
        }),
      );
    fc.assert(
      fc.property(matrix, ({ nIn, nOut, bits, from, to }) => {
        const m = { nIn, nOut, bits };
        const rank = gf2Rank(m);
        expect(rank).to.be.within(0, Math.min(nIn, nOut));
        if (from === to) return;
        const mixed = bits.slice();
        for (let i = 0; i < nIn; i++) mixed[to * nIn + i] ^= bits[from * nIn + i];
        expect(gf2Rank({ nIn, nOut, bits: mixed })).to.equal(rank);
      }),
      { numRuns: 200 },
    );
  });
});

describe('docs/flexor_matrix.py (the Python reference of docs/MATRIX.md)', function () {
  this.timeout(60_000);

  const configs: { name: string; spec: MatrixSpec }[] = [
    { name: 'nTap 1', spec: { nIn: 16, nOut: 20, nTap: 1, seed: 1 } },
    { name: 'nTap 2, seed 1', spec: { nIn: 16, nOut: 20, nTap: 2, seed: 1 } },
    { name: 'nTap = Nin', spec: { nIn: 12, nOut: 30, nTap: 12, seed: 5 } },
    { name: 'nTap 3, seed 0', spec: { nIn: 37, nOut: 50, nTap: 3, seed: 0 } },
    { name: 'dense', spec: { nIn: 16, nOut: 20, dense: true, seed: 1 } },
    { name: 'dense, Nin 1 (redrawn zero rows)', spec: { nIn: 1, nOut: 8, dense: true, seed: 3 } },
    { name: 'dense, Nin 2 (redrawn zero rows)', spec: { nIn: 2, nOut: 40, dense: true, seed: 9, planes: 2 } },
    { name: 'planes 2', spec: { nIn: 16, nOut: 20, nTap: 2, seed: 1, planes: 2 } },
    { name: 'Nin = Nout, largest seed', spec: { nIn: 24, nOut: 24, nTap: 4, seed: 0xffffffff, planes: 3 } },
    { name: '64 x 256, nTap 8', spec: { nIn: 64, nOut: 256, nTap: 8, seed: 123456789 } },
    { name: '64 x 256, dense, 2 planes', spec: { nIn: 64, nOut: 256, dense: true, seed: 42, planes: 2 } },
    { name: 'full draw, nTap 2, seed 1 (candidate 7)', spec: { nIn: 16, nOut: 20, nTap: 2, seed: 1, draw: 'full' } },
    { name: 'full draw, Nin 19, 3 planes', spec: { nIn: 19, nOut: 20, nTap: 2, seed: 102, planes: 3, draw: 'full' } },
    { name: 'full draw, Nin = Nout = 20, nTap 2', spec: { nIn: 20, nOut: 20, nTap: 2, seed: 7, draw: 'full' } },
    { name: 'full draw, nTap 3', spec: { nIn: 17, nOut: 20, nTap: 3, seed: 5, planes: 2, draw: 'full' } },
    { name: 'full draw, nTap 1', spec: { nIn: 12, nOut: 20, nTap: 1, seed: 9, draw: 'full' } },
    { name: 'full draw, dense (redrawn zero rows)', spec: { nIn: 3, nOut: 4, dense: true, seed: 3, planes: 2, draw: 'full' } },
    { name: 'full draw, dense 20 x 20', spec: { nIn: 20, nOut: 20, dense: true, seed: 11, draw: 'full' } },
    { name: 'full draw, nTap = Nin', spec: { nIn: 6, nOut: 9, nTap: 6, seed: 2, draw: 'full' } },
    { name: 'draw first given explicitly', spec: { nIn: 16, nOut: 20, nTap: 2, seed: 1, draw: 'first' } },
  ];

  function runPython(spec: MatrixSpec): { planes: number[][][] } {
    const args = ['docs/flexor_matrix.py', '--nin', String(spec.nIn), '--nout', String(spec.nOut), '--seed', String(spec.seed), '--planes', String(spec.planes ?? 1)];
    args.push(...(spec.dense ? ['--dense'] : ['--ntap', String(spec.nTap)]));
    if (spec.draw !== undefined) args.push('--draw', spec.draw);
    const run = spawnSync('python3', args, { cwd: ROOT, encoding: 'utf8' });
    if (run.error) {
      const code = (run.error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT'
          ? 'python3 was not found on PATH: it is needed to check docs/flexor_matrix.py against the generator (install Python 3)'
          : `python3 could not be run: ${run.error.message}`,
      );
    }
    expect(run.status, `python3 ${args.join(' ')} failed:\n${run.stderr}`).to.equal(0);
    return JSON.parse(run.stdout) as { planes: number[][][] };
  }

  for (const { name, spec } of configs) {
    it(`draws what drawPlanes draws: ${name}`, () => {
      const expected = drawPlanes(spec).map(matrixRows);
      expect(runPython(spec).planes).to.deep.equal(expected);
    });
  }

  it('fails as the generator does when no full-draw candidate qualifies (exit status 2)', () => {
    const run = spawnSync('python3', ['docs/flexor_matrix.py', '--nin', '20', '--nout', '20', '--ntap', '1', '--draw', 'full'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('none of the first 4096 candidates');
  });

  it('rejects what the generator rejects (exit status 2 for bad flags)', () => {
    const run = spawnSync('python3', ['docs/flexor_matrix.py', '--nin', '4', '--nout', '4', '--ntap', '2', '--dense'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.error, 'python3 must be on PATH').to.equal(undefined);
    expect(run.status).to.equal(2);
  });
});
