/**
 * Network manifests (docs/NETWORK.md), JSON or YAML, in their two forms: a chained network (with
 * `input`: image in, logits out), read into a NetworkDescription for core/network.ts; and the
 * older list of independent layers (no `input`) that `flexor network` generates one by one. Also
 * the images a network reads (.npy, [V, C, H, W] or [V, H, W, C]) and the calibrated scales.
 */
import { basename, dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import yaml from 'js-yaml';
import { InputError, requireInteger } from '../core/errors.js';
import type { Calibration } from '../core/calibrate.js';
import { IMAGE_LAYOUTS, kindError, scaledLayers, NET_LAYER_KINDS, type EngineOptions, type ImageLayout, type LayerDescription, type NetLayer, type NetLayerKind, type NetworkDescription, type NetworkImages, type NetworkSpec } from '../core/network.js';
import { checkScale, type NetworkScales } from '../core/netquant.js';
import type { Layout } from '../core/layer.js';
import { readInputFile, readInputText } from './files.js';
import { readLayerFile } from './layerfile.js';
import type { LayerSourceOptions } from './layersource.js';
import { formatIndex, formatShape, parseNpy } from './npy.js';

type KeyType = 'number' | 'boolean' | 'string' | 'shape' | 'numbers' | 'names' | 'object' | 'list';

/** A path that names a network manifest (by its extension), not a layer .npz. */
export function isNetworkManifest(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}

/** Reads a manifest as a plain document; .json, .yaml or .yml. */
export function readManifestDocument(path: string): Record<string, unknown> {
  const text = readInputText(path, { field: 'MANIFEST', expected: 'a network manifest' });
  const ext = extname(path).toLowerCase();
  let doc: unknown;
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') throw new InputError('MANIFEST', `must be a .json, .yaml or .yml file; got ${path}`);
  try {
    doc = ext === '.json' ? JSON.parse(text) : yaml.load(text);
  } catch (e) {
    throw new InputError(path, `is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(path, 'must hold an object with "layers"');
  return doc as Record<string, unknown>;
}

/** Does the manifest describe a chained network (it has `input`) rather than independent layers? */
export function isChainedManifest(doc: Record<string, unknown>): boolean {
  return 'input' in doc;
}

function typeOk(type: KeyType, value: unknown): boolean {
  if (type === 'shape' || type === 'numbers') return Array.isArray(value) && value.every((v) => typeof v === 'number');
  if (type === 'names') return Array.isArray(value) && value.every((v) => typeof v === 'string');
  if (type === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  if (type === 'list') return Array.isArray(value);
  return typeof value === type;
}

/**
 * Checks every key of `entry` against `keys` (what it is called in messages: `what`). A key's
 * field is `field.key`, or `file:key` for the top level of a manifest (`field` ending in ':').
 */
function checkKeys(entry: unknown, keys: Readonly<Record<string, KeyType>>, field: string, what: string): Record<string, unknown> {
  const at = (key: string) => (field.endsWith(':') ? `${field}${key}` : `${field}.${key}`);
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new InputError(field.replace(/:$/, ''), `must be an object of ${what}s`);
  for (const [key, value] of Object.entries(entry)) {
    const type = keys[key];
    if (type === undefined) throw new InputError(at(key), `is not a ${what}; allowed: ${Object.keys(keys).join(', ')}`);
    if (!typeOk(type, value)) {
      const expected = { shape: 'a list of integers', numbers: 'a list of numbers', names: 'a list of layer names', object: 'an object', list: 'a list' }[type as string] ?? `a ${type}`;
      throw new InputError(at(key), `must be ${expected}; got ${JSON.stringify(value)}`);
    }
  }
  return entry as Record<string, unknown>;
}

/** A conv/linear engine's settings, which `defaults` may also give (in both kinds of manifest). */
const ENGINE_KEYS: Record<string, KeyType> = {
  nIn: 'number',
  nOut: 'number',
  nTap: 'number',
  dense: 'boolean',
  draw: 'string',
  seed: 'number',
  planes: 'number',
  layout: 'string',
  lanes: 'number',
  simd: 'number',
  alphaBits: 'number',
  bias: 'boolean',
  biasBits: 'number',
  weights: 'string',
};

// ---------------------------------------------------------------------------------------------
// Independent layers (no `input`)

/**
 * The keys a layer entry (or `defaults`) of an independent-layers manifest may have, and their
 * types: a conv/linear engine's settings and the layer generator's own (arithmetic, HDL, vectors).
 */
const LAYER_KEYS: Record<string, KeyType> = {
  name: 'string',
  from: 'string',
  shape: 'shape',
  ...ENGINE_KEYS,
  actBits: 'number',
  alphaFrac: 'number',
  requantShift: 'number',
  outBits: 'number',
  reset: 'string',
  hdl: 'string',
  pipeline: 'string',
  vectors: 'number',
};

/** Settings a trained layer (`from`) takes from its file, not from `defaults`. */
const SEEDED_ONLY = new Set(['shape', 'nIn', 'nOut', 'nTap', 'dense', 'draw', 'planes', 'layout']);

/** One layer of an independent-layers manifest: a layer source and its generation settings (checked when generated). */
export interface IndependentLayer extends LayerSourceOptions {
  readonly name: string;
  readonly weights?: string;
  readonly reset?: string;
  readonly hdl?: string;
  /** `flexor generate layer --pipeline`'s stages, checked when generated. */
  readonly pipeline?: string;
  readonly vectors?: number;
}

/** Reads and validates an independent-layers manifest; paths of `from` become relative to the manifest. */
export function readNetwork(path: string): { name: string; layers: IndependentLayer[] } {
  const doc = readManifestDocument(path);
  if (isChainedManifest(doc)) {
    throw new InputError(`${path}:input`, 'makes this a chained network (image in, logits out: docs/NETWORK.md); this reader takes a list of independent layers');
  }
  const { name, defaults, layers, ...rest } = doc;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new InputError(`${path}:${extra[0]}`, 'is not a network setting; allowed: name, defaults, layers (and input for a chained network)');
  checkNetworkName(path, name);
  const base = defaults === undefined ? {} : checkKeys(defaults, LAYER_KEYS, `${path}:defaults`, 'layer setting');
  if ('name' in base || 'from' in base) throw new InputError(`${path}:defaults`, 'cannot set name or from');
  if (!Array.isArray(layers) || layers.length === 0) throw new InputError(`${path}:layers`, 'must be a non-empty list of layers');
  const seen = new Set<string>();
  const resolved = layers.map((raw, i) => {
    const field = `${path}:layers[${i}]`;
    const own = checkKeys(raw, LAYER_KEYS, field, 'layer setting');
    // A trained layer brings its own shape and matrices: the defaults' seeded settings skip it.
    const inherited = own.from === undefined ? base : Object.fromEntries(Object.entries(base).filter(([key]) => !SEEDED_ONLY.has(key)));
    const entry = { ...inherited, ...own } as Record<string, unknown>;
    const layerName = entry.name;
    if (typeof layerName !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(layerName)) {
      throw new InputError(`${field}.name`, 'is required: a letter then letters, digits or _ (at most 41), unique in the network');
    }
    if (seen.has(layerName)) throw new InputError(`${field}.name`, `${layerName} is used by an earlier layer; names must be unique`);
    seen.add(layerName);
    const from = entry.from as string | undefined;
    return {
      ...(entry as object),
      name: layerName,
      from: from === undefined ? undefined : isAbsolute(from) ? from : join(dirname(path), from),
      layout: entry.layout as Layout | undefined,
    } as IndependentLayer;
  });
  return { name: (name as string | undefined) ?? 'network', layers: resolved };
}

function checkNetworkName(path: string, name: unknown): void {
  if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name))) {
    throw new InputError(`${path}:name`, 'must be a letter then letters, digits or _');
  }
}

// ---------------------------------------------------------------------------------------------
// Chained networks (with `input`)

const NETWORK_KEYS: Record<string, KeyType> = { name: 'string', input: 'object', actBits: 'number', logitBits: 'number', defaults: 'object', layers: 'list' };
const INPUT_KEYS: Record<string, KeyType> = { shape: 'shape', bits: 'number', signed: 'boolean', scale: 'number', layout: 'string' };


/** The keys of each kind of layer. */
const KIND_KEYS: Readonly<Record<NetLayerKind, Readonly<Record<string, KeyType>>>> = {
  conv: { name: 'string', kind: 'string', shape: 'shape', from: 'string', stride: 'number', padding: 'number', scale: 'number', ...ENGINE_KEYS, input: 'string' },
  linear: { name: 'string', kind: 'string', shape: 'shape', from: 'string', scale: 'number', ...ENGINE_KEYS, input: 'string' },
  relu: { name: 'string', kind: 'string', input: 'string' },
  maxpool: { name: 'string', kind: 'string', size: 'number', input: 'string' },
  avgpool: { name: 'string', kind: 'string', input: 'string' },
  flatten: { name: 'string', kind: 'string', input: 'string' },
  add: { name: 'string', kind: 'string', inputs: 'names', scale: 'number' },
  shortcut: { name: 'string', kind: 'string', input: 'string', stride: 'number', channels: 'number', offset: 'number' },
  batchnorm: { name: 'string', kind: 'string', gamma: 'numbers', beta: 'numbers', mean: 'numbers', var: 'numbers', eps: 'number' },
};

/** Keys copied as they are from a layer entry into its description (checked by core/network.ts). */
const PLAIN_KEYS = ['input', 'inputs', 'stride', 'padding', 'size', 'scale', 'channels', 'offset', 'gamma', 'beta', 'mean', 'var', 'eps'] as const;

/** Engine settings a trained layer takes from its file, so `defaults` does not give them to it. */
const TRAINED_GIVES = new Set(['nIn', 'nOut', 'nTap', 'dense', 'draw', 'planes', 'layout']);

function engineOptions(entry: Record<string, unknown>, field: string): EngineOptions {
  const options: Record<string, unknown> = {};
  for (const key of Object.keys(ENGINE_KEYS)) if (entry[key] !== undefined) options[key] = entry[key];
  if (options.layout !== undefined && options.layout !== 'oi' && options.layout !== 'io') {
    throw new InputError(`${field}.layout`, `must be oi (PyTorch order) or io (output channel fastest); got ${JSON.stringify(options.layout)}`);
  }
  if (options.weights !== undefined && options.weights !== 'rom' && options.weights !== 'stream') {
    throw new InputError(`${field}.weights`, `must be rom (on-chip memory) or stream (an AXI4-Stream weight port); got ${JSON.stringify(options.weights)}`);
  }
  return options as EngineOptions;
}

/** One entry of `layers`: keys checked for its kind, `defaults` merged in, a trained layer read. */
function layerDescription(raw: unknown, index: number, path: string, defaults: Record<string, unknown>): LayerDescription {
  const field = `${path}:layers[${index}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(field, 'must be an object with kind and the settings of that kind');
  const kind = (raw as Record<string, unknown>).kind;
  if (typeof kind !== 'string' || !(NET_LAYER_KINDS as readonly string[]).includes(kind)) {
    throw kindError(`${field}.kind`, kind);
  }
  const own = checkKeys(raw, KIND_KEYS[kind as NetLayerKind], field, `${kind} setting`);
  const plain = Object.fromEntries(PLAIN_KEYS.filter((key) => own[key] !== undefined).map((key) => [key, own[key]])) as Partial<LayerDescription>;
  const base = { field, kind: kind as NetLayerKind, ...(own.name !== undefined ? { name: own.name as string } : {}), ...plain };
  if (kind !== 'conv' && kind !== 'linear') return base;
  const from = own.from as string | undefined;
  const inherited = from === undefined ? defaults : Object.fromEntries(Object.entries(defaults).filter(([key]) => !TRAINED_GIVES.has(key)));
  const entry = { ...inherited, ...own };
  const file = from === undefined ? undefined : isAbsolute(from) ? from : join(dirname(path), from);
  return {
    ...base,
    ...(own.shape !== undefined ? { shape: own.shape as number[] } : {}),
    ...(file !== undefined ? { trained: readLayerFile(file), from: basename(file) } : {}),
    engine: engineOptions(entry, field),
  };
}

/** Reads a chained network's manifest; `from` files (relative to the manifest) are read here. */
export function readNetworkDescription(path: string): NetworkDescription {
  const doc = readManifestDocument(path);
  if (!isChainedManifest(doc)) throw new InputError(`${path}:input`, 'is required for a chained network (image in, logits out): {shape: [H, W, C], bits, signed, scale, layout}');
  checkKeys(doc, NETWORK_KEYS, `${path}:`, 'network setting');
  checkNetworkName(path, doc.name);
  const input = checkKeys(doc.input, INPUT_KEYS, `${path}:input`, 'input setting');
  if (input.shape === undefined) throw new InputError(`${path}:input.shape`, 'is required: [H, W, C]');
  const defaults = doc.defaults === undefined ? {} : checkKeys(doc.defaults, ENGINE_KEYS, `${path}:defaults`, 'default (a conv/linear engine setting)');
  const layers = doc.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new InputError(`${path}:layers`, 'must be a non-empty list of layers');
  return {
    name: (doc.name as string | undefined) ?? 'network',
    field: path,
    input: {
      shape: input.shape as number[],
      ...(input.bits !== undefined ? { bits: input.bits as number } : {}),
      ...(input.signed !== undefined ? { signed: input.signed as boolean } : {}),
      ...(input.scale !== undefined ? { scale: input.scale as number } : {}),
      ...(input.layout !== undefined ? { layout: input.layout as ImageLayout } : {}),
    },
    ...(doc.actBits !== undefined ? { actBits: doc.actBits as number } : {}),
    ...(doc.logitBits !== undefined ? { logitBits: doc.logitBits as number } : {}),
    layers: layers.map((raw, i) => layerDescription(raw, i, path, defaults)),
  };
}

// ---------------------------------------------------------------------------------------------
// Images

/** At most this many images per file. */
export const MAX_IMAGES = 100_000;

const INTEGER_DTYPES = ['int8', 'int16', 'int32', 'int64', 'uint8'];
const REAL_DTYPES = ['float32', 'float64'];

/**
 * Images from a .npy: [V, C, H, W] (`nchw`, PyTorch) or [V, H, W, C] (`nhwc`), as `layout` says
 * (else the manifest's input.layout; never guessed), H, W, C those of the input. Integer dtypes
 * are integer images, checked against the input's range; float32/float64 are real images.
 * Returned in stream order. `field` is the flag the path came from.
 */
export function readImages(path: string, spec: NetworkSpec, options: { layout?: ImageLayout; field?: string } = {}): NetworkImages {
  const field = options.field ?? '--images';
  const layout = options.layout ?? spec.inputLayout;
  if (layout === undefined) throw new InputError('--layout', `is required: nchw ([V, C, H, W], PyTorch) or nhwc ([V, H, W, C]); ${spec.field} does not say (input.layout)`);
  if (!IMAGE_LAYOUTS.includes(layout)) throw new InputError('--layout', `must be nchw or nhwc; got ${JSON.stringify(layout)}`);
  const name = basename(path);
  const arr = parseNpy(readInputFile(path, { field, expected: 'an images .npy' }), name);
  const t = spec.tensors[0];
  const expected = layout === 'nchw' ? [t.c, t.h, t.w] : [t.h, t.w, t.c];
  const layoutText = layout === 'nchw' ? '[V, C, H, W]' : '[V, H, W, C]';
  if (arr.shape.length !== 4 || arr.shape[0] < 1 || arr.shape.slice(1).some((d, i) => d !== expected[i])) {
    throw new InputError(name, `has shape ${formatShape(arr.shape)}; the images must be ${layoutText} = [V, ${expected.join(', ')}] (${layout}) with V >= 1`);
  }
  const v = arr.shape[0];
  requireInteger(field, v, 1, MAX_IMAGES, `a file of at most ${MAX_IMAGES} images`);
  const real = REAL_DTYPES.includes(arr.dtype);
  if (!real && !INTEGER_DTYPES.includes(arr.dtype)) {
    throw new InputError(name, `has dtype ${arr.dtype}; images must be integers (${INTEGER_DTYPES.join(', ')}) or reals (${REAL_DTYPES.join(', ')})`);
  }
  const size = t.h * t.w * t.c;
  const lo = t.signed ? -(2 ** (t.bits - 1)) : 0;
  const hi = t.signed ? 2 ** (t.bits - 1) - 1 : 2 ** t.bits - 1;
  const images = Array.from({ length: v }, (_, img) => {
    const out = real ? new Float64Array(size) : new Int32Array(size);
    for (let h = 0; h < t.h; h++) {
      for (let w = 0; w < t.w; w++) {
        for (let c = 0; c < t.c; c++) {
          const src = img * size + (layout === 'nchw' ? (c * t.h + h) * t.w + w : (h * t.w + w) * t.c + c);
          const raw = arr.data[src];
          const value = typeof raw === 'bigint' ? Number(raw) : raw;
          if (real ? !Number.isFinite(value) : value < lo || value > hi) {
            const what = real ? 'images must be finite' : `the input is ${t.signed ? 'signed' : 'unsigned'} ${t.bits}-bit, ${lo} to ${hi} (input.bits, input.signed)`;
            throw new InputError(`${name}${formatIndex(arr.shape, src)}`, `is ${String(raw)}; ${what}`);
          }
          out[(h * t.w + w) * t.c + c] = value;
        }
      }
    }
    return out;
  });
  return real ? { kind: 'real', images: images as Float64Array[] } : { kind: 'integer', images: images as Int32Array[] };
}

// ---------------------------------------------------------------------------------------------
// Scales: a sidecar JSON, or written into the manifest

export const SCALES_FORMAT = 'flexor-network-scales';
export const SCALES_VERSION = 1;

/** The calibrated scales as a sidecar JSON: the network, the rule, the image count, the scales and the maxima. */
export function scalesJson(spec: NetworkSpec, calibration: Calibration): string {
  const doc = {
    format: SCALES_FORMAT,
    version: SCALES_VERSION,
    network: spec.name,
    rule: 'max',
    images: calibration.images,
    scales: calibration.scales.layers,
    maxima: calibration.maxima,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Reads a sidecar written by scalesJson, for the network `spec`. */
export function readScalesFile(path: string, spec: NetworkSpec): NetworkScales {
  const name = basename(path);
  let doc: unknown;
  try {
    doc = JSON.parse(readInputText(path, { field: '--scales', expected: 'a scales .json' }));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(name, `is not valid JSON: ${(e as Error).message}`);
  }
  const d = doc as Record<string, unknown> | null;
  if (d === null || typeof d !== 'object' || d.format !== SCALES_FORMAT || d.version !== SCALES_VERSION) {
    throw new InputError(name, `is not a scales file (format "${SCALES_FORMAT}", version ${SCALES_VERSION}, as flexor network calibrate writes)`);
  }
  if (d.network !== spec.name) throw new InputError(`${name}:network`, `is ${JSON.stringify(d.network)}; the manifest's network is ${spec.name}`);
  const scales = d.scales as Record<string, unknown> | null;
  if (scales === null || typeof scales !== 'object' || Array.isArray(scales)) throw new InputError(`${name}:scales`, 'must be an object of layer name: scale');
  const names = new Set(scaledLayers(spec).map((l) => l.name));
  const layers: Record<string, number> = {};
  for (const [layer, value] of Object.entries(scales)) {
    if (!names.has(layer)) throw new InputError(`${name}:scales.${layer}`, `is not a conv, linear or add layer of ${spec.name}; they are ${[...names].join(', ')}`);
    layers[layer] = checkScale(`${name}:scales.${layer}`, value);
  }
  return { layers };
}

/**
 * The manifest with `scale` set on every conv/linear/add layer (the calibrated ones, or those it
 * gave), in the manifest's own format. YAML comments and flow style are not kept.
 */
export function manifestWithScales(path: string, spec: NetworkSpec, scales: NetworkScales, target?: string): string {
  const doc = manifestWithLayerKeys(path, scaledLayers(spec), (name) => ({ scale: scales.layers[name] }));
  if (target !== undefined) moveFromPaths(doc, path, target);
  if (extname(path).toLowerCase() === '.json') return `${JSON.stringify(doc, null, 2)}\n`;
  return yaml.dump(doc, { lineWidth: -1, noRefs: true, flowLevel: 2 });
}

/**
 * A manifest document read from `from` and written to `to`: every relative `from` path of its
 * layers rewritten relative to `to`'s folder, so that it names the same trained layer file.
 */
function moveFromPaths(doc: Record<string, unknown>, from: string, to: string): void {
  const layers = doc.layers as Record<string, unknown>[];
  layers.forEach((layer, i) => {
    const file = layer.from;
    if (typeof file !== 'string' || isAbsolute(file)) return;
    const moved = relative(dirname(to), join(dirname(from), file)).split(sep).join('/');
    layers[i] = { ...layer, from: moved };
  });
}

/** The manifest's document with `keys(name)` merged into the entry of every layer of `which`. */
function manifestWithLayerKeys(path: string, which: readonly NetLayer[], keys: (name: string) => Record<string, unknown>): Record<string, unknown> {
  const doc = readManifestDocument(path);
  const layers = doc.layers as Record<string, unknown>[];
  for (const layer of which) layers[layer.position] = { ...layers[layer.position], ...keys(layer.name) };
  return doc;
}

/** Where a design folder keeps the network its RTL holds (docs/NETWORK.md, "The design folder"). */
export const STORED_NETWORK = 'network.json';

/** A conv/linear layer as built: its scale, its parallelism and, if trained, its layer file. */
export interface BuiltEngine {
  readonly scale: number;
  readonly lanes: number;
  readonly simd: number;
  /** The trained layer's .npz bytes (stored as weights/<layer>.npz). */
  readonly npz?: Uint8Array;
}

/**
 * The network a design folder holds: the manifest (JSON) with every conv/linear layer's scale,
 * lanes and simd and every add's scale (`addScales`, by name) written in and each trained layer's
 * file beside it (`from: weights/<layer>.npz`), so that `flexor golden DIR` and `flexor sim DIR`
 * rebuild exactly the network of the RTL.
 */
export function storedNetwork(path: string, spec: NetworkSpec, engines: Readonly<Record<string, BuiltEngine>>, addScales: Readonly<Record<string, number>> = {}): { manifest: string; weights: { path: string; bytes: Uint8Array }[] } {
  const weights: { path: string; bytes: Uint8Array }[] = [];
  const scaled = scaledLayers(spec).filter((l) => l.kind !== 'add' || addScales[l.name] !== undefined);
  const doc = manifestWithLayerKeys(path, scaled, (name) => {
    if (addScales[name] !== undefined) return { scale: addScales[name] };
    const e = engines[name];
    if (e.npz === undefined) return { scale: e.scale, lanes: e.lanes, simd: e.simd };
    weights.push({ path: `weights/${name}.npz`, bytes: e.npz });
    return { from: `weights/${name}.npz`, scale: e.scale, lanes: e.lanes, simd: e.simd };
  });
  return { manifest: `${JSON.stringify(doc, null, 2)}\n`, weights };
}
