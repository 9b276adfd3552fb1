/**
 * The collector and the output buffer of the top (templates/layer/_collector.hbs or
 * _collector_banks.hbs, then _output.hbs): one vector's results in channel order, then out.
 */
import type { LayerModel } from './model.js';
import { moduleView } from './view.js';

export function collectorView(model: LayerModel) {
  return {
    ...moduleView(model, model.names.top),
    io: model.io,
    multiBank: model.banks > 1,
    banks: model.banks,
    lastBank: model.banks - 1,
    finalBits: model.widths.final,
    slotBits: model.topModel.slotBits,
    oneBeat: model.plan.beatsPerVector === 1,
  };
}
