/**
 * Behavioural models of the pooling blocks (docs/STREAMS.md): max pool k x k stride k and global
 * average pool, with the multiply-and-shift division the average pool's hardware uses and an exact
 * check (and a search) of its multiplier. Pure integer arithmetic.
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

/** `round_half_up(sum / n) = floor(sum / n + 1/2)` on exact integers, n >= 1. */
export function roundHalfUpDiv(sum: bigint, n: bigint): bigint {
  const num = 2n * sum + n;
  const den = 2n * n;
  const q = num / den;
  return num % den !== 0n && num < 0n ? q - 1n : q;
}

/** `floor((sum * multiplier + 2^(shift-1)) / 2^shift)`; the added half is 0 when shift = 0. */
export function multiplyShift(sum: bigint, multiplier: bigint, shift: number): bigint {
  const half = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
  return (sum * multiplier + half) >> BigInt(shift);
}

/** A multiplier and shift of the average pool: `avg = floor((sum * M + 2^(S-1)) / 2^S)`. */
export interface AverageDivider {
  readonly multiplier: number;
  readonly shift: number;
}

/**
 * Whether `multiplyShift(sum, M, S) = roundHalfUpDiv(sum, n)` for every integer sum in
 * [min, max]. Exact and fast: both sides are non-decreasing in `sum` (M >= 0), so they agree
 * everywhere iff they agree at both ends of every interval on which the right side is constant;
 * there are about (max - min) / n + 1 such intervals.
 */
export function dividerIsExact(divider: AverageDivider, n: number, min: number, max: number): boolean {
  const big = { n: BigInt(n), m: BigInt(divider.multiplier) };
  let lo = BigInt(min);
  const end = BigInt(max);
  while (lo <= end) {
    const q = roundHalfUpDiv(lo, big.n);
    // The last sum with the same rounded quotient: 2s + n < (2q + 2) n, so s <= ((2q + 1) n - 1) / 2 floored.
    const top = (2n * q + 1n) * big.n - 1n;
    let hi = top >= 0n ? top / 2n : -((-top + 1n) / 2n);
    if (hi > end) hi = end;
    if (multiplyShift(lo, big.m, divider.shift) !== q || multiplyShift(hi, big.m, divider.shift) !== q) return false;
    lo = hi + 1n;
  }
  return true;
}

/** Largest shift the search tries; the multiplier then stays below 2^(MAX_DIVIDER_SHIFT + 1). */
export const MAX_DIVIDER_SHIFT = 40;

/**
 * The smallest shift S, with the smaller of the multipliers nearest 2^S / n (floor, then ceil),
 * such that `multiplyShift(sum, M, S) = round_half_up(sum / n)` for every sum in [min, max]; or
 * undefined if none up to MAX_DIVIDER_SHIFT. Every candidate is checked by dividerIsExact.
 *
 * None exists when sums of both signs are in range and n is even but not a power of two: the
 * sum -n/2 needs M <= 2^S / n (its average, -1/2, rounds up to 0), the sum n/2 needs
 * M >= 2^S / n, and 2^S / n is not an integer.
 */
export function findAverageDivider(n: number, min: number, max: number): AverageDivider | undefined {
  for (let shift = 0; shift <= MAX_DIVIDER_SHIFT; shift++) {
    const scaled = 2 ** shift;
    for (const multiplier of new Set([Math.floor(scaled / n), Math.ceil(scaled / n)])) {
      if (multiplier >= 1 && dividerIsExact({ multiplier, shift }, n, min, max)) return { multiplier, shift };
    }
  }
  return undefined;
}

/**
 * Global average pool `H x W x C -> 1 x 1 x C`: per channel the sum of its `H*W` values, then
 * `floor((sum * M + 2^(S-1)) / 2^S)` (docs/STREAMS.md); with an exact divider this is
 * `round_half_up(sum / (H*W))`.
 */
export function globalAveragePool(fm: FeatureMap, divider: AverageDivider): FeatureMap {
  const sums = globalSums(fm);
  return makeFeatureMap(1, 1, fm.c, (_y, _x, ch) => Number(multiplyShift(sums[ch], BigInt(divider.multiplier), divider.shift)));
}

/** Per-channel sums of a feature map. */
export function globalSums(fm: FeatureMap): bigint[] {
  const sums = Array.from({ length: fm.c }, () => 0n);
  fm.values.forEach((v, i) => (sums[i % fm.c] += BigInt(v)));
  return sums;
}
