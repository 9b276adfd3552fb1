/**
 * `generateLayer`: a whole FleXOR layer (unit weight ROMs or weight stream, XOR decoders, gearboxes,
 * activation buffers, the MAC array, scales, AXI4-Stream interfaces) with its testbench and the
 * golden model's vectors. Configuration in, files out; see docs/ARCHITECTURE.md, "The layer".
 *
 * The model (model.ts) holds every number of the design; one view builder per module (beside
 * this file) picks what its template prints; the templates (templates/layer/) write the RTL.
 */
import type { GeneratedDesign } from '../design.js';
import { actsFile } from './acts.js';
import { decoderFiles } from './decoders.js';
import { gearboxFile } from './gearbox.js';
import { macFiles } from './mac.js';
import { layerModel } from './model.js';
import { layerSummary, layerWarnings, packageLayer } from './package.js';
import { scaleFile } from './scale.js';
import { testbenchFiles } from './testbench.js';
import { topFile } from './top.js';
import { weightMemoryFiles, weightStreamFiles } from './weights.js';
import type { LayerGenOptions } from './options.js';

export { MAX_MAC_EVERY, parsePipeline, pipelineText, type PipelineSpec } from './pipeline.js';
export { FAST_VECTORS, MEMORY_STYLES, layerCommand, layerModuleName, memoryStyle, settingsOf, type LayerGenOptions, type MemoryStyle, type WeightSource } from './options.js';

export function generateLayer(options: LayerGenOptions): GeneratedDesign {
  const model = layerModel(options);
  const files = [
    ...decoderFiles(model),
    gearboxFile(model),
    actsFile(model),
    ...macFiles(model),
    ...weightMemoryFiles(model),
    scaleFile(model),
    topFile(model),
    ...testbenchFiles(model),
    ...weightStreamFiles(model),
  ];
  return { top: model.top, testbenchTop: model.testbenchTop, files: packageLayer(model, files), warnings: layerWarnings(model), summary: layerSummary(model) };
}
