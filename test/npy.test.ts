import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { NpyArray, NpyData, NpyDtype, parseNpy, writeNpy } from '../generator/formats/npy.js';
import { expectInputError, NPY_FIXTURES } from './helpers.js';

function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(NPY_FIXTURES, file)));
}

interface Expected {
  dtype: string;
  shape: number[];
  /** Flat C-order values; int64 and non-finite floats as strings. */
  values: (number | string)[];
}

function expectedOf(stem: string): Expected {
  return JSON.parse(readFileSync(join(NPY_FIXTURES, `${stem}.json`), 'utf8')) as Expected;
}

/** The values of a parsed array in the form the fixture JSON uses. */
function comparableValues(data: NpyData): (number | string)[] {
  return Array.from(data as ArrayLike<number | bigint>, (v) => {
    if (typeof v === 'bigint') return v.toString();
    if (Number.isNaN(v)) return 'nan';
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    return v;
  });
}

function bytesOf(data: NpyData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A .npy file with a hand-written header (no padding rules applied) and raw data. */
function handMadeNpy(header: string, data: ArrayLike<number> = [], version = 1): Uint8Array {
  const headerBytes = version === 3 ? new TextEncoder().encode(header) : Uint8Array.from(header, (c) => c.charCodeAt(0));
  const prefixLength = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefixLength + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefixLength);
  out.set(Array.from(data), prefixLength + headerBytes.length);
  return out;
}

const ARRAY_TYPES: Record<NpyDtype, new (length: number) => NpyData> = {
  bool: Uint8Array, uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, float32: Float32Array, float64: Float64Array,
};
const ALL_DTYPES = Object.keys(ARRAY_TYPES) as NpyDtype[];

/** Fixtures that have expected values, with their dtype. */
const GOOD_FIXTURES = [
  'bool_20x16', 'uint8_20x16', 'uint8_2x12x8', 'uint8_1d', 'uint8_0x3',
  'int8_1d', 'int8_2d', 'int16_1d', 'int16_2d', 'int32_1d', 'int32_2d', 'int64_1d', 'int64_2d',
  'float32_1d', 'float32_2d', 'float64_1d', 'float64_2d', 'int32_scalar', 'float64_empty', 'int16_v2', 'int16_v3',
];

describe('npy: reading files written by numpy', () => {
  for (const stem of GOOD_FIXTURES) {
    it(`reads ${stem}.npy exactly`, () => {
      const expected = expectedOf(stem);
      const arr = parseNpy(fixtureBytes(`${stem}.npy`), `${stem}.npy`);
      expect(arr.dtype).to.equal(expected.dtype);
      expect(arr.shape).to.deep.equal(expected.shape);
      expect(comparableValues(arr.data)).to.deep.equal(expected.values);
    });
  }

  it('gives each dtype its typed array', () => {
    const kinds: Record<string, string> = {
      bool_20x16: 'Uint8Array', uint8_1d: 'Uint8Array', int8_1d: 'Int8Array', int16_1d: 'Int16Array', int32_1d: 'Int32Array',
      int64_1d: 'BigInt64Array', float32_1d: 'Float32Array', float64_1d: 'Float64Array',
    };
    for (const [stem, kind] of Object.entries(kinds)) expect(parseNpy(fixtureBytes(`${stem}.npy`), stem).data.constructor.name).to.equal(kind);
  });

  it('keeps -0, NaN and the int64 extremes', () => {
    const floats = parseNpy(fixtureBytes('float64_1d.npy'), 'f').data as Float64Array;
    expect(Object.is(floats[1], -0)).to.equal(true);
    expect(Number.isNaN(floats[8])).to.equal(true);
    const ints = parseNpy(fixtureBytes('int64_1d.npy'), 'i').data as BigInt64Array;
    expect(ints[3]).to.equal(-(2n ** 63n));
    expect(ints[4]).to.equal(2n ** 63n - 1n);
  });

  it('does not depend on the alignment of the input bytes', () => {
    const file = fixtureBytes('float64_2d.npy');
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const arr = parseNpy(shifted.subarray(3), 'float64_2d.npy');
    expect(comparableValues(arr.data)).to.deep.equal(expectedOf('float64_2d').values);
    expect(arr.data.byteOffset).to.equal(0);
  });

  it('reads a node Buffer that views part of a larger memory block', () => {
    const file = fixtureBytes('int32_2d.npy');
    const block = new ArrayBuffer(file.length + 5);
    new Uint8Array(block).set(file, 5);
    const buffer = Buffer.from(block, 5, file.length); // Buffer#slice would be a view into block
    const arr = parseNpy(buffer, 'int32_2d.npy');
    expect(comparableValues(arr.data)).to.deep.equal(expectedOf('int32_2d').values);
    expect(arr.data.buffer.byteLength).to.equal(arr.data.byteLength);
    expect(comparableValues(parseNpy(readFileSync(join(NPY_FIXTURES, 'bool_20x16.npy')), 'bool_20x16.npy').data)).to.deep.equal(expectedOf('bool_20x16').values);
  });

  it('returns data that does not share memory with the file', () => {
    const file = fixtureBytes('uint8_1d.npy');
    const arr = parseNpy(file, 'uint8_1d.npy');
    file[file.length - 1] = 7;
    expect(Array.from(arr.data as Uint8Array)).to.deep.equal([0, 1, 127, 128, 255]);
  });
});

describe('npy: writing', () => {
  it('writes the exact bytes numpy wrote for the uint8 and bool [20, 16] matrices', () => {
    for (const [stem, dtype] of [['uint8_20x16', 'uint8'], ['bool_20x16', 'bool']] as const) {
      const expected = expectedOf(stem);
      const data = Uint8Array.from(expected.values as number[]);
      const written = writeNpy({ dtype, shape: expected.shape, data });
      expect(written).to.deep.equal(fixtureBytes(`${stem}.npy`));
    }
  });

  it('matches the header numpy 2.x writes, byte for byte', () => {
    const file = fixtureBytes('uint8_20x16.npy');
    const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (20, 16), }";
    const header = dict + ' '.repeat(128 - 10 - dict.length - 1) + '\n';
    expect(Array.from(file.subarray(0, 8))).to.deep.equal([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(file[8] + 256 * file[9]).to.equal(header.length);
    expect(Buffer.from(file.subarray(10, 128)).toString('latin1')).to.equal(header);
    expect(writeNpy(parseNpy(file, 'uint8_20x16.npy')).subarray(0, 128)).to.deep.equal(file.subarray(0, 128));
  });

  it('rewrites every version 1.0 fixture byte-identically', () => {
    for (const stem of GOOD_FIXTURES.filter((s) => !s.endsWith('_v2') && !s.endsWith('_v3'))) {
      const file = fixtureBytes(`${stem}.npy`);
      expect(writeNpy(parseNpy(file, stem)), stem).to.deep.equal(file);
    }
  });

  it('writes numpy descrs and python tuple shapes', () => {
    const descrs: Record<NpyDtype, string> = {
      bool: '|b1', uint8: '|u1', int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8', float32: '<f4', float64: '<f8',
    };
    const headerOf = (arr: NpyArray) => Buffer.from(writeNpy(arr)).toString('latin1').split('\n')[0];
    for (const dtype of ALL_DTYPES) {
      expect(headerOf({ dtype, shape: [5], data: new ARRAY_TYPES[dtype](5) })).to.include(`'descr': '${descrs[dtype]}'`).and.include(`'shape': (5,), }`);
    }
    expect(headerOf({ dtype: 'int32', shape: [], data: new Int32Array(1) })).to.include(`'shape': (), }`);
    expect(headerOf({ dtype: 'uint8', shape: [2, 0, 3], data: new Uint8Array(0) })).to.include(`'shape': (2, 0, 3), }`);
  });

  it('rejects data that does not fit the dtype or shape', () => {
    expect(() => writeNpy({ dtype: 'int32', shape: [3], data: new Int32Array(2) })).to.throw(/needs 3 elements/);
    expect(() => writeNpy({ dtype: 'int32', shape: [2], data: new Float32Array(2) })).to.throw(/Int32Array/);
    expect(() => writeNpy({ dtype: 'bool', shape: [2], data: Uint8Array.of(0, 2) })).to.throw(/0 or 1/);
  });

  it('switches to version 2.0 when the header does not fit 16 bits', () => {
    // Each axis adds "1, " (3 bytes) to the header: 13000 axes fit in 16 bits, 22000 do not.
    const shape = Array.from({ length: 13000 }, () => 1);
    const big = Array.from({ length: 22000 }, () => 1);
    for (const s of [shape, big]) {
      const file = writeNpy({ dtype: 'uint8', shape: s, data: Uint8Array.of(9) });
      const version = file[6];
      const headerLength = version === 1 ? file[8] + 256 * file[9] : new DataView(file.buffer).getUint32(8, true);
      expect(version).to.equal(s === big ? 2 : 1);
      expect((headerLength + (version === 1 ? 10 : 12)) % 64).to.equal(0);
      expect(parseNpy(file, 'big.npy').shape).to.deep.equal(s);
    }
  });
});

/** An arbitrary array of any supported dtype, shape of up to 3 axes. */
const arbitraryNpyArray: fc.Arbitrary<NpyArray> = fc
  .record({ dtype: fc.constantFrom(...ALL_DTYPES), shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }) })
  .chain(({ dtype, shape }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const ints = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: count, maxLength: count });
    const data: fc.Arbitrary<NpyData> = {
      bool: ints(0, 1).map((v) => Uint8Array.from(v)),
      uint8: ints(0, 255).map((v) => Uint8Array.from(v)),
      int8: ints(-128, 127).map((v) => Int8Array.from(v)),
      int16: ints(-32768, 32767).map((v) => Int16Array.from(v)),
      int32: ints(-(2 ** 31), 2 ** 31 - 1).map((v) => Int32Array.from(v)),
      int64: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: count, maxLength: count }).map((v) => BigInt64Array.from(v)),
      float32: fc.array(fc.float(), { minLength: count, maxLength: count }).map((v) => Float32Array.from(v)),
      float64: fc.array(fc.double(), { minLength: count, maxLength: count }).map((v) => Float64Array.from(v)),
    }[dtype];
    return data.map((d) => ({ dtype, shape, data: d }));
  });

describe('npy: round trip (property)', () => {
  it('parseNpy(writeNpy(a)) is a, with a 64-byte aligned header ending in a newline', () => {
    fc.assert(
      fc.property(arbitraryNpyArray, (arr) => {
        const file = writeNpy(arr);
        expect(file[6]).to.equal(1);
        const headerEnd = 10 + file[8] + 256 * file[9];
        expect(headerEnd % 64).to.equal(0);
        expect(file[headerEnd - 1]).to.equal(0x0a);
        const back = parseNpy(file, 'prop.npy');
        expect(back.dtype).to.equal(arr.dtype);
        expect(back.shape).to.deep.equal(arr.shape);
        expect(back.data.constructor).to.equal(arr.data.constructor);
        expect(bytesOf(back.data)).to.deep.equal(bytesOf(arr.data));
      }),
      { numRuns: 300 },
    );
  });
});

describe('npy: header parsing', () => {
  const fourInt16 = [1, 0, 2, 0, 0xfd, 0xff, 4, 0]; // 1, 2, -3, 4

  it('accepts any key order, double quotes, spacing and no trailing comma', () => {
    const headers = [
      "{'shape': (2, 2), 'fortran_order': False, 'descr': '<i2'}",
      '{"descr":"<i2","fortran_order":False,"shape":(2,2)}',
      "{ 'fortran_order' : False ,\n 'shape' : ( 2 , 2 , ) , 'descr' : '<i2' , }   \n",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 2L), }\n", // Python 2 numpy
      "\t{'descr': '=i2', 'fortran_order': False, 'shape': ((2), 2)}",
    ];
    for (const header of headers) {
      const arr = parseNpy(handMadeNpy(header, fourInt16), 'h.npy');
      expect(arr.shape, header).to.deep.equal([2, 2]);
      expect(Array.from(arr.data as Int16Array)).to.deep.equal([1, 2, -3, 4]);
    }
  });

  it('accepts versions 2.0 and 3.0 headers', () => {
    for (const version of [2, 3]) {
      const arr = parseNpy(handMadeNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (4,), }\n", fourInt16, version), 'v.npy');
      expect(Array.from(arr.data as Int16Array)).to.deep.equal([1, 2, -3, 4]);
    }
  });

  it('accepts the equivalent spellings of each descr', () => {
    const cases: [string, NpyDtype, number[]][] = [
      ['|b1', 'bool', [1]], ['<b1', 'bool', [0]], ['|u1', 'uint8', [200]], ['<u1', 'uint8', [200]], ['=u1', 'uint8', [200]], ['u1', 'uint8', [200]],
      ['|i1', 'int8', [200]], ['<i1', 'int8', [200]], ['>i1', 'int8', [200]],
      ['<i2', 'int16', [1, 2]], ['=i2', 'int16', [1, 2]], ['i2', 'int16', [1, 2]],
      ['<i4', 'int32', [1, 2, 3, 4]], ['=i4', 'int32', [1, 2, 3, 4]], ['<i8', 'int64', [1, 0, 0, 0, 0, 0, 0, 0]],
      ['<f4', 'float32', [0, 0, 0x80, 0x3f]], ['=f8', 'float64', [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]],
    ];
    for (const [descr, dtype, data] of cases) {
      const arr = parseNpy(handMadeNpy(`{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`, data), 'd.npy');
      expect(arr.dtype, descr).to.equal(dtype);
    }
  });

  it('accepts scalars and empty arrays', () => {
    expect(parseNpy(handMadeNpy("{'descr': '<i2', 'fortran_order': False, 'shape': ()}", [5, 0]), 's.npy').data).to.deep.equal(Int16Array.of(5));
    expect(parseNpy(handMadeNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (3, 0)}"), 'e.npy').shape).to.deep.equal([3, 0]);
  });
});

describe('npy: bad input', () => {
  const header = (fields: string) => handMadeNpy(`{${fields}}\n`, [1, 0, 2, 0]);

  it('rejects a file that is not .npy', () => {
    expectInputError(() => parseNpy(new TextEncoder().encode('{"planes": []}'), 'm.npy'), 'm.npy', 'not a .npy file', 'magic');
    expectInputError(() => parseNpy(new Uint8Array(0), 'empty.npy'), 'empty.npy', 'not a .npy file');
  });

  it('rejects unsupported versions', () => {
    for (const [major, minor] of [[4, 0], [1, 1], [0, 0]]) {
      const file = handMadeNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,)}", [1, 0, 2, 0]);
      file[6] = major;
      file[7] = minor;
      expectInputError(() => parseNpy(file, 'v.npy'), 'v.npy', `version ${major}.${minor}`, '1.0, 2.0 and 3.0');
    }
  });

  it('rejects a file cut inside the preamble or the header', () => {
    const file = fixtureBytes('int32_2d.npy');
    expectInputError(() => parseNpy(file.subarray(0, 7), 'cut.npy'), 'cut.npy', 'truncated');
    expectInputError(() => parseNpy(file.subarray(0, 9), 'cut.npy'), 'cut.npy', 'truncated', 'header length');
    expectInputError(() => parseNpy(file.subarray(0, 60), 'cut.npy'), 'cut.npy', 'truncated', 'header should be 118 bytes');
  });

  it('rejects headers that are not a python dict literal', () => {
    const bad = [
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2, }",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2,)",
      "{'descr': '<i2' 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<i2', 'fortran_order': false, 'shape': (2,)}",
      "{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<i2, 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2,)} extra",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (0x2,)}",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2.0,)}",
      "{descr: '<i2', 'fortran_order': False, 'shape': (2,)}",
      `{'descr': '<i2', 'fortran_order': False, 'shape': ${'('.repeat(100)}2${')'.repeat(100)}}`,
    ];
    for (const text of bad) expectInputError(() => parseNpy(handMadeNpy(text, [1, 0, 2, 0]), 'h.npy'), 'h.npy', 'not a valid python dict literal');
    expectInputError(() => parseNpy(handMadeNpy('[1, 2]'), 'h.npy'), 'h.npy', 'not a python dict');
  });

  it('rejects missing, extra and duplicate keys', () => {
    expectInputError(() => parseNpy(header("'descr': '<i2', 'shape': (2,)"), 'k.npy'), 'k.npy', "'descr', 'fortran_order' and 'shape'");
    expectInputError(() => parseNpy(header("'descr': '<i2', 'fortran_order': False, 'shape': (2,), 'x': 1"), 'k.npy'), 'k.npy', '"x"');
    expectInputError(() => parseNpy(header("'descr': '<i2', 'descr': '<i2', 'fortran_order': False, 'shape': (2,)"), 'k.npy'), 'k.npy', "duplicate key 'descr'");
  });

  it('rejects bad shapes and fortran_order values', () => {
    for (const shape of ['[2]', '(-2,)', "('2',)", '2', '(True,)', 'None']) {
      expectInputError(() => parseNpy(header(`'descr': '<i2', 'fortran_order': False, 'shape': ${shape}`), 's.npy'), 's.npy', 'shape', 'tuple of non-negative integers');
    }
    expectInputError(() => parseNpy(header("'descr': '<i2', 'fortran_order': 0, 'shape': (2,)"), 'f.npy'), 'f.npy', 'fortran_order 0', 'True or False');
  });

  it('rejects Fortran-order arrays, saying how to save them', () => {
    expectInputError(() => parseNpy(fixtureBytes('fortran_order.npy'), 'fortran_order.npy'), 'fortran_order.npy', 'Fortran order', 'np.ascontiguousarray');
  });

  it('rejects big-endian dtypes, saying how to save them', () => {
    expectInputError(() => parseNpy(fixtureBytes('big_endian.npy'), 'big_endian.npy'), 'big_endian.npy', "big-endian dtype '>i4'", "arr.astype('<i4')");
    expectInputError(() => parseNpy(header("'descr': '>f8', 'fortran_order': False, 'shape': (0,)"), 'b.npy'), 'b.npy', "arr.astype('<f8')");
  });

  it('rejects unsupported dtypes, naming the supported ones', () => {
    expectInputError(() => parseNpy(fixtureBytes('uint16.npy'), 'uint16.npy'), 'uint16.npy', "dtype '<u2'", 'not supported', "int32 ('<i4')", "bool ('|b1')");
    for (const descr of ["'|O'", "'<c8'", "'<U5'", "'<f2'", "''", "'|i4'"]) {
      expectInputError(() => parseNpy(header(`'descr': ${descr}, 'fortran_order': False, 'shape': (0,)`), 'd.npy'), 'd.npy', 'dtype');
    }
    expectInputError(
      () => parseNpy(header("'descr': [('a', '<i4'), ('b', '<f8')], 'fortran_order': False, 'shape': (0,)"), 'rec.npy'),
      'rec.npy', "descr [('a', '<i4'), ('b', '<f8')]", 'only plain dtypes',
    );
  });

  it('rejects data shorter than the shape needs', () => {
    expectInputError(() => parseNpy(fixtureBytes('truncated.npy'), 'truncated.npy'), 'truncated.npy', 'truncated: shape [4, 5] needs 80 bytes of data, the file has 74');
  });

  it('rejects data longer than the shape needs', () => {
    expectInputError(() => parseNpy(fixtureBytes('trailing_junk.npy'), 'trailing_junk.npy'), 'trailing_junk.npy', '4 unexpected bytes', 'needs 80 bytes of data, the file has 84');
  });

  it('rejects bool bytes other than 0 and 1, naming the index', () => {
    const file = handMadeNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3)}", [0, 1, 1, 0, 2, 0]);
    expectInputError(() => parseNpy(file, 'b.npy'), 'b.npy[1][1]', 'must be the byte 0 or 1', 'got 2');
  });

  it('rejects a version 3.0 header that is not UTF-8', () => {
    const file = handMadeNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,)}", [1, 0, 2, 0], 3);
    file[14] = 0xff;
    expectInputError(() => parseNpy(file, 'u.npy'), 'u.npy', 'not valid UTF-8');
  });

  it('uses the given name, e.g. an npz member', () => {
    expectInputError(() => parseNpy(fixtureBytes('big_endian.npy'), 'layer.npz:packed'), 'layer.npz:packed', 'big-endian');
  });
});
