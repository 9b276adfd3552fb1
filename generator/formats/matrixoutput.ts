/** `flexor matrix`: draws the planes' matrices and renders them as text, JSON or .npy. */
import { InputError } from '../core/errors.js';
import { drawPlanes, gf2Rank, matrixWarnings, rowTaps, targetRank, type MatrixSpec, type XorMatrix } from '../core/matrix.js';
import { matricesToJson, matricesToNpy } from './matrixfile.js';
import { seededMatrixSpec, type SeededMatrixOptions } from './matrixoptions.js';

export type MatrixFormat = 'text' | 'json' | 'npy';
export const MATRIX_FORMATS: readonly MatrixFormat[] = ['text', 'json', 'npy'];

export interface MatrixOutput {
  readonly planes: readonly XorMatrix[];
  readonly contents: string | Uint8Array;
  /** One line per plane: its rank. */
  readonly summary: readonly string[];
  readonly warnings: readonly string[];
}

function specText(spec: MatrixSpec): string {
  return `Nout=${spec.nOut} x Nin=${spec.nIn}, ${spec.dense ? 'dense' : `nTap=${spec.nTap}`}, seed=${spec.seed}${spec.draw === 'full' ? ', draw=full' : ''}`;
}

/** The text form: one line per row, column 0 first, then the row's taps. */
export function matricesToText(spec: MatrixSpec, planes: readonly XorMatrix[]): string {
  const lines: string[] = [];
  const width = String(spec.nOut - 1).length;
  planes.forEach((m, p) => {
    lines.push(`# plane ${p} of ${planes.length}: ${specText(spec)}; rank over GF(2) ${gf2Rank(m)} of ${m.nIn}`);
    lines.push(`# row: M[j][0..${m.nIn - 1}] (column 0 first)  taps`);
    for (let j = 0; j < m.nOut; j++) {
      const row = Array.from(m.bits.subarray(j * m.nIn, (j + 1) * m.nIn)).join('');
      lines.push(`${String(j).padStart(width)}: ${row}  ${rowTaps(m, j).join(',')}`);
    }
  });
  return `${lines.join('\n')}\n`;
}

/** The planes the options draw (checked as for every seeded matrix), rendered in `format`. */
export function matrixOutput(options: SeededMatrixOptions, format: MatrixFormat): MatrixOutput {
  const spec = seededMatrixSpec(options);
  if (!MATRIX_FORMATS.includes(format)) throw new InputError('--format', `must be one of ${MATRIX_FORMATS.join(', ')}; got ${String(format)}`);
  const planes = drawPlanes(spec);
  const contents =
    format === 'npy'
      ? matricesToNpy(planes)
      : format === 'json'
        ? matricesToJson(planes, { seed: spec.seed, ...(spec.dense ? { dense: true } : { nTap: spec.nTap }), ...(spec.draw === 'full' ? { draw: 'full' } : {}), rank: planes.map(gf2Rank) })
        : matricesToText(spec, planes);
  return {
    planes,
    contents,
    summary: planes.map((m, p) => `plane ${p}: ${specText(spec)}; rank over GF(2) ${gf2Rank(m)} of ${m.nIn}`),
    warnings: planes.flatMap((m, p) => matrixWarnings(m, p, spec.draw === 'full' ? targetRank(spec) : m.nIn)),
  };
}
