import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_PLANES, XorMatrix, drawPlanes, matrixRows } from '../generator/core/matrix.js';
import { matricesToJson, matricesToNpy, readMatrices } from '../generator/formats/matrixfile.js';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { expectInputError, NPY_FIXTURES as FIXTURES } from './helpers.js';

const fixture = (file: string) => join(FIXTURES, file);

/** Rows of each plane of the expected values the fixture JSON holds (flat, C order). */
function expectedPlanes(stem: string): number[][][] {
  const { shape, values } = JSON.parse(readFileSync(fixture(`${stem}.json`), 'utf8')) as { shape: number[]; values: number[] };
  const [q, nOut, nIn] = shape.length === 2 ? [1, ...shape] : shape;
  return Array.from({ length: q }, (_, p) => Array.from({ length: nOut }, (_, j) => values.slice((p * nOut + j) * nIn, (p * nOut + j + 1) * nIn)));
}

const planesRows = (planes: XorMatrix[]) => planes.map(matrixRows);

/** A uint8 all-zero .npy of the given shape. */
const zeroNpy = (shape: number[]) => writeNpy({ dtype: 'uint8', shape, data: new Uint8Array(shape.reduce((a, b) => a * b, 1)) });

let scratch: string;
/** Writes `content` to a fresh file in the scratch directory and returns its path. */
function scratchFile(name: string, content: string | Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

describe('matrixfile', () => {
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'flexor-matrixfile-'));
  });
  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('reading .npy written by numpy', () => {
    it('reads a bool [20, 16] matrix as one plane', () => {
      const planes = readMatrices(fixture('bool_20x16.npy'));
      expect(planes).to.have.length(1);
      expect(planes[0].nOut).to.equal(20);
      expect(planes[0].nIn).to.equal(16);
      expect(planesRows(planes)).to.deep.equal(expectedPlanes('bool_20x16'));
    });

    it('reads the same matrix saved as uint8', () => {
      expect(readMatrices(fixture('uint8_20x16.npy'))).to.deep.equal(readMatrices(fixture('bool_20x16.npy')));
    });

    it('reads a uint8 [2, 12, 8] array as two planes', () => {
      const planes = readMatrices(fixture('uint8_2x12x8.npy'));
      expect(planes.map((m) => [m.nOut, m.nIn])).to.deep.equal([[12, 8], [12, 8]]);
      expect(planesRows(planes)).to.deep.equal(expectedPlanes('uint8_2x12x8'));
    });

    it('rejects other dtypes, naming the dtype and what is allowed', () => {
      expectInputError(() => readMatrices(fixture('int32_matrix.npy')), fixture('int32_matrix.npy'), 'dtype int32', 'bool or uint8');
      expectInputError(() => readMatrices(fixture('float64_2d.npy')), fixture('float64_2d.npy'), 'dtype float64', 'bool or uint8');
    });

    it('rejects an entry other than 0/1, naming its index', () => {
      expectInputError(() => readMatrices(fixture('uint8_with_two.npy')), `${fixture('uint8_with_two.npy')}[3][5]`, 'must be 0 or 1', 'got 2');
      expectInputError(() => readMatrices(fixture('uint8_with_two_3d.npy')), `${fixture('uint8_with_two_3d.npy')}[1][3][5]`, 'must be 0 or 1', 'got 2');
    });

    it('rejects shapes other than [Nout, Nin] and [q, Nout, Nin]', () => {
      expectInputError(() => readMatrices(fixture('uint8_1d.npy')), fixture('uint8_1d.npy'), 'shape [5]', '[Nout, Nin]', '[q, Nout, Nin]');
      expectInputError(() => readMatrices(fixture('uint8_0x3.npy')), fixture('uint8_0x3.npy'), 'shape [0, 3]', 'at least 1');
      const fourD = scratchFile('four_d.npy', zeroNpy([1, 1, 2, 2]));
      expectInputError(() => readMatrices(fourD), fourD, 'shape [1, 1, 2, 2]');
    });

    it('rejects Nin > Nout', () => {
      expectInputError(() => readMatrices(fixture('wide_matrix.npy')), fixture('wide_matrix.npy'), '[Nout=4, Nin=6]', 'Nin must be at most Nout');
    });

    it('passes on the .npy format errors', () => {
      expectInputError(() => readMatrices(fixture('big_endian.npy')), fixture('big_endian.npy'), 'big-endian');
      expectInputError(() => readMatrices(fixture('fortran_order.npy')), fixture('fortran_order.npy'), 'np.ascontiguousarray');
      expectInputError(() => readMatrices(fixture('truncated.npy')), fixture('truncated.npy'), 'truncated');
    });

    it('rejects more than MAX_PLANES planes', () => {
      const path = scratchFile('many.npy', zeroNpy([MAX_PLANES + 1, 2, 2]));
      expectInputError(() => readMatrices(path), path, `${MAX_PLANES + 1} planes`, `at most ${MAX_PLANES}`);
    });
  });

  describe('reading JSON', () => {
    const plane0 = [[1, 0], [0, 1], [1, 1]];
    const plane1 = [[0, 1], [1, 0], [1, 1]];

    it('reads the format matricesToJson writes', () => {
      const path = scratchFile('full.json', JSON.stringify({ format: 'flexor-matrix', version: 1, nIn: 2, nOut: 3, planes: [plane0, plane1], seed: 4 }));
      expect(planesRows(readMatrices(path))).to.deep.equal([plane0, plane1]);
    });

    it('reads {"planes": ...} without the other fields', () => {
      expect(planesRows(readMatrices(scratchFile('minimal.json', JSON.stringify({ planes: [plane0] }))))).to.deep.equal([plane0]);
    });

    it('reads a bare array of rows as one plane and a bare array of planes as several', () => {
      expect(planesRows(readMatrices(scratchFile('rows.json', JSON.stringify(plane0))))).to.deep.equal([plane0]);
      expect(planesRows(readMatrices(scratchFile('planes.json', JSON.stringify([plane0, plane1]))))).to.deep.equal([plane0, plane1]);
    });

    it('accepts an upper-case extension', () => {
      expect(planesRows(readMatrices(scratchFile('UPPER.JSON', JSON.stringify(plane0))))).to.deep.equal([plane0]);
    });

    it('rejects malformed JSON, naming the file', () => {
      const path = scratchFile('broken.json', '{"planes": [[[0, 1]]');
      expectInputError(() => readMatrices(path), path, 'not valid JSON');
    });

    it('rejects nIn or nOut that disagree with the arrays', () => {
      const nIn = scratchFile('nin.json', JSON.stringify({ nIn: 3, nOut: 3, planes: [plane0] }));
      expectInputError(() => readMatrices(nIn), `${nIn}:nIn`, 'is 3', 'nIn = 2');
      const nOut = scratchFile('nout.json', JSON.stringify({ nIn: 2, nOut: '3', planes: [plane0] }));
      expectInputError(() => readMatrices(nOut), `${nOut}:nOut`, 'is "3"', 'nOut = 3');
    });

    it('rejects another format or version', () => {
      const format = scratchFile('format.json', JSON.stringify({ format: 'other', planes: [plane0] }));
      expectInputError(() => readMatrices(format), `${format}:format`, '"flexor-matrix"');
      const version = scratchFile('version.json', JSON.stringify({ version: 2, planes: [plane0] }));
      expectInputError(() => readMatrices(version), `${version}:version`, 'must be 1', 'got 2');
    });

    it('rejects missing or empty planes and documents that are neither object nor array', () => {
      const none = scratchFile('none.json', JSON.stringify({ nIn: 2 }));
      expectInputError(() => readMatrices(none), none, 'no "planes" field');
      const empty = scratchFile('empty.json', JSON.stringify({ planes: [] }));
      expectInputError(() => readMatrices(empty), `${empty}:planes`, 'non-empty list of planes');
      const emptyArray = scratchFile('empty-array.json', '[]');
      expectInputError(() => readMatrices(emptyArray), emptyArray, 'empty array');
      const number = scratchFile('number.json', '42');
      expectInputError(() => readMatrices(number), number, 'got number');
    });

    it('rejects a bad entry, naming its index', () => {
      const full = scratchFile('two.json', JSON.stringify({ planes: [plane0, [[1, 0], [0, 2], [1, 1]]] }));
      expectInputError(() => readMatrices(full), `${full}:planes[1][1][1]`, 'must be 0 or 1', 'got 2');
      const bare = scratchFile('bare-two.json', JSON.stringify([[1, 0], [0, true]]));
      expectInputError(() => readMatrices(bare), `${bare}[1][1]`, 'got true');
      const barePlanes = scratchFile('bare-planes-two.json', JSON.stringify([plane0, [[1, 0], [0, 1], [1, 0.5]]]));
      expectInputError(() => readMatrices(barePlanes), `${barePlanes}[1][2][1]`, 'got 0.5');
    });

    it('rejects ragged rows, planes of different shapes and Nin > Nout', () => {
      const ragged = scratchFile('ragged.json', JSON.stringify({ planes: [[[1, 0], [1]]] }));
      expectInputError(() => readMatrices(ragged), `${ragged}:planes[0][1]`, 'must have 2 entries');
      const shapes = scratchFile('shapes.json', JSON.stringify({ planes: [plane0, [[1, 0], [0, 1]]] }));
      expectInputError(() => readMatrices(shapes), `${shapes}:planes[1]`, 'shape [2, 2]', 'shape of plane 0, [3, 2]');
      const bareShapes = scratchFile('bare-shapes.json', JSON.stringify([plane0, [[1, 0], [0, 1]]]));
      expectInputError(() => readMatrices(bareShapes), `${bareShapes}[1]`, 'shape of plane 0');
      const wide = scratchFile('wide.json', JSON.stringify([[1, 0, 1], [0, 1, 1]]));
      expectInputError(() => readMatrices(wide), wide, 'Nin must be at most Nout');
    });
  });

  describe('files and extensions', () => {
    it('rejects other extensions, naming --matrix and the allowed ones', () => {
      expectInputError(() => readMatrices('matrix.txt'), '--matrix', '.json or .npy', '"matrix.txt"');
      expectInputError(() => readMatrices('matrix'), '--matrix', '.json or .npy');
      expectInputError(() => readMatrices('layer.npz'), '--matrix', '.json or .npy');
    });

    it('names the path of a missing file', () => {
      const path = join(scratch, 'missing.npy');
      expectInputError(() => readMatrices(path), path, 'no such file');
    });

    it('names the path of a directory', () => {
      const path = join(scratch, 'dir.json');
      mkdirSync(path);
      expectInputError(() => readMatrices(path), path, 'is a directory');
    });
  });

  describe('writing', () => {
    const small: XorMatrix[] = [
      { nIn: 2, nOut: 3, bits: Uint8Array.of(1, 0, 0, 1, 1, 1) },
      { nIn: 2, nOut: 3, bits: Uint8Array.of(0, 1, 1, 0, 0, 0) },
    ];

    it('writes JSON with one matrix row per line', () => {
      expect(matricesToJson(small, { seed: 7, source: { nTap: 2, dense: false } })).to.equal(
        [
          '{',
          '  "format": "flexor-matrix",',
          '  "version": 1,',
          '  "nIn": 2,',
          '  "nOut": 3,',
          '  "planes": [',
          '    [',
          '      [1, 0],',
          '      [0, 1],',
          '      [1, 1]',
          '    ],',
          '    [',
          '      [0, 1],',
          '      [1, 0],',
          '      [0, 0]',
          '    ]',
          '  ],',
          '  "seed": 7,',
          '  "source": {',
          '    "nTap": 2,',
          '    "dense": false',
          '  }',
          '}',
          '',
        ].join('\n'),
      );
    });

    it('refuses extra fields that would replace standard ones', () => {
      expect(() => matricesToJson(small, { nIn: 5 })).to.throw(/nIn/);
      expect(() => matricesToJson(small, { planes: [] })).to.throw(/planes/);
    });

    it('writes .npy as uint8 [Nout, Nin] for one plane and [q, Nout, Nin] for several', () => {
      const one = parseNpy(matricesToNpy(small.slice(0, 1)), 'one.npy');
      expect(one.dtype).to.equal('uint8');
      expect(one.shape).to.deep.equal([3, 2]);
      expect(Array.from(one.data as Uint8Array)).to.deep.equal([1, 0, 0, 1, 1, 1]);
      const two = parseNpy(matricesToNpy(small), 'two.npy');
      expect(two.shape).to.deep.equal([2, 3, 2]);
      expect(Array.from(two.data as Uint8Array)).to.deep.equal([1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0]);
    });

    it('writes the bytes numpy writes for the same uint8 matrices', () => {
      for (const stem of ['uint8_20x16', 'uint8_2x12x8']) {
        const planes = readMatrices(fixture(`${stem}.npy`));
        expect(matricesToNpy(planes)).to.deep.equal(new Uint8Array(readFileSync(fixture(`${stem}.npy`))));
      }
    });

    it('round-trips drawn planes through both formats', () => {
      const planes = drawPlanes({ nIn: 8, nOut: 12, nTap: 3, seed: 11, planes: 3 });
      expect(readMatrices(scratchFile('drawn.json', matricesToJson(planes, { seed: 11 })))).to.deep.equal(planes);
      expect(readMatrices(scratchFile('drawn.npy', matricesToNpy(planes)))).to.deep.equal(planes);
    });

    it('round-trips any planes through JSON and .npy (property)', () => {
      const arbitraryPlanes = fc
        .record({ q: fc.integer({ min: 1, max: 4 }), nOut: fc.integer({ min: 1, max: 9 }), nInFraction: fc.double({ min: 0, max: 1, noNaN: true }) })
        .chain(({ q, nOut, nInFraction }) => {
          const nIn = Math.max(1, Math.ceil(nInFraction * nOut));
          const bits = fc.uint8Array({ min: 0, max: 1, minLength: nOut * nIn, maxLength: nOut * nIn });
          return fc.array(bits.map((b): XorMatrix => ({ nIn, nOut, bits: b })), { minLength: q, maxLength: q });
        });
      let run = 0;
      fc.assert(
        fc.property(arbitraryPlanes, (planes) => {
          run++;
          const json = matricesToJson(planes);
          expect(matricesToJson(planes)).to.equal(json);
          expect(readMatrices(scratchFile(`p${run}.json`, json))).to.deep.equal(planes);
          expect(readMatrices(scratchFile(`p${run}.npy`, matricesToNpy(planes)))).to.deep.equal(planes);
        }),
        { numRuns: 100 },
      );
    });
  });
});
