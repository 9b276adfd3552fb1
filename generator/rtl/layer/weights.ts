/**
 * The weight memory: the unit ROM module (templates/layer/layer_rom.hbs) and its images, the
 * weight fetch of the top (templates/layer/_weights_rom.hbs or _weights_stream.hbs), and the
 * stream image of `stream` weights.
 */
import { bitsToHex, type GeneratedFile } from '../design.js';
import { padTo, type LayerModel } from './model.js';
import { moduleView, rtlFile } from './view.js';

/** The unit ROM module; its parameters default to unit 0's ROM. */
export function romView(model: LayerModel) {
  const { weights, plan } = model;
  const first = weights.roms[0];
  return {
    ...moduleView(model, model.names.rom),
    depth: first.depth,
    file: first.file,
    words: plan.depth,
    oneWord: plan.depth === 1,
    wordBits: weights.unitWordBits,
    addrBits: weights.addrBits,
    paramLimits: [{ name: 'DEPTH', max: 'WORDS' }],
    // The synthesis attribute of the ROM array (none for auto).
    romStyle: model.choices.romStyle === 'auto' ? undefined : model.choices.romStyle,
  };
}

/** The weight fetch of the top: the ROMs' instances (`rom`), or the stream's padding (`stream`). */
export function weightsView(model: LayerModel) {
  const { weights } = model;
  return {
    ...moduleView(model, model.names.top),
    romModule: model.names.rom,
    memoryBits: weights.memoryBits,
    units: weights.roms.map((r) => ({ unit: r.unit, depth: r.depth })),
    // The ROMs that exist, as parameters of the top.
    roms: weights.roms.filter((r) => r.depth > 0).map((r) => ({ unit: r.unit, file: r.file })),
    beatBits: weights.beatBits,
    pad: weights.beatBits > model.plan.wordBits,
  };
}

/** The ROM module and the ROM images (`rom` weights; none for `stream`). */
export function weightMemoryFiles(model: LayerModel): GeneratedFile[] {
  if (model.choices.weights !== 'rom') return [];
  return [
    rtlFile(model, model.names.rom, 'layer/layer_rom', romView(model)),
    ...model.weights.roms.filter((r) => r.depth > 0).map((r): GeneratedFile => ({ path: `rtl/${r.file}`, role: 'memory', contents: r.image.map((w) => bitsToHex(w)).join('\n') + '\n' })),
  ];
}

/** The stream image the testbench replays for every vector (`stream` weights; none for `rom`). */
export function weightStreamFiles(model: LayerModel): GeneratedFile[] {
  if (model.choices.weights !== 'stream') return [];
  const { weights } = model;
  return [{ path: 'tb/weights_stream.hex', role: 'vectors', contents: weights.words.map((w) => bitsToHex(padTo(w, weights.beatBits))).join('\n') + '\n' }];
}
