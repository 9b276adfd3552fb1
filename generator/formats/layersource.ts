/**
 * Where a layer's data comes from: drawn from a seed, or a trained layer read from an interchange
 * .npz (docs/FORMAT.md). Either way the result is the configuration and the LayerData that the
 * golden model and the RTL generator use.
 */
import { basename } from 'node:path';
import { InputError, requireInteger } from '../core/errors.js';
import { readInputFile } from './files.js';
import { drawLayer, resolveLayer, type LayerConfig, type LayerData, type LayerOptions } from '../core/layer.js';
import { layerNpzBytes, readLayerFile, trainedLayerFromData } from './layerfile.js';
import { parseNpy } from './npy.js';
import { sha256 } from '../core/hash.js';
import { trainedLayerData, type LayerSettings, type TrainedLayer } from '../core/trained.js';

/** The arithmetic and parallelism flags that apply to a trained layer too. */
export type { LayerSettings } from '../core/trained.js';

export interface LayerSourceOptions extends Partial<LayerOptions> {
  /** A trained layer's .npz; then shape, Nin, Nout, planes, matrices, layout and bias come from it. */
  readonly from?: string;
  /** The same, already read (library callers). */
  readonly trained?: TrainedLayer;
}

export interface LayerSource {
  readonly config: LayerConfig;
  readonly data: LayerData;
  /** The layer as an interchange .npz (what the design folder keeps). */
  readonly npz: Uint8Array;
  readonly origin: { readonly kind: 'seeded' } | { readonly kind: 'file'; readonly file: string; readonly sha256: string };
}

const MATRIX_FLAGS = ['shape', 'nIn', 'nOut', 'nTap', 'dense', 'draw', 'planes', 'layout'] as const;
const FLAG_NAMES: Record<(typeof MATRIX_FLAGS)[number], string> = {
  shape: '--shape',
  nIn: '--nin',
  nOut: '--nout',
  nTap: '--ntap',
  dense: '--dense',
  draw: '--draw',
  planes: '--planes',
  layout: '--layout',
};

/** Resolves a seeded layer or reads a trained one; validates everything first. */
export function layerSource(options: LayerSourceOptions): LayerSource {
  if (options.from === undefined && options.trained === undefined) {
    if (options.shape === undefined) throw new InputError('--shape', 'is required unless --from gives a trained layer');
    if (options.nIn === undefined) throw new InputError('--nin', 'is required unless --from gives a trained layer');
    if (options.nOut === undefined) throw new InputError('--nout', 'is required unless --from gives a trained layer');
    const config = resolveLayer(options as LayerOptions);
    const data = drawLayer(config);
    return { config, data, npz: layerNpzBytes(trainedLayerFromData(data)), origin: { kind: 'seeded' } };
  }
  for (const flag of MATRIX_FLAGS) {
    if (flag === 'layout' && options.layout === 'oi') continue; // the CLI's default
    if (options[flag] !== undefined && options[flag] !== false) {
      throw new InputError(FLAG_NAMES[flag], 'cannot be combined with --from: the trained layer gives it');
    }
  }
  const trained = options.trained ?? readLayerFile(options.from!);
  const field = options.from ? basename(options.from) : 'layer';
  if (options.bias && trained.bias === undefined) throw new InputError('--bias', `${field} has no bias array`);
  const data = trainedLayerData(trained, options as LayerSettings, field);
  const { config } = data;
  const npz = layerNpzBytes(trained);
  const file = options.from ? basename(options.from) : 'layer.npz';
  return { config, data, npz, origin: { kind: 'file', file, sha256: sha256(npz) } };
}

/**
 * `generate layer --inputs FILE`: the vectors of FILE, checked against the layer they feed (its K
 * and activation bits), and the file's name for the header's command.
 */
export function layerInputs(path: string, options: LayerSourceOptions): { inputs: Int32Array[]; inputsFile: string } {
  return { inputs: readActivations(path, layerSource(options).config), inputsFile: basename(path) };
}

/**
 * Activation vectors from a user's .npy: integer [V, K] (int8/16/32/64, or uint8), each value a
 * signed A-bit integer.
 */
export function readActivations(path: string, config: LayerConfig): Int32Array[] {
  const bytes = readInputFile(path, { field: '--inputs', expected: 'an activations .npy' });
  const name = basename(path);
  const arr = parseNpy(bytes, name);
  if (!['int8', 'int16', 'int32', 'int64', 'uint8'].includes(arr.dtype)) {
    throw new InputError(name, `has dtype ${arr.dtype}; activations must be integers (int8, int16, int32, int64 or uint8)`);
  }
  if (arr.shape.length !== 2 || arr.shape[1] !== config.k || arr.shape[0] < 1) {
    throw new InputError(name, `has shape [${arr.shape.join(', ')}]; activations must have shape [V, K] with V >= 1 and K = ${config.k}`);
  }
  const [v, k] = arr.shape;
  requireInteger('--inputs', v, 1, 100_000, 'at most 100000 vectors');
  const lo = -(2 ** (config.actBits - 1));
  const hi = 2 ** (config.actBits - 1) - 1;
  return Array.from({ length: v }, (_, row) =>
    Int32Array.from({ length: k }, (_, col) => {
      const raw = arr.data[row * k + col];
      const value = typeof raw === 'bigint' ? Number(raw) : raw;
      if (value < lo || value > hi) {
        throw new InputError(`${name}[${row}][${col}]`, `is ${value}; activations must be signed ${config.actBits}-bit integers, ${lo} to ${hi} (set --act-bits)`);
      }
      return value;
    }),
  );
}
