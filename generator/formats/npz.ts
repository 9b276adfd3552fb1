/**
 * numpy's .npz: a zip archive of .npy members, one per array, named `<key>.npy`, stored
 * (numpy.savez) or deflated (numpy.savez_compressed).
 *
 * The reader walks the zip's central directory itself, since the checks matter here and fflate's
 * unzipSync makes none of them: every offset and size inside the file, no duplicate names, the
 * CRC-32 and the size of every member. fflate inflates the deflated members. Zip64 records (numpy
 * writes them with force_zip64) are understood; archives split over disks and encrypted members
 * are not.
 *
 * The writer is deterministic: members in the order given, time stamps 1980-01-01 00:00 (as numpy
 * writes them), no extra fields, no comment; deflate at fflate's level 6.
 */
import { deflateSync, inflateSync } from 'fflate';
import { InputError } from '../core/errors.js';
import { parseNpy, writeNpy, type NpyArray } from './npy.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_EXTRA_ID = 0x0001;
const END_RECORD_SIZE = 22;
const MAX_COMMENT = 0xffff;

const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8_NAME = 0x0800;
/** Version 2.0: deflate, the oldest that every reader takes. */
const ZIP_VERSION = 20;
/** MS-DOS date of 1980-01-01 (the earliest a zip can hold), time 00:00:00. */
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1;

const NPY_SUFFIX = '.npy';

/** One member as the central directory describes it. */
interface Entry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses an .npz: each member's array, keyed by its name without `.npy`, in archive order. */
export function readNpz(bytes: Uint8Array, name: string): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const [key, npy] of readNpzMembers(bytes, name)) arrays.set(key, parseNpy(npy, `${name}:${key}`));
  return arrays;
}

/**
 * The raw .npy bytes of every member, keyed by its name without `.npy`, in archive order: for
 * callers that read a member parseNpy does not support. Errors name `name`, or `name:key` for a
 * damaged member.
 */
export function readNpzMembers(bytes: Uint8Array, name: string): Map<string, Uint8Array> {
  const reader = new ZipReader(bytes, name);
  const members = new Map<string, Uint8Array>();
  for (const entry of reader.entries()) {
    if (!entry.name.endsWith(NPY_SUFFIX) || entry.name.length === NPY_SUFFIX.length) {
      throw new InputError(name, `holds the member ${JSON.stringify(entry.name)}, which is not a .npy array; an .npz holds only <name>.npy members, as numpy.savez writes them`);
    }
    const key = entry.name.slice(0, -NPY_SUFFIX.length);
    if (members.has(key)) throw new InputError(name, `holds two members named ${JSON.stringify(entry.name)}; each array name may occur once`);
    members.set(key, reader.contents(entry, `${name}:${key}`));
  }
  return members;
}

class ZipReader {
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly name: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private corrupt(problem: string): never {
    throw new InputError(this.name, `is not a valid .npz (zip) file: ${problem}`);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.corrupt('a zip64 size or offset is out of range');
    return Number(value);
  }

  /** Checks that [at, at + length) lies inside the file. */
  private inside(at: number, length: number, what: string): void {
    if (at < 0 || length < 0 || at + length > this.bytes.length) this.corrupt(`${what} lies beyond the end of the file (truncated?)`);
  }

  /** The central directory's entries, in order. */
  entries(): Entry[] {
    const end = this.findEndRecord();
    let count = this.u16(end + 10);
    let directorySize = this.u32(end + 12);
    let directoryOffset = this.u32(end + 16);
    if (this.u16(end + 4) !== 0 || this.u16(end + 6) !== 0 || this.u16(end + 8) !== count) {
      this.corrupt('the archive is split over several disks, which is not supported');
    }
    if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      const locator = end - 20;
      if (locator >= 0 && this.u32(locator) === ZIP64_END_LOCATOR) {
        const zip64End = this.u64(locator + 8);
        this.inside(zip64End, 56, 'the zip64 end of central directory record');
        if (this.u32(zip64End) !== ZIP64_END_OF_CENTRAL_DIRECTORY) this.corrupt('the zip64 end of central directory record is missing');
        count = this.u64(zip64End + 32);
        directorySize = this.u64(zip64End + 40);
        directoryOffset = this.u64(zip64End + 48);
      }
    }
    this.inside(directoryOffset, directorySize, 'the central directory');

    const entries: Entry[] = [];
    let at = directoryOffset;
    for (let i = 0; i < count; i++) {
      this.inside(at, 46, `central directory entry ${i}`);
      if (this.u32(at) !== CENTRAL_HEADER) this.corrupt(`central directory entry ${i} has a bad signature`);
      const flags = this.u16(at + 8);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      this.inside(at + 46, nameLength + extraLength + commentLength, `central directory entry ${i}`);
      const nameBytes = this.bytes.subarray(at + 46, at + 46 + nameLength);
      // Names are UTF-8 when flagged, else code page 437 (which numpy never needs: it flags non-ASCII names).
      const name = new TextDecoder(flags & FLAG_UTF8_NAME ? 'utf-8' : 'latin1').decode(nameBytes);
      const sizes = {
        size: this.u32(at + 24),
        compressedSize: this.u32(at + 20),
        localHeaderOffset: this.u32(at + 42),
      };
      this.applyZip64Extra(sizes, at + 46 + nameLength, extraLength, name);
      entries.push({ name, flags, method: this.u16(at + 10), crc: this.u32(at + 16), ...sizes });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  /** The end of central directory record: the last signature that leaves room for its comment. */
  private findEndRecord(): number {
    if (this.bytes.length < END_RECORD_SIZE) this.corrupt(`it is only ${this.bytes.length} bytes long`);
    const lowest = Math.max(0, this.bytes.length - END_RECORD_SIZE - MAX_COMMENT);
    for (let at = this.bytes.length - END_RECORD_SIZE; at >= lowest; at--) {
      if (this.u32(at) === END_OF_CENTRAL_DIRECTORY && at + END_RECORD_SIZE + this.u16(at + 20) === this.bytes.length) return at;
    }
    const isZip = this.bytes.length >= 4 && this.u32(0) === LOCAL_HEADER;
    return this.corrupt(isZip ? 'the end of central directory record is missing (truncated?)' : 'it does not start with a zip signature (PK\\x03\\x04)');
  }

  /** Replaces the 0xffffffff fields by their values in the zip64 extra field, in the zip's order. */
  private applyZip64Extra(sizes: { size: number; compressedSize: number; localHeaderOffset: number }, start: number, length: number, name: string): void {
    const fields = (['size', 'compressedSize', 'localHeaderOffset'] as const).filter((f) => sizes[f] === 0xffffffff);
    if (fields.length === 0) return;
    for (let at = start; at + 4 <= start + length; ) {
      const id = this.u16(at);
      const size = this.u16(at + 2);
      if (id === ZIP64_EXTRA_ID) {
        if (size < 8 * fields.length || at + 4 + size > start + length) break;
        fields.forEach((f, i) => (sizes[f] = this.u64(at + 4 + 8 * i)));
        return;
      }
      at += 4 + size;
    }
    this.corrupt(`the member ${JSON.stringify(name)} lacks its zip64 sizes`);
  }

  /** The member's uncompressed bytes, checked against its size and CRC-32. */
  contents(entry: Entry, field: string): Uint8Array {
    if (entry.flags & FLAG_ENCRYPTED) throw new InputError(field, 'is encrypted, which is not supported');
    const at = entry.localHeaderOffset;
    this.inside(at, 30, `the local header of ${JSON.stringify(entry.name)}`);
    if (this.u32(at) !== LOCAL_HEADER) this.corrupt(`the local header of ${JSON.stringify(entry.name)} has a bad signature`);
    const dataStart = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    this.inside(dataStart, entry.compressedSize, `the data of ${JSON.stringify(entry.name)}`);
    const stored = this.bytes.subarray(dataStart, dataStart + entry.compressedSize);

    let data: Uint8Array;
    if (entry.method === METHOD_STORED) {
      data = new Uint8Array(stored); // a copy (slice() of a node Buffer would be a view)
    } else if (entry.method === METHOD_DEFLATED) {
      try {
        data = inflateSync(stored);
      } catch (e) {
        throw new InputError(field, `is corrupt: its deflate data cannot be decompressed (${(e as Error).message})`);
      }
    } else {
      throw new InputError(field, `uses zip compression method ${entry.method}; only stored (0) and deflated (8) members are supported, as numpy.savez and numpy.savez_compressed write them`);
    }
    if (data.length !== entry.size) throw new InputError(field, `is corrupt: it holds ${data.length} bytes, the zip directory says ${entry.size}`);
    if (crc32(data) !== entry.crc) throw new InputError(field, 'is corrupt: its CRC-32 does not match the zip directory');
    return data;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Arrays as an .npz that numpy.load reads: stored (numpy.savez) or, with compress, deflated. */
export function writeNpz(arrays: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>, options: { compress?: boolean } = {}): Uint8Array {
  const members = new Map<string, Uint8Array>();
  for (const [key, array] of entriesOf(arrays)) members.set(key, writeNpy(array));
  return writeNpzMembers(members, options);
}

/** Raw .npy members (key without `.npy`, bytes) as an .npz, in the given order. */
export function writeNpzMembers(members: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>, options: { compress?: boolean } = {}): Uint8Array {
  const method = options.compress ? METHOD_DEFLATED : METHOD_STORED;
  const parts: Uint8Array[] = [];
  const directory: Uint8Array[] = [];
  let offset = 0;
  let count = 0;
  for (const [key, npy] of entriesOf(members)) {
    if (key === '') throw new Error('writeNpz: an array name must not be empty');
    const name = new TextEncoder().encode(key + NPY_SUFFIX);
    const flags = /^[\x20-\x7e]*$/.test(key) ? 0 : FLAG_UTF8_NAME;
    const data = method === METHOD_DEFLATED ? deflateSync(npy, { level: 6 }) : npy;
    const fields = { flags, method, crc: crc32(npy), compressedSize: data.length, size: npy.length, localHeaderOffset: offset };
    const local = zipHeader(LOCAL_HEADER, name, fields);
    parts.push(local, data);
    directory.push(zipHeader(CENTRAL_HEADER, name, fields));
    offset += local.length + data.length;
    count++;
  }
  const directorySize = directory.reduce((sum, d) => sum + d.length, 0);
  if (offset + directorySize > 0xffffffff || count > 0xffff) throw new RangeError('writeNpz: archives beyond 4 GiB or 65535 members (zip64) are not supported');

  const end = new Uint8Array(END_RECORD_SIZE);
  const view = new DataView(end.buffer);
  view.setUint32(0, END_OF_CENTRAL_DIRECTORY, true);
  view.setUint16(8, count, true);
  view.setUint16(10, count, true);
  view.setUint32(12, directorySize, true);
  view.setUint32(16, offset, true);
  return concat([...parts, ...directory, end]);
}

/** A local (30 bytes + name) or central (46 bytes + name) header. */
function zipHeader(signature: number, name: Uint8Array, entry: Omit<Entry, 'name'>): Uint8Array {
  const central = signature === CENTRAL_HEADER;
  const fixed = central ? 46 : 30;
  const out = new Uint8Array(fixed + name.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, signature, true);
  let at = 4;
  if (central) {
    view.setUint16(at, ZIP_VERSION, true); // made by: MS-DOS, version 2.0
    at += 2;
  }
  view.setUint16(at, ZIP_VERSION, true); // needed to extract
  view.setUint16(at + 2, entry.flags, true);
  view.setUint16(at + 4, entry.method, true);
  view.setUint16(at + 6, 0, true); // time 00:00:00
  view.setUint16(at + 8, DOS_DATE_1980, true);
  view.setUint32(at + 10, entry.crc, true);
  view.setUint32(at + 14, entry.compressedSize, true);
  view.setUint32(at + 18, entry.size, true);
  view.setUint16(at + 22, name.length, true);
  // Extra field length 0; in the central header also comment length, disk, attributes 0.
  if (central) view.setUint32(42, entry.localHeaderOffset, true);
  out.set(name, fixed);
  return out;
}

function entriesOf<T>(items: ReadonlyMap<string, T> | Readonly<Record<string, T>>): [string, T][] {
  return items instanceof Map ? [...items] : Object.entries(items as Record<string, T>);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (ISO-HDLC, as zip uses it)

let crcTable: Uint32Array | undefined;

export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
