/**
 * How a layer collects a vector's results in channel order and sends them (docs/ARCHITECTURE.md,
 * "Output in channel order"): pure arithmetic on the configuration and its plan, shared by the
 * layer model and a network's plan (which counts the cycles the collector adds to a branch).
 */
import { layerWidths, type LayerConfig, type LayerWidths } from '../../core/layer.js';
import { planLayer, type LayerPlan } from '../layerplan.js';
import type { PipelineSpec } from './pipeline.js';

export interface CollectorPlan {
  /** Steps from a vector's last emission to the next vector's first, in steady state. */
  readonly emissionGap: number;
  /**
   * One copy of a vector's results, read out in place (no output buffer): when the next vector's
   * first emission is at least beatsPerVector + 2 steps after a vector's last, every beat has left
   * before the collector is written again.
   */
  readonly inPlace: boolean;
  /**
   * The collector read in place holds the accumulators, narrower than the results, and the scale
   * stage runs on the beat the output shows (its ROM per beat): LANES scale datapaths either way,
   * the beat multiplexer on fewer bits. Not with `--pipeline scale` (its register sits before the
   * collector).
   */
  readonly lateScale: boolean;
  /**
   * The accumulators go into columns of shift registers, one per row (`oi`, ROWS = LANES): after
   * emission r, column r shifts in the lanes' accumulators one a cycle (lane 0 first), and the
   * output shows every column's last stage, shifting them all a stage per beat: beat b is lane b's
   * rows, in channel order, with no multiplexer on the way out. It takes LANES cycles to fill a
   * column, so a vector's results leave LANES - 1 cycles later than read in place; it needs the
   * next vector's first emission at least beatsPerVector + LANES + 1 steps after the last one, and
   * a row of at least LANES steps (a column fills before the next emission).
   */
  readonly columns: boolean;
  /** Collector banks: 1, or 3 when a vector's last result and the next one's first are < 3 steps apart (not in place). */
  readonly banks: number;
  /** Cycles of latency the collector adds to a vector's results against the in-place collector: LANES - 1 with columns. */
  readonly addedLatency: number;
}

export function planCollector(config: LayerConfig, plan: LayerPlan, widths: LayerWidths, pipeline: PipelineSpec): CollectorPlan {
  const io = config.layout === 'io';
  // An emission lands in the collector a cycle after its step; the step after a vector's last
  // emission must wait for the collector to empty unless the next emission is >= 3 steps away.
  const emissionGap = io ? (plan.rowsPerUnit - 1) * plan.stepsPerRow + 1 : plan.stepsPerRow;
  // Read in place, a vector's beats leave in the beatsPerVector cycles after its last results land,
  // and the next emitting step may run the cycle after the last beat has left.
  const inPlace = emissionGap >= plan.beatsPerVector + 2;
  const lateScale = inPlace && !pipeline.scale && config.planes * widths.acc < widths.final;
  const lanes = config.lanes;
  const columns = !io && lateScale && lanes >= 2 && plan.rowsPerUnit === lanes && plan.stepsPerRow >= lanes && emissionGap >= plan.beatsPerVector + lanes + 1;
  return { emissionGap, inPlace, lateScale, columns, banks: emissionGap >= 3 || inPlace ? 1 : 3, addedLatency: columns ? lanes - 1 : 0 };
}

/** The collector of a layer of `config` with `pipeline`'s stages, as the layer model plans it: for a network's plan. */
export function layerCollector(config: LayerConfig, pipeline: PipelineSpec): CollectorPlan {
  return planCollector(config, planLayer(config), layerWidths(config), pipeline);
}
