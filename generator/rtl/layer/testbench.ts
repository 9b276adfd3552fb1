/** The layer's self-checking testbench (templates/layer/tb_layer.hbs) and its vector files. */
import { bitsToHex, type GeneratedFile } from '../design.js';
import { resetKeywords } from '../hdl.js';
import { render } from '../templates.js';
import type { LayerModel } from './model.js';
import { FAST_VECTORS } from './options.js';

/** Most mismatches the testbench prints. */
const MAX_REPORT = 8;

const seedHex = (seed: number) => seed.toString(16).padStart(8, '0');

export function testbenchView(model: LayerModel) {
  const { config, plan, topModel: t, testbench: tb, choices } = model;
  return {
    ...resetKeywords(choices.reset),
    header: model.header,
    module: model.testbenchTop,
    dut: model.names.top,
    n: config.n,
    lanes: config.lanes,
    vectors: choices.vectorCount,
    stallVectors: choices.stallVectors,
    fastVectors: FAST_VECTORS,
    loadBeats: t.loadBeats,
    beatsPerVector: plan.beatsPerVector,
    slotBits: t.slotBits,
    actBeatBits: t.actBeatBits,
    outBeatBits: t.outBeatDataBits,
    maxReport: MAX_REPORT,
    maxCycles: tb.maxCycles,
    macsPerVector: tb.macsPerVector,
    rom: choices.weights === 'rom',
    depth: plan.depth,
    wgtBeatBits: model.weights.beatBits,
    seedAct: seedHex(tb.seeds.act),
    seedWgt: seedHex(tb.seeds.wgt),
    seedOut: seedHex(tb.seeds.out),
  };
}

/** The testbench, the activation beats and the golden model's expected output beats. */
export function testbenchFiles(model: LayerModel): GeneratedFile[] {
  const hex = (beats: readonly Uint8Array[]) => beats.map((b) => bitsToHex(b)).join('\n') + '\n';
  return [
    { path: `tb/${model.testbenchTop}.sv`, role: 'testbench', contents: render('layer/tb_layer', testbenchView(model)) },
    { path: 'tb/acts.hex', role: 'vectors', contents: hex(model.testbench.actBeats) },
    { path: 'tb/expected.hex', role: 'vectors', contents: hex(model.testbench.expectedBeats) },
  ];
}
