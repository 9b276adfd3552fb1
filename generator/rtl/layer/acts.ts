/** The view of the activation buffer (templates/layer/layer_acts_oi.hbs, layer_acts_io.hbs). */
import type { GeneratedFile } from '../design.js';
import type { LayerModel } from './model.js';
import { moduleView, rtlFile } from './view.js';

export function actsView(model: LayerModel) {
  const { config, plan, acts, topModel } = model;
  return {
    ...moduleView(model, model.names.acts),
    simd: config.simd,
    actBits: config.actBits,
    beatBits: topModel.actDataBits,
    // oi: two banks of chunks in LUT RAM.
    stepBits: acts.stepBits,
    chunksPerRow: acts.chunksPerRow,
    powerOfTwo: acts.powerOfTwo,
    memDepth: acts.memDepth,
    addrBits: acts.addrBits,
    // The synthesis attribute of the banks (none for auto); block reads them a step ahead.
    actStyle: model.choices.actStyle === 'auto' ? undefined : model.choices.actStyle,
    syncRead: model.syncActs,
    // io: the load buffer and each unit's rotating registers.
    k: config.k,
    units: plan.units,
    rowsPerUnit: plan.rowsPerUnit,
    oneRow: plan.rowsPerUnit === 1,
    loadBeats: topModel.loadBeats,
    oneBeat: topModel.loadBeats === 1,
    cin: acts.cin,
    khw: acts.khw,
  };
}

export function actsFile(model: LayerModel): GeneratedFile {
  return rtlFile(model, model.names.acts, model.io ? 'layer/layer_acts_io' : 'layer/layer_acts_oi', actsView(model));
}
