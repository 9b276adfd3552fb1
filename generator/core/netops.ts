/**
 * The operations between the layers of a network (docs/NETWORK.md), on feature maps stored in
 * stream order (docs/STREAMS.md): pixel (h, w) at (h*W + w)*C, channels fastest. Integer versions
 * work on Int32Array (every value an exact integer), real versions on Float64Array; the shared
 * ones take either. Pure functions, no state.
 */
import { InputError } from './errors.js';
import { roundHalfEven } from './layer.js';
import { applyDivider, type AverageDivider } from './pool.js';

/** A feature map's dimensions: H x W x C. */
export interface FeatureShape {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** A conv kernel as the layer engine sees it: [Cout, Cin, kh, kw]; a linear layer is [out, in, 1, 1]. */
export interface Kernel {
  readonly cout: number;
  readonly cin: number;
  readonly kh: number;
  readonly kw: number;
}

export type FeatureMap = Int32Array | Float64Array;

/** H x W x C as the messages write it. */
export function shapeText(s: FeatureShape): string {
  return `${s.h} x ${s.w} x ${s.c}`;
}

/** Values of a feature map: H * W * C. */
export function shapeSize(s: FeatureShape): number {
  return s.h * s.w * s.c;
}

/** Output rows (or columns) of a conv, as PyTorch: floor((size + 2*padding - kernel) / stride) + 1. */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/**
 * The input vector of output position (ho, wo), in the layer's k order (cin, i, j), j fastest:
 * out[(cin*kh + i)*kw + j] = x[ho*stride + i - padding][wo*stride + j - padding][cin], 0 where
 * that position lies in the zero padding. Writes into `out` (K = Cin*kh*kw entries) and returns it.
 */
export function convWindow<T extends FeatureMap>(x: T, shape: FeatureShape, kernel: Kernel, stride: number, padding: number, ho: number, wo: number, out: T): T {
  const { h: H, w: W, c: C } = shape;
  const { kh, kw } = kernel;
  for (let i = 0; i < kh; i++) {
    const row = ho * stride + i - padding;
    for (let j = 0; j < kw; j++) {
      const col = wo * stride + j - padding;
      const inside = row >= 0 && row < H && col >= 0 && col < W;
      const base = (row * W + col) * C;
      for (let cin = 0; cin < C; cin++) out[(cin * kh + i) * kw + j] = inside ? x[base + cin] : 0;
    }
  }
  return out;
}

/** Every window of a conv in raster order of the output positions: the sliding window's vector stream. */
export function convWindows(x: Int32Array, shape: FeatureShape, kernel: Kernel, stride: number, padding: number): Int32Array[] {
  const ho = convOutputSize(shape.h, kernel.kh, stride, padding);
  const wo = convOutputSize(shape.w, kernel.kw, stride, padding);
  const k = shape.c * kernel.kh * kernel.kw;
  const vectors: Int32Array[] = [];
  for (let r = 0; r < ho; r++) for (let q = 0; q < wo; q++) vectors.push(convWindow(x, shape, kernel, stride, padding, r, q, new Int32Array(k)));
  return vectors;
}

/** max(x, 0) for every value (a copy). */
export function relu<T extends FeatureMap>(x: T): T {
  const out = x.slice() as T;
  for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0;
  return out;
}

/** k x k max pool, stride k (H and W multiples of k): out[ho][wo][c] = max over the window. */
export function maxPool<T extends FeatureMap>(x: T, shape: FeatureShape, k: number): T {
  const { h: H, w: W, c: C } = shape;
  if (H % k !== 0 || W % k !== 0) throw new RangeError(`maxPool: ${k} does not divide ${H} x ${W}`);
  const ho = H / k;
  const wo = W / k;
  const out = new (x.constructor as new (n: number) => T)(ho * wo * C);
  for (let r = 0; r < ho; r++) {
    for (let q = 0; q < wo; q++) {
      const o = (r * wo + q) * C;
      for (let c = 0; c < C; c++) {
        let m = -Infinity;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m = Math.max(m, x[((r * k + i) * W + q * k + j) * C + c]);
        out[o + c] = m;
      }
    }
  }
  return out;
}

/** Per channel, the sum of the H*W values (exact for integers: |sum| < 2^53 for every allowed size). */
function channelSums(x: FeatureMap, shape: FeatureShape): Float64Array {
  const { c: C } = shape;
  const sums = new Float64Array(C);
  for (let p = 0; p < shape.h * shape.w; p++) for (let c = 0; c < C; c++) sums[c] += x[p * C + c];
  return sums;
}

/**
 * Global average pool on integers: per channel `floor((sum * M + R) / 2^S)`, the divider of the
 * layer (core/pool.ts; equal to round_half_up(sum / (H*W)) on the input's range); a 1 x 1 x C map.
 */
export function globalAvgPoolInt(x: Int32Array, shape: FeatureShape, divider: AverageDivider): Int32Array {
  return Int32Array.from(channelSums(x, shape), (s) => Number(applyDivider(BigInt(s), divider)));
}

/** Global average pool on reals: per channel sum / (H*W). */
export function globalAvgPoolReal(x: Float64Array, shape: FeatureShape): Float64Array {
  const count = shape.h * shape.w;
  return channelSums(x, shape).map((s) => s / count);
}

/** PyTorch's flatten of a (C, H, W) tensor: out[(c*H + h)*W + w] = x[(h*W + w)*C + c]. */
export function flatten<T extends FeatureMap>(x: T, shape: FeatureShape): T {
  const { h: H, w: W, c: C } = shape;
  const out = new (x.constructor as new (n: number) => T)(H * W * C);
  for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) out[(c * H + h) * W + w] = x[(h * W + w) * C + c];
  return out;
}

/**
 * Option A of a ResNet shortcut: keep every stride-th row and column from the first (x[::s, ::s],
 * ceil(H/s) x ceil(W/s)), and place the C channels at offset .. offset + C - 1 of `channels`, the
 * others 0. Values and their scale are unchanged.
 */
export function shortcut<T extends FeatureMap>(x: T, shape: FeatureShape, stride: number, channels: number, offset: number): T {
  const { h: H, w: W, c: C } = shape;
  const ho = Math.ceil(H / stride);
  const wo = Math.ceil(W / stride);
  const out = new (x.constructor as new (n: number) => T)(ho * wo * channels);
  for (let r = 0; r < ho; r++) {
    for (let q = 0; q < wo; q++) {
      const src = ((r * stride) * W + q * stride) * C;
      const dst = (r * wo + q) * channels + offset;
      for (let c = 0; c < C; c++) out[dst + c] = x[src + c];
    }
  }
  return out;
}

/** The fixed-point form of an add (docs/NETWORK.md, "Add"). */
export interface AddRequant {
  /** M_a, M_b: unsigned multipliers of the two inputs. */
  readonly multipliers: readonly [number, number];
  /** S: the right shift. */
  readonly shift: number;
  /** The saturation range of the output (signed outBits). */
  readonly min: number;
  readonly max: number;
}

/**
 * An add on integers: out = sat(floor((a*M_a + b*M_b + 2^(S-1)) / 2^S)) per value (S = 0: no
 * rounding term), i.e. round half up, saturated to [min, max]. Exact in float64: |a|, |b| < 2^16
 * and M < 2^16 keep every sum below 2^33.
 */
export function addInt(a: Int32Array, b: Int32Array, add: AddRequant): Int32Array {
  const [ma, mb] = add.multipliers;
  const half = add.shift > 0 ? 2 ** (add.shift - 1) : 0;
  const unit = 2 ** add.shift;
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = Math.floor((a[i] * ma + b[i] * mb + half) / unit);
    out[i] = v < add.min ? add.min : v > add.max ? add.max : v;
  }
  return out;
}

/** The index of the largest value; ties go to the lowest index. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Logits, labels and, when asked, every tensor of every image: what a network run returns. */
export interface NetworkRun<T extends ArrayLike<number>> {
  /** Logits per image. */
  readonly logits: T[];
  /** argmax of the logits, ties to the lowest index. */
  readonly labels: number[];
  /** With options.tensors: every tensor of every image, [image][tensor], stream order. */
  readonly tensors?: T[][];
}

/**
 * Runs `forward` on every input: the logits, their labels and, with `tensors`, the trace of every
 * tensor `forward` visits (the integer golden model and the float view share it).
 */
export function runNetwork<T extends ArrayLike<number>>(inputs: readonly T[], forward: (x: T, visit?: (tensor: number, t: T) => void) => T, tensors = false): NetworkRun<T> {
  const traces: T[][] = [];
  const logits = inputs.map((x) => {
    const trace: T[] = [];
    const out = forward(x, tensors ? (_, t) => trace.push(t) : undefined);
    if (tensors) traces.push(trace);
    return out;
  });
  return { logits, labels: logits.map(argmax), ...(tensors ? { tensors: traces } : {}) };
}

/** The value range of a `bits`-bit integer: signed two's complement or unsigned. */
export function intRange(bits: number, signed: boolean): { min: number; max: number } {
  return signed ? { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 } : { min: 0, max: 2 ** bits - 1 };
}

/**
 * A real input value as an integer of the input tensor: round_half_to_even(x / scale) (numpy's
 * np.rint, torch.round), computed in float64, then saturated to the tensor's range. Throws an
 * InputError naming `field` for a value that is not finite.
 */
export function quantizeReal(x: number, scale: number, range: { min: number; max: number }, field: string): number {
  if (!Number.isFinite(x)) throw new InputError(field, `must be a finite number; got ${x}`);
  const q = roundHalfEven(x / scale);
  return q < range.min ? range.min : q > range.max ? range.max : q;
}
