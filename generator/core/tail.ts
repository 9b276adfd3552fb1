/**
 * Behavioural models of the blocks after a layer (docs/STREAMS.md): the requantization tail, which
 * clamps the layer's results to the next tensor's range, and argmax, which turns the last layer's
 * results into a label. Pure integer arithmetic.
 */
import { makeFeatureMap, valueRange, type FeatureMap } from './streams.js';

/**
 * Clamps a value to `bits` bits: signed saturation to [-2^(bits-1), 2^(bits-1) - 1], or, unsigned
 * (after a ReLU), `min(max(v, 0), 2^bits - 1)`.
 */
export function clampValue(value: bigint, bits: number, signed: boolean): number {
  const { min, max } = valueRange(bits, signed);
  return value < BigInt(min) ? min : value > BigInt(max) ? max : Number(value);
}

/**
 * The requantization tail: the layer's results for `ho * wo` output positions (`results[pixel]`
 * holds one vector's N results, pixels in raster order) clamped to `bits` bits, as the feature map
 * `ho x wo x N` the next block receives.
 */
export function requantTail(results: readonly (readonly bigint[])[], ho: number, wo: number, bits: number, signed: boolean): FeatureMap {
  if (results.length !== ho * wo) throw new RangeError(`requantTail: ${results.length} vectors for ${ho} x ${wo} positions`);
  const n = results[0].length;
  return makeFeatureMap(ho, wo, n, (y, x, ch) => clampValue(results[y * wo + x][ch], bits, signed));
}

/** The index of the largest value, the lowest such index on ties. */
export function argmax(values: readonly (number | bigint)[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
