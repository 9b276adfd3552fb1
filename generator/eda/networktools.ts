/**
 * `flexor sim DIR` on a network accelerator: the user's images through the folder's own RTL. The
 * testbench and its vectors are generated again for those images (from DIR/network.json, the
 * network the RTL holds) and run beside DIR's own RTL (simulateFolderRtl); what
 * the hardware sent becomes .npy files in the format of `flexor golden DIR`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageLayout } from '../core/network.js';
import { byteBits, vectorFromBeats, type StreamBeat } from '../core/streams.js';
import { readManifest } from '../formats/manifest.js';
import { readImages } from '../formats/networkfile.js';
import { acceleratorNetwork, loadNetwork, networkModel } from '../formats/networkrun.js';
import { writeNpy } from '../formats/npy.js';
import type { Hdl, ResetStyle } from '../rtl/hdl.js';
import type { MemoryStyle, PipelineSpec } from '../rtl/layer/generate.js';
import { generateAccelerator } from '../rtl/network/accelerator.js';
import type { Edge } from '../rtl/network/plan.js';
import { simulateFolderRtl, type SimulationResult, type Simulator } from './simulate.js';

export interface AcceleratorSimulation {
  /**
   * What the hardware sent, when it sent every image's logits and label (else undefined: the run
   * stalled or ended early; `result` says how): int64 [V, classes] logits in units of
   * `logitScale`, int64 [V] labels.
   */
  readonly outputs?: { readonly logits: Uint8Array; readonly labels: Uint8Array };
  readonly result: SimulationResult;
  readonly images: number;
  readonly classes: number;
  readonly logitScale: number;
}

/** Hex lines of {tlast, tdata} (as the testbench writes them) back to beats of `dataBits`. */
export function parseBeatLines(text: string, dataBits: number): StreamBeat[] {
  const mask = (1n << BigInt(dataBits)) - 1n;
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const word = BigInt(`0x${l.trim()}`);
      return { data: word & mask, last: ((word >> BigInt(dataBits)) & 1n) === 1n };
    });
}

/** The logits stream's beats back to one row of signed logits per image. */
export function logitsFromBeats(beats: readonly StreamBeat[], logits: Edge, images: number): bigint[][] {
  const f = logits.format;
  if (f.kind !== 'result') throw new Error(`logitsFromBeats: ${logits.name} carries ${f.kind}, not results`);
  const perImage = logits.beatsPerImage;
  if (beats.length < images * perImage) throw new Error(`the simulation sent ${beats.length} logits beats; ${images * perImage} were expected`);
  return Array.from({ length: images }, (_, v) => vectorFromBeats(beats.slice(v * perImage, (v + 1) * perImage), f.n, f.lanes, byteBits(f.bits), true));
}

export async function simulateAccelerator(dir: string, inputsPath: string, simulator: Simulator, options: { readonly layout?: ImageLayout } = {}): Promise<AcceleratorSimulation> {
  const stored = acceleratorNetwork(dir, 'sim');
  const manifest = readManifest(dir) as unknown as { hdl: Hdl; reset: ResetStyle; romStyle?: MemoryStyle; actStyle?: MemoryStyle; pipeline?: PipelineSpec; command?: string };
  const spec = loadNetwork(stored);
  const { model } = networkModel(spec);
  const images = readImages(inputsPath, spec, { layout: options.layout, field: '--inputs' });
  const design = generateAccelerator(model, { hdl: manifest.hdl, reset: manifest.reset, romStyle: manifest.romStyle, actStyle: manifest.actStyle, pipeline: manifest.pipeline, inputs: images, command: manifest.command });
  const { work, result } = await simulateFolderRtl(dir, design.files, simulator);
  const count = images.images.length;
  const classes = design.plan.logits.format.kind === 'result' ? design.plan.logits.format.n : 0;
  const common = { result, images: count, classes, logitScale: model.logitScale };
  const read = (name: string): string => {
    const path = join(work, 'build', simulator, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  };
  const logitBeats = parseBeatLines(read('hw_logits.hex'), design.plan.logits.dataBits);
  const labels = parseBeatLines(read('hw_labels.hex'), design.plan.label.dataBits).map((b) => b.data);
  if (logitBeats.length < count * design.plan.logits.beatsPerImage || labels.length < count) return common;
  const rows = logitsFromBeats(logitBeats, design.plan.logits, count);
  return {
    ...common,
    outputs: {
      logits: writeNpy({ dtype: 'int64', shape: [count, classes], data: BigInt64Array.from(rows.flat()) }),
      labels: writeNpy({ dtype: 'int64', shape: [count], data: BigInt64Array.from(labels.slice(0, count)) }),
    },
  };
}
