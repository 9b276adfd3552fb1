import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { drawLayer, resolveLayer } from '../generator/core/layer.js';
import { layerNpzBytes, trainedLayerFromData } from '../generator/formats/layerfile.js';
import { writeNpy, type NpyArray, type NpyData, type NpyDtype } from '../generator/formats/npy.js';
import { crc32, readNpz, readNpzMembers, writeNpz, writeNpzMembers } from '../generator/formats/npz.js';
import { expectInputError, LAYER_FIXTURES as FIXTURES, tempDir } from './helpers.js';

function fixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, file)));
}

const SAMPLE: Record<string, NpyArray> = {
  matrices: { dtype: 'bool', shape: [2, 3, 2], data: Uint8Array.of(1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1) },
  packed: { dtype: 'uint8', shape: [2, 3], data: Uint8Array.of(0xff, 0x00, 0x80, 0x12, 0x34, 0x56) },
  alpha: { dtype: 'float32', shape: [2], data: Float32Array.of(0.25, -1.5) },
  big: { dtype: 'int64', shape: [3], data: BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 63n - 1n) },
  scalar: { dtype: 'int32', shape: [], data: Int32Array.of(-7) },
  reals: { dtype: 'float64', shape: [2, 2], data: Float64Array.of(Math.PI, -0, NaN, Infinity) },
  small: { dtype: 'int16', shape: [0], data: new Int16Array(0) },
};

describe('npz: numpy .npz archives', () => {
  for (const compress of [false, true]) {
    it(`round-trips arrays of every dtype (${compress ? 'deflated' : 'stored'}), in the given order`, () => {
      const bytes = writeNpz(SAMPLE, { compress });
      const back = readNpz(bytes, 'sample.npz');
      expect([...back.keys()]).to.deep.equal(Object.keys(SAMPLE));
      for (const [key, arr] of Object.entries(SAMPLE)) expect(back.get(key), key).to.deep.equal(arr);
    });
  }

  it('takes a Map as well as a record, and writes the same bytes every time', () => {
    const fromRecord = writeNpz(SAMPLE, { compress: true });
    expect(writeNpz(new Map(Object.entries(SAMPLE)), { compress: true })).to.deep.equal(fromRecord);
    expect(writeNpz(SAMPLE, { compress: true })).to.deep.equal(fromRecord);
    expect(writeNpz(SAMPLE)).to.not.deep.equal(fromRecord);
  });

  it('stores members uncompressed by default, deflates them with compress', () => {
    const arr: NpyArray = { dtype: 'uint8', shape: [4096], data: new Uint8Array(4096) };
    const stored = writeNpz({ zeros: arr });
    const deflated = writeNpz({ zeros: arr }, { compress: true });
    expect(stored.length).to.be.greaterThan(4096);
    expect(deflated.length).to.be.lessThan(400);
  });

  it('writes an empty archive that reads back empty', () => {
    expect(readNpz(writeNpz({}), 'empty.npz').size).to.equal(0);
  });

  it('round-trips random arrays (property)', () => {
    const dtypes: NpyDtype[] = ['bool', 'uint8', 'int8', 'int16', 'int32', 'float32', 'float64'];
    const arrayArb = fc.record({
      dtype: fc.constantFrom(...dtypes),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z_][a-z0-9_.]{0,8}$/), arrayArb), { selector: ([k]) => k, maxLength: 5 }), fc.boolean(), (entries, compress) => {
        const arrays = new Map(entries.map(([key, spec]) => [key, randomArray(spec.dtype, spec.shape, spec.seed)] as const));
        const back = readNpz(writeNpz(arrays, { compress }), 'p.npz');
        expect([...back.keys()]).to.deep.equal([...arrays.keys()]);
        for (const [key, arr] of arrays) expect(bytesOf(back.get(key)!.data)).to.deep.equal(bytesOf(arr.data));
      }),
      { numRuns: 200 },
    );
  });

  it('reads numpy.savez (stored, zip64 local headers) and numpy.savez_compressed (deflated) files', () => {
    const stored = readNpzMembers(fixture('conv_stored.npz'), 'conv_stored.npz');
    const deflated = readNpzMembers(fixture('conv_deflated.npz'), 'conv_deflated.npz');
    expect([...stored.keys()]).to.deep.equal(['shape', 'layout', 'n_in', 'n_out', 'q', 'n_slices', 'matrices', 'packed', 'alpha']);
    expect(deflated).to.deep.equal(stored); // both were saved from the same arrays
    const minimal = readNpz(fixture('minimal.npz'), 'minimal.npz');
    expect([...minimal.keys()]).to.deep.equal(['shape', 'matrices', 'packed', 'alpha']);
    expect(minimal.get('shape')).to.deep.equal({ dtype: 'int32', shape: [2], data: Int32Array.of(3, 5) });
    expect(minimal.get('matrices')!.dtype).to.equal('bool');
    expect(minimal.get('matrices')!.shape).to.deep.equal([1, 4, 4]);
  });

  it('hands out the raw .npy bytes of members parseNpy does not read (a numpy str)', () => {
    const members = readNpzMembers(fixture('conv_stored.npz'), 'conv_stored.npz');
    const layout = members.get('layout')!;
    expect(new TextDecoder('latin1').decode(layout.subarray(10, 60))).to.include("'descr': '<U2'");
    expectInputError(() => readNpz(fixture('conv_stored.npz'), 'conv_stored.npz'), 'conv_stored.npz:layout', "'<U2'", 'not supported');
  });

  describe('rejects damaged archives, naming the file and the problem', () => {
    it('a truncated zip', () => {
      expectInputError(() => readNpz(fixture('bad_truncated.npz'), 'layer.npz'), 'layer.npz', 'not a valid .npz (zip) file', 'truncated');
    });
    it('bytes that are no zip at all, an empty file', () => {
      expectInputError(() => readNpz(new TextEncoder().encode('this is not a zip file, not at all'), 'x.npz'), 'x.npz', 'zip signature');
      expectInputError(() => readNpz(new Uint8Array(0), 'x.npz'), 'x.npz', 'only 0 bytes long');
      expectInputError(() => readNpz(writeNpy({ dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 2, 3) }), 'x.npz'), 'x.npz', 'zip signature');
    });
    it('a member whose CRC-32 does not match', () => {
      expectInputError(() => readNpz(fixture('bad_crc.npz'), 'layer.npz'), 'layer.npz:shape', 'CRC-32');
    });
    it('a member that is not .npy', () => {
      expectInputError(() => readNpz(fixture('bad_not_npy.npz'), 'layer.npz'), 'layer.npz', '"notes.txt"', 'not a .npy array');
    });
    it('two members of the same name', () => {
      expectInputError(() => readNpz(fixture('bad_duplicate.npz'), 'layer.npz'), 'layer.npz', 'two members named "shape.npy"');
    });
    it('a central directory pointing beyond the file', () => {
      const bytes = writeNpz(SAMPLE);
      const end = bytes.length - 22;
      const broken = bytes.slice();
      new DataView(broken.buffer).setUint32(end + 16, bytes.length, true); // directory offset
      expectInputError(() => readNpz(broken, 'x.npz'), 'x.npz', 'central directory', 'beyond the end');
    });
    it('a deflated member whose data is damaged', () => {
      const npy = writeNpy({ dtype: 'uint8', shape: [64], data: new Uint8Array(64).fill(7) });
      const bytes = writeNpzMembers({ a: npy }, { compress: true });
      const deflated = deflateSync(npy, { level: 6 });
      const start = 30 + 'a.npy'.length;
      expect(bytes.subarray(start, start + deflated.length)).to.deep.equal(deflated);
      const broken = bytes.slice();
      broken[start] = 0xff; // an invalid block type
      expectInputError(() => readNpz(broken, 'x.npz'), 'x.npz:a', 'corrupt');
    });
    it('a member that is not a valid .npy, named file:member', () => {
      const bytes = writeNpzMembers({ packed: new TextEncoder().encode('no npy here') });
      expectInputError(() => readNpz(bytes, 'layer.npz'), 'layer.npz:packed', 'not a .npy file');
    });
  });

  it('computes the zip CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).to.equal(0xcbf43926);
    expect(crc32(new Uint8Array(0))).to.equal(0);
  });

  it('writes files numpy.load reads (python3 with numpy)', () => {
    const dir = tempDir('npz');
    const config = resolveLayer({ shape: [4, 3, 3, 3], nIn: 8, nOut: 20, nTap: 2, planes: 2, layout: 'io', bias: true });
    const files: [string, Uint8Array, Map<string, NpyArray | 'layout'>][] = [
      ['stored.npz', writeNpz(SAMPLE), new Map(Object.entries(SAMPLE))],
      ['deflated.npz', writeNpz(SAMPLE, { compress: true }), new Map(Object.entries(SAMPLE))],
    ];
    for (const [file, bytes] of files) writeFileSync(join(dir, file), bytes);
    const layerBytes = layerNpzBytes(trainedLayerFromData(drawLayer(config)), { compress: true });
    writeFileSync(join(dir, 'layer.npz'), layerBytes);
    const program = [
      'import hashlib, json, sys, numpy as np',
      'out = {}',
      'for f in sys.argv[1:]:',
      '    with np.load(f) as z:',
      '        out[f] = [[k, z[k].dtype.str, list(z[k].shape), hashlib.sha256(np.ascontiguousarray(z[k]).tobytes()).hexdigest()] for k in z.files]',
      '        if "layout" in z.files: out[f].append(["layout value", str(z["layout"])])',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', program, 'stored.npz', 'deflated.npz', 'layer.npz'], { cwd: dir, encoding: 'utf8' });
    if (run.error) {
      const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new Error(missing ? 'python3 was not found on PATH: it is needed to check that numpy.load reads what writeNpz writes (install Python 3 with numpy)' : `python3 could not be run: ${run.error.message}`);
    }
    if (run.status !== 0 && /No module named .?numpy/.test(run.stderr)) throw new Error('python3 has no numpy: it is needed to check that numpy.load reads what writeNpz writes (pip install numpy)');
    expect(run.status, `python3 failed:\n${run.stderr}`).to.equal(0);
    const seen = JSON.parse(run.stdout) as Record<string, unknown[][]>;

    const descr: Record<NpyDtype, string> = { bool: '|b1', uint8: '|u1', int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8', float32: '<f4', float64: '<f8' };
    const summary = (arrays: Map<string, NpyArray>) => [...arrays].map(([k, a]) => [k, descr[a.dtype], a.shape, sha256(bytesOf(a.data))]);
    for (const [file, , arrays] of files) expect(seen[file], file).to.deep.equal(summary(arrays as Map<string, NpyArray>));

    // The layer file: every member but the '<U2' layout via readNpz's arrays, the layout by its bytes.
    const members = readNpzMembers(layerBytes, 'layer.npz');
    const layoutUtf32 = Uint8Array.of(0x69, 0, 0, 0, 0x6f, 0, 0, 0); // 'io'
    const expected = [...members.keys()].map((k) => {
      if (k === 'layout') return [k, '<U2', [], sha256(layoutUtf32)];
      const arr = readNpz(writeNpzMembers({ [k]: members.get(k)! }), 'x.npz').get(k)!;
      return [k, descr[arr.dtype], arr.shape, sha256(bytesOf(arr.data))];
    });
    expect(seen['layer.npz']).to.deep.equal([...expected, ['layout value', 'io']]);
  });
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesOf(data: NpyData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A deterministic array of the dtype and shape (bool entries 0/1). */
function randomArray(dtype: NpyDtype, shape: number[], seed: number): NpyArray {
  const count = shape.reduce((a, b) => a * b, 1);
  const types: Record<NpyDtype, new (n: number) => NpyData> = {
    bool: Uint8Array, uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array,
    int64: BigInt64Array, float32: Float32Array, float64: Float64Array,
  };
  const data = new types[dtype](count);
  const raw = new Uint8Array(data.buffer);
  let state = seed | 1;
  for (let i = 0; i < raw.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    raw[i] = state & 0xff;
  }
  if (dtype === 'bool') for (let i = 0; i < count; i++) raw[i] &= 1;
  return { dtype, shape, data };
}
