/**
 * Import and export of XOR matrices (the `--matrix` flag): JSON as written by matricesToJson or
 * a bare nested array, and .npy files of bool or uint8 with shape [Nout, Nin] or [q, Nout, Nin].
 */
import { extname } from 'node:path';
import { InputError } from '../core/errors.js';
import { readInputFile } from './files.js';
import { MAX_PLANES, XorMatrix, checkImportedSizes, matrixFromRows, matrixRows, sameShape } from '../core/matrix.js';
import { formatIndex, formatShape, parseNpy, writeNpy } from './npy.js';

/** Value of "format" in the JSON files this module writes. */
export const MATRIX_JSON_FORMAT = 'flexor-matrix';
/** Value of "version" in the JSON files this module writes. */
export const MATRIX_JSON_VERSION = 1;

/** Reads the planes' matrices from a .json or .npy file, checking everything; errors name the file. */
export function readMatrices(path: string): XorMatrix[] {
  const extension = extname(path).toLowerCase();
  if (extension !== '.json' && extension !== '.npy') {
    throw new InputError('--matrix', `must name a .json or .npy file; got ${JSON.stringify(path)}`);
  }
  const bytes = readFile(path);
  const planes = extension === '.npy' ? matricesFromNpy(bytes, path) : matricesFromJson(bytes, path);
  if (planes.length > MAX_PLANES) throw new InputError(path, `has ${planes.length} planes; at most ${MAX_PLANES} are allowed`);
  return planes;
}

function readFile(path: string): Uint8Array {
  return readInputFile(path, { expected: 'a matrix file' });
}

/** A bool/uint8 .npy of shape [Nout, Nin] or [q, Nout, Nin] with entries 0/1. */
function matricesFromNpy(bytes: Uint8Array, name: string): XorMatrix[] {
  const arr = parseNpy(bytes, name);
  if (arr.dtype !== 'bool' && arr.dtype !== 'uint8') {
    throw new InputError(name, `has dtype ${arr.dtype}; a matrix must be bool or uint8 (save it with arr.astype(np.uint8))`);
  }
  const { shape } = arr;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new InputError(name, `has shape ${formatShape(shape)}; a matrix must have shape [Nout, Nin] (one plane) or [q, Nout, Nin]`);
  }
  if (shape.some((d) => d === 0)) throw new InputError(name, `has shape ${formatShape(shape)}; every dimension must be at least 1`);
  const data = arr.data as Uint8Array;
  const bad = data.findIndex((v) => v > 1);
  if (bad >= 0) throw new InputError(`${name}${formatIndex(shape, bad)}`, `entries must be 0 or 1; got ${data[bad]}`);

  const [q, nOut, nIn] = shape.length === 2 ? [1, shape[0], shape[1]] : shape;
  checkImportedSizes(nIn, nOut, name);
  const size = nOut * nIn;
  // slice() copies, so each plane owns its bits.
  const planes = Array.from({ length: q }, (_, p) => ({ nIn, nOut, bits: data.slice(p * size, (p + 1) * size) }));
  sameShape(planes, name);
  return planes;
}

/** `{"planes": [...], ...}` or a bare array of rows (one plane) or of planes. */
function matricesFromJson(bytes: Uint8Array, name: string): XorMatrix[] {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new InputError(name, `is not valid JSON: ${(e as Error).message}`);
  }

  if (Array.isArray(doc)) {
    if (doc.length === 0) throw new InputError(name, 'is an empty array; expected rows [[0, 1, ...], ...] or planes [[[0, 1, ...], ...], ...]');
    const holdsPlanes = Array.isArray(doc[0]) && Array.isArray(doc[0][0]);
    const planes = holdsPlanes ? doc.map((rows, p) => matrixFromRows(rows, `${name}[${p}]`)) : [matrixFromRows(doc, name)];
    sameShape(planes, name);
    return planes;
  }

  if (typeof doc !== 'object' || doc === null) {
    throw new InputError(name, `must hold an object with "planes" or a nested array of rows; got ${doc === null ? 'null' : typeof doc}`);
  }
  const fields = doc as Record<string, unknown>;
  if ('format' in fields && fields.format !== MATRIX_JSON_FORMAT) {
    throw new InputError(`${name}:format`, `must be ${JSON.stringify(MATRIX_JSON_FORMAT)}; got ${JSON.stringify(fields.format)}`);
  }
  if ('version' in fields && fields.version !== MATRIX_JSON_VERSION) {
    throw new InputError(`${name}:version`, `must be ${MATRIX_JSON_VERSION} (the only version this generator reads); got ${JSON.stringify(fields.version)}`);
  }
  const planesField = `${name}:planes`;
  if (!('planes' in fields)) throw new InputError(name, 'has no "planes" field; expected {"planes": [[[0, 1, ...], ...], ...]}');
  const planesValue = fields.planes;
  if (!Array.isArray(planesValue) || planesValue.length === 0) {
    throw new InputError(planesField, 'must be a non-empty list of planes, each a list of rows of 0/1 entries');
  }
  const planes = planesValue.map((rows, p) => matrixFromRows(rows, `${planesField}[${p}]`));
  sameShape(planes, planesField);
  for (const key of ['nIn', 'nOut'] as const) {
    if (key in fields && fields[key] !== planes[0][key]) {
      throw new InputError(`${name}:${key}`, `is ${JSON.stringify(fields[key])} but the planes have ${key} = ${planes[0][key]}`);
    }
  }
  return planes;
}

/** Checks that planes is a non-empty list of same-shaped matrices (a programming error otherwise). */
function requirePlanes(planes: readonly XorMatrix[]): void {
  if (planes.length === 0) throw new Error('no planes to write');
  if (planes.some((m) => m.nIn !== planes[0].nIn || m.nOut !== planes[0].nOut)) throw new Error('planes differ in shape');
}

/**
 * The JSON text of a matrix file: format, version, nIn, nOut, planes, then the `extra` fields in
 * their order. Each matrix row is on one line; ends with a newline.
 */
export function matricesToJson(planes: readonly XorMatrix[], extra: Record<string, unknown> = {}): string {
  requirePlanes(planes);
  const { nIn, nOut } = planes[0];
  const head: Record<string, unknown> = { format: MATRIX_JSON_FORMAT, version: MATRIX_JSON_VERSION, nIn, nOut };
  const clash = Object.keys(extra).find((k) => k in head || k === 'planes');
  if (clash !== undefined) throw new Error(`matricesToJson: extra field ${JSON.stringify(clash)} would overwrite a standard field`);

  const planeTexts = planes.map((m) => `    [\n${matrixRows(m).map((row) => `      [${row.join(', ')}]`).join(',\n')}\n    ]`);
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  lines.push(`  "planes": [\n${planeTexts.join(',\n')}\n  ]`);
  for (const [key, value] of Object.entries(extra)) {
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) continue; // undefined and functions are left out, as JSON.stringify does
    lines.push(`  ${JSON.stringify(key)}: ${text.replace(/\n/g, '\n  ')}`);
  }
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** A uint8 .npy of shape [Nout, Nin] for one plane, [q, Nout, Nin] for several. */
export function matricesToNpy(planes: readonly XorMatrix[]): Uint8Array {
  requirePlanes(planes);
  const { nIn, nOut } = planes[0];
  const size = nOut * nIn;
  const data = new Uint8Array(planes.length * size);
  planes.forEach((m, p) => data.set(m.bits, p * size));
  const shape = planes.length === 1 ? [nOut, nIn] : [planes.length, nOut, nIn];
  return writeNpy({ dtype: 'uint8', shape, data });
}
