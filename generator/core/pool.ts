/**
 * Behavioural models of the pooling blocks (docs/STREAMS.md): max pool k x k stride k and global
 * average pool, with the one division of the average pool, `floor((sum * M + R) / 2^S)`, that the
 * network's golden model and the hardware both use, its exact check and the search of M, S and R.
 * Pure integer arithmetic.
 */
import { makeFeatureMap, featureMapAt, type FeatureMap } from './streams.js';

/**
 * Max pool `k x k`, stride `k`, no padding (PyTorch `max_pool2d(x, k)`): output `floor(H/k) x
 * floor(W/k) x C`, each value the largest of its window; rows and columns past `floor(H/k)*k`
 * and `floor(W/k)*k` are dropped.
 */
export function maxPool(fm: FeatureMap, k: number): FeatureMap {
  const ho = Math.floor(fm.h / k);
  const wo = Math.floor(fm.w / k);
  return makeFeatureMap(ho, wo, fm.c, (y, x, ch) => {
    let best = -Infinity;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) best = Math.max(best, featureMapAt(fm, y * k + i, x * k + j, ch));
    return best;
  });
}

/** `round_half_up(sum / n) = floor(sum / n + 1/2)` on exact integers, n >= 1: what the divider must equal. */
export function roundHalfUpDiv(sum: bigint, n: bigint): bigint {
  const num = 2n * sum + n;
  const den = 2n * n;
  const q = num / den;
  return num % den !== 0n && num < 0n ? q - 1n : q;
}

/**
 * The division of a global average pool by multiply, add and shift (docs/NETWORK.md, "Global
 * average pool"): `avg = floor((sum * M + R) / 2^S)`.
 */
export interface AverageDivider {
  /** M, at least 1. */
  readonly multiplier: number;
  /** S, the right shift. */
  readonly shift: number;
  /** R, the rounding constant, from 0 to 2^S - 1. */
  readonly round: number;
}

/** `floor((sum * M + R) / 2^S)`: the average the hardware computes. */
export function applyDivider(sum: bigint, divider: AverageDivider): bigint {
  return (sum * BigInt(divider.multiplier) + BigInt(divider.round)) >> BigInt(divider.shift);
}

/** Largest shift the search tries and the block accepts. */
export const MAX_DIVIDER_SHIFT = 40;

/** `coef * M + constant`: a bound on R as a function of the multiplier. */
interface Line {
  readonly coef: bigint;
  readonly constant: bigint;
}

/**
 * The bounds on R that the sums of n values in [min, max] put, as lines in M, for shift S.
 *
 * With `T = 2^S`, a sum s whose rounded average is q needs `q*T <= s*M + R <= (q+1)*T - 1`. The
 * sums with average q form the interval `[q*n - floor(n/2), q*n + ceil(n/2) - 1]` (clipped to
 * `[n*min, n*max]` for q = min and q = max); since M >= 0 its left end gives the largest lower
 * bound on R and its right end the smallest upper bound: both ends of every interval on which
 * the average is constant. Unclipped, the interval q gives `q*e + M*floor(n/2) <= R <= q*e + T -
 * 1 - M*(ceil(n/2) - 1)`, e = T - n*M: linear in q, so only the extreme q matter: the clipped
 * q = min and q = max, and the unclipped q = min + 1, max (lower) and min, max - 1 (upper).
 */
function roundBounds(n: bigint, min: bigint, max: bigint, shift: number): { lows: Line[]; highs: Line[] } {
  const t = 1n << BigInt(shift);
  const line = (q: bigint, extra: bigint, constant: bigint): Line => ({ coef: -q * n + extra, constant: q * t + constant });
  const lows = [line(min, 0n, 0n)];
  const highs = [line(max, 0n, t - 1n)];
  if (max > min) {
    const [below, above] = [n / 2n, (n + 1n) / 2n - 1n];
    lows.push(line(min + 1n, below, 0n), line(max, below, 0n));
    highs.push(line(min, -above, t - 1n), line(max - 1n, -above, t - 1n));
  }
  return { lows, highs };
}

const valueAt = (l: Line, m: bigint): bigint => l.coef * m + l.constant;

function floorDivBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function requireSums(n: number, min: number, max: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`average divider: n must be a positive integer; got ${n}`);
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > 0 || max < 0) throw new RangeError(`average divider: the range [${min}, ${max}] must hold 0`);
}

/**
 * The rounding constants R that make `floor((sum * M + R) / 2^S) = round_half_up(sum / n)` for
 * every sum of n values in [min, max] (min <= 0 <= max), M >= 0: the integers from `low` to
 * `high`, none when low > high. Exact, in constant time (roundBounds).
 */
export function roundInterval(n: number, min: number, max: number, multiplier: number, shift: number): { low: bigint; high: bigint } {
  requireSums(n, min, max);
  const { lows, highs } = roundBounds(BigInt(n), BigInt(min), BigInt(max), shift);
  const m = BigInt(multiplier);
  const low = lows.map((l) => valueAt(l, m)).reduce((a, b) => (a > b ? a : b));
  const high = highs.map((l) => valueAt(l, m)).reduce((a, b) => (a < b ? a : b));
  return { low, high };
}

/**
 * The multipliers M >= 1 for which some R works with shift S: from `low` to `high` (no upper
 * bound when high is undefined: only with min = max = 0). Every lower bound on R must lie below
 * every upper one, and each such pair is linear in M.
 */
export function multiplierInterval(n: number, min: number, max: number, shift: number): { low: bigint; high: bigint | undefined } {
  requireSums(n, min, max);
  const { lows, highs } = roundBounds(BigInt(n), BigInt(min), BigInt(max), shift);
  let low = 1n;
  let high: bigint | undefined;
  for (const l of lows) {
    for (const h of highs) {
      // (l.coef - h.coef) * M <= h.constant - l.constant
      const [a, b] = [l.coef - h.coef, h.constant - l.constant];
      if (a > 0n) high = high === undefined || floorDivBig(b, a) < high ? floorDivBig(b, a) : high;
      else if (a < 0n && -floorDivBig(b, -a) > low) low = -floorDivBig(b, -a);
      else if (a === 0n && b < 0n) return { low: 1n, high: 0n };
    }
  }
  return { low, high };
}

/**
 * Whether `floor((sum * M + R) / 2^S) = round_half_up(sum / n)` for every sum of n values in
 * [min, max]: R within roundInterval, i.e. the two agree at both ends of every interval of sums
 * on which the rounded average is constant (both sides are non-decreasing in the sum).
 */
export function dividerIsExact(divider: AverageDivider, n: number, min: number, max: number): boolean {
  if (divider.multiplier < 0) return false;
  const { low, high } = roundInterval(n, min, max, divider.multiplier, divider.shift);
  const r = BigInt(divider.round);
  return low <= r && r <= high;
}

/**
 * The smallest shift S, then the smallest multiplier M, then the rounding constant R closest to
 * 2^(S-1) (the smaller on a tie; 0 when S = 0) such that `floor((sum * M + R) / 2^S) =
 * round_half_up(sum / n)` for every sum of n values in [min, max] (min <= 0 <= max); undefined
 * when no S up to MAX_DIVIDER_SHIFT has one. Constant time per shift (multiplierInterval).
 *
 * R = 2^(S-1) is not always possible: with sums of both signs and n even but not a power of two,
 * the sum n/2 (average 1/2, rounds to 1) needs M >= 2^S/n and the sum -n/2 (-1/2 rounds to 0)
 * needs M <= 2^S/n, which is not an integer; another R works.
 */
export function findAverageDivider(n: number, min: number, max: number): AverageDivider | undefined {
  for (let shift = 0; shift <= MAX_DIVIDER_SHIFT; shift++) {
    const m = multiplierInterval(n, min, max, shift);
    if (m.high !== undefined && m.low > m.high) continue;
    const { low, high } = roundInterval(n, min, max, Number(m.low), shift);
    const half = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
    const round = half < low ? low : half > high ? high : half;
    return { multiplier: Number(m.low), shift, round: Number(round) };
  }
  return undefined;
}

/**
 * Global average pool `H x W x C -> 1 x 1 x C`: per channel the sum of its `H*W` values, then
 * `floor((sum * M + R) / 2^S)` (docs/STREAMS.md); with an exact divider this is
 * `round_half_up(sum / (H*W))`.
 */
export function globalAveragePool(fm: FeatureMap, divider: AverageDivider): FeatureMap {
  const sums = globalSums(fm);
  return makeFeatureMap(1, 1, fm.c, (_y, _x, ch) => Number(applyDivider(sums[ch], divider)));
}

/** Per-channel sums of a feature map. */
export function globalSums(fm: FeatureMap): bigint[] {
  const sums = Array.from({ length: fm.c }, () => 0n);
  fm.values.forEach((v, i) => (sums[i % fm.c] += BigInt(v)));
  return sums;
}
