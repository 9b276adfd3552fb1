import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { StreamDecoder, unpackBits } from '../generator/core/golden.js';
import { drawLayer, resolveLayer, weightPosition, type LayerOptions } from '../generator/core/layer.js';
import { layerNpzBytes, parseLayerNpz, readLayerFile, trainedLayerFromData } from '../generator/formats/layerfile.js';
import { writeNpy } from '../generator/formats/npy.js';
import { readNpzMembers, writeNpzMembers } from '../generator/formats/npz.js';
import { expectInputError, LAYER_FIXTURES as FIXTURES, type LayerSidecar as Sidecar } from './helpers.js';
import { type TrainedLayer } from '../generator/core/trained.js';

function fixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, file)));
}

const SEEDED: LayerOptions[] = [
  { shape: [4, 3, 3, 3], nIn: 8, nOut: 20, nTap: 2 },
  { shape: [10, 12], nIn: 6, nOut: 16, nTap: 3, planes: 2, bias: true, seed: 5 },
  { shape: [6, 2, 2, 2], nIn: 5, nOut: 7, dense: true, planes: 3, layout: 'io', bias: true },
  { shape: [16, 16, 3, 3], nIn: 64, nOut: 80, nTap: 4, planes: 2, layout: 'io' },
];

/** A layer file's arrays with one replaced (or removed with undefined), as a new .npz. */
function withMember(base: Uint8Array, key: string, npy: Uint8Array | undefined): Uint8Array {
  const members = readNpzMembers(base, 'base.npz');
  if (npy === undefined) members.delete(key);
  else members.set(key, npy);
  return writeNpzMembers(members);
}

describe('layerfile: the trained-layer .npz', () => {
  describe('round trips', () => {
    for (const options of SEEDED) {
      const label = `${options.shape.join('x')} q=${options.planes ?? 1} ${options.layout ?? 'oi'}${options.bias ? ' bias' : ''}`;
      it(`a seeded layer, stored and deflated: ${label}`, () => {
        const data = drawLayer(resolveLayer(options));
        const layer = trainedLayerFromData(data);
        for (const compress of [false, true]) {
          const bytes = layerNpzBytes(layer, { compress });
          expect(parseLayerNpz(bytes, 'layer.npz')).to.deep.equal(layer);
          expect(layerNpzBytes(layer, { compress }), 'deterministic').to.deep.equal(bytes);
        }
      });
    }

    it('trainedLayerFromData takes the real scales, and the real biases only with bias', () => {
      const data = drawLayer(resolveLayer({ shape: [3, 2, 2, 2], nIn: 4, nOut: 8, nTap: 2, planes: 2, seed: 1, bias: true, layout: 'io' }));
      const layer = trainedLayerFromData(data);
      expect(layer).to.include({ layout: 'io', nIn: 4, nOut: 8, planes: 2, nSlices: 3 });
      expect(layer.shape).to.deep.equal([3, 2, 2, 2]);
      expect(layer.packed).to.deep.equal(data.encrypted);
      expect(layer.packed[0]).to.deep.equal(Uint8Array.of(0xbf, 0x50)); // docs/ARITHMETIC.md, Reference
      expect(layer.matrices).to.deep.equal(data.matrices);
      expect(layer.alpha.map((row) => Array.from(row))).to.deep.equal(data.alphaReal);
      expect(Array.from(layer.bias!)).to.deep.equal(data.biasReal);
      const unbiased = trainedLayerFromData(drawLayer(resolveLayer({ shape: [3, 8], nIn: 4, nOut: 8, nTap: 2 })));
      expect(unbiased).to.not.have.property('bias');
    });

    it('writes the layout as numpy writes np.array("oi"): a <U2 scalar', () => {
      const numpyLayout = readNpzMembers(fixture('conv_stored.npz'), 'conv_stored.npz').get('layout');
      const ours = readNpzMembers(layerNpzBytes(trainedLayerFromData(drawLayer(resolveLayer(SEEDED[0])))), 'x.npz').get('layout');
      expect(ours).to.deep.equal(numpyLayout);
    });

    it('refuses to write a layer whose parts do not fit together', () => {
      const layer = trainedLayerFromData(drawLayer(resolveLayer(SEEDED[1])));
      const broken: TrainedLayer[] = [
        { ...layer, nSlices: layer.nSlices + 1 },
        { ...layer, packed: [layer.packed[0]] },
        { ...layer, packed: [layer.packed[0], layer.packed[1].subarray(1)] },
        { ...layer, alpha: [layer.alpha[0], Float64Array.of(NaN, ...layer.alpha[1].subarray(1))] },
        { ...layer, bias: new Float64Array(3) },
      ];
      for (const b of broken) expect(() => layerNpzBytes(b)).to.throw(RangeError);
    });
  });

  describe('numpy files (docs/flexor_export.py layer_to_arrays and convert)', () => {
    const GOOD = ['conv_stored', 'conv_deflated', 'linear_q2_bias', 'conv_io_q2', 'minimal', 'layout_bytes'];
    for (const stem of GOOD) {
      it(`${stem}.npz decodes exactly as numpy does`, () => {
        const expected = JSON.parse(readFileSync(join(FIXTURES, `${stem}.json`), 'utf8')) as Sidecar;
        const layer = readLayerFile(join(FIXTURES, `${stem}.npz`));
        expect(layer.shape).to.deep.equal(expected.shape);
        expect(layer).to.include({ layout: expected.layout, nIn: expected.n_in, nOut: expected.n_out, planes: expected.q, nSlices: expected.n_slices });
        expect(layer.alpha.map((row) => Array.from(row))).to.deep.equal(expected.alpha);
        expect(layer.bias ? Array.from(layer.bias) : null).to.deep.equal(expected.bias);

        const [n, k] = [layer.shape[0], layer.shape.slice(1).reduce((a, b) => a * b, 1)];
        const config = resolveLayer({ shape: [...layer.shape], nIn: layer.nIn, nOut: layer.nOut, dense: true, planes: layer.planes, layout: layer.layout });
        const weights = Array.from({ length: n }, () => new Array<number>(k).fill(0));
        for (let p = 0; p < layer.planes; p++) {
          const decoded = new StreamDecoder(layer.matrices[p]).decode(layer.packed[p], layer.nSlices);
          const codes = unpackBits(decoded, n * k);
          expect(Array.from(codes), `plane ${p}`).to.deep.equal(expected.codes[p]);
          for (let c = 0; c < n; c++) {
            for (let kk = 0; kk < k; kk++) weights[c][kk] += layer.alpha[p][c] * (2 * codes[weightPosition(config, c, kk)] - 1);
          }
        }
        expect(weights).to.deep.equal(expected.weights);
      });
    }

    it('the stored and the deflated file hold the same layer', () => {
      expect(readLayerFile(join(FIXTURES, 'conv_deflated.npz'))).to.deep.equal(readLayerFile(join(FIXTURES, 'conv_stored.npz')));
    });

    it('a matrix row of all zeros is legal', () => {
      const layer = readLayerFile(join(FIXTURES, 'minimal.npz'));
      expect(Array.from(layer.matrices[0].bits.subarray(4, 8))).to.deep.equal([0, 0, 0, 0]);
      expect(layer.layout).to.equal('oi');
    });

    it('round-trips a numpy file through layerNpzBytes', () => {
      for (const stem of GOOD) {
        const layer = readLayerFile(join(FIXTURES, `${stem}.npz`));
        expect(parseLayerNpz(layerNpzBytes(layer, { compress: true }), 'x.npz'), stem).to.deep.equal(layer);
      }
    });
  });

  describe('rejects bad files with an InputError naming the array and the problem', () => {
    const BAD: [file: string, field: string, ...phrases: string[]][] = [
      ['truncated', 'layer.npz', 'not a valid .npz (zip) file', 'truncated'],
      ['crc', 'layer.npz:shape', 'CRC-32'],
      ['not_npy', 'layer.npz', '"notes.txt"', 'not a .npy array'],
      ['duplicate', 'layer.npz', 'two members named "shape.npy"'],
      ['packed_int16', 'layer.npz:packed', 'dtype int16', 'allowed: uint8'],
      ['n_slices', 'layer.npz:n_slices', 'is 7', 'shape [4, 3, 3, 3]', '= 6'],
      ['packed_short', 'layer.npz:packed', 'too short', '5 bytes', 'exactly 6'],
      ['packed_long', 'layer.npz:packed', 'too long', '7 bytes', 'exactly 6'],
      ['packed_padding', 'layer.npz:packed[0]', 'nonzero padding bits after bit 35'],
      ['alpha_nan', 'layer.npz:alpha[0][2]', 'NaN', 'finite'],
      ['alpha_inf', 'layer.npz:alpha[0][1]', '-Infinity', 'finite'],
      ['bias_nan', 'layer.npz:bias[1]', 'NaN', 'finite'],
      ['nin_gt_nout', 'layer.npz:matrices', 'Nout=8, Nin=20', 'Nin must be at most Nout'],
      ['matrix_two', 'layer.npz:matrices[0][0][3]', 'is 2', 'must be 0 or 1'],
      ['missing_alpha', 'layer.npz:alpha', 'is missing', 'shape, matrices, packed, alpha'],
      ['alpha_float16', 'layer.npz:alpha', "dtype '<f2'", 'allowed: float32, float64'],
      ['alpha_q', 'layer.npz:alpha', 'shape [2, 4]', 'expected [q, Cout] = [1, 4]'],
      ['shape_zero', 'layer.npz:shape', '[4, 0, 3, 3]', 'at least 1'],
      ['shape_3d', 'layer.npz:shape', 'shape [3]', '2 (linear [out, in]) or 4'],
      ['layout_xy', 'layer.npz:layout', '"xy"', "'oi'", "'io'"],
      ['unknown_array', 'layer.npz:alphas', 'not an array of a layer file'],
    ];
    for (const [file, field, ...phrases] of BAD) {
      it(`bad_${file}.npz`, () => {
        expectInputError(() => parseLayerNpz(fixture(`bad_${file}.npz`), 'layer.npz'), field, ...phrases);
      });
    }

    const base = fixture('conv_stored.npz');
    const int64 = (...values: number[]) => writeNpy({ dtype: 'int64', shape: values.length === 1 ? [] : [values.length], data: BigInt64Array.from(values, BigInt) });

    it('counts that disagree with the matrices', () => {
      expectInputError(() => parseLayerNpz(withMember(base, 'n_in', int64(7)), 'layer.npz'), 'layer.npz:n_in', 'is 7', 'Nin 8');
      expectInputError(() => parseLayerNpz(withMember(base, 'n_out', int64(21)), 'layer.npz'), 'layer.npz:n_out', 'is 21', 'Nout 20');
      expectInputError(() => parseLayerNpz(withMember(base, 'q', int64(2)), 'layer.npz'), 'layer.npz:q', 'is 2', 'q 1');
      expectInputError(() => parseLayerNpz(withMember(base, 'q', int64(1, 1)), 'layer.npz'), 'layer.npz:q', 'scalar or a 1-element array');
      const float = writeNpy({ dtype: 'float64', shape: [], data: Float64Array.of(8) });
      expectInputError(() => parseLayerNpz(withMember(base, 'n_in', float), 'layer.npz'), 'layer.npz:n_in', 'dtype float64');
      expect(parseLayerNpz(withMember(base, 'n_in', writeNpy({ dtype: 'int32', shape: [1], data: Int32Array.of(8) })), 'layer.npz').nIn).to.equal(8);
    });

    it('a q that differs between matrices and packed', () => {
      const layer = parseLayerNpz(base, 'base');
      const twice = new Uint8Array(2 * layer.packed[0].length);
      twice.set(layer.packed[0]);
      twice.set(layer.packed[0], layer.packed[0].length);
      const packed = writeNpy({ dtype: 'uint8', shape: [2, layer.packed[0].length], data: twice });
      expectInputError(() => parseLayerNpz(withMember(base, 'packed', packed), 'layer.npz'), 'layer.npz:packed', 'has 2 planes', 'matrices has 1');
    });

    it('a bias of the wrong shape or dtype, a shape of the wrong dtype, a layout that is not a string', () => {
      const bias = writeNpy({ dtype: 'float32', shape: [5], data: new Float32Array(5) });
      expectInputError(() => parseLayerNpz(withMember(base, 'bias', bias), 'layer.npz'), 'layer.npz:bias', 'shape [5]', 'expected [Cout] = [4]');
      const intBias = writeNpy({ dtype: 'int32', shape: [4], data: new Int32Array(4) });
      expectInputError(() => parseLayerNpz(withMember(base, 'bias', intBias), 'layer.npz'), 'layer.npz:bias', 'dtype int32', 'float32, float64');
      const floatShape = writeNpy({ dtype: 'float64', shape: [4], data: Float64Array.of(4, 3, 3, 3) });
      expectInputError(() => parseLayerNpz(withMember(base, 'shape', floatShape), 'layer.npz'), 'layer.npz:shape', 'dtype float64', 'int64, int32');
      expectInputError(() => parseLayerNpz(withMember(base, 'layout', int64(1)), 'layer.npz'), 'layer.npz:layout', 'dtype int64', 'must be a string');
      expectInputError(() => parseLayerNpz(withMember(base, 'layout', new Uint8Array(5)), 'layer.npz'), 'layer.npz:layout', 'not a .npy file');
    });

    it('matrices that are not [q, Nout, Nin] of bool or uint8', () => {
      const two = writeNpy({ dtype: 'uint8', shape: [20, 8], data: new Uint8Array(160) });
      expectInputError(() => parseLayerNpz(withMember(base, 'matrices', two), 'layer.npz'), 'layer.npz:matrices', 'shape [20, 8]', 'expected [q, Nout, Nin]');
      const wide = writeNpy({ dtype: 'int8', shape: [1, 20, 8], data: new Int8Array(160) });
      expectInputError(() => parseLayerNpz(withMember(base, 'matrices', wide), 'layer.npz'), 'layer.npz:matrices', 'dtype int8', 'bool, uint8');
    });

    it('a missing file, a folder', () => {
      const missing = join(FIXTURES, 'no_such_layer.npz');
      expectInputError(() => readLayerFile(missing), missing, 'no such file');
      expectInputError(() => readLayerFile(FIXTURES), FIXTURES, 'is a directory');
    });
  });
});
