/**
 * The stream formats of docs/STREAMS.md, as pure functions: feature maps, vector streams and the
 * layer engine's result stream packed into beats (`tdata` as a bigint, `tlast`) and back. The
 * behavioural models of the stream blocks and their testbenches' vectors are built on these.
 */

/** One AXI4-Stream beat: `tdata` (bit i of the bigint is tdata[i]) and `tlast`. */
export interface StreamBeat {
  readonly data: bigint;
  readonly last: boolean;
}

/**
 * A feature map `h x w x c` of integers in raster order with channels fastest: the value at
 * `(y, x, ch)` is `values[(y * w + x) * c + ch]`.
 */
export interface FeatureMap {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly values: readonly number[];
}

/** Bits rounded up to whole bytes: the `tdata` width of a stream carrying `bits` of values. */
export function byteBits(bits: number): number {
  return Math.ceil(bits / 8) * 8;
}

/** `ceil(a / b)` for positive integers. */
export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

/** The values a `bits`-bit field holds: two's complement when signed. */
export function valueRange(bits: number, signed: boolean): { readonly min: number; readonly max: number } {
  return signed ? { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 } : { min: 0, max: 2 ** bits - 1 };
}

/** Packs `values` into one word, value i at bits `[i*bits, (i+1)*bits)`, two's complement. */
export function packValues(values: readonly (number | bigint)[], bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  let word = 0n;
  for (let i = values.length - 1; i >= 0; i--) word = (word << BigInt(bits)) | (BigInt(values[i]) & mask);
  return word;
}

/** The `count` fields of `bits` bits of `word`, signed (two's complement) or unsigned. */
export function unpackValues(word: bigint, bits: number, count: number, signed: boolean): bigint[] {
  const mask = (1n << BigInt(bits)) - 1n;
  const half = 1n << BigInt(bits - 1);
  return Array.from({ length: count }, (_, i) => {
    const field = (word >> BigInt(i * bits)) & mask;
    return signed && field >= half ? field - (mask + 1n) : field;
  });
}

/** The value of a feature map at (y, x, ch). */
export function featureMapAt(fm: FeatureMap, y: number, x: number, ch: number): number {
  return fm.values[(y * fm.w + x) * fm.c + ch];
}

/** A feature map from a function of the position, in raster order with channels fastest. */
export function makeFeatureMap(h: number, w: number, c: number, value: (y: number, x: number, ch: number) => number): FeatureMap {
  const values: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) values.push(value(y, x, ch));
  return { h, w, c, values };
}

/**
 * A feature-map stream of beat `beat` (values per beat): each pixel in `ceil(c / beat)` beats,
 * beat b of a pixel holding channels `b*beat ..`, value i at `tdata[i*bits +: bits]`, slots past
 * `c` zero; `tlast` on the tensor's last beat.
 */
export function featureMapBeats(fm: FeatureMap, beat: number, bits: number): StreamBeat[] {
  const perPixel = ceilDiv(fm.c, beat);
  const beats: StreamBeat[] = [];
  for (let pixel = 0; pixel < fm.h * fm.w; pixel++) {
    for (let b = 0; b < perPixel; b++) {
      const values = fm.values.slice(pixel * fm.c + b * beat, pixel * fm.c + Math.min(fm.c, (b + 1) * beat));
      beats.push({ data: packValues(values, bits), last: pixel === fm.h * fm.w - 1 && b === perPixel - 1 });
    }
  }
  return beats;
}

/** The feature map a feature-map stream carries (the inverse of featureMapBeats). */
export function featureMapFromBeats(
  beats: readonly StreamBeat[],
  shape: { readonly h: number; readonly w: number; readonly c: number },
  beat: number,
  bits: number,
  signed: boolean,
): FeatureMap {
  const perPixel = ceilDiv(shape.c, beat);
  if (beats.length !== shape.h * shape.w * perPixel) throw new RangeError(`featureMapFromBeats: ${beats.length} beats for ${shape.h * shape.w * perPixel}`);
  const values: number[] = [];
  beats.forEach((b, i) => {
    const count = Math.min(beat, shape.c - (i % perPixel) * beat);
    for (const v of unpackValues(b.data, bits, count, signed)) values.push(Number(v));
  });
  return { ...shape, values };
}

/**
 * A vector stream of beat `beat`: `ceil(K / beat)` beats, value i of beat b is element
 * `b*beat + i`, slots past K zero, `tlast` on the vector's last beat (the layer's s_axis_act).
 */
export function vectorStreamBeats(vector: readonly (number | bigint)[], beat: number, bits: number): StreamBeat[] {
  const beats = ceilDiv(vector.length, beat);
  return Array.from({ length: beats }, (_, b) => ({
    data: packValues(vector.slice(b * beat, (b + 1) * beat), bits),
    last: b === beats - 1,
  }));
}

/** The vector a vector stream carries (the inverse of vectorStreamBeats). */
export function vectorFromBeats(beats: readonly StreamBeat[], length: number, beat: number, bits: number, signed: boolean): bigint[] {
  return beats.flatMap((b, i) => unpackValues(b.data, bits, Math.min(beat, length - i * beat), signed));
}

/**
 * The layer engine's m_axis_out for one vector's results: `lanes` slots of `slotBits` per beat,
 * slot i of beat b is channel `b*lanes + i`, sign-extended to the slot; slots past N zero; `tlast`
 * on the vector's last beat (docs/ARCHITECTURE.md, "Interfaces").
 */
export function layerResultBeats(results: readonly (number | bigint)[], lanes: number, slotBits: number): StreamBeat[] {
  return vectorStreamBeats(results, lanes, slotBits);
}

/** Random streams of the stream blocks' test data (docs/STREAMS.md); the testbench's LFSRs use 97 and 98. */
export const STREAM_DATA_STREAM = 96;

/** A uniform integer in [min, max] (max - min < 2^32) from a testRandom source. */
export function drawInRange(rng: { below(n: number): number }, min: number, max: number): number {
  return min + rng.below(max - min + 1);
}

/** A uniform `bits`-bit word from a testRandom source (32 bits per draw, low words first). */
export function drawWord(rng: { nextUint32(): number }, bits: number): bigint {
  let word = 0n;
  for (let at = 0; at < bits; at += 32) word |= BigInt(rng.nextUint32()) << BigInt(at);
  return word & ((1n << BigInt(bits)) - 1n);
}
