/**
 * A strict reader and writer of numpy's .npy format (header versions 1.0, 2.0 and 3.0), written
 * by hand so the generator needs no dependency. Only C-order, little-endian arrays of a few plain
 * dtypes are supported; anything else is rejected with an InputError that says how to re-save it.
 *
 * Layout: "\x93NUMPY", major, minor, header length (uint16 LE in 1.0, uint32 LE in 2.0/3.0), the
 * header (a python dict literal, latin1 in 1.0/2.0, utf8 in 3.0, padded with spaces and a final
 * '\n' so the data starts on a 64-byte boundary), then the raw data.
 */
import { Buffer } from 'node:buffer';
import { InputError } from '../core/errors.js';

export type NpyDtype = 'bool' | 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64';

export type NpyData = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

export interface NpyArray {
  dtype: NpyDtype;
  /** Dimensions, C order (last index fastest); [] for a scalar. */
  shape: number[];
  /** The elements in C order; bool and uint8 are both Uint8Array, int64 is BigInt64Array. */
  data: NpyData;
}

interface DtypeInfo {
  /** The descr numpy writes for this dtype. */
  readonly descr: string;
  readonly itemSize: number;
  /** The typed array that holds the elements. */
  readonly arrayType: TypedArrayType;
}

type TypedArrayType = { new (buffer: ArrayBuffer, byteOffset: number, length: number): NpyData; readonly name: string };

const DTYPES: Readonly<Record<NpyDtype, DtypeInfo>> = {
  bool: { descr: '|b1', itemSize: 1, arrayType: Uint8Array },
  uint8: { descr: '|u1', itemSize: 1, arrayType: Uint8Array },
  int8: { descr: '|i1', itemSize: 1, arrayType: Int8Array },
  int16: { descr: '<i2', itemSize: 2, arrayType: Int16Array },
  int32: { descr: '<i4', itemSize: 4, arrayType: Int32Array },
  int64: { descr: '<i8', itemSize: 8, arrayType: BigInt64Array },
  float32: { descr: '<f4', itemSize: 4, arrayType: Float32Array },
  float64: { descr: '<f8', itemSize: 8, arrayType: Float64Array },
};

/** The dtype of each type code (the descr without its byte-order character). */
const DTYPE_BY_CODE: ReadonlyMap<string, NpyDtype> = new Map(
  (Object.keys(DTYPES) as NpyDtype[]).map((dtype) => [DTYPES[dtype].descr.slice(1), dtype] as const),
);

const SUPPORTED_DTYPES = (Object.keys(DTYPES) as NpyDtype[]).map((d) => `${d} ('${DTYPES[d].descr}')`).join(', ');

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy aligns the start of the data to this many bytes. */
const ARRAY_ALIGN = 64;
/** numpy leaves room in the header for the first axis to grow to this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Formats a C-order flat index as `[i][j][k]` for the given shape. */
export function formatIndex(shape: readonly number[], flatIndex: number): string {
  const parts: number[] = [];
  let rest = flatIndex;
  for (let d = shape.length - 1; d >= 0; d--) {
    parts.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return parts.map((i) => `[${i}]`).join('');
}

/** Formats a shape the way the error messages show it: `[20, 16]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses a whole .npy file; `name` is what error messages call it (`matrix.npy`, `layer.npz:packed`). */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const { header, dataStart } = readPreamble(bytes, name);
  const dict = parseHeaderDict(header, name);
  const dtype = dtypeOfDescr(dict.descr, name);
  const { shape } = dict;
  if (dict.fortranOrder) {
    throw new InputError(name, `is stored in Fortran order (fortran_order: True), which is not supported; save it with np.save(path, np.ascontiguousarray(arr))`);
  }

  const count = shape.reduce((a, b) => a * b, 1);
  const needed = count * DTYPES[dtype].itemSize;
  if (!Number.isSafeInteger(needed)) throw new InputError(name, `shape ${formatShape(shape)} is too large`);
  const available = bytes.length - dataStart;
  if (available < needed) {
    throw new InputError(name, `is truncated: shape ${formatShape(shape)} needs ${needed} bytes of data, the file has ${available}`);
  }
  if (available > needed) {
    throw new InputError(name, `has ${available - needed} unexpected bytes after the data: shape ${formatShape(shape)} needs ${needed} bytes of data, the file has ${available}`);
  }

  // Copy into a fresh buffer, so the typed array is aligned whatever the header length and owns its
  // memory. (Not bytes.slice(): on a node Buffer, as readFileSync returns, slice() is a view.)
  const copy = new Uint8Array(needed);
  copy.set(bytes.subarray(dataStart, dataStart + needed));
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(copy, DTYPES[dtype].itemSize);
  const data = new DTYPES[dtype].arrayType(copy.buffer, 0, count);
  if (dtype === 'bool') {
    const bad = (data as Uint8Array).findIndex((v) => v > 1);
    if (bad >= 0) throw new InputError(`${name}${formatIndex(shape, bad)}`, `a bool entry must be the byte 0 or 1; got ${(data as Uint8Array)[bad]}`);
  }
  return { dtype, shape, data };
}

/** Checks magic and version and cuts out the header text. */
function readPreamble(bytes: Uint8Array, name: string): { header: string; dataStart: number } {
  const isNpy = bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
  if (!isNpy) throw new InputError(name, 'is not a .npy file: it does not start with the magic string "\\x93NUMPY"');
  if (bytes.length < 8) throw new InputError(name, 'is truncated: the file ends inside the version number');
  const [major, minor] = [bytes[6], bytes[7]];
  if (!(minor === 0 && (major === 1 || major === 2 || major === 3))) {
    throw new InputError(name, `has .npy format version ${major}.${minor}; supported versions are 1.0, 2.0 and 3.0`);
  }
  const lengthSize = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthSize;
  if (bytes.length < headerStart) throw new InputError(name, 'is truncated: the file ends inside the header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw new InputError(name, `is truncated: the header should be ${headerLength} bytes long, the file has ${bytes.length - headerStart} after the header length`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let header: string;
  if (major === 3) {
    try {
      header = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      throw new InputError(name, 'has a version 3.0 header that is not valid UTF-8');
    }
  } else {
    header = Buffer.from(headerBytes.buffer, headerBytes.byteOffset, headerBytes.byteLength).toString('latin1');
  }
  return { header, dataStart };
}

/** The three entries of a .npy header. */
interface HeaderDict {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parses and checks the header dict: exactly the keys descr, fortran_order and shape. */
function parseHeaderDict(header: string, name: string): HeaderDict {
  const trimmed = header.trimEnd();
  const shown = JSON.stringify(trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed);
  let value: PyValue;
  try {
    value = new PyLiteralParser(header).parseWhole();
  } catch (e) {
    if (!(e instanceof PySyntaxError)) throw e;
    throw new InputError(name, `has a header that is not a valid python dict literal (${e.message}): ${shown}`);
  }
  if (value.kind !== 'dict') throw new InputError(name, `has a header that is not a python dict: ${shown}`);
  const keys = [...value.entries.keys()].sort();
  const expected = ['descr', 'fortran_order', 'shape'];
  if (keys.length !== expected.length || keys.some((k, i) => k !== expected[i])) {
    throw new InputError(name, `has header keys ${JSON.stringify(keys)}; a .npy header has exactly the keys 'descr', 'fortran_order' and 'shape'`);
  }
  const descr = value.entries.get('descr')!;
  const fortranOrder = value.entries.get('fortran_order')!;
  const shape = value.entries.get('shape')!;
  if (descr.kind !== 'str') {
    throw new InputError(name, `has descr ${pyRepr(descr)}; only plain dtypes are supported: ${SUPPORTED_DTYPES}`);
  }
  if (fortranOrder.kind !== 'bool') throw new InputError(name, `has fortran_order ${pyRepr(fortranOrder)}; it must be True or False`);
  const dims = shape.kind === 'tuple' ? shape.items : [];
  if (shape.kind !== 'tuple' || dims.some((d) => d.kind !== 'int' || d.value < 0n || d.value > BigInt(Number.MAX_SAFE_INTEGER))) {
    throw new InputError(name, `has shape ${pyRepr(shape)}; it must be a tuple of non-negative integers like (20, 16), (5,) or ()`);
  }
  return { descr: descr.value, fortranOrder: fortranOrder.value, shape: dims.map((d) => Number((d as PyInt).value)) };
}

/** Maps a descr string to a supported dtype, explaining what is wrong otherwise. */
function dtypeOfDescr(descr: string, name: string): NpyDtype {
  // Byte order: '<' little, '>' big, '|' not applicable, '=' native (taken as little), none = native.
  const order = descr.length > 0 && '<>|='.includes(descr[0]) ? descr[0] : '';
  const code = order === '' ? descr : descr.slice(1);
  const dtype = DTYPE_BY_CODE.get(code);
  if (dtype === undefined) throw new InputError(name, `has dtype '${descr}', which is not supported; supported dtypes: ${SUPPORTED_DTYPES}`);
  const multiByte = DTYPES[dtype].itemSize > 1;
  if (order === '>' && multiByte) {
    throw new InputError(name, `has big-endian dtype '${descr}', which is not supported; save it with arr.astype('<${code}')`);
  }
  if (order === '|' && multiByte) throw new InputError(name, `has dtype '${descr}' without a byte order; a ${DTYPES[dtype].itemSize}-byte dtype must be '<${code}'`);
  return dtype;
}

/** Reverses the bytes of each item (only needed on a big-endian host). */
function swapBytes(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let at = 0; at < bytes.length; at += itemSize) bytes.subarray(at, at + itemSize).reverse();
}

// ---------------------------------------------------------------------------------------------
// A parser for the python literals a .npy header may hold (no eval): dicts, tuples, lists,
// strings, integers, True, False and None.

type PyInt = { kind: 'int'; value: bigint };
type PyValue =
  | { kind: 'str'; value: string }
  | PyInt
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'tuple'; items: PyValue[] }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'dict'; entries: Map<string, PyValue> };

class PySyntaxError extends Error {}

/** Deepest nesting of brackets accepted; a real header nests at most two deep. */
const MAX_NESTING = 32;

class PyLiteralParser {
  private at = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  /** Parses one literal that must fill the text, apart from surrounding white space. */
  parseWhole(): PyValue {
    const value = this.parseValue();
    this.skipSpace();
    if (this.at < this.text.length) this.fail('unexpected text after the closing brace');
    return value;
  }

  private parseValue(): PyValue {
    if (++this.depth > MAX_NESTING) this.fail(`brackets nested more than ${MAX_NESTING} deep`);
    try {
      return this.parseScalarOrContainer();
    } finally {
      this.depth--;
    }
  }

  private parseScalarOrContainer(): PyValue {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.parseDict();
    if (c === '(') return this.parseSequence('(', ')', 'tuple');
    if (c === '[') return this.parseSequence('[', ']', 'list');
    if (c === "'" || c === '"') return { kind: 'str', value: this.parseString() };
    if (c !== undefined && /[-+0-9]/.test(c)) return this.parseInt();
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.at))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.at += word.length;
      return word === 'None' ? { kind: 'none' } : { kind: 'bool', value: word === 'True' };
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(word ?? c)}`);
  }

  private parseDict(): PyValue {
    const entries = new Map<string, PyValue>();
    this.expect('{');
    while (!this.tryConsume('}')) {
      this.skipSpace();
      const c = this.text[this.at];
      if (c !== "'" && c !== '"') this.fail('dict keys must be strings');
      const key = this.parseString();
      if (entries.has(key)) this.fail(`duplicate key '${key}'`);
      this.expect(':');
      entries.set(key, this.parseValue());
      if (!this.tryConsume(',')) {
        this.expect('}');
        break;
      }
    }
    return { kind: 'dict', entries };
  }

  /** A tuple or list; `(x)` without a comma is just x in python. */
  private parseSequence(open: string, close: string, kind: 'tuple' | 'list'): PyValue {
    const items: PyValue[] = [];
    let sawComma = false;
    this.expect(open);
    while (!this.tryConsume(close)) {
      items.push(this.parseValue());
      sawComma = this.tryConsume(',');
      if (!sawComma) {
        this.expect(close);
        break;
      }
    }
    if (kind === 'tuple' && items.length === 1 && !sawComma) return items[0];
    return { kind, items };
  }

  private parseString(): string {
    const quote = this.text[this.at++];
    let value = '';
    for (;;) {
      const c = this.text[this.at++];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === quote) return value;
      if (c === '\\') {
        const escaped = this.text[this.at++];
        if (escaped === undefined) this.fail('unterminated string');
        value += escaped; // enough for quotes and backslashes; dtype descrs hold no other escapes
      } else {
        value += c;
      }
    }
  }

  private parseInt(): PyValue {
    const match = /^[-+]?\s*[0-9]+L?/.exec(this.text.slice(this.at));
    if (!match) return this.fail('malformed number');
    const digits = match[0].replace(/\s|L$/g, ''); // a trailing L comes from files written by Python 2
    if (/^[-+]?0[0-9]/.test(digits)) this.fail(`malformed number ${match[0]}`);
    this.at += match[0].length;
    if (/^[.eEjxXoObB_]/.test(this.text[this.at] ?? '')) this.fail('only decimal integers are allowed');
    return { kind: 'int', value: BigInt(digits) };
  }

  private skipSpace(): void {
    while (this.at < this.text.length && ' \t\r\n\f\v'.includes(this.text[this.at])) this.at++;
  }

  private tryConsume(token: string): boolean {
    this.skipSpace();
    if (this.text[this.at] !== token) return false;
    this.at++;
    return true;
  }

  private expect(token: string): void {
    if (!this.tryConsume(token)) {
      const found = this.text[this.at];
      this.fail(`expected '${token}' but found ${found === undefined ? 'the end' : JSON.stringify(found)} at offset ${this.at}`);
    }
  }

  private fail(problem: string): never {
    throw new PySyntaxError(problem);
  }
}

/** Shows a parsed value as python would write it, for error messages. */
function pyRepr(v: PyValue): string {
  switch (v.kind) {
    case 'str':
      return `'${v.value}'`;
    case 'int':
      return v.value.toString();
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return `(${v.items.map(pyRepr).join(', ')}${v.items.length === 1 ? ',' : ''})`;
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${[...v.entries].map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Serializes an array exactly as np.save would: version 1.0 header (2.0 if too long), 64-byte aligned. */
export function writeNpy(arr: NpyArray): Uint8Array {
  const info = DTYPES[arr.dtype];
  if (info === undefined) throw new Error(`writeNpy: unsupported dtype ${String(arr.dtype)}`);
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (arr.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`writeNpy: bad shape ${formatShape(arr.shape)}`);
  if (arr.data.length !== count) throw new Error(`writeNpy: shape ${formatShape(arr.shape)} needs ${count} elements, data has ${arr.data.length}`);
  if (!(arr.data instanceof info.arrayType)) throw new Error(`writeNpy: ${arr.dtype} data must be a ${info.arrayType.name}`);
  if (arr.dtype === 'bool' && (arr.data as Uint8Array).some((v) => v > 1)) throw new Error('writeNpy: bool data must be 0 or 1');

  const shapeRepr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let dict = `{'descr': '${info.descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (arr.shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(arr.shape[0]).length));

  // As numpy's _wrap_header: hlen counts the final '\n'; spaces bring the data start to a multiple
  // of ARRAY_ALIGN (a whole ARRAY_ALIGN of them if it is already there). Version 1.0 stores the
  // header length in 16 bits; numpy falls back to 2.0 (32 bits) when it does not fit.
  const hlen = dict.length + 1;
  const paddingFor = (prefixLength: number) => ARRAY_ALIGN - ((prefixLength + hlen) % ARRAY_ALIGN);
  const version = hlen + paddingFor(10) <= 0xffff ? 1 : 2;
  const prefixLength = version === 1 ? 10 : 12;
  const padding = paddingFor(prefixLength);
  const headerLength = hlen + padding;

  const dataBytes = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Uint8Array(prefixLength + headerLength + dataBytes.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const header = dict + ' '.repeat(padding) + '\n';
  for (let i = 0; i < header.length; i++) out[prefixLength + i] = header.charCodeAt(i); // pure ASCII
  const dataStart = prefixLength + headerLength;
  out.set(dataBytes, dataStart);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(out.subarray(dataStart), info.itemSize);
  return out;
}
