/**
 * The XOR matrix M of one bit-plane: Nout rows, Nin columns, entries 0/1. Decoded bit y[j] is the
 * XOR of the encrypted bits x[i] with M[j][i] = 1 (y = M x over GF(2)).
 */
import { createHash } from 'node:crypto';
import { InputError, requireInteger } from './errors.js';
import { Xoshiro128StarStar } from './prng.js';

/** Largest Nout (and so Nin) the generator accepts. */
export const MAX_N_OUT = 1024;
/** Largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffffffff;
/** Largest number of bit-planes. */
export const MAX_PLANES = 64;

/**
 * How a plane's matrix is chosen from its seed (docs/MATRIX.md). `first`: the first matrix drawn
 * (the default, every design before draw modes). `full`: the first of the candidates 0, 1, 2, ...
 * with the largest rank its rows allow (targetRank) and every column used.
 */
export type MatrixDraw = 'first' | 'full';
export const MATRIX_DRAWS: readonly MatrixDraw[] = ['first', 'full'];
/** Candidates a full draw tries per plane before it gives up (a = 0 .. MAX_DRAW_ATTEMPTS - 1). */
export const MAX_DRAW_ATTEMPTS = 4096;

export interface XorMatrix {
  readonly nIn: number;
  readonly nOut: number;
  /** Row-major, nOut * nIn entries, each 0 or 1: bits[j * nIn + i] = M[j][i]. */
  readonly bits: Uint8Array;
}

/** How to draw the matrices of a layer's planes. Exactly one of nTap and dense is set. */
export interface MatrixSpec {
  readonly nIn: number;
  readonly nOut: number;
  /** Ones per row; omitted when dense. */
  readonly nTap?: number;
  /** Each entry a fair coin, all-zero rows drawn again. */
  readonly dense?: boolean;
  readonly seed: number;
  /** Number of bit-planes q (default 1). */
  readonly planes?: number;
  /** Which draw of the seed's sequence (default 'first'). */
  readonly draw?: MatrixDraw;
}

/** Validates the sizes: 1 <= nIn <= nOut <= MAX_N_OUT. */
export function checkSizes(nIn: unknown, nOut: unknown): void {
  requireInteger('--nout', nOut, 1, MAX_N_OUT);
  requireInteger('--nin', nIn, 1, nOut as number, `an integer from 1 to --nout (${nOut as number})`);
}

/** Validates a whole MatrixSpec, naming the flag at fault. */
export function checkMatrixSpec(spec: MatrixSpec): void {
  checkSizes(spec.nIn, spec.nOut);
  if (spec.dense && spec.nTap !== undefined) throw new InputError('--ntap', 'cannot be combined with --dense; give one of them');
  if (!spec.dense) {
    if (spec.nTap === undefined) throw new InputError('--ntap', `is required unless --dense is given (an integer from 1 to --nin (${spec.nIn}))`);
    requireInteger('--ntap', spec.nTap, 1, spec.nIn, `an integer from 1 to --nin (${spec.nIn})`);
  }
  requireInteger('--seed', spec.seed, 0, MAX_SEED, `an integer from 0 to ${MAX_SEED}`);
  requireInteger('--planes', spec.planes ?? 1, 1, MAX_PLANES);
  checkDraw(spec.draw);
}

/** Validates a draw mode (undefined is the default, first). */
export function checkDraw(draw: unknown): MatrixDraw {
  if (draw === undefined) return 'first';
  if (!(MATRIX_DRAWS as readonly unknown[]).includes(draw)) {
    throw new InputError('--draw', `must be first (the seed's first matrix) or full (the first of full rank with every column used); got ${JSON.stringify(draw)}`);
  }
  return draw as MatrixDraw;
}

/**
 * The random source of plane `plane`: xoshiro128** seeded through SplitMix64 from the start state
 * plane * 2^32 + seed. Plane 0 of any layer therefore equals the single matrix of the same seed.
 */
export function planeRandom(seed: number, plane: number): Xoshiro128StarStar {
  return new Xoshiro128StarStar((BigInt(plane) << 32n) + BigInt(seed));
}

/**
 * The random source of candidate `attempt` of a full draw: start state
 * attempt * 2^40 + plane * 2^32 + seed, so candidate 0 is the plane's first draw.
 */
export function candidateRandom(seed: number, plane: number, attempt: number): Xoshiro128StarStar {
  return new Xoshiro128StarStar((BigInt(attempt) << 40n) + (BigInt(plane) << 32n) + BigInt(seed));
}

/**
 * The largest rank over GF(2) the rows of `spec` allow. Every row of weight w (0 < w < Nin) lies in
 * the even-weight subspace (dimension Nin - 1) when w is even, and the rows of odd weight span the
 * whole space; w = Nin allows only the all-ones row. Dense rows are any nonzero rows. Nout >= Nin,
 * so the rows are never too few.
 */
export function targetRank(spec: Pick<MatrixSpec, 'nIn' | 'nTap' | 'dense'>): number {
  if (spec.dense) return spec.nIn;
  const t = spec.nTap!;
  if (t === spec.nIn) return 1;
  return t % 2 === 0 ? spec.nIn - 1 : spec.nIn;
}

/**
 * Draws the matrix of one plane. `first` (the default): candidate 0, today's draw. `full`: the
 * first candidate of targetRank with every column used (fullDraw).
 */
export function drawMatrix(spec: MatrixSpec, plane = 0): XorMatrix {
  checkMatrixSpec(spec);
  return spec.draw === 'full' ? fullDraw(spec, plane).matrix : drawCandidate(spec, plane, 0);
}

/**
 * The full draw of one plane: candidates a = 0, 1, ... (drawCandidate) until one has rank
 * targetRank(spec) and every column used; `maxAttempts` candidates at most, then an InputError
 * naming the flags. Returns the matrix and its candidate number.
 */
export function fullDraw(spec: MatrixSpec, plane = 0, maxAttempts = MAX_DRAW_ATTEMPTS): { matrix: XorMatrix; attempt: number } {
  checkMatrixSpec(spec);
  const target = targetRank(spec);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const matrix = drawCandidate(spec, plane, attempt);
    if (unusedColumns(matrix).length === 0 && gf2Rank(matrix) === target) return { matrix, attempt };
  }
  const rows = spec.dense ? '--dense' : `--ntap ${spec.nTap}`;
  throw new InputError(
    '--draw',
    `full: none of the first ${maxAttempts} candidates of --seed ${spec.seed}, plane ${plane} (--nin ${spec.nIn} --nout ${spec.nOut} ${rows}) ` +
      `has rank ${target} with every column used; give another --seed, a larger --nout or --ntap, or --draw first`,
  );
}

/**
 * Candidate `attempt` of one plane, drawn from candidateRandom(seed, plane, attempt). With nTap:
 * per row, a partial Fisher-Yates shuffle of [0, nIn) picks the row's nTap columns. Dense: per
 * row, nIn coins in column order, drawn again while the row is all zero. Rows are drawn in order
 * 0..nOut-1 from one generator. Candidate 0 is the plane's first draw.
 */
export function drawCandidate(spec: MatrixSpec, plane: number, attempt: number): XorMatrix {
  const { nIn, nOut } = spec;
  const rng = candidateRandom(spec.seed, plane, attempt);
  const bits = new Uint8Array(nOut * nIn);
  const perm = new Array<number>(nIn);
  for (let j = 0; j < nOut; j++) {
    const row = bits.subarray(j * nIn, (j + 1) * nIn);
    if (spec.dense) {
      do {
        for (let i = 0; i < nIn; i++) row[i] = rng.coin();
      } while (row.every((b) => b === 0));
    } else {
      for (let i = 0; i < nIn; i++) perm[i] = i;
      for (let t = 0; t < spec.nTap!; t++) {
        const k = t + rng.below(nIn - t);
        const tmp = perm[t];
        perm[t] = perm[k];
        perm[k] = tmp;
        row[perm[t]] = 1;
      }
    }
  }
  return { nIn, nOut, bits };
}

/** Draws the matrices of every plane of `spec`. */
export function drawPlanes(spec: MatrixSpec): XorMatrix[] {
  checkMatrixSpec(spec);
  return Array.from({ length: spec.planes ?? 1 }, (_, p) => drawMatrix(spec, p));
}

/** Builds a matrix from nested 0/1 rows, checking shape and values; `field` names the source. */
export function matrixFromRows(rows: readonly (readonly number[])[], field: string): XorMatrix {
  if (!Array.isArray(rows) || rows.length === 0) throw new InputError(field, 'must be a non-empty list of rows');
  const nOut = rows.length;
  const first = rows[0];
  if (!Array.isArray(first) || first.length === 0) throw new InputError(`${field}[0]`, 'must be a non-empty list of 0/1 entries');
  const nIn = first.length;
  const bits = new Uint8Array(nOut * nIn);
  rows.forEach((row, j) => {
    if (!Array.isArray(row) || row.length !== nIn) {
      throw new InputError(`${field}[${j}]`, `must have ${nIn} entries like row 0; got ${Array.isArray(row) ? row.length : typeof row}`);
    }
    row.forEach((v, i) => {
      if (v !== 0 && v !== 1) throw new InputError(`${field}[${j}][${i}]`, `entries must be 0 or 1; got ${JSON.stringify(v)}`);
      bits[j * nIn + i] = v;
    });
  });
  checkImportedSizes(nIn, nOut, field);
  return { nIn, nOut, bits };
}

/** Checks the shape of an imported matrix: 1 <= Nin <= Nout <= MAX_N_OUT. */
export function checkImportedSizes(nIn: number, nOut: number, field: string): void {
  if (nOut > MAX_N_OUT) throw new InputError(field, `has ${nOut} rows (Nout); at most ${MAX_N_OUT} are allowed`);
  if (nIn > nOut) throw new InputError(field, `has shape [Nout=${nOut}, Nin=${nIn}]; Nin must be at most Nout (the shape is [Nout, Nin])`);
}

export function matrixRows(m: XorMatrix): number[][] {
  return Array.from({ length: m.nOut }, (_, j) => Array.from(m.bits.subarray(j * m.nIn, (j + 1) * m.nIn)));
}

/** The columns of row j that are 1, ascending. */
export function rowTaps(m: XorMatrix, j: number): number[] {
  const taps: number[] = [];
  for (let i = 0; i < m.nIn; i++) if (m.bits[j * m.nIn + i]) taps.push(i);
  return taps;
}

/** Rank of M over GF(2), by Gaussian elimination on bit-packed rows. */
export function gf2Rank(m: XorMatrix): number {
  const words = Math.ceil(m.nIn / 32);
  const rows: Uint32Array[] = [];
  for (let j = 0; j < m.nOut; j++) {
    const r = new Uint32Array(words);
    for (let i = 0; i < m.nIn; i++) if (m.bits[j * m.nIn + i]) r[i >>> 5] |= 1 << (i & 31);
    rows.push(r);
  }
  let rank = 0;
  for (let col = 0; col < m.nIn && rank < rows.length; col++) {
    const w = col >>> 5;
    const bit = 1 << (col & 31);
    const pivot = rows.findIndex((r, idx) => idx >= rank && (r[w] & bit) !== 0);
    if (pivot < 0) continue;
    [rows[rank], rows[pivot]] = [rows[pivot], rows[rank]];
    const p = rows[rank];
    for (let idx = 0; idx < rows.length; idx++) {
      if (idx !== rank && (rows[idx][w] & bit) !== 0) {
        const r = rows[idx];
        for (let k = 0; k < words; k++) r[k] ^= p[k];
      }
    }
    rank++;
  }
  return rank;
}

/** Columns that no row uses: encrypted bits that never reach a decoded weight. */
export function unusedColumns(m: XorMatrix): number[] {
  const unused: number[] = [];
  for (let i = 0; i < m.nIn; i++) {
    let used = false;
    for (let j = 0; j < m.nOut && !used; j++) used = m.bits[j * m.nIn + i] === 1;
    if (!used) unused.push(i);
  }
  return unused;
}

/** Rows with no tap: their decoded bit is constant 0 (weight -1). */
export function zeroRows(m: XorMatrix): number[] {
  const zero: number[] = [];
  for (let j = 0; j < m.nOut; j++) if (rowTaps(m, j).length === 0) zero.push(j);
  return zero;
}

/** Ones per row if every row has the same count, else undefined. */
export function uniformTaps(m: XorMatrix): number | undefined {
  const counts = new Set(Array.from({ length: m.nOut }, (_, j) => rowTaps(m, j).length));
  return counts.size === 1 ? [...counts][0] : undefined;
}

/**
 * Warnings a user should see about a plane's matrix (rank deficiency, unused columns, zero rows).
 * `allowedRank`, for a full draw (its targetRank), is the rank the rows allow: reaching it, the
 * matrix is as good as its rows can be, and no rank warning is given.
 */
export function matrixWarnings(m: XorMatrix, plane: number, allowedRank = m.nIn): string[] {
  const warnings: string[] = [];
  const rank = gf2Rank(m);
  const where = `plane ${plane}`;
  if (rank < allowedRank) {
    let why = '';
    if (Array.from({ length: m.nOut }, (_, j) => rowTaps(m, j).length).every((c) => c % 2 === 0)) {
      why = ' (every row has an even number of taps, so complementing all inputs leaves the output unchanged)';
    }
    warnings.push(`${where}: rank over GF(2) is ${rank}, below Nin = ${m.nIn}${why}: ${m.nIn - rank} stored bit(s) per slice are wasted`);
  }
  const unused = unusedColumns(m);
  if (unused.length > 0) warnings.push(`${where}: column(s) ${unused.join(', ')} are never used: those encrypted bits reach no weight`);
  const zero = zeroRows(m);
  if (zero.length > 0) warnings.push(`${where}: row(s) ${zero.join(', ')} have no tap: those weights are constant -1`);
  return warnings;
}

/** SHA-256 of the planes' shape and bits, hex: identifies an imported matrix in names and headers. */
export function matricesHash(planes: readonly XorMatrix[]): string {
  const h = createHash('sha256');
  h.update(`flexor-matrix q=${planes.length}`);
  for (const m of planes) {
    h.update(` ${m.nOut}x${m.nIn}:`);
    h.update(m.bits);
  }
  return h.digest('hex');
}

export function sameShape(planes: readonly XorMatrix[], field: string): void {
  const [a] = planes;
  planes.forEach((m, p) => {
    if (m.nIn !== a.nIn || m.nOut !== a.nOut) {
      throw new InputError(`${field}[${p}]`, `has shape [${m.nOut}, ${m.nIn}]; every plane must have the shape of plane 0, [${a.nOut}, ${a.nIn}]`);
    }
  });
}
