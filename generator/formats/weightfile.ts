/**
 * `flexor encode`: turns a plain binary (or float) network's weights into FleXOR layers, one .npz
 * per weight file (docs/FORMAT.md), by the exact nearest-codeword search of encode.ts.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { bitErrorRate, encodePlane, type EncodeResult } from '../core/encode.js';
import { InputError } from '../core/errors.js';
import { readInputFile, type OutputFile } from './files.js';
import { layerNpzBytes } from './layerfile.js';
import type { XorMatrix } from '../core/matrix.js';
import { resolveMatrix, type MatrixOptions } from './matrixoptions.js';
import { parseNpy, type NpyArray } from './npy.js';

export interface EncodedLayer {
  readonly name: string;
  readonly npz: Uint8Array;
  readonly result: EncodeResult;
  readonly bitErrorRate: number;
}

export interface EncodeReport {
  readonly layers: readonly EncodedLayer[];
  readonly weights: number;
  readonly bitErrors: number;
  readonly bitErrorRate: number;
}

function readNpyFile(path: string): NpyArray {
  return parseNpy(readInputFile(path, { expected: 'a .npy file' }), basename(path));
}

/**
 * One weight file: `.npy` of shape [Cout, ...] (PyTorch order). Integer weights must be -1 or
 * +1 (scale 1 per channel); float weights give their signs (w >= 0 is +1, as the reference
 * export does) and a scale per channel, the mean |w| of its row; with `weighted`, |w| is also
 * each weight's importance. `importanceFile` gives importances explicitly (same shape).
 */
export function encodeWeightFile(path: string, matrix: XorMatrix, options: { weighted?: boolean; importanceFile?: string } = {}): EncodedLayer {
  const name = basename(path);
  const arr = readNpyFile(path);
  if (arr.shape.length < 2 || arr.shape.some((d) => d < 1)) {
    throw new InputError(name, `has shape [${arr.shape.join(', ')}]; weights must be [Cout, Cin, kh, kw] or [out, in]`);
  }
  if (arr.shape.length !== 2 && arr.shape.length !== 4) {
    throw new InputError(name, `has ${arr.shape.length} dimensions; weights must be [Cout, Cin, kh, kw] or [out, in]`);
  }
  const n = arr.shape[0];
  const total = arr.shape.reduce((a, b) => a * b, 1);
  const k = total / n;
  const float = arr.dtype === 'float32' || arr.dtype === 'float64';
  if (!float && !['int8', 'int16', 'int32', 'int64'].includes(arr.dtype)) {
    throw new InputError(name, `has dtype ${arr.dtype}; weights must be -1/+1 integers (int8..int64) or floats (float32, float64)`);
  }
  const target = new Uint8Array(total);
  const magnitude = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    const raw = arr.data[i];
    const w = typeof raw === 'bigint' ? Number(raw) : raw;
    if (float) {
      if (!Number.isFinite(w)) throw new InputError(`${name}[${i}]`, `is ${w}; weights must be finite`);
    } else if (w !== 1 && w !== -1) {
      throw new InputError(`${name}[${i}]`, `is ${w}; integer weights must be -1 or +1 (give floats for magnitudes)`);
    }
    target[i] = w >= 0 ? 1 : 0;
    magnitude[i] = Math.abs(w);
  }
  if (options.weighted && !float) throw new InputError('--weighted', `${name} holds -1/+1 integers, which have no magnitudes; give float weights or --importance`);
  let importance: Float64Array | undefined;
  if (options.importanceFile !== undefined) {
    const imp = readNpyFile(options.importanceFile);
    if (imp.shape.join(',') !== arr.shape.join(',')) {
      throw new InputError(basename(options.importanceFile), `has shape [${imp.shape.join(', ')}]; it must match ${name}, [${arr.shape.join(', ')}]`);
    }
    importance = Float64Array.from(imp.data as ArrayLike<number>, (v) => Number(v));
  } else if (options.weighted) {
    importance = magnitude;
  }
  const result = encodePlane(matrix, target, importance);
  const alpha = Float64Array.from({ length: n }, (_, c) => {
    if (!float) return 1;
    let sum = 0;
    for (let i = c * k; i < (c + 1) * k; i++) sum += magnitude[i];
    return sum / k;
  });
  const npz = layerNpzBytes(
    { shape: [...arr.shape], layout: 'oi', nIn: matrix.nIn, nOut: matrix.nOut, planes: 1, nSlices: result.nSlices, matrices: [matrix], packed: [result.packed], alpha: [alpha] },
    { compress: true },
  );
  return { name: layerName(path), npz, result, bitErrorRate: bitErrorRate(result) };
}

/** The layer a weight file becomes: its name without `.npy` (`conv1.npy` is the layer `conv1`). */
export function layerName(path: string): string {
  return basename(path).replace(/\.npy$/i, '');
}

function checkLayerNames(paths: readonly string[]): void {
  const names = new Set<string>();
  for (const name of paths.map(layerName)) {
    if (names.has(name)) throw new InputError(name, 'is named twice; each weight file needs its own name');
    names.add(name);
  }
}

export function encodeWeightFiles(paths: readonly string[], matrix: XorMatrix, options: { weighted?: boolean; importanceFile?: string } = {}): EncodeReport {
  if (options.importanceFile !== undefined && paths.length !== 1) throw new InputError('--importance', 'applies to one weight file at a time');
  checkLayerNames(paths);
  const layers = paths.map((p) => encodeWeightFile(p, matrix, options));
  const weights = layers.reduce((n, l) => n + l.result.weights, 0);
  const bitErrors = layers.reduce((n, l) => n + l.result.bitErrors, 0);
  return { layers, weights, bitErrors, bitErrorRate: weights === 0 ? 0 : bitErrors / weights };
}

export interface EncodeLayerFilesOptions extends MatrixOptions {
  /** The weight .npy files, one layer each. */
  readonly weights: readonly string[];
  readonly weighted?: boolean;
  readonly importanceFile?: string;
  /** One .npz (for one weight file), or a folder that gets `<name>.npz` per weight file. */
  readonly output: string;
  /** Overwrite existing layer files; without it an existing one is refused before any encoding. */
  readonly force?: boolean;
}

export interface EncodedLayerFiles extends EncodeReport {
  /** The folder that holds the layer files (created if missing), or undefined when `output` is one .npz. */
  readonly folder?: string;
  /** The layer files, in the order of the weight files; nothing else in the folder is touched. */
  readonly files: readonly OutputFile[];
}

/**
 * `flexor encode`: the matrix (drawn or imported), each weight file encoded into a layer .npz, and
 * where each goes. Every check (matrix flags, output paths, names) comes before the encoding.
 */
export function encodeLayerFiles(options: EncodeLayerFilesOptions): EncodedLayerFiles {
  const { matrix } = resolveMatrix(options);
  const single = options.output.toLowerCase().endsWith('.npz');
  if (single && options.weights.length !== 1) throw new InputError('-o', 'names one .npz file but several weight files were given; give a folder');
  checkLayerNames(options.weights);
  const paths = single ? [options.output] : options.weights.map((w) => join(options.output, `${layerName(w)}.npz`));
  if (!options.force) for (const path of paths) if (existsSync(path)) throw new InputError('-o', `${path} exists; pass --force to overwrite it`);
  const report = encodeWeightFiles(options.weights, matrix, { weighted: options.weighted, importanceFile: options.importanceFile });
  return { ...report, folder: single ? undefined : options.output, files: report.layers.map((l, i) => ({ path: paths[i], contents: l.npz })) };
}
