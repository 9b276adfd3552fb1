/**
 * The commands around a trained layer: `flexor decode` (the binary codes), `flexor golden` (the
 * golden model on the user's vectors) and `flexor sim` (the same vectors through the generated
 * RTL). Outputs are .npy files so that numpy compares them directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../core/errors.js';
import { layerGolden, layerWidths, weightBits, type LayerConfig } from '../core/layer.js';
import { generateLayer, settingsOf, type MemoryStyle, type PipelineSpec, type WeightSource } from '../rtl/layer/generate.js';
import { readLayerFile } from '../formats/layerfile.js';
import { layerSource, readActivations, type LayerSettings } from '../formats/layersource.js';
import { writeNpy } from '../formats/npy.js';
import { simulateFolderRtl, type SimulationResult, type Simulator } from './simulate.js';
import type { Hdl, ResetStyle } from '../rtl/hdl.js';
import { readManifest } from '../formats/manifest.js';

/** `flexor decode`: int8 codes {-1, +1} of shape [q, *shape], PyTorch order whatever the layout. */
export function decodeLayerCodes(path: string): Uint8Array {
  const { config, data } = layerSource({ from: path });
  const size = config.n * config.k;
  const codes = new Int8Array(config.planes * size);
  for (let p = 0; p < config.planes; p++) {
    const bits = weightBits(data, p);
    for (let i = 0; i < size; i++) codes[p * size + i] = bits[i] ? 1 : -1;
  }
  return writeNpy({ dtype: 'int8', shape: [config.planes, ...config.shape], data: codes });
}

export type GoldenFormat = 'int' | 'float';

/** The scale of `final`: 2^-(alphaFrac - shift) per unit. */
export function outputScale(config: LayerConfig): number {
  return 2 ** -(config.alphaFrac - (config.requant?.shift ?? 0));
}

function outputsNpy(config: LayerConfig, rows: readonly (readonly bigint[])[], format: GoldenFormat): Uint8Array {
  if (format === 'float') {
    const scale = outputScale(config);
    return writeNpy({ dtype: 'float64', shape: [rows.length, config.n], data: Float64Array.from(rows.flat(), (v) => Number(v) * scale) });
  }
  return writeNpy({ dtype: 'int64', shape: [rows.length, config.n], data: BigInt64Array.from(rows.flat()) });
}

/** `flexor golden`: the golden model's `final` for every vector of `inputs`, [V, N]. */
export function goldenLayerOutputs(path: string, inputsPath: string, settings: LayerSettings, format: GoldenFormat = 'int'): { npy: Uint8Array; config: LayerConfig; vectors: number } {
  const { config, data } = layerSource({ ...settings, from: path });
  const inputs = readActivations(inputsPath, config);
  const rows = inputs.map((a) => layerGolden(data, a).final);
  return { npy: outputsNpy(config, rows, format), config, vectors: inputs.length };
}

/** What a layer folder's manifest.json says about it (written by generateLayer). */
export interface LayerManifest {
  readonly kind: string;
  readonly top: string;
  readonly config: LayerConfig;
  readonly name?: string;
  readonly weights: WeightSource;
  /** Absent: auto. */
  readonly romStyle?: MemoryStyle;
  readonly actStyle?: MemoryStyle;
  readonly reset: ResetStyle;
  readonly hdl: Hdl;
  /** --pipeline's stages (absent in folders from before it: none). */
  readonly pipeline?: PipelineSpec;
  readonly storage: { readonly memoryBits: number; readonly trainedBits: number; readonly duplicateSlicesPerPlane?: number };
  /** The flexor command line that generated the folder. */
  readonly command?: string;
}

/** The manifest of a layer folder; an InputError naming `command` if DIR holds something else. */
export function readLayerManifest(dir: string, command: string): LayerManifest {
  const manifest = readManifest(dir) as unknown as LayerManifest;
  if (manifest.kind !== 'layer') throw new InputError('DIR', `${dir} holds a ${manifest.kind}, not a layer; flexor ${command} takes a layer folder`);
  return manifest;
}

export interface LayerSimulation {
  readonly npy: Uint8Array;
  readonly result: SimulationResult;
  readonly vectors: number;
  readonly config: LayerConfig;
}

/**
 * `flexor sim`: runs the user's vectors through the design in `dir`. The testbench is generated
 * again for those vectors into DIR/build/sim/, beside a copy of DIR's own RTL and memory images;
 * the simulator's output beats become an int64 [V, N] .npy in the format of `flexor golden`.
 */
export async function simulateLayerDesign(dir: string, inputsPath: string, simulator: Simulator, format: GoldenFormat = 'int'): Promise<LayerSimulation> {
  const manifest = readLayerManifest(dir, 'sim');
  const layerFile = join(dir, 'layer.npz');
  if (!existsSync(layerFile)) throw new InputError('DIR', `${dir} has no layer.npz; regenerate it with this version of flexor`);
  const settings: LayerSettings = settingsOf(manifest.config);
  const trained = readLayerFile(layerFile);
  const source = layerSource({ ...settings, trained });
  const inputs = readActivations(inputsPath, source.config);
  const design = generateLayer({ ...settings, trained, weights: manifest.weights, romStyle: manifest.romStyle, actStyle: manifest.actStyle, reset: manifest.reset, hdl: manifest.hdl, pipeline: manifest.pipeline, inputs, inputsFile: basename(inputsPath), topName: manifest.top });
  const { work, result } = await simulateFolderRtl(dir, design.files, simulator);
  const outputsPath = join(work, 'build', simulator, 'outputs.hex');
  if (!existsSync(outputsPath)) throw new Error(`${simulator} wrote no outputs.hex:\n${result.output.slice(-2000)}`);
  const rows = parseOutputBeats(readFileSync(outputsPath, 'utf8'), source.config, inputs.length);
  return { npy: outputsNpy(source.config, rows, format), result, vectors: inputs.length, config: source.config };
}

/** Output beats (hex lines of LANES slots) back to one row of N signed values per vector. */
export function parseOutputBeats(text: string, config: LayerConfig, vectors: number): bigint[][] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const beats = Math.ceil(config.n / config.lanes);
  if (lines.length < vectors * beats) throw new Error(`the simulation produced ${lines.length} output beats; ${vectors * beats} were expected`);
  const slotBits = BigInt(Math.ceil(layerWidths(config).final / 8) * 8);
  const mask = (1n << slotBits) - 1n;
  const sign = 1n << (slotBits - 1n);
  return Array.from({ length: vectors }, (_, v) =>
    Array.from({ length: config.n }, (_, c) => {
      const beat = BigInt(`0x${lines[v * beats + Math.floor(c / config.lanes)].trim()}`);
      const raw = (beat >> (BigInt(c % config.lanes) * slotBits)) & mask;
      return raw & sign ? raw - (1n << slotBits) : raw;
    }),
  );
}
