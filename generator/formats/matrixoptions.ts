/**
 * The matrix options of `flexor generate decoder`, `flexor matrix` and `flexor encode`: a plane of
 * a matrix file (--matrix, --plane) or a seeded draw (--nin, --nout, --ntap or --dense, --seed, --draw).
 * Checked here once, so every command says the same about the same flag.
 */
import { basename } from 'node:path';
import { InputError, requireInteger } from '../core/errors.js';
import { checkMatrixSpec, drawMatrix, matricesHash, type MatrixDraw, type MatrixSpec, type XorMatrix } from '../core/matrix.js';
import { readMatrices } from './matrixfile.js';

/** A seeded draw: the sizes, nTap or dense, the seed (default 1) and, for `flexor matrix`, the planes. */
export interface SeededMatrixOptions {
  readonly nIn?: number;
  readonly nOut?: number;
  readonly nTap?: number;
  readonly dense?: boolean;
  readonly seed?: number;
  readonly planes?: number;
  /** first (default) or full: which matrix of the seed's sequence (docs/MATRIX.md). */
  readonly draw?: MatrixDraw;
}

export interface MatrixOptions extends Omit<SeededMatrixOptions, 'planes'> {
  /** A .json or .npy matrix file to import instead of drawing one. */
  readonly matrixFile?: string;
  /** Which plane of a multi-plane matrix file; default 0. */
  readonly plane?: number;
}

/** Where a matrix came from, as a design's manifest records it. */
export type MatrixSource =
  | { readonly source: 'seeded'; readonly nTap?: number; readonly dense?: boolean; readonly seed: number; readonly draw?: 'full' }
  | { readonly source: 'file'; readonly file: string; readonly plane: number; readonly sha256: string };

export interface ResolvedMatrix {
  readonly matrix: XorMatrix;
  readonly source: MatrixSource;
}

/**
 * The checked spec of a seeded draw. `alternative` names what could stand in for the sizes
 * (`--matrix`), for the message when they are missing.
 */
export function seededMatrixSpec(options: SeededMatrixOptions, alternative?: string): MatrixSpec {
  const unless = alternative === undefined ? '' : ` unless ${alternative} is given`;
  if (options.nOut === undefined) throw new InputError('--nout', `is required${unless}`);
  if (options.nIn === undefined) throw new InputError('--nin', `is required${unless}`);
  const spec: MatrixSpec = { nIn: options.nIn, nOut: options.nOut, nTap: options.nTap, dense: options.dense, seed: options.seed ?? 1, planes: options.planes, draw: options.draw };
  checkMatrixSpec(spec);
  return spec;
}

/** The matrix the options name: one plane of the file, or the seeded draw; everything checked first. */
export function resolveMatrix(options: MatrixOptions): ResolvedMatrix {
  if (options.matrixFile !== undefined) {
    if (options.nTap !== undefined || options.dense || options.draw !== undefined) {
      throw new InputError('--matrix', 'cannot be combined with --ntap, --dense or --draw: the file gives the matrix');
    }
    const planes = readMatrices(options.matrixFile);
    const plane = requireInteger('--plane', options.plane ?? 0, 0, planes.length - 1, `an integer from 0 to ${planes.length - 1} (the file has ${planes.length} plane(s))`);
    const matrix = planes[plane];
    if (options.nIn !== undefined && options.nIn !== matrix.nIn) {
      throw new InputError('--nin', `is ${options.nIn} but the matrix in ${options.matrixFile} has Nin = ${matrix.nIn} columns`);
    }
    if (options.nOut !== undefined && options.nOut !== matrix.nOut) {
      throw new InputError('--nout', `is ${options.nOut} but the matrix in ${options.matrixFile} has Nout = ${matrix.nOut} rows`);
    }
    return { matrix, source: { source: 'file', file: basename(options.matrixFile), plane, sha256: matricesHash([matrix]) } };
  }
  if (options.plane !== undefined) throw new InputError('--plane', 'only applies with --matrix');
  const spec = seededMatrixSpec(options, '--matrix');
  const rows = spec.dense ? { dense: true } : { nTap: spec.nTap };
  const source: MatrixSource = { source: 'seeded', ...rows, seed: spec.seed, ...(spec.draw === 'full' ? { draw: 'full' as const } : {}) };
  return { matrix: drawMatrix(spec), source };
}
