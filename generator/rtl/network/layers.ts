/**
 * `flexor network`: a whole network from a manifest (JSON or YAML) listing its layers, each a
 * trained .npz or a seeded configuration with its own parallelism. One design folder per layer,
 * a top-level file list, a manifest and a storage report.
 */
import { readFileSync } from 'node:fs';
import { headerView, manifestFile, type GeneratedDesign, type GeneratedFile } from '../design.js';
import { InputError } from '../../core/errors.js';
import { readNetwork as readIndependentLayers } from '../../formats/networkfile.js';
import type { Hdl, ResetStyle } from '../hdl.js';
import { generateLayer, type LayerGenOptions, type WeightSource } from '../layer/generate.js';
import { layerSource } from '../../formats/layersource.js';
import { planLayer } from '../layerplan.js';
import { render } from '../templates.js';
import { sha256 } from '../../core/hash.js';

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

/** Reads and validates an independent-layers manifest (formats/networkfile.ts); generation settings are checked by generateLayer. */
export function readNetwork(path: string): { name: string; layers: NetworkLayer[] } {
  const network = readIndependentLayers(path);
  return { name: network.name, layers: network.layers.map((l) => ({ ...l, weights: l.weights as WeightSource | undefined, reset: l.reset as ResetStyle | undefined, hdl: l.hdl as Hdl | undefined })) };
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
