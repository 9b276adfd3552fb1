/**
 * `flexor network`: a whole network from a manifest (JSON or YAML) listing its layers, each a
 * trained .npz or a seeded configuration with its own parallelism. One design folder per layer,
 * a top-level file list, a manifest and a storage report.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { headerView, manifestFile, type GeneratedDesign, type GeneratedFile } from './design.js';
import { InputError } from '../core/errors.js';
import { readInputText } from '../formats/files.js';
import type { Hdl, ResetStyle } from './hdl.js';
import type { Layout } from '../core/layer.js';
import { generateLayer, type LayerGenOptions, type WeightSource } from './layer/generate.js';
import { layerSource } from '../formats/layersource.js';
import { planLayer } from './layerplan.js';
import { render } from './templates.js';
import { sha256 } from '../core/hash.js';

/** The keys a layer entry (or `defaults`) may have, and their types. */
const LAYER_KEYS: Record<string, 'number' | 'boolean' | 'string' | 'shape'> = {
  name: 'string',
  from: 'string',
  shape: 'shape',
  nIn: 'number',
  nOut: 'number',
  nTap: 'number',
  dense: 'boolean',
  seed: 'number',
  planes: 'number',
  layout: 'string',
  lanes: 'number',
  simd: 'number',
  actBits: 'number',
  alphaBits: 'number',
  alphaFrac: 'number',
  bias: 'boolean',
  biasBits: 'number',
  requantShift: 'number',
  outBits: 'number',
  weights: 'string',
  reset: 'string',
  hdl: 'string',
  vectors: 'number',
};

/** Settings a trained layer (`from`) takes from its file, not from `defaults`. */
const SEEDED_ONLY = new Set(['shape', 'nIn', 'nOut', 'nTap', 'dense', 'planes', 'layout']);

export interface NetworkLayer extends LayerGenOptions {
  readonly name: string;
}

export interface StorageRow {
  readonly name: string;
  readonly weights: number;
  readonly planes: number;
  readonly nIn: number;
  readonly nOut: number;
  /** q * ceil(N*K / Nout) * Nin: what training stores. */
  readonly encryptedBits: number;
  readonly bitsPerWeight: number;
  /** Against a 1-bit binary network (one bit per weight) and 32-bit floats. */
  readonly compressionVsBinary: number;
  readonly compressionVsFloat: number;
  /** Bits of the layer's weight memory as generated (duplicated boundary slices and padding included). */
  readonly memoryBits: number;
}

function readManifestFile(path: string): unknown {
  const text = readInputText(path, { field: 'MANIFEST', expected: 'a network manifest' });
  const ext = extname(path).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text);
    if (ext === '.yaml' || ext === '.yml') return yaml.load(text);
  } catch (e) {
    throw new InputError(path, `is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  throw new InputError('MANIFEST', `must be a .json, .yaml or .yml file; got ${path}`);
}

function checkEntry(entry: unknown, field: string): Record<string, unknown> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new InputError(field, 'must be an object of layer settings');
  for (const [key, value] of Object.entries(entry)) {
    const type = LAYER_KEYS[key];
    if (type === undefined) throw new InputError(`${field}.${key}`, `is not a layer setting; allowed: ${Object.keys(LAYER_KEYS).join(', ')}`);
    const ok = type === 'shape' ? Array.isArray(value) && value.every((v) => typeof v === 'number') : typeof value === type;
    if (!ok) throw new InputError(`${field}.${key}`, `must be ${type === 'shape' ? 'a list of integers' : `a ${type}`}; got ${JSON.stringify(value)}`);
  }
  return entry as Record<string, unknown>;
}

/** Reads and validates a network manifest; paths of `from` become relative to the manifest. */
export function readNetwork(path: string): { name: string; layers: NetworkLayer[] } {
  const doc = readManifestFile(path);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(path, 'must hold an object with "layers"');
  const { name, defaults, layers, ...rest } = doc as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new InputError(`${path}:${extra[0]}`, 'is not a network setting; allowed: name, defaults, layers');
  if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name))) {
    throw new InputError(`${path}:name`, 'must be a letter then letters, digits or _');
  }
  const base = defaults === undefined ? {} : checkEntry(defaults, `${path}:defaults`);
  if ('name' in base || 'from' in base) throw new InputError(`${path}:defaults`, 'cannot set name or from');
  if (!Array.isArray(layers) || layers.length === 0) throw new InputError(`${path}:layers`, 'must be a non-empty list of layers');
  const seen = new Set<string>();
  const resolved = layers.map((raw, i) => {
    const field = `${path}:layers[${i}]`;
    const own = checkEntry(raw, field);
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
      weights: entry.weights as WeightSource | undefined,
      reset: entry.reset as ResetStyle | undefined,
      hdl: entry.hdl as Hdl | undefined,
    } as NetworkLayer;
  });
  return { name: (name as string | undefined) ?? 'network', layers: resolved };
}

/** Storage figures of one layer. */
export function storageRow(layer: NetworkLayer): StorageRow {
  const { config } = layerSource(layer);
  const plan = planLayer(config);
  const weights = config.n * config.k;
  const encryptedBits = config.planes * plan.slices * config.nIn;
  return {
    name: layer.name,
    weights,
    planes: config.planes,
    nIn: config.nIn,
    nOut: config.nOut,
    encryptedBits,
    bitsPerWeight: encryptedBits / weights,
    compressionVsBinary: weights / encryptedBits,
    compressionVsFloat: (32 * weights) / encryptedBits,
    memoryBits: plan.depth * plan.wordBits,
  };
}

export function storageTotal(rows: readonly StorageRow[]): Omit<StorageRow, 'name' | 'planes' | 'nIn' | 'nOut'> {
  const weights = rows.reduce((n, r) => n + r.weights, 0);
  const encryptedBits = rows.reduce((n, r) => n + r.encryptedBits, 0);
  return {
    weights,
    encryptedBits,
    bitsPerWeight: encryptedBits / weights,
    compressionVsBinary: weights / encryptedBits,
    compressionVsFloat: (32 * weights) / encryptedBits,
    memoryBits: rows.reduce((n, r) => n + r.memoryBits, 0),
  };
}

export interface GeneratedNetwork extends GeneratedDesign {
  readonly storage: readonly StorageRow[];
  readonly layerTops: readonly string[];
}

/** Every layer's design under <layer name>/, plus network.f, storage.json, README.md, manifest.json. */
export function generateNetwork(path: string): GeneratedNetwork {
  const network = readNetwork(path);
  const manifestBytes = readFileSync(path);
  const designs: GeneratedDesign[] = network.layers.map((layer, i) => {
    try {
      return generateLayer({ ...layer, name: `${network.name}_${layer.name}` });
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${path}:layers[${i}] (${layer.name}) ${e.field}`, e.message.slice(e.field.length + 2));
      throw e;
    }
  });
  const storage = network.layers.map(storageRow);
  const total = storageTotal(storage);
  const files: GeneratedFile[] = [];
  designs.forEach((design, i) => {
    for (const f of design.files) files.push({ ...f, path: `${network.layers[i].name}/${f.path}` });
  });
  const header = headerView(`flexor network ${path.split('/').pop()}`, { kind: 'network', manifest: sha256(manifestBytes) }, [
    `Network ${network.name}: ${network.layers.length} layer(s), ${total.weights} weights, ${total.bitsPerWeight.toFixed(3)} encrypted bits per weight.`,
  ]);
  const rtl = designs.flatMap((d, i) =>
    d.files.filter((f) => f.role === 'rtl').map((f) => `${network.layers[i].name}/${f.path}`),
  );
  files.push({ path: 'network.f', role: 'filelist', contents: render('design/filelist', { header, files: rtl }) });
  const fmt = (x: number) => x.toFixed(3);
  const table = [
    '| layer | weights | q | Nin/Nout | encrypted bits | bits per weight | vs 1-bit | vs float32 | RTL memory bits |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...storage.map((r) => `| ${r.name} | ${r.weights} | ${r.planes} | ${r.nIn}/${r.nOut} | ${r.encryptedBits} | ${fmt(r.bitsPerWeight)} | ${fmt(r.compressionVsBinary)}x | ${fmt(r.compressionVsFloat)}x | ${r.memoryBits} |`),
    `| **total** | ${total.weights} | | | ${total.encryptedBits} | ${fmt(total.bitsPerWeight)} | ${fmt(total.compressionVsBinary)}x | ${fmt(total.compressionVsFloat)}x | ${total.memoryBits} |`,
  ];
  files.push({ path: 'storage.json', role: 'matrix', contents: `${JSON.stringify({ layers: storage, total }, null, 2)}\n` });
  const summary = [header.lines[0], ...designs.map((d, i) => `${network.layers[i].name}: ${d.top} (${d.summary[1] ?? ''})`)];
  files.push({
    path: 'README.md',
    role: 'readme',
    contents: render('network/network_readme', { header, name: network.name, summary, table, layers: network.layers.map((l, i) => ({ name: l.name, top: designs[i].top })) }),
  });
  const warnings = designs.flatMap((d, i) => d.warnings.map((w) => `${network.layers[i].name}: ${w}`));
  files.push(
    manifestFile(
      header,
      {
        kind: 'network',
        name: network.name,
        layers: network.layers.map((l, i) => ({ name: l.name, folder: l.name, top: designs[i].top })),
        storage: { layers: storage, total },
        warnings,
      },
      files,
    ),
  );
  return { top: designs[0].top, testbenchTop: designs[0].testbenchTop, files, warnings, summary, storage, layerTops: designs.map((d) => d.top) };
}
