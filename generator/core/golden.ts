/**
 * Golden model of the FleXOR XOR decoder: y = M x over GF(2), slice by slice.
 *
 * Bit orders (the project's conventions):
 * - A stream of S slices is a flat bit sequence: encrypted bit i of slice s is at position
 *   s * Nin + i, decoded bit j of slice s at position s * Nout + j.
 * - Bytes pack a flat bit sequence like numpy's `np.packbits` (bitorder='big'): bit b goes to
 *   byte b >> 3, bit 7 - (b & 7) of that byte (most significant first); the last byte is
 *   zero-padded.
 *
 * `decodeSlice` is the reference, written as the definition. `StreamDecoder` is the fast version:
 * y is linear in x, so x is cut into chunks of at most 16 bits and each chunk value looks up the
 * XOR of the columns it selects in a precomputed table. Inside the hot loops every stream is held
 * as 32-bit words whose bit 31 comes first, so reading and appending bits are shifts and ORs.
 */
import { MAX_N_OUT, type XorMatrix } from './matrix.js';

/** Chunks have at most this many bits (one table of 2^16 entries per chunk). */
const MAX_CHUNK_BITS = 16;
/** Cap on the total size of the lookup tables, in 32-bit words (16 MiB). */
const MAX_TABLE_WORDS = 1 << 22;

/** Decodes one slice by the definition: y[j] = XOR over i of (M[j][i] AND x[i]). */
export function decodeSlice(m: XorMatrix, x: ArrayLike<number>): Uint8Array {
  const { nIn, nOut, bits } = m;
  if (x.length !== nIn) throw new RangeError(`decodeSlice: x has ${x.length} bits; the matrix has Nin = ${nIn}`);
  const y = new Uint8Array(nOut);
  for (let j = 0; j < nOut; j++) {
    let bit = 0;
    for (let i = 0; i < nIn; i++) bit ^= bits[j * nIn + i] & x[i];
    y[j] = bit;
  }
  return y;
}

/** Packs bits (nonzero counts as 1, like numpy) into bytes, most significant bit first. */
export function packBits(bits: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(bits.length / 8));
  for (let b = 0; b < bits.length; b++) {
    if (bits[b]) bytes[b >> 3] |= 0x80 >> (b & 7);
  }
  return bytes;
}

/** Unpacks the first nBits bits of `bytes`, most significant bit first, as 0/1 entries. */
export function unpackBits(bytes: Uint8Array, nBits: number): Uint8Array {
  if (!Number.isInteger(nBits) || nBits < 0 || nBits > bytes.length * 8) {
    throw new RangeError(`unpackBits: nBits must be an integer from 0 to ${bytes.length * 8}; got ${nBits}`);
  }
  const bits = new Uint8Array(nBits);
  for (let b = 0; b < nBits; b++) bits[b] = (bytes[b >> 3] >> (7 - (b & 7))) & 1;
  return bits;
}

/**
 * Reference stream decoder: unpacks, decodes slice by slice with `decodeSlice`, packs.
 * Slow; for tests and for measuring the speed-up of `StreamDecoder`.
 */
export function decodeStreamReference(m: XorMatrix, packed: Uint8Array, nSlices: number): Uint8Array {
  checkStream(m, packed, nSlices);
  const x = unpackBits(packed, nSlices * m.nIn);
  const y = new Uint8Array(nSlices * m.nOut);
  for (let s = 0; s < nSlices; s++) {
    y.set(decodeSlice(m, x.subarray(s * m.nIn, (s + 1) * m.nIn)), s * m.nOut);
  }
  return packBits(y);
}

/** Throws a RangeError unless nSlices is a count and `packed` holds nSlices slices of m.nIn bits. */
function checkStream(m: XorMatrix, packed: Uint8Array, nSlices: number): void {
  if (!Number.isSafeInteger(nSlices) || nSlices < 0) {
    throw new RangeError(`nSlices must be a non-negative integer; got ${nSlices}`);
  }
  const needed = Math.ceil((nSlices * m.nIn) / 8);
  if (packed.length < needed) {
    throw new RangeError(`encrypted stream has ${packed.length} bytes; ${nSlices} slices of Nin = ${m.nIn} bits need ${needed}`);
  }
}

/**
 * Table-driven decoder of whole packed streams for one matrix. The tables are built once in the
 * constructor; `decode` allocates only its result (and grows its scratch buffers when needed).
 */
export class StreamDecoder {
  readonly matrix: XorMatrix;
  /** 32-bit words per decoded slice in the tables: ceil(Nout / 32). */
  private readonly outWords: number;
  /** Bit length of each chunk of x, and where it starts in the slice. */
  private readonly chunkBits: Int32Array;
  private readonly chunkStart: Int32Array;
  /** Where each chunk's table starts in `tables`. */
  private readonly tableStart: Int32Array;
  /**
   * All chunk tables, one after another. The entry of chunk value v (the chunk's first bit as
   * its most significant bit) is `outWords` words: the XOR of the selected columns, decoded bit
   * j at bit 31 - (j & 31) of word j >> 5, so the entry is already in stream order.
   */
  private readonly tables: Int32Array;
  /** Scratch: the encrypted stream as big-endian words (+2 words of zero padding). */
  private inWords = new Int32Array(0);
  /** Scratch: one decoded slice while its chunks are XORed (general path). */
  private readonly sliceWords: Int32Array;

  constructor(m: XorMatrix) {
    const { nIn, nOut } = m;
    if (!Number.isInteger(nIn) || !Number.isInteger(nOut) || nIn < 1 || nIn > nOut || nOut > MAX_N_OUT) {
      throw new RangeError(`StreamDecoder: need 1 <= Nin <= Nout <= ${MAX_N_OUT}; got Nin = ${nIn}, Nout = ${nOut}`);
    }
    if (m.bits.length !== nIn * nOut) throw new RangeError(`StreamDecoder: matrix has ${m.bits.length} entries; expected Nout * Nin = ${nIn * nOut}`);
    this.matrix = m;
    const outWords = Math.ceil(nOut / 32);
    this.outWords = outWords;
    this.sliceWords = new Int32Array(outWords);

    // k = ceil(Nin / 16) chunks of ceil(Nin / k) bits, with smaller chunks if the tables get too big.
    let nChunks = Math.ceil(nIn / MAX_CHUNK_BITS);
    while (nChunks < nIn && nChunks * (1 << Math.ceil(nIn / nChunks)) * outWords > MAX_TABLE_WORDS) nChunks++;
    const bitsPerChunk = Math.ceil(nIn / nChunks);
    nChunks = Math.ceil(nIn / bitsPerChunk);
    this.chunkBits = new Int32Array(nChunks);
    this.chunkStart = new Int32Array(nChunks);
    this.tableStart = new Int32Array(nChunks);
    let totalWords = 0;
    for (let c = 0; c < nChunks; c++) {
      this.chunkStart[c] = c * bitsPerChunk;
      this.chunkBits[c] = Math.min(bitsPerChunk, nIn - c * bitsPerChunk);
      this.tableStart[c] = totalWords;
      totalWords += (1 << this.chunkBits[c]) * outWords;
    }
    this.tables = new Int32Array(totalWords);

    const columns = columnWords(m);
    for (let c = 0; c < nChunks; c++) {
      this.buildChunkTable(columns, this.tableStart[c], this.chunkStart[c], this.chunkBits[c]);
    }
  }

  /**
   * Fills the table of the chunk of `len` bits starting at bit `start` of x. Built incrementally:
   * T[v] = T[v with its lowest set bit cleared] ^ column of that bit. Bit b of v (0 = least
   * significant) is x[start + len - 1 - b].
   */
  private buildChunkTable(columns: Int32Array, base: number, start: number, len: number): void {
    const W = this.outWords;
    const t = this.tables;
    for (let v = 1; v < 1 << len; v++) {
      const low = v & -v;
      const column = start + len - 1 - (31 - Math.clz32(low));
      const from = base + (v & (v - 1)) * W;
      const to = base + v * W;
      for (let k = 0; k < W; k++) t[to + k] = t[from + k] ^ columns[column * W + k];
    }
  }

  /**
   * Decodes `nSlices` slices of the packed encrypted stream; returns the packed decoded stream,
   * ceil(nSlices * Nout / 8) bytes with zero padding. Bytes of `packed` beyond the
   * ceil(nSlices * Nin / 8) needed are ignored.
   */
  decode(packed: Uint8Array, nSlices: number): Uint8Array {
    const { nIn, nOut } = this.matrix;
    checkStream(this.matrix, packed, nSlices);
    const outBits = nSlices * nOut;
    const result = new Uint8Array(Math.ceil(outBits / 8));
    if (nSlices === 0) return result;
    const inWords = this.loadWords(packed, Math.ceil((nSlices * nIn) / 8));
    // Decoded words go straight into the result: the loops store the floor(outBits / 32) whole
    // words and return the last partial one, whose bytes are written below.
    const outWords = new Int32Array(result.buffer, 0, Math.floor(outBits / 32));
    let tail: number;
    if (this.outWords === 1 && this.chunkBits.length === 1) tail = this.decodeOneTable(inWords, outWords, nSlices);
    else if (this.outWords === 1 && this.chunkBits.length === 2) tail = this.decodeTwoTables(inWords, outWords, nSlices);
    else tail = this.decodeGeneral(inWords, outWords, nSlices);
    // Stream order within each word is most significant bit first: make the bytes big-endian.
    if (LITTLE_ENDIAN) byteSwapWords(outWords);
    const full = outWords.length * 4;
    for (let b = full; b < result.length; b++) result[b] = tail >>> (24 - 8 * (b - full));
    return result;
  }

  /** Copies the first nBytes of `packed` into the scratch word buffer, big-endian, zero-padded. */
  private loadWords(packed: Uint8Array, nBytes: number): Int32Array {
    const nWords = (nBytes + 3) >>> 2;
    if (this.inWords.length < nWords + 2) this.inWords = new Int32Array(nWords + 2 + (nWords >>> 3));
    const words = this.inWords;
    const full = nBytes >>> 2;
    const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
    for (let w = 0; w < full; w++) words[w] = view.getInt32(w * 4, false);
    words.fill(0, full);
    for (let b = full * 4; b < nBytes; b++) words[full] |= packed[b] << (24 - 8 * (b - full * 4));
    return words;
  }

  /**
   * Fast path, Nin <= 16 and Nout <= 32: one table lookup per slice. Returns the last partial
   * output word (its bits left-aligned).
   */
  private decodeOneTable(inWords: Int32Array, out: Int32Array, nSlices: number): number {
    const nIn = this.matrix.nIn;
    const nOut = this.matrix.nOut;
    const table = this.tables;
    const inShift = 32 - nIn;
    let inPos = 0;
    let acc = 0;
    let accBits = 0;
    let w = 0;
    for (let s = 0; s < nSlices; s++) {
      // Read Nin bits at inPos: the 32 bits from inPos, then keep the top Nin.
      const wi = inPos >>> 5;
      const off = inPos & 31;
      const x = ((inWords[wi] << off) | ((inWords[wi + 1] >>> 1) >>> (31 - off))) >>> inShift;
      inPos += nIn;
      // Append the Nout left-aligned bits of the entry.
      const y = table[x];
      acc |= y >>> accBits;
      accBits += nOut;
      if (accBits >= 32) {
        out[w++] = acc;
        accBits -= 32;
        acc = (y << (nOut - accBits - 1)) << 1;
      }
    }
    return acc;
  }

  /** Fast path, 16 < Nin <= 32 and Nout <= 32: two table lookups per slice. */
  private decodeTwoTables(inWords: Int32Array, out: Int32Array, nSlices: number): number {
    const nIn = this.matrix.nIn;
    const nOut = this.matrix.nOut;
    const table = this.tables;
    const lowBits = this.chunkBits[1];
    const lowMask = (1 << lowBits) - 1;
    const lowStart = this.tableStart[1];
    const inShift = 32 - nIn;
    let inPos = 0;
    let acc = 0;
    let accBits = 0;
    let w = 0;
    for (let s = 0; s < nSlices; s++) {
      const wi = inPos >>> 5;
      const off = inPos & 31;
      const x = ((inWords[wi] << off) | ((inWords[wi + 1] >>> 1) >>> (31 - off))) >>> inShift;
      inPos += nIn;
      const y = table[x >>> lowBits] ^ table[lowStart + (x & lowMask)];
      acc |= y >>> accBits;
      accBits += nOut;
      if (accBits >= 32) {
        out[w++] = acc;
        accBits -= 32;
        acc = (y << (nOut - accBits - 1)) << 1;
      }
    }
    return acc;
  }

  /** General path, any Nin <= Nout <= 1024: per slice, XOR the chunk entries, then append its words. */
  private decodeGeneral(inWords: Int32Array, out: Int32Array, nSlices: number): number {
    const nIn = this.matrix.nIn;
    const nOut = this.matrix.nOut;
    const W = this.outWords;
    const lastBits = nOut - 32 * (W - 1);
    const table = this.tables;
    const slice = this.sliceWords;
    const nChunks = this.chunkBits.length;
    const chunkBits = this.chunkBits;
    const chunkStart = this.chunkStart;
    const tableStart = this.tableStart;
    let acc = 0;
    let accBits = 0;
    let w = 0;
    for (let s = 0; s < nSlices; s++) {
      slice.fill(0);
      const slicePos = s * nIn;
      for (let c = 0; c < nChunks; c++) {
        const pos = slicePos + chunkStart[c];
        const wi = pos >>> 5;
        const off = pos & 31;
        const v = ((inWords[wi] << off) | ((inWords[wi + 1] >>> 1) >>> (31 - off))) >>> (32 - chunkBits[c]);
        const base = tableStart[c] + v * W;
        for (let k = 0; k < W; k++) slice[k] ^= table[base + k];
      }
      // Append the W - 1 whole words, then the lastBits left-aligned bits of the last word.
      for (let k = 0; k < W - 1; k++) {
        const y = slice[k];
        out[w++] = acc | (y >>> accBits);
        acc = (y << (31 - accBits)) << 1;
      }
      const y = slice[W - 1];
      acc |= y >>> accBits;
      accBits += lastBits;
      if (accBits >= 32) {
        out[w++] = acc;
        accBits -= 32;
        acc = (y << (lastBits - accBits - 1)) << 1;
      }
    }
    return acc;
  }
}

/** Decodes a packed stream of nSlices slices with a fresh StreamDecoder (see StreamDecoder.decode). */
export function decodeStream(m: XorMatrix, packed: Uint8Array, nSlices: number): Uint8Array {
  return new StreamDecoder(m).decode(packed, nSlices);
}

/** Columns of M as ceil(Nout / 32) words each, in the table entry layout. */
function columnWords(m: XorMatrix): Int32Array {
  const W = Math.ceil(m.nOut / 32);
  const columns = new Int32Array(m.nIn * W);
  for (let j = 0; j < m.nOut; j++) {
    for (let i = 0; i < m.nIn; i++) {
      if (m.bits[j * m.nIn + i]) columns[i * W + (j >>> 5)] |= 1 << (31 - (j & 31));
    }
  }
  return columns;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Reverses the byte order of each word in place. */
function byteSwapWords(words: Int32Array): void {
  for (let k = 0; k < words.length; k++) {
    const v = words[k];
    words[k] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24);
  }
}
