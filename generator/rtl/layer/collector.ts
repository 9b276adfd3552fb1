/**
 * The collector and the output buffer of the top: one vector's results in channel order, then
 * out (collectorplan.ts chooses). templates/layer/_collector_columns.hbs (columns of shift
 * registers) or _collector_inplace.hbs (one copy, read in place) when the schedule leaves time for
 * them, else _collector.hbs or _collector_banks.hbs, then _output.hbs.
 */
import { clog2 } from '../hdl.js';
import type { LayerModel } from './model.js';
import { moduleView } from './view.js';

export function collectorView(model: LayerModel) {
  const c = model.collector;
  return {
    ...moduleView(model, model.names.top),
    io: model.io,
    inPlace: c.inPlace,
    columns: c.columns,
    emissionGap: c.emissionGap,
    outBeatCountBits: outBeatCountBits(model),
    lastOutBeat: model.plan.beatsPerVector - 1,
    multiBank: c.banks > 1,
    banks: c.banks,
    lastBank: c.banks - 1,
    finalBits: model.widths.final,
    // Read in place: a slot holds its result, or (lateScale) its accumulators, plane 0 lowest.
    lateScale: c.lateScale,
    collectBits: c.lateScale ? model.config.planes * model.widths.acc : model.widths.final,
    slotBits: model.topModel.slotBits,
    oneBeat: model.plan.beatsPerVector === 1,
    // Columns: the lane a filling column takes, 0..LANES-1.
    fillBits: Math.max(1, clog2(model.config.lanes)),
    lastFill: model.config.lanes - 1,
  };
}

/** The output beat counter: the beat shown (0..beats-1) in place, else the beats left (0..beats). */
export function outBeatCountBits(model: LayerModel): number {
  const beats = model.plan.beatsPerVector;
  return model.collector.inPlace ? Math.max(1, clog2(beats)) : model.topModel.outBeatBits;
}
