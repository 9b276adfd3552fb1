/**
 * The interchange format of one trained FleXOR layer: an .npz of a few named arrays (the shape,
 * the XOR matrices, the packed sign bits of the encrypted weights, the scales, optionally a bias).
 * docs/FORMAT.md is the specification; docs/flexor_export.py writes it from a PyTorch export.
 */
import { InputError } from '../core/errors.js';
import { readInputFile } from './files.js';
import { MAX_LAYER_WEIGHTS, type LayerData, type Layout } from '../core/layer.js';
import { MAX_PLANES, checkImportedSizes, type XorMatrix } from '../core/matrix.js';
import { formatIndex, formatShape, parseNpy, writeNpy, type NpyArray, type NpyDtype } from './npy.js';
import { readNpzMembers, writeNpzMembers } from './npz.js';
import type { TrainedLayer } from '../core/trained.js';

export type { TrainedLayer } from '../core/trained.js';

const REQUIRED_ARRAYS = ['shape', 'matrices', 'packed', 'alpha'] as const;
const OPTIONAL_ARRAYS = ['n_in', 'n_out', 'q', 'n_slices', 'layout', 'bias'] as const;
const KNOWN_ARRAYS: readonly string[] = [...REQUIRED_ARRAYS, ...OPTIONAL_ARRAYS];
const INTEGER_DTYPES: readonly NpyDtype[] = ['int8', 'int16', 'int32', 'int64', 'uint8'];
const FLOAT_DTYPES: readonly NpyDtype[] = ['float32', 'float64'];
/** The dtypes each array may have (`layout` is a string, read apart). */
const ALLOWED_DTYPES: Readonly<Record<string, readonly NpyDtype[]>> = {
  shape: ['int64', 'int32'],
  matrices: ['bool', 'uint8'],
  packed: ['uint8'],
  alpha: FLOAT_DTYPES,
  bias: FLOAT_DTYPES,
  n_in: INTEGER_DTYPES,
  n_out: INTEGER_DTYPES,
  q: INTEGER_DTYPES,
  n_slices: INTEGER_DTYPES,
};

/** Reads and checks a layer .npz; every problem, a missing file included, is an InputError. */
export function readLayerFile(path: string): TrainedLayer {
  return parseLayerNpz(readInputFile(path, { expected: 'a layer .npz' }), path);
}

/** Parses and checks a layer .npz; errors name `name:array` (e.g. `layer.npz:packed`) and the problem. */
export function parseLayerNpz(bytes: Uint8Array, name: string): TrainedLayer {
  const members = readNpzMembers(bytes, name);
  const field = (array: string) => `${name}:${array}`;
  for (const key of members.keys()) {
    if (!KNOWN_ARRAYS.includes(key)) throw new InputError(field(key), `is not an array of a layer file; the arrays are ${KNOWN_ARRAYS.join(', ')} (docs/FORMAT.md)`);
  }
  for (const key of REQUIRED_ARRAYS) {
    if (!members.has(key)) throw new InputError(field(key), `is missing; a layer file needs the arrays ${REQUIRED_ARRAYS.join(', ')} (docs/FORMAT.md)`);
  }
  const array = (key: string): NpyArray | undefined => {
    const npy = members.get(key);
    return npy === undefined ? undefined : parseArray(npy, field(key), ALLOWED_DTYPES[key]);
  };

  const shape = readShape(array('shape')!, field('shape'));
  const matrices = readMatrices(array('matrices')!, field('matrices'));
  const { nIn, nOut } = matrices[0];
  const planes = matrices.length;
  const cout = shape[0];
  const nSlices = Math.ceil(shape.reduce((a, b) => a * b, 1) / nOut);

  const packed = readPacked(array('packed')!, field('packed'), planes, Math.ceil((nSlices * nIn) / 8), nSlices * nIn);
  const alpha = readReals(array('alpha')!, field('alpha'), [planes, cout], `[q, Cout] = [${planes}, ${cout}] (q from matrices, Cout = shape[0])`);
  const biasArray = array('bias');
  const bias = biasArray && readReals(biasArray, field('bias'), [cout], `[Cout] = [${cout}] (Cout = shape[0])`)[0];

  const expectedCounts: [string, number, string][] = [
    ['n_in', nIn, 'the matrices have Nin'],
    ['n_out', nOut, 'the matrices have Nout'],
    ['q', planes, 'matrices has q'],
    ['n_slices', nSlices, `shape ${formatShape(shape)} needs ceil(${shape.join('*')} / Nout ${nOut}) =`],
  ];
  for (const [key, expected, source] of expectedCounts) {
    const given = array(key);
    if (given === undefined) continue;
    const value = readIntegerScalar(given, field(key));
    if (value !== expected) throw new InputError(field(key), `is ${value}, but ${source} ${expected}`);
  }
  const layoutBytes = members.get('layout');
  const layout = layoutBytes === undefined ? 'oi' : readLayout(layoutBytes, field('layout'));

  return { shape, layout, nIn, nOut, planes, nSlices, matrices, packed, alpha, ...(bias ? { bias } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The arrays

/** parseNpy, then the dtype check; a dtype parseNpy does not know (say '<f2') is reported the same way. */
function parseArray(npy: Uint8Array, field: string, allowed: readonly NpyDtype[]): NpyArray {
  let arr: NpyArray;
  try {
    arr = parseNpy(npy, field);
  } catch (e) {
    const unknownDtype = e instanceof InputError && e.field === field ? /has dtype ('[^']*'), which is not supported/.exec(e.message) : null;
    if (unknownDtype) throw new InputError(field, `has dtype ${unknownDtype[1]}; allowed: ${allowed.join(', ')}`);
    throw e;
  }
  if (!allowed.includes(arr.dtype)) throw new InputError(field, `has dtype ${arr.dtype}; allowed: ${allowed.join(', ')}`);
  return arr;
}

function requireShape(arr: NpyArray, field: string, expected: readonly number[], meaning: string): void {
  const same = arr.shape.length === expected.length && arr.shape.every((d, i) => d === expected[i]);
  if (!same) throw new InputError(field, `has shape ${formatShape(arr.shape)}; expected ${meaning}`);
}

/** [2] or [4], every entry >= 1, at most 2^31 weights. */
function readShape(arr: NpyArray, field: string): number[] {
  const allowed = 'a 1-d array of 2 (linear [out, in]) or 4 (conv [Cout, Cin, kh, kw]) entries';
  if (arr.shape.length !== 1 || (arr.shape[0] !== 2 && arr.shape[0] !== 4)) throw new InputError(field, `has shape ${formatShape(arr.shape)}; expected ${allowed}`);
  const dims = Array.from(arr.data as ArrayLike<number | bigint>, Number);
  if (dims.some((d) => d < 1)) throw new InputError(field, `is ${formatShape(dims)}; every dimension must be at least 1`);
  const weights = dims.reduce((a, b) => a * b, 1);
  if (weights > MAX_LAYER_WEIGHTS) throw new InputError(field, `is ${formatShape(dims)}, ${weights} weights; at most 2^31 are allowed`);
  return dims;
}

/** [q, Nout, Nin] of 0/1, 1 <= Nin <= Nout <= 1024, q <= 64. */
function readMatrices(arr: NpyArray, field: string): XorMatrix[] {
  if (arr.shape.length !== 3 || arr.shape.some((d) => d < 1)) {
    throw new InputError(field, `has shape ${formatShape(arr.shape)}; expected [q, Nout, Nin], each at least 1`);
  }
  const [q, nOut, nIn] = arr.shape;
  if (q > MAX_PLANES) throw new InputError(field, `has ${q} planes; at most ${MAX_PLANES} are allowed`);
  checkImportedSizes(nIn, nOut, field);
  const data = arr.data as Uint8Array;
  const bad = data.findIndex((v) => v > 1);
  if (bad >= 0) throw new InputError(`${field}${formatIndex(arr.shape, bad)}`, `is ${data[bad]}; matrix entries must be 0 or 1`);
  const size = nOut * nIn;
  return Array.from({ length: q }, (_, p) => ({ nIn, nOut, bits: data.slice(p * size, (p + 1) * size) }));
}

/** [q, nBytes] with exactly nBytes = ceil(nBits / 8) bytes per plane and zero padding bits. */
function readPacked(arr: NpyArray, field: string, planes: number, nBytes: number, nBits: number): Uint8Array[] {
  const meaning = `[q, ceil(n_slices*Nin/8)] = [${planes}, ${nBytes}]`;
  if (arr.shape.length !== 2) throw new InputError(field, `has shape ${formatShape(arr.shape)}; expected ${meaning}`);
  const [q, length] = arr.shape;
  if (q !== planes) throw new InputError(field, `has ${q} planes (shape ${formatShape(arr.shape)}), but matrices has ${planes}; expected ${meaning}`);
  if (length !== nBytes) {
    const which = length < nBytes ? 'too short' : 'too long';
    throw new InputError(field, `is ${which}: ${length} bytes per plane (shape ${formatShape(arr.shape)}); ${nBits} bits (n_slices * Nin) take exactly ${nBytes}, expected ${meaning}`);
  }
  const data = arr.data as Uint8Array;
  const planesBytes = Array.from({ length: q }, (_, p) => data.slice(p * nBytes, (p + 1) * nBytes));
  const paddingMask = 0xff >> (nBits % 8 || 8);
  const badPlane = planesBytes.findIndex((bytes) => (bytes[nBytes - 1] & paddingMask) !== 0);
  if (badPlane >= 0) {
    throw new InputError(`${field}[${badPlane}]`, `has nonzero padding bits after bit ${nBits} in its last byte; np.packbits pads with zeros, so the stream is probably not n_slices * Nin bits long (check shape and the matrices' Nin)`);
  }
  return planesBytes;
}

/** The expected shape, every entry finite; the rows of the first axis. */
function readReals(arr: NpyArray, field: string, expected: readonly number[], meaning: string): Float64Array[] {
  requireShape(arr, field, expected, meaning);
  const values = Float64Array.from(arr.data as Float32Array | Float64Array);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${field}${formatIndex(arr.shape, bad)}`, `is ${values[bad]}; scales and biases must be finite`);
  const rows = expected.length === 1 ? 1 : expected[0];
  const rowLength = values.length / rows;
  return Array.from({ length: rows }, (_, r) => values.slice(r * rowLength, (r + 1) * rowLength));
}

/** An integer scalar or 1-element array. */
function readIntegerScalar(arr: NpyArray, field: string): number {
  if (!(arr.shape.length === 0 || (arr.shape.length === 1 && arr.shape[0] === 1))) {
    throw new InputError(field, `has shape ${formatShape(arr.shape)}; expected a scalar or a 1-element array`);
  }
  return Number(arr.data[0]);
}

// ---------------------------------------------------------------------------------------------
// `layout`: a numpy string scalar ('<U2', as np.array('io') saves it, or bytes '|S2'), which
// parseNpy does not support, so its .npy is read here.

function readLayout(npy: Uint8Array, field: string): Layout {
  const value = readNpyString(npy, field);
  if (value !== 'oi' && value !== 'io') throw new InputError(field, `is ${JSON.stringify(value)}; it must be 'oi' (PyTorch order, the default) or 'io'`);
  return value;
}

/** The text of a .npy holding one numpy str ('U') or bytes ('S') value: shape () or (1,). */
function readNpyString(npy: Uint8Array, field: string): string {
  const view = new DataView(npy.buffer, npy.byteOffset, npy.byteLength);
  const isNpy = npy.length >= 10 && npy[0] === 0x93 && String.fromCharCode(...npy.subarray(1, 6)) === 'NUMPY';
  const major = npy[6];
  const lengthSize = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthSize;
  if (!isNpy || ![1, 2, 3].includes(major) || npy.length < headerStart) return notAString(npy, field);
  const headerLength = lengthSize === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const header = new TextDecoder('latin1').decode(npy.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([<>|=]?)([US])(\d+)'/.exec(header);
  if (!descr) return notAString(npy, field);
  const shape = /'shape':\s*\(\s*(1\s*,?)?\s*\)/.exec(header);
  if (!shape) throw new InputError(field, `must be a single string: a scalar or a 1-element array; its header is ${JSON.stringify(header.trim())}`);
  const [, order, kind, count] = descr;
  const itemSize = Number(count) * (kind === 'U' ? 4 : 1);
  const dataStart = headerStart + headerLength;
  if (npy.length !== dataStart + itemSize) throw new InputError(field, `is truncated or has extra bytes: a '${descr[0]}' string holds ${itemSize} bytes of data`);
  let text = '';
  for (let i = 0; i < Number(count); i++) {
    const code = kind === 'U' ? view.getUint32(dataStart + 4 * i, order !== '>') : npy[dataStart + i];
    if (code > 0x10ffff) throw new InputError(field, 'holds an invalid character');
    text += String.fromCodePoint(code);
  }
  return text.replace(/\0+$/, ''); // numpy pads shorter strings with NULs
}

/** Explains what `layout` is when it is not a numpy string (parseNpy names a broken file). */
function notAString(npy: Uint8Array, field: string): never {
  const arr = parseNpy(npy, field);
  throw new InputError(field, `has dtype ${arr.dtype}; it must be a string, 'oi' or 'io' (save it as layout=np.array('io'))`);
}

/** A numpy '<U<n>' scalar .npy, as np.save(np.array(text)) writes it. */
function npyString(text: string): Uint8Array {
  const codes = Array.from(text, (c) => c.codePointAt(0)!);
  let header = `{'descr': '<U${codes.length}', 'fortran_order': False, 'shape': (), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n'; // as numpy: the data starts on a 64-byte boundary
  const out = new Uint8Array(10 + header.length + 4 * codes.length);
  const view = new DataView(out.buffer);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  codes.forEach((c, i) => view.setUint32(10 + header.length + 4 * i, c, true));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * The layer as an .npz in the format parseLayerNpz reads: shape, layout, n_in, n_out, q,
 * n_slices, matrices (uint8), packed, alpha (float64), bias (float64, if any), in that order.
 * Deterministic bytes; stored unless `compress`.
 */
export function layerNpzBytes(layer: TrainedLayer, options: { compress?: boolean } = {}): Uint8Array {
  checkTrainedLayer(layer);
  const { nIn, nOut, planes, nSlices } = layer;
  const cout = layer.shape[0];
  const nBytes = Math.ceil((nSlices * nIn) / 8);
  const int64Scalar = (v: number) => writeNpy({ dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(v)) });
  const matrices = new Uint8Array(planes * nOut * nIn);
  layer.matrices.forEach((m, p) => matrices.set(m.bits, p * nOut * nIn));
  const packed = new Uint8Array(planes * nBytes);
  layer.packed.forEach((bytes, p) => packed.set(bytes, p * nBytes));
  const alpha = new Float64Array(planes * cout);
  layer.alpha.forEach((row, p) => alpha.set(row, p * cout));

  const members = new Map<string, Uint8Array>([
    ['shape', writeNpy({ dtype: 'int64', shape: [layer.shape.length], data: BigInt64Array.from(layer.shape, BigInt) })],
    ['layout', npyString(layer.layout)],
    ['n_in', int64Scalar(nIn)],
    ['n_out', int64Scalar(nOut)],
    ['q', int64Scalar(planes)],
    ['n_slices', int64Scalar(nSlices)],
    ['matrices', writeNpy({ dtype: 'uint8', shape: [planes, nOut, nIn], data: matrices })],
    ['packed', writeNpy({ dtype: 'uint8', shape: [planes, nBytes], data: packed })],
    ['alpha', writeNpy({ dtype: 'float64', shape: [planes, cout], data: alpha })],
  ]);
  if (layer.bias) members.set('bias', writeNpy({ dtype: 'float64', shape: [cout], data: Float64Array.from(layer.bias) }));
  return writeNpzMembers(members, options);
}

/** Throws a RangeError if the parts of `layer` do not fit together (a programming error). */
function checkTrainedLayer(layer: TrainedLayer): void {
  const { shape, nIn, nOut, planes, nSlices } = layer;
  const fail = (problem: string): never => {
    throw new RangeError(`layerNpzBytes: ${problem}`);
  };
  if ((shape.length !== 2 && shape.length !== 4) || shape.some((d) => !Number.isSafeInteger(d) || d < 1)) fail(`bad shape ${formatShape(shape)}`);
  if (layer.layout !== 'oi' && layer.layout !== 'io') fail(`bad layout ${String(layer.layout)}`);
  if (nSlices !== Math.ceil(shape.reduce((a, b) => a * b, 1) / nOut)) fail(`nSlices ${nSlices} does not fit shape ${formatShape(shape)} and nOut ${nOut}`);
  if (layer.matrices.length !== planes || layer.packed.length !== planes || layer.alpha.length !== planes) fail(`matrices, packed and alpha must have ${planes} planes`);
  if (layer.matrices.some((m) => m.nIn !== nIn || m.nOut !== nOut || m.bits.length !== nIn * nOut || m.bits.some((b) => b > 1))) fail(`every matrix must be ${nOut} x ${nIn} of 0/1`);
  if (layer.packed.some((bytes) => bytes.length !== Math.ceil((nSlices * nIn) / 8))) fail(`every packed plane must have ceil(nSlices * nIn / 8) = ${Math.ceil((nSlices * nIn) / 8)} bytes`);
  const reals = [...layer.alpha, ...(layer.bias ? [layer.bias] : [])];
  if (reals.some((row) => row.length !== shape[0] || row.some((v) => !Number.isFinite(v)))) fail(`alpha rows and bias must hold ${shape[0]} finite values`);
}

/** A seeded layer (drawLayer) as a TrainedLayer: its real scales, and its real biases if config.bias. */
export function trainedLayerFromData(data: LayerData): TrainedLayer {
  const { config } = data;
  return {
    shape: [...config.shape],
    layout: config.layout,
    nIn: config.nIn,
    nOut: config.nOut,
    planes: config.planes,
    nSlices: data.nSlices,
    matrices: data.matrices,
    packed: data.encrypted,
    alpha: data.alphaReal.map((row) => Float64Array.from(row)),
    ...(config.bias ? { bias: Float64Array.from(data.biasReal) } : {}),
  };
}
