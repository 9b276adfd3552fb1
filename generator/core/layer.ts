/**
 * A whole FleXOR layer: q bit-planes of XOR-compressed binary weights, each decoded by its XOR
 * matrix, feeding a binary multiply-accumulate array, then per-channel fixed-point scales, an
 * optional bias and an optional requantization. This file holds the layer's configuration, its
 * exact integer arithmetic (value ranges and the bit width of every intermediate), the seeded
 * draws of its data and the golden model. docs/ARITHMETIC.md is the specification; every formula
 * here is written there, with a numpy reference.
 *
 * Everything is exact: activations and accumulators are JavaScript integers well inside 2^53
 * (|acc| <= K * 2^15 <= 2^46), scales, products, sums and outputs are BigInt.
 */
import { InputError, requireInteger } from './errors.js';
import { StreamDecoder, unpackBits } from './golden.js';
import { checkDraw, checkMatrixSpec, drawPlanes, type MatrixDraw, type XorMatrix } from './matrix.js';
import { testRandom } from './prng.js';

/** Order of the flattened weight tensor in a plane's decoded stream. */
export type Layout = 'oi' | 'io';

/** Largest number of weights N * K of one layer. */
export const MAX_LAYER_WEIGHTS = 2 ** 31;
export const MIN_ACT_BITS = 2;
export const MAX_ACT_BITS = 16;
export const MIN_ALPHA_BITS = 2;
export const MAX_ALPHA_BITS = 32;
export const MIN_BIAS_BITS = 2;
export const MAX_BIAS_BITS = 48;
export const MAX_REQUANT_SHIFT = 62;
export const MIN_OUT_BITS = 2;
export const MAX_OUT_BITS = 32;

/** Test-vector streams (testRandom(seed, stream), docs/MATRIX.md) of a layer's seeded data. */
export const ALPHA_STREAM = 8;
export const BIAS_STREAM = 9;
export const ACTIVATION_STREAM = 10;
/** Plane p's encrypted bits come from stream ENCRYPTED_STREAM_BASE + p (16 .. 79). */
export const ENCRYPTED_STREAM_BASE = 16;

/** What the CLI passes; undefined means the default. */
export interface LayerOptions {
  /** [Cout, Cin, kh, kw] (conv) or [out, in] (linear). N = shape[0], K = product of the rest. */
  shape: number[];
  nIn: number;
  nOut: number;
  nTap?: number;
  dense?: boolean;
  /** Which matrix of the seed's sequence: first (default) or full (docs/MATRIX.md). */
  draw?: MatrixDraw;
  /** Default 1. */
  seed?: number;
  /** Bit-planes q, default 1. */
  planes?: number;
  /** Default 'oi'. */
  layout?: Layout;
  /** Output channels computed in parallel (P), default 1, 1..N. */
  lanes?: number;
  /** Activations consumed per cycle (G), default 1, 1..K. */
  simd?: number;
  /** Bits of a signed activation (A), default 8, 2..16. */
  actBits?: number;
  /** Total bits of a signed fixed-point scale, default 16, 2..32. */
  alphaBits?: number;
  /** Fraction bits of a scale (and of the bias and of the output), default 12, 0..alphaBits-1. */
  alphaFrac?: number;
  /** Default false; with it, seeded real biases are drawn. */
  bias?: boolean;
  /** Total bits of a signed fixed-point bias, default 32, 2..48; only with bias. */
  biasBits?: number;
  /** With it (0..62) the output is requantized: rounded, shifted right, saturated. */
  requantShift?: number;
  /** Saturation width with requant, default 8, 2..32; only with requantShift. */
  outBits?: number;
}

/** The resolved, validated configuration, every default filled in. */
export interface LayerConfig {
  readonly shape: readonly number[];
  /** Output channels: shape[0]. */
  readonly n: number;
  /** Inputs per output channel: the product of shape[1..]. */
  readonly k: number;
  readonly layout: Layout;
  /** Bit-planes q. */
  readonly planes: number;
  readonly nIn: number;
  readonly nOut: number;
  /** Set unless dense. */
  readonly nTap?: number;
  /** Set (true) only for dense matrices. */
  readonly dense?: boolean;
  /** Set only for a full draw; absent, the seed's first matrices. */
  readonly draw?: 'full';
  readonly seed: number;
  /** P. */
  readonly lanes: number;
  /** G. */
  readonly simd: number;
  /** A. */
  readonly actBits: number;
  readonly alphaBits: number;
  readonly alphaFrac: number;
  readonly bias: boolean;
  /** Set even without bias (its default), and then unused. */
  readonly biasBits: number;
  readonly requant?: { readonly shift: number; readonly outBits: number };
}

/** An inclusive range of integers. */
export interface Range {
  readonly min: bigint;
  readonly max: bigint;
}

/** Exact value ranges of every quantity of the layer (docs/ARITHMETIC.md, "Ranges and widths"). */
export interface LayerRanges {
  act: Range;
  actSum: Range;
  maskedSum: Range;
  simdSum: Range;
  acc: Range;
  alpha: Range;
  product: Range;
  sum: Range;
  bias: Range;
  out: Range;
  rounded: Range;
  shifted: Range;
  final: Range;
}

/**
 * Signed two's-complement bit widths. Each is the fewest bits holding its exact range, except
 * `final`, the port width (out, or requant.outBits), and `alpha`/`bias`, the format widths.
 */
export interface LayerWidths {
  /** An activation: A. */
  act: number;
  /** The sum of all K activations of a vector (computed once per vector, shared by all channels). */
  actSum: number;
  /** A masked sum: the sum of the activations whose weight bit is 1 (any subset of the K). */
  maskedSum: number;
  /** The sum of one cycle's G activations (or any subset of them): a partial sum per cycle. */
  simdSum: number;
  /** acc_p[c] = sum_k b * a = 2 * masked - actSum. */
  acc: number;
  /** A scale: alphaBits. */
  alpha: number;
  /** alpha_p[c] * acc_p[c]. */
  product: number;
  /** The sum over the q planes of the products. */
  sum: number;
  /** A bias: biasBits, or 0 without bias. */
  bias: number;
  /** out[c] = sum + bias: the layer output before requantization. */
  out: number;
  /** out + 2^(shift-1) (shift > 0), else out; equals `out` without requant. */
  rounded: number;
  /** floor(rounded / 2^shift), before saturation; equals `out` without requant. */
  shifted: number;
  /** What leaves the layer: out, or requant.outBits. */
  final: number;
}

export interface LayerData {
  config: LayerConfig;
  /** One XOR matrix per plane (drawPlanes). */
  matrices: XorMatrix[];
  /** Per plane, S * Nin encrypted bits packed in np.packbits order. */
  encrypted: Uint8Array[];
  /** S = ceil(N * K / Nout). */
  nSlices: number;
  /** Fixed-point scales [q][N], units of 2^-alphaFrac, signed alphaBits. */
  alpha: bigint[][];
  /** Fixed-point biases [N], units of 2^-alphaFrac, signed biasBits; zeros without bias. */
  bias: bigint[];
  /** The real scales the fixed-point ones were rounded from, [q][N]. */
  alphaReal: number[][];
  /** The real biases, [N]; zeros without bias. */
  biasReal: number[];
}

export interface LayerResult {
  /** acc_p[c], [q][N]. */
  acc: bigint[][];
  /** out[c], [N], units of 2^-alphaFrac. */
  out: bigint[];
  /** requantized out (or out without requant), [N]. */
  final: bigint[];
  /** sum_k a[k], shared by every channel and plane. */
  actSum: bigint;
  /** masked_p[c] = sum of a[k] over the k with bit 1, [q][N]. */
  masked: bigint[][];
}

// ---------------------------------------------------------------------------------------------
// Configuration

function checkShape(shape: unknown): number[] {
  const allowed = `must be 2 integers [out, in] (linear) or 4 integers [Cout, Cin, kh, kw] (conv), each at least 1, with N * K = their product at most 2^31 (${MAX_LAYER_WEIGHTS})`;
  if (!Array.isArray(shape)) throw new InputError('--shape', `${allowed}; got ${JSON.stringify(shape) ?? String(shape)}`);
  const got = `got [${shape.map((v) => (typeof v === 'number' ? String(v) : JSON.stringify(v))).join(', ')}]`;
  if (shape.length !== 2 && shape.length !== 4) throw new InputError('--shape', `${allowed}; ${got} (${shape.length} entries)`);
  let product = 1;
  for (const v of shape) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new InputError('--shape', `${allowed}; ${got}`);
    product *= v;
  }
  if (product > MAX_LAYER_WEIGHTS) {
    const exact = shape.reduce((x: bigint, y: number) => x * BigInt(y), 1n);
    throw new InputError('--shape', `${allowed}; ${got}, ${exact} weights`);
  }
  return [...shape] as number[];
}

/** Validates the options, fills in every default. Every error is an InputError naming its flag. */
export function resolveLayer(options: LayerOptions): LayerConfig {
  const shape = checkShape(options.shape);
  const n = shape[0];
  const k = shape.slice(1).reduce((x, y) => x * y, 1);
  const seed = options.seed ?? 1;
  const planes = options.planes ?? 1;
  if (options.dense !== undefined && typeof options.dense !== 'boolean') {
    throw new InputError('--dense', `must be true or false; got ${JSON.stringify(options.dense)}`);
  }
  const draw = checkDraw(options.draw);
  checkMatrixSpec({ nIn: options.nIn, nOut: options.nOut, nTap: options.nTap, dense: options.dense, seed, planes });
  const layout = options.layout ?? 'oi';
  if (layout !== 'oi' && layout !== 'io') {
    throw new InputError('--layout', `must be oi (PyTorch order, [Cout, Cin, kh, kw]) or io ([kh, kw, Cin, Cout], output channel fastest); got ${JSON.stringify(layout)}`);
  }
  const lanes = requireInteger('--lanes', options.lanes ?? 1, 1, n, `an integer from 1 to N = ${n} (the output channels, shape[0])`);
  const simd = requireInteger('--simd', options.simd ?? 1, 1, k, `an integer from 1 to K = ${k} (the inputs per output channel)`);
  const actBits = requireInteger('--act-bits', options.actBits ?? 8, MIN_ACT_BITS, MAX_ACT_BITS);
  const alphaBits = requireInteger('--alpha-bits', options.alphaBits ?? 16, MIN_ALPHA_BITS, MAX_ALPHA_BITS);
  const alphaFrac = requireInteger('--alpha-frac', options.alphaFrac ?? 12, 0, alphaBits - 1, `an integer from 0 to --alpha-bits - 1 (${alphaBits - 1})`);
  const bias = options.bias ?? false;
  if (typeof bias !== 'boolean') throw new InputError('--bias', `must be true or false; got ${JSON.stringify(bias)}`);
  if (options.biasBits !== undefined && !bias) throw new InputError('--bias-bits', 'only applies with --bias');
  const biasBits = requireInteger('--bias-bits', options.biasBits ?? 32, MIN_BIAS_BITS, MAX_BIAS_BITS);
  if (options.outBits !== undefined && options.requantShift === undefined) {
    throw new InputError('--out-bits', 'only applies with --requant-shift (the saturation width of the requantized output)');
  }
  let requant: LayerConfig['requant'];
  if (options.requantShift !== undefined) {
    const shift = requireInteger('--requant-shift', options.requantShift, 0, MAX_REQUANT_SHIFT);
    const outBits = requireInteger('--out-bits', options.outBits ?? 8, MIN_OUT_BITS, MAX_OUT_BITS);
    requant = { shift, outBits };
  }
  const matrix = options.dense ? { dense: true as const } : { nTap: options.nTap as number };
  return {
    shape,
    n,
    k,
    layout,
    planes,
    nIn: options.nIn,
    nOut: options.nOut,
    ...matrix,
    ...(draw === 'full' ? { draw } : {}),
    seed,
    lanes,
    simd,
    actBits,
    alphaBits,
    alphaFrac,
    bias,
    biasBits,
    ...(requant ? { requant } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Ranges and widths

/** The fewest bits w >= 1 such that -2^(w-1) <= min and max <= 2^(w-1) - 1. */
export function signedBits(min: bigint, max: bigint): number {
  if (min > max) throw new RangeError(`signedBits: empty range [${min}, ${max}]`);
  let w = 1;
  while (min < -(1n << BigInt(w - 1)) || max > (1n << BigInt(w - 1)) - 1n) w++;
  return w;
}

/** The range of a signed two's-complement integer of `bits` bits. */
export function signedRange(bits: number): Range {
  const half = 1n << BigInt(bits - 1);
  return { min: -half, max: half - 1n };
}

/** floor(x / 2^shift), the arithmetic shift right. */
function floorShift(x: bigint, shift: number): bigint {
  return x >> BigInt(shift);
}

/** Exact ranges of every quantity over all activations, weight bits, scales and biases. */
export function layerRanges(config: LayerConfig): LayerRanges {
  const K = BigInt(config.k);
  const G = BigInt(config.simd);
  const q = BigInt(config.planes);
  const act = signedRange(config.actBits);
  const sumOf = (count: bigint): Range => ({ min: count * act.min, max: count * act.max });
  const actSum = sumOf(K);
  const m = -act.min * K; // K * 2^(A-1): the largest |acc|, reached with every a[k] = -2^(A-1)
  const alpha = signedRange(config.alphaBits);
  const p = -alpha.min * m; // 2^(B-1) * K * 2^(A-1): alpha = -2^(B-1) times acc = -m or +m
  const product = { min: -p, max: p };
  const sum = { min: q * product.min, max: q * product.max };
  const bias = config.bias ? signedRange(config.biasBits) : { min: 0n, max: 0n };
  const out = { min: sum.min + bias.min, max: sum.max + bias.max };
  let rounded = out;
  let shifted = out;
  let final = out;
  if (config.requant) {
    const { shift, outBits } = config.requant;
    const half = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
    rounded = { min: out.min + half, max: out.max + half };
    shifted = { min: floorShift(rounded.min, shift), max: floorShift(rounded.max, shift) };
    final = { min: saturate(shifted.min, outBits), max: saturate(shifted.max, outBits) };
  }
  return { act, actSum, maskedSum: actSum, simdSum: sumOf(G), acc: { min: -m, max: m }, alpha, product, sum, bias, out, rounded, shifted, final };
}

/** The bit width of every quantity (docs/ARITHMETIC.md). */
export function layerWidths(config: LayerConfig): LayerWidths {
  const r = layerRanges(config);
  const bits = (x: Range) => signedBits(x.min, x.max);
  const out = bits(r.out);
  return {
    act: config.actBits,
    actSum: bits(r.actSum),
    maskedSum: bits(r.maskedSum),
    simdSum: bits(r.simdSum),
    acc: bits(r.acc),
    alpha: config.alphaBits,
    product: bits(r.product),
    sum: bits(r.sum),
    bias: config.bias ? config.biasBits : 0,
    out,
    rounded: bits(r.rounded),
    shifted: bits(r.shifted),
    final: config.requant ? config.requant.outBits : out,
  };
}

// ---------------------------------------------------------------------------------------------
// Fixed point, requantization

/**
 * round_half_to_even(value * 2^frac) as a signed `bits`-bit integer (numpy's np.rint, Python's
 * round()). value * 2^frac is computed in float64, exact unless it over- or underflows. Throws an
 * InputError naming `field` if value is not finite or the result does not fit.
 */
export function realToFixed(value: number, bits: number, frac: number, field: string): bigint {
  if (!Number.isInteger(bits) || bits < 1 || bits > 1024) throw new RangeError(`realToFixed: bits must be an integer from 1 to 1024; got ${bits}`);
  if (!Number.isInteger(frac) || frac < 0 || frac > 1023) throw new RangeError(`realToFixed: frac must be an integer from 0 to 1023; got ${frac}`);
  const range = signedRange(bits);
  const allowed = `must be a finite number that, rounded to ${frac} fraction bits, fits ${bits} signed bits: ${fixedToString(range.min, frac)} to ${fixedToString(range.max, frac)}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(field, `${allowed}; got ${String(value)}`);
  const scaled = value * 2 ** frac;
  if (!Number.isFinite(scaled)) throw new InputError(field, `${allowed}; got ${value}`);
  const fixed = BigInt(roundHalfEven(scaled));
  if (fixed < range.min || fixed > range.max) throw new InputError(field, `${allowed}; got ${value} (${fixed} units of 2^-${frac})`);
  return fixed;
}

/** Rounds to the nearest integer, ties to even. Exact for every double. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f; // exact: x and f share the binade or x is an integer
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** A fixed-point value as a decimal (for messages; rounded to a double). */
function fixedToString(units: bigint, frac: number): string {
  const value = Number(units) / 2 ** frac;
  return String(value);
}

/** Clamps `value` to the signed `bits`-bit range. */
export function saturate(value: bigint, bits: number): bigint {
  const { min, max } = signedRange(bits);
  return value < min ? min : value > max ? max : value;
}

/**
 * final = saturate_outBits(floor((out + 2^(shift-1)) / 2^shift)) for shift > 0 (round half up),
 * saturate_outBits(out) for shift = 0; out itself without requant.
 */
export function requantize(out: bigint, requant: LayerConfig['requant']): bigint {
  if (!requant) return out;
  const { shift, outBits } = requant;
  const rounded = shift > 0 ? out + (1n << BigInt(shift - 1)) : out;
  return saturate(floorShift(rounded, shift), outBits);
}

// ---------------------------------------------------------------------------------------------
// Weight positions

/** The [Cout, Cin, kh, kw] view of the shape: a linear [out, in] layer is [out, in, 1, 1]. */
function convDims(config: LayerConfig): { cin: number; kh: number; kw: number } {
  const [, cin, kh = 1, kw = 1] = config.shape;
  return { cin, kh, kw };
}

/**
 * Position in a plane's decoded stream of weight (c, k), k = (cin*kh + i)*kw + j:
 * oi: c*K + k; io: k'*N + c with k' = (i*kw + j)*Cin + cin.
 */
export function weightPosition(config: LayerConfig, c: number, k: number): number {
  if (!Number.isInteger(c) || c < 0 || c >= config.n || !Number.isInteger(k) || k < 0 || k >= config.k) {
    throw new RangeError(`weightPosition: need 0 <= c < ${config.n}, 0 <= k < ${config.k}; got c = ${c}, k = ${k}`);
  }
  if (config.layout === 'oi') return c * config.k + k;
  const { cin: nCin, kh, kw } = convDims(config);
  const j = k % kw;
  const i = Math.floor(k / kw) % kh;
  const cin = Math.floor(k / (kh * kw));
  return ((i * kw + j) * nCin + cin) * config.n + c;
}

// ---------------------------------------------------------------------------------------------
// Seeded data

/** S = ceil(N * K / Nout): slices per plane. */
export function layerSlices(config: LayerConfig): number {
  return Math.ceil((config.n * config.k) / config.nOut);
}

/** The exponent e of the bias range [-2^e, 2^e): min(A - 1, biasBits - 2 - alphaFrac). */
export function biasExponent(config: LayerConfig): number {
  return Math.min(config.actBits - 1, config.biasBits - 2 - config.alphaFrac);
}

/** `nBits` bits of stream `stream`, bit b of output w being stream bit 32w + b, packed MSB first. */
function drawPackedBits(seed: number, stream: number, nBits: number): Uint8Array {
  const rng = testRandom(seed, stream);
  const bytes = new Uint8Array(Math.ceil(nBits / 8));
  for (let pos = 0; pos < nBits; pos += 32) {
    const r = rng.nextUint32();
    const end = Math.min(32, nBits - pos);
    for (let b = 0; b < end; b++) {
      if ((r >>> b) & 1) bytes[(pos + b) >> 3] |= 0x80 >> ((pos + b) & 7);
    }
  }
  return bytes;
}

/**
 * Draws a layer's data from its seed: matrices by drawPlanes; plane p's S*Nin encrypted bits from
 * stream 16 + p; scales from stream 8; biases (with bias) from stream 9. docs/ARITHMETIC.md.
 */
export function drawLayer(config: LayerConfig): LayerData {
  const { n, planes: q, seed, alphaBits, alphaFrac } = config;
  const matrices = drawPlanes(config);
  const nSlices = layerSlices(config);
  const encrypted = Array.from({ length: q }, (_, p) => drawPackedBits(seed, ENCRYPTED_STREAM_BASE + p, nSlices * config.nIn));

  const alphaRng = testRandom(seed, ALPHA_STREAM);
  const alphaReal: number[][] = [];
  const alpha: bigint[][] = [];
  for (let p = 0; p < q; p++) {
    const real = Array.from({ length: n }, () => (1 + alphaRng.below(0x10000)) * 2 ** -(17 + p));
    alphaReal.push(real);
    alpha.push(real.map((v, c) => realToFixed(v, alphaBits, alphaFrac, `alpha[${p}][${c}]`)));
  }

  let biasReal = new Array<number>(n).fill(0);
  let bias = new Array<bigint>(n).fill(0n);
  if (config.bias) {
    const rng = testRandom(seed, BIAS_STREAM);
    const e = biasExponent(config);
    biasReal = Array.from({ length: n }, () => (rng.nextUint32() - 2 ** 31) * 2 ** (e - 31));
    bias = biasReal.map((v, c) => realToFixed(v, config.biasBits, alphaFrac, `bias[${c}]`));
  }
  return { config, matrices, encrypted, nSlices, alpha, bias, alphaReal, biasReal };
}

/**
 * Plane `plane`'s decoded weight bits in (c, k) order, whatever the layout: result[c*K + k] is 1
 * for the weight +1, 0 for -1. Decodes the packed stream with StreamDecoder.
 */
export function weightBits(data: LayerData, plane: number): Uint8Array {
  if (!Number.isInteger(plane) || plane < 0 || plane >= data.matrices.length) {
    throw new RangeError(`weightBits: plane must be an integer from 0 to ${data.matrices.length - 1}; got ${plane}`);
  }
  return planeWeightBits(data.config, data.matrices[plane], data.encrypted[plane], data.nSlices);
}

/**
 * The decoded weight bits of one plane, given its matrix and its packed encrypted stream of
 * `nSlices` slices, in (c, k) order (bits[c*K + k], 1 = +1) for `config`'s shape and layout. Only
 * the shape, layout and N, K of `config` are used (not its arithmetic).
 */
export function planeWeightBits(config: LayerConfig, matrix: XorMatrix, encrypted: Uint8Array, nSlices: number): Uint8Array {
  const { n: N, k: K } = config;
  const decoded = new StreamDecoder(matrix).decode(encrypted, nSlices);
  const flat = unpackBits(decoded, N * K);
  if (config.layout === 'oi') return flat;
  const { cin: nCin, kh, kw } = convDims(config);
  const bits = new Uint8Array(N * K);
  for (let cin = 0; cin < nCin; cin++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const k = (cin * kh + i) * kw + j;
        const base = ((i * kw + j) * nCin + cin) * N;
        for (let c = 0; c < N; c++) bits[c * K + k] = flat[base + c];
      }
    }
  }
  return bits;
}

/**
 * `vectors` activation vectors of K signed A-bit integers: vector 0 all 2^(A-1) - 1, vector 1 all
 * -2^(A-1), the rest a[k] = below(2^A) - 2^(A-1) from stream 10, vector by vector, k ascending.
 */
export function drawActivations(config: LayerConfig, vectors: number): Int32Array[] {
  if (!Number.isSafeInteger(vectors) || vectors < 0) throw new RangeError(`drawActivations: vectors must be a non-negative integer; got ${vectors}`);
  const { k: K, actBits: A } = config;
  const half = 2 ** (A - 1);
  const rng = testRandom(config.seed, ACTIVATION_STREAM);
  const result: Int32Array[] = [];
  for (let v = 0; v < vectors; v++) {
    if (v === 0) result.push(new Int32Array(K).fill(half - 1));
    else if (v === 1) result.push(new Int32Array(K).fill(-half));
    else {
      const a = new Int32Array(K);
      for (let k = 0; k < K; k++) a[k] = rng.below(2 * half) - half;
      result.push(a);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Golden model

/** Decoded bits per plane, kept per LayerData (treated as immutable once drawn). */
const bitsCache = new WeakMap<LayerData, { encrypted: Uint8Array[]; bits: Uint8Array[] }>();

function planeBits(data: LayerData): Uint8Array[] {
  const cached = bitsCache.get(data);
  if (cached && cached.encrypted.length === data.encrypted.length && cached.encrypted.every((e, p) => e === data.encrypted[p])) return cached.bits;
  const bits = data.matrices.map((_, p) => weightBits(data, p));
  bitsCache.set(data, { encrypted: [...data.encrypted], bits });
  return bits;
}

/**
 * The layer's outputs for one activation vector, by the definitions of docs/ARITHMETIC.md:
 * acc_p[c] = sum_k b_p[c,k] * a[k]; out[c] = sum_p alpha_p[c] * acc_p[c] + bias[c];
 * final[c] = requantize(out[c]). Decoded bits are cached per `data` object.
 */
export function layerGolden(data: LayerData, activations: Int32Array): LayerResult {
  const { config } = data;
  const { n: N, k: K, actBits: A } = config;
  if (activations.length !== K) throw new InputError('activations', `must have K = ${K} entries; got ${activations.length}`);
  const lo = -(2 ** (A - 1));
  const hi = 2 ** (A - 1) - 1;
  let actSum = 0;
  for (let k = 0; k < K; k++) {
    const a = activations[k];
    if (!Number.isInteger(a) || a < lo || a > hi) throw new InputError(`activations[${k}]`, `must be a signed ${A}-bit integer, ${lo} to ${hi}; got ${a}`);
    actSum += a;
  }
  const planes = planeBits(data);
  const acc: bigint[][] = [];
  const masked: bigint[][] = [];
  for (const bits of planes) {
    const accP: bigint[] = [];
    const maskedP: bigint[] = [];
    for (let c = 0; c < N; c++) {
      let s = 0;
      let m = 0;
      const base = c * K;
      for (let k = 0; k < K; k++) {
        const a = activations[k];
        if (bits[base + k]) {
          s += a;
          m += a;
        } else s -= a;
      }
      accP.push(BigInt(s));
      maskedP.push(BigInt(m));
    }
    acc.push(accP);
    masked.push(maskedP);
  }
  const out: bigint[] = [];
  for (let c = 0; c < N; c++) {
    let o = data.bias[c];
    for (let p = 0; p < planes.length; p++) o += data.alpha[p][c] * acc[p][c];
    out.push(o);
  }
  const final = out.map((o) => requantize(o, config.requant));
  return { acc, out, final, actSum: BigInt(actSum), masked };
}
