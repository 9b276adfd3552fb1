/**
 * The view of the top module (templates/layer/layer.hbs): its ports and constants, and the views
 * of its feature partials (weight fetch, scale stage, collector).
 */
import type { GeneratedFile } from '../design.js';
import { collectorView, outBeatCountBits } from './collector.js';
import { decoderInstances } from './decoders.js';
import type { LayerModel } from './model.js';
import { pipelineText } from './pipeline.js';
import { scaleView } from './scale.js';
import { moduleView, rtlFile } from './view.js';
import { weightsView } from './weights.js';

/**
 * The pipeline's stages in the top (templates/layer/_pipeline_*.hbs): the names of the signals the
 * accumulators' stage takes, the step engine's own without stages before it.
 */
function pipeView(model: LayerModel) {
  const p = model.pipeline;
  const front = p.front > 0;
  return {
    any: p.added > 0,
    added: p.added,
    text: pipelineText(p),
    front: p.front,
    frontShift: p.front > 1,
    decoders: p.decoders,
    macStages: p.macStages.cuts.length > 0,
    scale: p.scale,
    step: front ? 'acc_step' : 'step_en',
    emit: front ? 'acc_emit' : 'emit_now',
    index: front ? 'acc_index' : 'emit_index',
    acts: p.decoders ? 'acts_q' : 'step_acts',
    neg: p.decoders ? 'neg_q' : 'neg',
  };
}

export function topView(model: LayerModel) {
  const { config, plan, widths, topModel: t, names } = model;
  return {
    ...moduleView(model, names.top),
    n: config.n,
    k: config.k,
    planes: config.planes,
    layout: config.layout,
    lanes: config.lanes,
    simd: config.simd,
    io: model.io,
    syncActs: model.syncActs,
    rom: model.choices.weights === 'rom',
    requant: model.requant.enabled,
    requantShift: model.requant.shift,
    units: plan.units,
    chunk: plan.chunk,
    slicesPerFetch: plan.slicesPerFetch,
    stepsPerVector: plan.stepsPerVector,
    nIn: config.nIn,
    nOut: config.nOut,
    group: plan.group,
    wordBits: plan.wordBits,
    rowsPerUnit: plan.rowsPerUnit,
    rowBits: plan.rowBits,
    emits: t.emits,
    slots: plan.slots,
    actBits: config.actBits,
    accBits: widths.acc,
    alphaBits: widths.alpha,
    biasBits: model.scales.biasBits,
    productBits: widths.product,
    outBits: widths.out,
    finalBits: widths.final,
    slotBits: t.slotBits,
    scaleBits: model.scales.scaleBits,
    addrBits: model.weights.addrBits,
    rowCountBits: t.rowBits,
    stepCountBits: t.stepBits,
    beatCountBits: t.beatBits,
    emitCountBits: t.emitBits,
    outBeatCountBits: outBeatCountBits(model),
    // Read in place, one beat per vector has no beat counter.
    outBeatCounter: !(model.collector.inPlace && plan.beatsPerVector === 1),
    lastStep: plan.stepsPerRow - 1,
    lastRow: plan.rowsPerUnit - 1,
    lastBeat: t.loadBeats - 1,
    lastEmit: t.emits - 1,
    lastAddr: plan.depth - 1,
    beatsPerVector: plan.beatsPerVector,
    lastBeatLanes: t.lastBeatLanes,
    actBeatBits: t.actBeatBits,
    actPad: t.actBeatBits > t.actDataBits,
    outBeatBits: t.outBeatDataBits,
    actsModule: names.acts,
    gearboxModule: names.gearbox,
    macModule: names.mac,
    decoders: decoderInstances(model),
    weights: weightsView(model),
    scale: scaleView(model),
    collector: collectorView(model),
    lateScale: model.collector.lateScale,
    pipe: pipeView(model),
  };
}

export function topFile(model: LayerModel): GeneratedFile {
  return rtlFile(model, model.names.top, 'layer/layer', topView(model));
}
