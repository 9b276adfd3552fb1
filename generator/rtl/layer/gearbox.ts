/** The view of the gearboxes (templates/layer/layer_gearbox.hbs): every unit's ring, one control. */
import type { GeneratedFile } from '../design.js';
import type { LayerModel } from './model.js';
import { moduleView, rtlFile } from './view.js';

export function gearboxView(model: LayerModel) {
  const g = model.gearbox;
  const rings = model.config.planes * model.plan.units;
  return {
    ...moduleView(model, model.names.gearbox),
    planes: model.config.planes,
    units: model.plan.units,
    groupsBits: rings * g.group,
    bitsBits: rings * g.chunk,
    chunk: g.chunk,
    lastAmount: g.lastAmount,
    endAdvance: g.endAdvance,
    group: g.group,
    groups: g.groups,
    groupPointerBits: g.groupPointerBits,
    offsetBits: g.offsetBits,
    positionBits: g.positionBits,
    fillBits: g.fillBits,
    start: g.start,
    delayBits: g.delayBits,
    delaysBits: g.delayBits * g.delays.length,
    // Unit u's delay at DELAYS[u*DELAY_W +: DELAY_W]: the concatenation lists the last unit first.
    delays: [...g.delays].reverse().map((delay, i) => ({ delay, unit: g.delays.length - 1 - i })),
    anyDelay: g.delays.some((d) => d > 0),
    // used_q counts 0..NG groups.
    usedBits: g.groupPointerBits + 1,
    pops: g.pops,
    restHigh: g.positionBits > g.offsetBits,
  };
}

export function gearboxFile(model: LayerModel): GeneratedFile {
  return rtlFile(model, model.names.gearbox, 'layer/layer_gearbox', gearboxView(model));
}
