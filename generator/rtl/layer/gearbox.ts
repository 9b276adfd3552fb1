/** The view of a unit's gearbox (templates/layer/layer_gearbox.hbs). */
import type { GeneratedFile } from '../design.js';
import type { LayerModel } from './model.js';
import { moduleView, rtlFile } from './view.js';

export function gearboxView(model: LayerModel) {
  const g = model.gearbox;
  return {
    ...moduleView(model, model.names.gearbox),
    chunk: g.chunk,
    lastAmount: g.lastAmount,
    endAdvance: g.endAdvance,
    group: g.group,
    groups: g.groups,
    groupPointerBits: g.groupPointerBits,
    offsetBits: g.offsetBits,
    positionBits: g.positionBits,
    fillBits: g.fillBits,
    maxOffset: g.maxOffset,
    // used_q counts 0..NG groups.
    usedBits: g.groupPointerBits + 1,
    pops: g.pops,
    restHigh: g.positionBits > g.offsetBits,
    paramLimits: [{ name: 'OFFSET', max: 'MAX_OFFSET' }],
  };
}

export function gearboxFile(model: LayerModel): GeneratedFile {
  return rtlFile(model, model.names.gearbox, 'layer/layer_gearbox', gearboxView(model));
}
