/**
 * The operations between the layers of a network (docs/NETWORK.md), on feature maps stored in
 * stream order (docs/STREAMS.md): pixel (h, w) at (h*W + w)*C, channels fastest. Integer versions
 * work on Int32Array (every value an exact integer), real versions on Float64Array; the shared
 * ones take either. Pure functions, no state.
 */
import { InputError } from './errors.js';
import { roundHalfEven } from './layer.js';

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

/** floor(a / b) for integers a and b > 0 with |a| < 2^53 (the double quotient corrected to the exact floor). */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) q -= 1;
  else if (r >= b) q += 1;
  return q;
}

/** round_half_up(sum / count) = floor(sum / count + 1/2) = floor((2*sum + count) / (2*count)). */
export function roundHalfUpDiv(sum: number, count: number): number {
  return floorDiv(2 * sum + count, 2 * count);
}

/** Global average pool on integers: per channel round_half_up(sum / (H*W)); a 1 x 1 x C map. */
export function globalAvgPoolInt(x: Int32Array, shape: FeatureShape): Int32Array {
  const count = shape.h * shape.w;
  return Int32Array.from(channelSums(x, shape), (s) => roundHalfUpDiv(s, count));
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

/** The index of the largest value; ties go to the lowest index. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
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

/** The multiplier and shift that replace the division of a global average pool. */
export interface AvgPoolDivider {
  /** S: the right shift, the smallest that works. */
  readonly shift: number;
  /** M: the smallest multiplier that works with S. */
  readonly multiplier: number;
}

/**
 * The smallest shift S, then the smallest multiplier M, such that
 * floor((sum*M + h) / 2^S) == round_half_up(sum / count) for every integer sum in
 * [count*min, count*max], with h = 2^(S-1) (h = 0 when S = 0).
 *
 * Each sum s constrains M to an interval: with r = round_half_up(s / count), the condition is
 * r*2^S <= s*M + h <= (r+1)*2^S - 1, so M >= ceil((r*2^S - h) / s) and M <= floor(((r+1)*2^S - 1 - h) / s)
 * for s > 0 (the bounds swap for s < 0; s = 0 needs h < 2^S, always true). The valid M for a
 * given S are the intersection of these intervals over every sum in range: exhaustive by
 * construction. BigInt throughout.
 */
export function avgPoolDivider(count: number, min: number, max: number): AvgPoolDivider {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`avgPoolDivider: count must be a positive integer; got ${count}`);
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) throw new RangeError(`avgPoolDivider: bad range [${min}, ${max}]`);
  const n = BigInt(count);
  const lo = n * BigInt(min);
  const hi = n * BigInt(max);
  const floorDivBig = (a: bigint, b: bigint): bigint => {
    const q = a / b;
    return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
  };
  const ceilDivBig = (a: bigint, b: bigint): bigint => -floorDivBig(-a, b);
  for (let shift = 0; shift <= 64; shift++) {
    const one = 1n << BigInt(shift);
    const h = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
    let low = 0n;
    let high = one * 2n; // M <= 2^(S+1) always holds for a working M (s = count gives r = 1)
    for (let s = lo; s <= hi && low <= high; s++) {
      if (s === 0n) continue;
      const r = floorDivBig(2n * s + n, 2n * n);
      const a = r * one - h; // s*M >= a
      const b = (r + 1n) * one - 1n - h; // s*M <= b
      if (s > 0n) {
        const l = ceilDivBig(a, s);
        const u = floorDivBig(b, s);
        if (l > low) low = l;
        if (u < high) high = u;
      } else {
        const l = ceilDivBig(b, s);
        const u = floorDivBig(a, s);
        if (l > low) low = l;
        if (u < high) high = u;
      }
    }
    if (low <= high) return { shift, multiplier: Number(low) };
  }
  throw new RangeError(`avgPoolDivider: no shift up to 64 works for count ${count}`);
}
