/** The scale, bias and requantization stage of the top (templates/layer/_scale.hbs) and its ROM. */
import { bitsToHex, type GeneratedFile } from '../design.js';
import type { LayerModel } from './model.js';
import { moduleView } from './view.js';

export function scaleView(model: LayerModel) {
  const { widths, requant, scales } = model;
  return {
    ...moduleView(model, model.names.top),
    file: scales.file,
    outBits: widths.out,
    biasBits: scales.biasBits,
    productBits: widths.product,
    alphaBits: widths.alpha,
    accBits: widths.acc,
    finalBits: widths.final,
    requant: requant.enabled,
    shift: requant.shift,
    roundBits: requant.roundBits,
    roundHalf: requant.roundHalf,
    saturate: requant.saturate,
    // Without saturation the shifted value fits FINAL_W bits: narrower than ROUND_W, take its low bits.
    narrow: requant.enabled && !requant.saturate && requant.roundBits > widths.final,
    satMax: requant.satMax,
    satMin: requant.satMin,
    // --pipeline scale: the results are registered (results_q) before the collector.
    pipelined: model.pipeline.scale,
    // After the collector: the beat the output shows (out_beat_q; the only one of a one-beat vector).
    lateScale: model.collector.lateScale,
    beatIndex: model.plan.beatsPerVector === 1 ? '1\'b0' : 'out_beat_q',
    resultsNet: model.pipeline.scale ? 'scaled' : 'results',
  };
}

export function scaleFile(model: LayerModel): GeneratedFile {
  return { path: `rtl/${model.scales.file}`, role: 'memory', contents: model.scales.rows.map((r) => bitsToHex(r)).join('\n') + '\n' };
}
