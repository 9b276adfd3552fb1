/**
 * The collector and the output buffer of the top: one vector's results in channel order, then
 * out. templates/layer/_collector_inplace.hbs (one copy, read in place) when the schedule leaves
 * time for it, else _collector.hbs or _collector_banks.hbs, then _output.hbs.
 */
import { clog2 } from '../hdl.js';
import type { LayerModel } from './model.js';
import { moduleView } from './view.js';

export function collectorView(model: LayerModel) {
  return {
    ...moduleView(model, model.names.top),
    io: model.io,
    inPlace: model.inPlace,
    emissionGap: model.emissionGap,
    outBeatCountBits: outBeatCountBits(model),
    lastOutBeat: model.plan.beatsPerVector - 1,
    multiBank: model.banks > 1,
    banks: model.banks,
    lastBank: model.banks - 1,
    finalBits: model.widths.final,
    // Read in place: a slot holds its result, or (lateScale) its accumulators, plane 0 lowest.
    lateScale: model.lateScale,
    collectBits: model.lateScale ? model.config.planes * model.widths.acc : model.widths.final,
    slotBits: model.topModel.slotBits,
    oneBeat: model.plan.beatsPerVector === 1,
  };
}

/** The output beat counter: the beat shown (0..beats-1) in place, else the beats left (0..beats). */
export function outBeatCountBits(model: LayerModel): number {
  const beats = model.plan.beatsPerVector;
  return model.inPlace ? Math.max(1, clog2(beats)) : model.topModel.outBeatBits;
}
