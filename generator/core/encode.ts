/**
 * Encoding a plain binary layer into FleXOR (the library part of `flexor encode`): for every slice
 * of Nout target bits t, the encrypted bits x (Nin bits) whose decoded bits M x are nearest to t,
 * found EXACTLY (never greedily), optionally weighted by per-weight importance. See docs/ENCODE.md.
 *
 * Problem. Weight w of the flattened layer sits at decoded position w of the plane's stream, i.e.
 * bit j = w mod Nout of slice s = floor(w / Nout). For each slice minimise
 *
 *     D(x) = sum over real positions j of  imp_j * [ (M x)_j != t_j ]      (imp_j = 1 unweighted)
 *
 * where the last slice's surplus positions (beyond the real weights) are not real and cost nothing.
 *
 * Tie-break. Among all minimisers the smallest x as an integer, x[0] the least significant bit.
 *
 * Codeword enumeration. Columns are taken in order 0..Nin-1; column i is `free` if it is linearly
 * independent (over GF(2)) of columns 0..i-1, else `dependent`. Exactly one x per codeword
 * (coset x + ker M) has all dependent bits 0, and it is the smallest x of its coset (a kernel
 * vector's highest bit is always a dependent column). So the 2^rank codewords are enumerated
 * through those representatives, by counting n = 0, 1, ..., 2^rank - 1 over the free bits: n's
 * bit k is x[free[k]], the map n -> x is increasing, and the step n-1 -> n flips free bits
 * 0..ctz(n), so the codeword changes by one precomputed XOR (`prefix[ctz(n)]`). Scanning in this
 * order with a strict `<` keeps the smallest x among ties, and lets the scan stop at the first
 * codeword reaching a proven lower bound.
 *
 * Methods (all exact, all giving bit-identical results):
 * - `table` (unweighted, Nout <= 22): a nearest-codeword table over all 2^Nout words, built once
 *   per matrix by breadth-first search over the hypercube from all codewords at once; each full
 *   slice is then one lookup.
 * - `scan`: per slice, all 2^rank codewords in that order, 32 decoded bits per word operation,
 *   distances (weighted or not) from per-slice chunk tables. Exact shortcuts and early exits: a
 *   target that is itself a codeword is solved directly (when no importance is 0); the scan stops
 *   at a proven lower bound (0, or when t is not a codeword the smallest importance of a position
 *   that can change t's syndrome); aligned blocks of representatives whose untouched rows
 *   already cost at least the best so far are skipped (branch and bound; see SliceScanner).
 * Matrices of rank above MAX_ENCODE_RANK are refused (InputError) rather than approximated.
 */
import { InputError } from './errors.js';
import { MAX_N_OUT, type XorMatrix } from './matrix.js';

/** Largest rank over GF(2) encoded (2^rank codewords are enumerated per matrix or per slice). */
export const MAX_ENCODE_RANK = 24;
/** Largest Nout for the nearest-codeword table (2^Nout entries of 5 bytes, plus a 4-byte queue). */
export const MAX_TABLE_N_OUT = 22;

export interface EncodeResult {
  /** S * Nin encrypted bits, np.packbits order (slice s bit i at position s * Nin + i, MSB first). */
  packed: Uint8Array;
  /** S = ceil(W / Nout). */
  nSlices: number;
  /** Decoded bits within the real weights (not the last slice's surplus) that differ from the target. */
  bitErrors: number;
  /** Sum of the importance of the wrong bits (only when importance was given); float64, summed slice by slice. */
  weightedError?: number;
  /** Real weights counted, W. */
  weights: number;
  /** How the full slices were encoded (`table` or `scan`); both are exact and give identical results. */
  method: 'table' | 'scan';
}

export type EncodeMethod = 'auto' | 'table' | 'scan';

export interface EncodeOptions {
  /**
   * `auto` (default): the table when unweighted, Nout <= MAX_TABLE_N_OUT and either the table is
   * already built or building it (~2^Nout * Nout steps) is cheaper than scanning (~S * 2^rank steps);
   * else `scan`. `table` forces the table (unweighted only); `scan` forces the scan.
   */
  method?: EncodeMethod;
}

/** The nearest-codeword table: for every word u (bit j = row j) its distance and representative. */
interface NearestTable {
  /** Hamming distance from u to the nearest codeword. */
  readonly dist: Uint8Array;
  /** Counter index n (see the header) of the smallest x attaining that distance. */
  readonly index: Int32Array;
}

/**
 * Exact encoder for one matrix. Construction does the linear algebra (rank, free columns, the
 * column-space basis); the nearest-codeword table is built on first use (or by `buildTable`) and
 * kept, so one encoder serves every layer of a matrix.
 */
export class PlaneEncoder {
  readonly matrix: XorMatrix;
  /** Rank of M over GF(2). */
  readonly rank: number;
  /** The free columns, ascending (x of the chosen codewords is zero outside them). */
  readonly freeColumns: readonly number[];
  /** 32-bit words per decoded slice: ceil(Nout / 32). Bit j of a word vector is bit j & 31 of word j >> 5. */
  private readonly words: number;
  /** prefix[k * words ..]: XOR of the columns freeColumns[0..k]. */
  private readonly prefix: Int32Array;
  /** Free columns' vectors, column freeColumns[k] at k * words. */
  private readonly freeVectors: Int32Array;
  /** Column-space basis in echelon form: basis vector with highest bit p at p * words, if hasPivot[p]. */
  private readonly basis: Int32Array;
  private readonly hasPivot: Uint8Array;
  /** combo[p]: the free columns (bit k = freeColumns[k]) whose XOR is basis vector p. */
  private readonly combo: Int32Array;
  /** Set by `reduce`: the free columns whose XOR was removed from v. */
  private lastCombo = 0;
  /** Rows j whose unit vector e_j is not a codeword (a syndrome-changing position). */
  private readonly syndromeRows: Uint8Array;
  private table: NearestTable | undefined;

  constructor(m: XorMatrix) {
    checkMatrix(m);
    this.matrix = m;
    const { nIn, nOut } = m;
    const W = Math.ceil(nOut / 32);
    this.words = W;
    this.basis = new Int32Array(nOut * W);
    this.hasPivot = new Uint8Array(nOut);
    this.combo = new Int32Array(nOut);
    const free: number[] = [];
    const column = new Int32Array(W);
    const work = new Int32Array(W);
    const freeVectors: number[] = [];
    for (let i = 0; i < nIn; i++) {
      column.fill(0);
      for (let j = 0; j < nOut; j++) if (m.bits[j * nIn + i]) column[j >>> 5] |= 1 << (j & 31);
      work.set(column);
      const pivot = this.reduce(work);
      if (pivot < 0) continue; // dependent column
      this.basis.set(work, pivot * W);
      this.hasPivot[pivot] = 1;
      this.combo[pivot] = this.lastCombo ^ (1 << free.length); // (meaningless beyond rank 31: refused below)
      free.push(i);
      freeVectors.push(...column);
    }
    this.rank = free.length;
    if (this.rank > MAX_ENCODE_RANK) {
      throw new InputError(
        'matrix',
        `has rank ${this.rank} over GF(2); exact encoding enumerates 2^rank codewords and is limited to rank <= ${MAX_ENCODE_RANK} (no approximate fallback)`,
      );
    }
    this.freeColumns = free;
    this.freeVectors = Int32Array.from(freeVectors);
    this.prefix = new Int32Array(Math.max(1, this.rank) * W);
    for (let k = 0; k < this.rank; k++) {
      for (let w = 0; w < W; w++) {
        this.prefix[k * W + w] = (k > 0 ? this.prefix[(k - 1) * W + w] : 0) ^ this.freeVectors[k * W + w];
      }
    }
    this.syndromeRows = new Uint8Array(nOut);
    for (let j = 0; j < nOut; j++) {
      work.fill(0);
      work[j >>> 5] = 1 << (j & 31);
      this.syndromeRows[j] = this.reduce(work) >= 0 ? 1 : 0;
    }
  }

  /**
   * Reduces the word vector v in place by the column-space basis (highest pivots first). Returns
   * the highest set bit of the remainder, or -1 if v is in the column space (v is then all zero,
   * and `lastCombo` is the representative n whose codeword is the original v).
   */
  private reduce(v: Int32Array): number {
    const W = this.words;
    let combo = 0;
    for (let w = W - 1; w >= 0; w--) {
      while (v[w] !== 0) {
        const p = w * 32 + 31 - Math.clz32(v[w]);
        if (!this.hasPivot[p]) {
          this.lastCombo = combo;
          return p;
        }
        const base = p * W;
        for (let k = 0; k <= w; k++) v[k] ^= this.basis[base + k];
        combo ^= this.combo[p];
      }
    }
    this.lastCombo = combo;
    return -1;
  }

  /** @see reduce; returns lastCombo. */
  private reducedCombo(): number {
    return this.lastCombo;
  }

  /** Whether the nearest-codeword table has been built. */
  get hasTable(): boolean {
    return this.table !== undefined;
  }

  /**
   * Builds (once) the nearest-codeword table: breadth-first search over the Nout-cube from all
   * 2^rank codewords at once. Layer 0 holds each codeword with its representative; a word at
   * distance d + 1 takes the smallest representative among its neighbours at distance d (the
   * minimisers for u are exactly the union of those of its neighbours one step closer).
   */
  buildTable(): void {
    if (this.table) return;
    const nOut = this.matrix.nOut;
    if (nOut > MAX_TABLE_N_OUT) {
      throw new InputError('method', `the nearest-codeword table needs Nout <= ${MAX_TABLE_N_OUT}; this matrix has Nout = ${nOut} (use the scan)`);
    }
    const size = 1 << nOut;
    const dist = new Uint8Array(size).fill(255);
    const index = new Int32Array(size);
    const queue = new Int32Array(size);
    const prefix = this.prefix;
    const count = 2 ** this.rank;
    let tail = 0;
    let c = 0;
    for (let n = 0; n < count; n++) {
      if (n > 0) c ^= prefix[31 - Math.clz32(n & -n)];
      dist[c] = 0;
      index[c] = n;
      queue[tail++] = c;
    }
    for (let head = 0; head < tail; head++) {
      const v = queue[head];
      const next = dist[v] + 1;
      const nv = index[v];
      for (let j = 0; j < nOut; j++) {
        const u = v ^ (1 << j);
        const du = dist[u];
        if (du === 255) {
          dist[u] = next;
          index[u] = nv;
          queue[tail++] = u;
        } else if (du === next && nv < index[u]) {
          index[u] = nv;
        }
      }
    }
    this.table = { dist, index };
  }

  /**
   * Mean distance of the table's words to their nearest codeword divided by Nout: the exact
   * expected bit error rate for uniformly random targets (builds the table).
   */
  randomTargetErrorRate(): number {
    this.buildTable();
    const dist = this.table!.dist;
    let sum = 0;
    for (let u = 0; u < dist.length; u++) sum += dist[u];
    return sum / (dist.length * this.matrix.nOut);
  }

  /** Encodes one plane; see `encodePlane`. */
  encode(target: Uint8Array, importance?: Float64Array, options: EncodeOptions = {}): EncodeResult {
    const { nIn, nOut } = this.matrix;
    checkTarget(target);
    if (importance !== undefined) checkImportance(importance, target.length);
    const method = options.method ?? 'auto';
    if (method !== 'auto' && method !== 'table' && method !== 'scan') {
      throw new InputError('method', `must be "auto", "table" or "scan"; got ${JSON.stringify(method)}`);
    }
    if (method === 'table' && importance !== undefined) {
      throw new InputError('method', 'the nearest-codeword table is unweighted; use "scan" (or "auto") with importance');
    }
    const W = target.length;
    const nSlices = Math.ceil(W / nOut);
    const fullSlices = Math.floor(W / nOut);
    const useTable =
      importance === undefined &&
      method !== 'scan' &&
      (method === 'table' ||
        (nOut <= MAX_TABLE_N_OUT && (this.table !== undefined || fullSlices * 2 ** this.rank > 2 ** nOut * nOut)));
    const packed = new Uint8Array(Math.ceil((nSlices * nIn) / 8));
    let bitErrors = 0;
    let weightedError = 0;
    let first = 0; // first slice not yet encoded
    if (useTable) {
      this.buildTable();
      bitErrors = this.encodeByTable(target, fullSlices, packed);
      first = fullSlices;
    }
    if (first < nSlices) {
      const scan = this.scanner();
      for (let s = first; s < nSlices; s++) {
        const n = scan.encodeSlice(target, importance, s);
        this.writeSlice(packed, s, n);
        bitErrors += scan.lastBitErrors;
        weightedError += scan.lastWeighted;
      }
    }
    const result: EncodeResult = { packed, nSlices, bitErrors, weights: W, method: useTable ? 'table' : 'scan' };
    if (importance !== undefined) result.weightedError = weightedError;
    return result;
  }

  /** Full slices 0..fullSlices-1 by table lookup; returns their bit errors. */
  private encodeByTable(target: Uint8Array, fullSlices: number, packed: Uint8Array): number {
    const { nIn, nOut } = this.matrix;
    const { dist, index } = this.table!;
    const free = Int32Array.from(this.freeColumns);
    const rank = free.length;
    let errors = 0;
    let pos = 0; // first weight of slice s
    let bitPos = 0; // first encrypted bit of slice s
    for (let s = 0; s < fullSlices; s++) {
      let t = 0;
      for (let j = 0; j < nOut; j++) t |= target[pos + j] << j;
      pos += nOut;
      errors += dist[t];
      const n = index[t];
      for (let k = 0; k < rank; k++) {
        if ((n >>> k) & 1) {
          const b = bitPos + free[k];
          packed[b >>> 3] |= 0x80 >>> (b & 7);
        }
      }
      bitPos += nIn;
    }
    return errors;
  }

  /** Writes slice s's x (representative n: bit k is x[freeColumns[k]]) into the zeroed stream. */
  private writeSlice(packed: Uint8Array, s: number, n: number): void {
    const base = s * this.matrix.nIn;
    for (let k = 0; k < this.rank; k++) {
      if ((n >>> k) & 1) {
        const b = base + this.freeColumns[k];
        packed[Math.floor(b / 8)] |= 0x80 >>> (b % 8);
      }
    }
  }

  /** A scanner over this matrix's codewords, with its own scratch buffers. */
  private scanner(): SliceScanner {
    return new SliceScanner(this.matrix.nOut, this.words, this.rank, this.prefix, this.freeVectors, this.syndromeRows, (v) => this.reduce(v), () => this.reducedCombo());
  }
}

/**
 * The scan works in aligned blocks of 2^BLOCK_BITS representatives, scanned flat (their codewords
 * are the block start's XOR a small table); pruning is tried at block starts only. 3 measured best
 * on the 20x16 nTap=2 matrix (2..4 within 15%).
 */
const BLOCK_BITS = 3;

/**
 * Per-slice exhaustive scan over the 2^rank codewords in increasing-x order (see the file header),
 * with scratch buffers reused across slices. The distance is weighted throughout (importance 1
 * when unweighted, 0 on the surplus positions of the last slice); it is read from per-slice chunk
 * tables: for each chunk of positions, the summed importance of every mismatch pattern.
 *
 * Pruning (branch and bound in enumeration order): the representatives n .. n + 2^k - 1 of an
 * aligned block share their bits k and up, so the rows that free vectors 0..k-1 never touch
 * (`fixed[k]`) decode the same in the whole block; their cost, a lower bound for every codeword of
 * the block, is checked at each block start for levels k >= BLOCK_BITS, largest block first,
 * and a block whose bound cannot beat the best so far strictly is skipped (float sums of
 * non-negative terms are monotone, so the computed bound never exceeds a computed distance). Ties are never lost: only
 * strictly better codewords replace the best, and the scan runs in increasing n.
 */
class SliceScanner {
  private readonly nOut: number;
  private readonly W: number;
  private readonly rank: number;
  private readonly count: number;
  private readonly prefix: Int32Array;
  private readonly freeVectors: Int32Array;
  private readonly syndromeRows: Uint8Array;
  private readonly reduce: (v: Int32Array) => number;
  private readonly reducedCombo: () => number;
  /** fixed[k * W ..]: the rows no free vector 0..k-1 touches (0 <= k <= rank). */
  private readonly fixed: Int32Array;
  /** Highest level whose fixed rows are not empty (pruning levels are blockBits..topLevel). */
  private readonly topLevel: number;
  /** Blocks of 2^blockBits representatives are scanned flat, min(BLOCK_BITS, rank). */
  private readonly blockBits: number;
  /** Codewords of the representatives 0 .. 2^blockBits - 1 (W words each). */
  private readonly low: Int32Array;
  private readonly t: Int32Array;
  private readonly mask: Int32Array;
  private readonly c: Int32Array;
  private readonly f: Int32Array;
  private readonly work: Int32Array;
  /** Importance of each position of the slice (0 beyond the real weights). */
  private readonly imp: Float64Array;
  /** Single word (Nout <= 32): three chunks of `chunk` positions, one table each, back to back. */
  private readonly chunk: number;
  /** Chunk tables: single word, 3 << chunk entries; multi-word, one 256-entry table per byte. */
  private readonly tables: Float64Array;
  /** The tables hold importance 1 on every position (a full unweighted slice): no rebuild needed. */
  private tablesAreUnit = false;
  /** Best distance of the last slice scanned. */
  private lastCost = 0;
  lastBitErrors = 0;
  lastWeighted = 0;

  constructor(
    nOut: number,
    words: number,
    rank: number,
    prefix: Int32Array,
    freeVectors: Int32Array,
    syndromeRows: Uint8Array,
    reduce: (v: Int32Array) => number,
    reducedCombo: () => number,
  ) {
    this.nOut = nOut;
    this.W = words;
    this.rank = rank;
    this.count = 2 ** rank;
    this.prefix = prefix;
    this.freeVectors = freeVectors;
    this.syndromeRows = syndromeRows;
    this.reduce = reduce;
    this.reducedCombo = reducedCombo;
    this.t = new Int32Array(words);
    this.mask = new Int32Array(words);
    this.c = new Int32Array(words);
    this.f = new Int32Array(words);
    this.work = new Int32Array(words);
    this.imp = new Float64Array(words * 32);
    this.chunk = Math.ceil(nOut / 3);
    this.tables = new Float64Array(words === 1 ? 3 << this.chunk : words * 1024);
    this.fixed = new Int32Array((rank + 1) * words);
    let topLevel = 0;
    for (let w = 0; w < words; w++) {
      const bits = Math.min(32, nOut - 32 * w);
      this.fixed[w] = bits === 32 ? -1 : (1 << bits) - 1;
    }
    for (let k = 1; k <= rank; k++) {
      let any = 0;
      for (let w = 0; w < words; w++) {
        const v = this.fixed[(k - 1) * words + w] & ~freeVectors[(k - 1) * words + w];
        this.fixed[k * words + w] = v;
        any |= v;
      }
      if (any !== 0) topLevel = k;
    }
    this.topLevel = topLevel;
    this.blockBits = Math.min(BLOCK_BITS, rank);
    this.low = new Int32Array(words << this.blockBits);
    for (let i = 1; i < 1 << this.blockBits; i++) {
      const k = 31 - Math.clz32(i & -i);
      for (let w = 0; w < words; w++) this.low[i * words + w] = this.low[(i - 1) * words + w] ^ prefix[k * words + w];
    }
  }

  /**
   * Encodes slice s of the target; returns its representative n and sets lastBitErrors and
   * lastWeighted (the slice's weighted distance; meaningful when importance is given).
   */
  encodeSlice(target: Uint8Array, importance: Float64Array | undefined, s: number): number {
    const { nOut, W, t, mask, imp } = this;
    const start = s * nOut;
    const real = Math.min(nOut, target.length - start);
    t.fill(0);
    mask.fill(0);
    for (let j = 0; j < real; j++) {
      t[j >>> 5] |= target[start + j] << (j & 31);
      mask[j >>> 5] |= 1 << (j & 31);
    }
    // A full slice whose target is a codeword, with every importance > 0: that codeword is the
    // only one at distance 0, and its unique representative (found while reducing t by the
    // column-space basis) is the answer. (A zero importance could let a smaller x also reach 0.)
    // Otherwise a lower bound for the scan: if t is not a codeword, the cheapest position whose
    // flip changes the syndrome (any fix needs one). A partial last slice (surplus ignored) gets
    // the trivial bound 0.
    let bound = 0;
    if (real === nOut) {
      this.work.set(t);
      if (this.reduce(this.work) < 0) {
        let positive = true;
        if (importance) for (let j = 0; j < nOut && positive; j++) positive = importance[start + j] > 0;
        if (positive) {
          this.lastBitErrors = 0;
          this.lastWeighted = 0;
          return this.reducedCombo();
        }
      } else {
        bound = Infinity;
        for (let j = 0; j < nOut; j++) {
          if (this.syndromeRows[j]) bound = Math.min(bound, importance ? importance[start + j] : 1);
        }
      }
    }
    const unit = importance === undefined && real === nOut;
    if (!(unit && this.tablesAreUnit)) {
      imp.fill(0);
      if (importance) for (let j = 0; j < real; j++) imp[j] = importance[start + j];
      else imp.fill(1, 0, real);
      if (W === 1) this.buildChunkTables();
      else this.buildByteTables();
      this.tablesAreUnit = unit;
    }
    const n = W === 1 ? this.scan1(t[0], bound) : this.scanN(bound);
    // Bit errors of the chosen codeword.
    const c = this.c;
    c.fill(0);
    for (let k = 0; k < this.rank; k++) {
      if ((n >>> k) & 1) for (let w = 0; w < W; w++) c[w] ^= this.freeVectors[k * W + w];
    }
    let errors = 0;
    for (let w = 0; w < W; w++) errors += popcount((c[w] ^ t[w]) & mask[w]);
    this.lastBitErrors = errors;
    this.lastWeighted = importance ? this.lastCost : errors;
    return n;
  }

  /** Single word: table k holds, for each chunk value v, the importance summed over v's set bits. */
  private buildChunkTables(): void {
    const { chunk, imp } = this;
    const T = this.tables;
    const size = 1 << chunk;
    for (let k = 0; k < 3; k++) {
      const base = k * size;
      T[base] = 0;
      for (let v = 1; v < size; v++) {
        const j = k * chunk + 31 - Math.clz32(v & -v);
        T[base + v] = T[base + (v & (v - 1))] + (j < 32 ? imp[j] : 0);
      }
    }
  }

  /** Multi-word: one 256-entry table per byte of the slice. */
  private buildByteTables(): void {
    const T = this.tables;
    const imp = this.imp;
    for (let b = 0; b < 4 * this.W; b++) {
      const base = b * 256;
      T[base] = 0;
      for (let v = 1; v < 256; v++) T[base + v] = T[base + (v & (v - 1))] + imp[b * 8 + 31 - Math.clz32(v & -v)];
    }
  }

  /** Nout <= 32: scan with pruning; returns the best representative, its cost in lastCost. */
  private scan1(t: number, bound: number): number {
    const { prefix, count, chunk, fixed, topLevel, blockBits, low } = this;
    const T = this.tables;
    const lowMask = (1 << chunk) - 1;
    const off1 = 1 << chunk;
    const off2 = 2 << chunk;
    const shift2 = 2 * chunk;
    const block = 1 << blockBits;
    const step = blockBits > 0 ? prefix[blockBits - 1] : 0;
    let best = Infinity;
    let bestN = 0;
    let n = 0; // start of the current block
    let c = 0; // codeword of n
    scan: for (;;) {
      if (n !== 0) {
        for (let k = Math.min(topLevel, 31 - Math.clz32(n & -n)); k >= blockBits; k--) {
          const f = (c ^ t) & fixed[k];
          if (T[f & lowMask] + T[off1 + ((f >>> chunk) & lowMask)] + T[off2 + (f >>> shift2)] >= best) {
            // Skip [n, n + 2^k): bits k..ctz(n + 2^k) of n flip.
            n += 1 << k;
            if (n >= count) break scan;
            c ^= prefix[31 - Math.clz32(n & -n)] ^ prefix[k - 1];
            continue scan;
          }
        }
      }
      const ct = c ^ t;
      for (let i = 0; i < block; i++) {
        const m = ct ^ low[i];
        const d = T[m & lowMask] + T[off1 + ((m >>> chunk) & lowMask)] + T[off2 + (m >>> shift2)];
        if (d < best) {
          best = d;
          bestN = n + i;
          if (d <= bound) break scan;
        }
      }
      n += block;
      if (n >= count) break;
      c ^= prefix[31 - Math.clz32(n & -n)] ^ step;
    }
    this.lastCost = best;
    return bestN;
  }

  /** Cost of the mismatch vector v (W words) from the byte tables. */
  private costN(v: Int32Array): number {
    const T = this.tables;
    let d = 0;
    for (let w = 0; w < this.W; w++) {
      const m = v[w];
      const base = w * 1024;
      d += T[base + (m & 255)] + T[base + 256 + ((m >>> 8) & 255)] + T[base + 512 + ((m >>> 16) & 255)] + T[base + 768 + (m >>> 24)];
    }
    return d;
  }

  /** Nout > 32: as scan1, over W-word vectors. */
  private scanN(bound: number): number {
    const { prefix, count, fixed, topLevel, W, t, c, f, blockBits, low } = this;
    const block = 1 << blockBits;
    const from = (blockBits - 1) * W;
    let best = Infinity;
    let bestN = 0;
    let n = 0;
    c.fill(0);
    scan: for (;;) {
      if (n !== 0) {
        for (let k = Math.min(topLevel, 31 - Math.clz32(n & -n)); k >= blockBits; k--) {
          for (let w = 0; w < W; w++) f[w] = (c[w] ^ t[w]) & fixed[k * W + w];
          if (this.costN(f) >= best) {
            n += 1 << k;
            if (n >= count) break scan;
            const to = (31 - Math.clz32(n & -n)) * W;
            const below = (k - 1) * W;
            for (let w = 0; w < W; w++) c[w] ^= prefix[to + w] ^ prefix[below + w];
            continue scan;
          }
        }
      }
      for (let i = 0; i < block; i++) {
        for (let w = 0; w < W; w++) f[w] = c[w] ^ t[w] ^ low[i * W + w];
        const d = this.costN(f);
        if (d < best) {
          best = d;
          bestN = n + i;
          if (d <= bound) break scan;
        }
      }
      n += block;
      if (n >= count) break;
      const to = (31 - Math.clz32(n & -n)) * W;
      for (let w = 0; w < W; w++) c[w] ^= prefix[to + w] ^ (blockBits > 0 ? prefix[from + w] : 0);
    }
    this.lastCost = best;
    return bestN;
  }
}

/**
 * Encodes one plane exactly: target[w] is the wanted decoded bit of weight w (1 for +1, 0 for -1),
 * importance[w] >= 0 its optional weight in the distance. Slice s covers weights s*Nout ..
 * s*Nout+Nout-1; the last slice's surplus positions cost nothing. Ties go to the smallest x
 * (x[0] least significant). Throws InputError (`matrix` rank above MAX_ENCODE_RANK or a bad
 * matrix; `weights` for entries other than 0/1; `importance` for a wrong length or entries that
 * are negative, NaN or infinite; `method` for an impossible method).
 */
export function encodePlane(m: XorMatrix, target: Uint8Array, importance?: Float64Array, options?: EncodeOptions): EncodeResult {
  return new PlaneEncoder(m).encode(target, importance, options);
}

/** bitErrors / weights (0 for an empty plane). */
export function bitErrorRate(r: EncodeResult): number {
  return r.weights === 0 ? 0 : r.bitErrors / r.weights;
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function checkMatrix(m: XorMatrix): void {
  const ok = m !== null && typeof m === 'object' && Number.isInteger(m.nIn) && Number.isInteger(m.nOut) && m.nIn >= 1 && m.nIn <= m.nOut && m.nOut <= MAX_N_OUT;
  if (!ok) throw new InputError('matrix', `needs 1 <= Nin <= Nout <= ${MAX_N_OUT}; got Nin = ${m?.nIn}, Nout = ${m?.nOut}`);
  if (!(m.bits instanceof Uint8Array) || m.bits.length !== m.nIn * m.nOut) {
    throw new InputError('matrix', `must have Nout * Nin = ${m.nIn * m.nOut} entries; got ${(m.bits as { length?: number } | undefined)?.length}`);
  }
  const bad = m.bits.findIndex((b) => b > 1);
  if (bad >= 0) throw new InputError('matrix', `entries must be 0 or 1; M[${Math.floor(bad / m.nIn)}][${bad % m.nIn}] is ${m.bits[bad]}`);
}

function checkTarget(target: Uint8Array): void {
  if (!(target instanceof Uint8Array)) throw new InputError('weights', `must be a Uint8Array of 0/1 target bits (1 for +1, 0 for -1); got ${describe(target)}`);
  for (let w = 0; w < target.length; w++) {
    if (target[w] > 1) throw new InputError('weights', `entry ${w} is ${target[w]}; target bits must be 0 (weight -1) or 1 (weight +1)`);
  }
}

function checkImportance(importance: Float64Array, length: number): void {
  if (!(importance instanceof Float64Array)) throw new InputError('importance', `must be a Float64Array; got ${describe(importance)}`);
  if (importance.length !== length) {
    throw new InputError('importance', `has ${importance.length} entries; it needs one per weight (${length})`);
  }
  for (let w = 0; w < length; w++) {
    const v = importance[w];
    if (!(v >= 0) || v === Infinity) throw new InputError('importance', `entry ${w} is ${v}; importance must be finite and >= 0`);
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
