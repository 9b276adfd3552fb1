/**
 * Choosing each layer's parallelism for a network's throughput target: the fewest MAC units
 * (`lanes * simd`) such that the layer needs at most `T` cycles per image (docs/NETWORK.md,
 * "Throughput").
 */
import { InputError } from './errors.js';

/** What the choice needs of a conv/linear layer. */
export interface LayerWork {
  readonly name: string;
  /** Output channels N. */
  readonly n: number;
  /** Inputs per output K. */
  readonly k: number;
  /** Output positions per image (Ho * Wo; 1 for a linear layer). */
  readonly positions: number;
}

export interface Parallelism {
  readonly lanes: number;
  readonly simd: number;
  /** positions * ceil(N / lanes) * ceil(K / simd). */
  readonly cyclesPerImage: number;
}

/** A layer's ideal cycles per image at the given parallelism (the layer engine's schedule). */
export function layerCycles(work: LayerWork, lanes: number, simd: number): number {
  return work.positions * Math.ceil(work.n / lanes) * Math.ceil(work.k / simd);
}

/**
 * The (lanes, simd) with the fewest MAC units `lanes * simd` that meets `cyclesPerImage <= target`;
 * among equals, the fewest cycles, then the fewer lanes. Fails, naming the layer, when even
 * `lanes = N, simd = K` (one cycle per position) cannot meet the target.
 */
export function chooseParallelism(work: LayerWork, target: number): Parallelism {
  if (!Number.isInteger(target) || target < 1) throw new InputError('--cycles-per-image', `must be a whole number >= 1; got ${target}`);
  if (work.positions > target) {
    throw new InputError('--cycles-per-image', `${target} is below ${work.positions}, the output positions of layer ${work.name}: even with every MAC unit it needs one cycle per position`);
  }
  let best: Parallelism | undefined;
  for (let lanes = 1; lanes <= work.n; lanes++) {
    const rows = Math.ceil(work.n / lanes);
    // Fewer lanes giving the same number of rows only waste units.
    if (lanes > 1 && Math.ceil(work.n / (lanes - 1)) === rows) continue;
    const stepsAllowed = Math.floor(target / (work.positions * rows));
    if (stepsAllowed < 1) continue;
    const simd = Math.ceil(work.k / Math.min(stepsAllowed, work.k));
    const candidate = { lanes, simd, cyclesPerImage: layerCycles(work, lanes, simd) };
    if (
      best === undefined ||
      lanes * simd < best.lanes * best.simd ||
      (lanes * simd === best.lanes * best.simd && candidate.cyclesPerImage < best.cyclesPerImage)
    ) {
      best = candidate;
    }
  }
  // lanes = N gives rows = 1 and stepsAllowed >= 1 whenever positions <= target.
  if (best === undefined) throw new Error(`chooseParallelism: no choice for ${work.name}`);
  return best;
}
