/**
 * `flexor network` on a chained manifest: the network resolved and quantized (scales from the
 * manifest, a scales file or calibration images), each layer's parallelism from the manifest or
 * chosen for a throughput target, then the accelerator (accelerator.ts).
 */
import { InputError } from '../../core/errors.js';
import type { NetworkModel, QuantizedEngine } from '../../core/netquant.js';
import type { ImageLayout } from '../../core/network.js';
import { chooseParallelism, type Parallelism } from '../../core/parallelism.js';
import type { TrainedLayer } from '../../core/trained.js';
import { layerNpzBytes } from '../../formats/layerfile.js';
import { readImages, STORED_NETWORK, storedNetwork, type BuiltEngine } from '../../formats/networkfile.js';
import { loadNetwork, networkModel } from '../../formats/networkrun.js';
import type { Hdl, ResetStyle } from '../hdl.js';
import type { MemoryStyle } from '../layer/generate.js';
import type { GeneratedFile } from '../design.js';
import { generateAccelerator, type AcceleratorDesign } from './accelerator.js';

export interface NetworkAcceleratorOptions {
  readonly layout?: ImageLayout;
  readonly scales?: string;
  readonly calibrate?: string;
  /** Test images for the testbench (.npy); else seeded ones. */
  readonly inputs?: string;
  readonly images?: number;
  readonly seed?: number;
  /** Choose every layer's lanes and simd to meet this many cycles per image with the fewest MAC units. */
  readonly cyclesPerImage?: number;
  /** With clockMhz: cyclesPerImage = floor(clockMhz * 1e6 / fps). */
  readonly fps?: number;
  readonly clockMhz?: number;
  readonly hdl?: Hdl;
  readonly reset?: ResetStyle;
  /** Every engine's weight ROMs (docs/SYNTH.md, "Memory styles"). */
  readonly romStyle?: MemoryStyle;
  /** The activation banks of every oi-layout engine (docs/SYNTH.md, "Memory styles"). */
  readonly actStyle?: MemoryStyle;
  /** Every engine's --pipeline register stages (docs/ARCHITECTURE.md, "Pipeline"). */
  readonly pipeline?: string;
  readonly command?: string;
  /** Bypass FIFO depths by FIFO block name (`<add>_bypass`), replacing the computed ones: to show the bound is needed. */
  readonly bypassDepths?: Readonly<Record<string, number>>;
}

export interface NetworkAccelerator extends AcceleratorDesign {
  readonly model: NetworkModel;
  /** Per engine layer: its parallelism and ideal cycles per image. */
  readonly parallelism: readonly (Parallelism & { readonly layer: string })[];
}

/** The throughput target in cycles per image, from --cycles-per-image or --fps with --clock-mhz. */
export function cycleTarget(options: NetworkAcceleratorOptions): number | undefined {
  if (options.cyclesPerImage !== undefined && options.fps !== undefined) throw new InputError('--fps', 'cannot be combined with --cycles-per-image: give one target');
  if (options.fps !== undefined) {
    if (!(options.fps > 0)) throw new InputError('--fps', `must be a positive number of images per second; got ${options.fps}`);
    if (options.clockMhz === undefined || !(options.clockMhz > 0)) throw new InputError('--clock-mhz', 'is needed with --fps, a positive clock frequency in MHz');
    return Math.floor((options.clockMhz * 1e6) / options.fps);
  }
  return options.cyclesPerImage;
}

/** The model with every engine's lanes and simd replaced (the arithmetic does not depend on them). */
function withParallelism(model: NetworkModel, choose: (engine: QuantizedEngine, positions: number) => Parallelism): { model: NetworkModel; chosen: (Parallelism & { layer: string })[] } {
  const chosen: (Parallelism & { layer: string })[] = [];
  const engines = model.engines.map((engine) => {
    if (engine === undefined) return undefined;
    const out = model.spec.tensors[engine.layer.index + 1];
    const p = choose(engine, out.h * out.w);
    chosen.push({ ...p, layer: engine.layer.name });
    const config = { ...engine.data.config, lanes: p.lanes, simd: p.simd };
    return { ...engine, data: { ...engine.data, config }, settings: { ...engine.settings, lanes: p.lanes, simd: p.simd } };
  });
  return { model: { ...model, engines }, chosen };
}

export function generateNetworkAccelerator(manifest: string, options: NetworkAcceleratorOptions = {}): NetworkAccelerator {
  const spec = loadNetwork(manifest);
  const target = cycleTarget(options);
  const base = networkModel(spec, { layout: options.layout, scales: options.scales, calibrate: options.calibrate }).model;
  const { model, chosen } = withParallelism(base, (engine, positions) => {
    const c = engine.data.config;
    if (target === undefined) return { lanes: c.lanes, simd: c.simd, cyclesPerImage: positions * Math.ceil(c.n / c.lanes) * Math.ceil(c.k / c.simd) };
    return chooseParallelism({ name: engine.layer.name, n: c.n, k: c.k, positions }, target);
  });
  const inputs = options.inputs === undefined ? undefined : readImages(options.inputs, spec, { layout: options.layout, field: '--inputs' });
  const design = generateAccelerator(model, {
    hdl: options.hdl, reset: options.reset, romStyle: options.romStyle, actStyle: options.actStyle, pipeline: options.pipeline, inputs, networkFiles: networkFiles(manifest, model), images: options.images, seed: options.seed, clockMhz: options.clockMhz, command: options.command,
    bypassDepths: options.bypassDepths,
  });
  return { ...design, model, parallelism: chosen };
}

/** network.json and the trained layers' files (docs/NETWORK.md, "The design folder"). */
function networkFiles(manifest: string, model: NetworkModel): GeneratedFile[] {
  const engines: Record<string, BuiltEngine> = {};
  for (const engine of model.engines) {
    if (engine === undefined) continue;
    const l = engine.layer;
    const c = engine.data.config;
    const trained: TrainedLayer | undefined = l.origin.kind !== 'file' ? undefined : {
      shape: [...l.config.shape], layout: l.config.layout, nIn: l.config.nIn, nOut: l.config.nOut, planes: l.config.planes, nSlices: l.nSlices,
      matrices: l.matrices, packed: l.encrypted, alpha: l.alphaReal.map((row) => Float64Array.from(row)),
      ...(l.biasReal ? { bias: Float64Array.from(l.biasReal) } : {}),
    };
    engines[l.name] = { scale: engine.outScale, lanes: c.lanes, simd: c.simd, ...(trained ? { npz: layerNpzBytes(trained) } : {}) };
  }
  const adds: Record<string, number> = {};
  for (const add of model.adds) if (add !== undefined) adds[add.layer.name] = add.outScale;
  const stored = storedNetwork(manifest, model.spec, engines, adds);
  return [
    { path: STORED_NETWORK, role: 'network', contents: stored.manifest },
    ...stored.weights.map((w) => ({ path: w.path, role: 'network' as const, contents: w.bytes })),
  ];
}
