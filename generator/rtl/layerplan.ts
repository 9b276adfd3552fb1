/**
 * The hardware plan of a layer: how the trained slice streams are cut among the weight units,
 * what each weight memory word holds, and every constant the RTL needs. Pure arithmetic on the
 * configuration; docs/ARCHITECTURE.md explains the design.
 *
 * A layer's weights are consumed as `rows` of `rowBits` bits, `chunk` bits per step:
 *   oi: rows are output channels (rowBits = K), chunk = simd; units = lanes, each owning a
 *       contiguous block of channels;
 *   io: rows are the inputs k' in the io order (rowBits = N), chunk = lanes; units = simd, each
 *       owning a contiguous block of inputs.
 * Either way a unit's rows are one contiguous range of the trained stream, so each unit reads its
 * own range slice by slice, decodes it and re-aligns the decoded bits (its gearbox).
 */
import type { Layout } from '../core/layer.js';

export interface PlanInput {
  readonly n: number;
  readonly k: number;
  readonly layout: Layout;
  readonly lanes: number;
  readonly simd: number;
  readonly nIn: number;
  readonly nOut: number;
  readonly planes: number;
}

export interface UnitPlan {
  /** First bit of the unit's range in the plane's decoded stream. */
  readonly start: number;
  /** First slice the unit reads. */
  readonly firstSlice: number;
  /** Leading bits of its first slice that belong to the previous unit. */
  readonly offset: number;
  /** Slices that hold bits of the unit's range (some may lie past the stream's end). */
  readonly slicesUsed: number;
  /** Rows of the layer this unit really owns (the rest of its rows are padding). */
  readonly realRows: number;
}

export interface LayerPlan {
  readonly units: number;
  /** Bits consumed per step (the last step of a row consumes lastChunk). */
  readonly chunk: number;
  readonly rowBits: number;
  readonly stepsPerRow: number;
  readonly lastChunk: number;
  /** Rows each unit runs per vector (rows past the layer's end compute nothing useful). */
  readonly rowsPerUnit: number;
  readonly stepsPerVector: number;
  /** Slices decoded per unit per fetch; `group` = slicesPerFetch * Nout bits. */
  readonly slicesPerFetch: number;
  readonly group: number;
  /** Fetches (memory words) per vector. */
  readonly depth: number;
  /** Bits skipped at the end of each vector: depth * group - rowsPerUnit * rowBits. */
  readonly wrapSkip: number;
  /** Gearbox capacity in bits. */
  readonly capacity: number;
  readonly unitPlans: readonly UnitPlan[];
  /** Slices S of one plane's trained stream. */
  readonly slices: number;
  /** Slices stored in two units' memories (shared at a range boundary), per plane. */
  readonly duplicateSlices: number;
  /** Bits of one memory word (or stream beat): planes * units * slicesPerFetch * Nin. */
  readonly wordBits: number;
  /**
   * Words of each unit's own weight ROM (`rom` weights): ceil(slices the unit reads / SPF), the
   * slices past the stream's end left out; 0 for a unit with no rows. A word holds the unit's
   * planes * slicesPerFetch * Nin bits.
   */
  readonly unitDepths: readonly number[];
  /** On-chip weight memory bits (`rom`): planes * SPF * Nin * sum of unitDepths. */
  readonly memoryBits: number;
  /** Output slots per vector (>= N; slots past N are zero). */
  readonly slots: number;
  /** Output beats per vector, `lanes` results each. */
  readonly beatsPerVector: number;
  /** Accumulator entries per MAC tree: 1 (oi) or stepsPerRow (io). */
  readonly accDepth: number;
}

export function planLayer(c: PlanInput): LayerPlan {
  const io = c.layout === 'io';
  const units = io ? c.simd : c.lanes;
  const chunk = io ? c.lanes : c.simd;
  const rowBits = io ? c.n : c.k;
  const totalRows = io ? c.k : c.n;
  const stepsPerRow = Math.ceil(rowBits / chunk);
  const lastChunk = rowBits - (stepsPerRow - 1) * chunk;
  const rowsPerUnit = Math.ceil(totalRows / units);
  const stepsPerVector = rowsPerUnit * stepsPerRow;
  const unitBits = rowsPerUnit * rowBits;
  const slices = Math.ceil((c.n * c.k) / c.nOut);

  const unitPlans: UnitPlan[] = Array.from({ length: units }, (_, u) => {
    const start = u * unitBits;
    const offset = start % c.nOut;
    return {
      start,
      firstSlice: Math.floor(start / c.nOut),
      offset,
      slicesUsed: Math.ceil((offset + unitBits) / c.nOut),
      realRows: Math.max(0, Math.min(rowsPerUnit, totalRows - u * rowsPerUnit)),
    };
  });
  const maxSlices = Math.max(...unitPlans.map((p) => p.slicesUsed));
  // Enough slices per fetch to keep up with a chunk per step, and to fetch a vector's words
  // in no more cycles than it has steps (one fetch per cycle at most).
  let slicesPerFetch = Math.max(1, Math.ceil(chunk / c.nOut));
  while (Math.ceil(maxSlices / slicesPerFetch) > stepsPerVector) slicesPerFetch++;
  const group = slicesPerFetch * c.nOut;
  const depth = Math.ceil(maxSlices / slicesPerFetch);
  const wrapSkip = depth * group - unitBits;
  const capacity = Math.max(chunk, lastChunk + wrapSkip) + 2 * group;

  // A slice is stored twice when a unit's range starts inside it and the previous unit uses it.
  const duplicateSlices = unitPlans.filter((p, u) => u > 0 && p.offset !== 0 && p.firstSlice < slices).length;
  const slots = io ? stepsPerRow * c.lanes : rowsPerUnit * c.lanes;
  const unitDepths = unitPlans.map((p) => Math.ceil(Math.max(0, Math.min(p.slicesUsed, slices - p.firstSlice)) / slicesPerFetch));
  const unitWordBits = c.planes * slicesPerFetch * c.nIn;
  return {
    units,
    chunk,
    rowBits,
    stepsPerRow,
    lastChunk,
    rowsPerUnit,
    stepsPerVector,
    slicesPerFetch,
    group,
    depth,
    wrapSkip,
    capacity,
    unitPlans,
    slices,
    duplicateSlices,
    wordBits: c.planes * units * slicesPerFetch * c.nIn,
    unitDepths,
    memoryBits: unitWordBits * unitDepths.reduce((a, b) => a + b, 0),
    slots,
    beatsPerVector: Math.ceil(c.n / c.lanes),
    accDepth: io ? stepsPerRow : 1,
  };
}

/**
 * The weight memory image: `depth` words; word a holds, for each plane p (most significant last),
 * each unit u and each d < slicesPerFetch, slice firstSlice_u + a * slicesPerFetch + d of plane p,
 * or zeros where that slice is past the unit's range or the stream's end. Field (p, u, d) sits at
 * bits [((p * units + u) * slicesPerFetch + d) * Nin +: Nin], slice bit i at bit i of the field.
 * `encryptedBits(p, s)` returns the Nin bits of slice s of plane p.
 */
export function weightImage(plan: LayerPlan, c: PlanInput, encryptedBits: (plane: number, slice: number) => ArrayLike<number>): Uint8Array[] {
  const words: Uint8Array[] = [];
  for (let a = 0; a < plan.depth; a++) {
    const word = new Uint8Array(plan.wordBits);
    for (let p = 0; p < c.planes; p++) {
      plan.unitPlans.forEach((u, unit) => {
        for (let d = 0; d < plan.slicesPerFetch; d++) {
          const local = a * plan.slicesPerFetch + d;
          const slice = u.firstSlice + local;
          if (local >= u.slicesUsed || slice >= plan.slices) continue;
          const bits = encryptedBits(p, slice);
          const base = ((p * plan.units + unit) * plan.slicesPerFetch + d) * c.nIn;
          for (let i = 0; i < c.nIn; i++) word[base + i] = bits[i];
        }
      });
    }
    words.push(word);
  }
  return words;
}

/**
 * The weight ROM images of the units (`rom` weights), cut from `weightImage`'s words: unit u gets
 * `unitDepths[u]` words; its word a holds, for each plane p and d < slicesPerFetch, field
 * (p, u, d) of the full word a, at bits [(p * slicesPerFetch + d) * Nin +: Nin].
 */
export function unitWeightImages(plan: LayerPlan, c: PlanInput, words: readonly Uint8Array[]): Uint8Array[][] {
  const fieldBits = plan.slicesPerFetch * c.nIn;
  return plan.unitDepths.map((depth, unit) =>
    words.slice(0, depth).map((word) => {
      const out = new Uint8Array(c.planes * fieldBits);
      for (let p = 0; p < c.planes; p++) out.set(word.subarray((p * plan.units + unit) * fieldBits, (p * plan.units + unit + 1) * fieldBits), p * fieldBits);
      return out;
    }),
  );
}
