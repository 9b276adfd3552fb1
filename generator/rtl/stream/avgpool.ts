/**
 * `generateAvgPool`: global average pool H x W x C -> 1 x 1 x C on a feature-map stream
 * (docs/STREAMS.md, "Global average pool"): per-channel sums in LUT RAM, then
 * `floor((sum * M + R) / 2^S)` with the divider of core/pool.ts that makes it
 * `round_half_up(sum / (H*W))` for every sum in range.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { dividerIsExact, findAverageDivider, globalAveragePool, MAX_DIVIDER_SHIFT, roundInterval, type AverageDivider } from '../../core/pool.js';
import { testRandom } from '../../core/prng.js';
import { byteBits, ceilDiv, drawInRange, featureMapBeats, makeFeatureMap, STREAM_DATA_STREAM, valueRange, type FeatureMap } from '../../core/streams.js';
import { hdlKeywords, type Hdl } from '../hdl.js';
import { featureMapDescription } from './testbench.js';
import { resolveFeatureMap, type FeatureMapOptions, type FeatureMapShape } from './maxpool.js';
import {
  blockHeader,
  blockModuleName,
  blockRtl,
  blockView,
  commonSettings,
  counterView,
  extendExpression,
  FAST_IMAGES,
  literal,
  packageStreamBlock,
  parameterLiteral,
  rangeBits,
  type BlockFigures,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';

export interface AvgPoolOptions extends StreamBlockCommonOptions, FeatureMapOptions {
  /** M, S and R of the division; all three or none (then findAverageDivider's are taken). */
  readonly multiplier?: number;
  readonly shift?: number;
  readonly round?: number;
}

export interface AvgPoolConfig extends FeatureMapShape, AverageDivider {}

/** The range of a channel's sum of H*W values. */
export function sumRange(s: FeatureMapShape): { min: number; max: number } {
  const { min, max } = valueRange(s.bits, s.signed);
  return { min: s.h * s.w * min, max: s.h * s.w * max };
}

export function resolveAvgPool(options: AvgPoolOptions): AvgPoolConfig {
  const shape = resolveFeatureMap(options);
  const n = shape.h * shape.w;
  if (n > 1 << 20) throw new InputError('h', `h * w must be at most 1048576; got ${n}`);
  const { min, max } = valueRange(shape.bits, shape.signed);
  const given = [options.multiplier, options.shift, options.round];
  if (given.every((v) => v === undefined)) {
    const divider = findAverageDivider(n, min, max);
    if (divider === undefined) {
      throw new InputError('bits', `no floor((sum * M + R) / 2^S) with S <= ${MAX_DIVIDER_SHIFT} equals round_half_up(sum / ${n}) for every sum in [${n * min}, ${n * max}]`);
    }
    return { ...shape, ...divider };
  }
  return { ...shape, ...givenDivider(options, n, min, max) };
}

/** The divider of the options: all three fields, in range, exact (an InputError naming the field otherwise). */
function givenDivider(options: AvgPoolOptions, n: number, min: number, max: number): AverageDivider {
  const missing = (['multiplier', 'shift', 'round'] as const).find((f) => options[f] === undefined);
  if (missing !== undefined) throw new InputError(missing, 'multiplier, shift and round go together: give all three or none');
  const shift = requireInteger('shift', options.shift, 0, MAX_DIVIDER_SHIFT);
  const multiplier = requireInteger('multiplier', options.multiplier, 1, 2 ** (MAX_DIVIDER_SHIFT + 1));
  const round = requireInteger('round', options.round, 0, 2 ** shift - 1, `an integer from 0 to 2^shift - 1 = ${2 ** shift - 1}`);
  const divider = { multiplier, shift, round };
  if (dividerIsExact(divider, n, min, max)) return divider;
  const formula = `floor((sum * ${multiplier} + ${round}) / 2^${shift}) differs from round_half_up(sum / ${n}) for some sum in [${n * min}, ${n * max}]`;
  const works = roundInterval(n, min, max, multiplier, shift);
  if (works.low <= works.high) throw new InputError('round', `${formula}; with M = ${multiplier}, S = ${shift} the rounding constant must be from ${works.low} to ${works.high}`);
  throw new InputError('multiplier', `${formula}; no rounding constant works with M = ${multiplier}, S = ${shift}`);
}

/** Widths: the exact sum, and sum * M + R (at least S + B bits, so that x[S +: B] exists). */
export function avgPoolWidths(c: AvgPoolConfig): { sumBits: number; productBits: number } {
  const sums = sumRange(c);
  const [m, r] = [BigInt(c.multiplier), BigInt(c.round)];
  const sumBits = rangeBits(BigInt(sums.min), BigInt(sums.max), c.signed);
  const productBits = Math.max(c.shift + c.bits, rangeBits(BigInt(sums.min) * m + r, BigInt(sums.max) * m + r, c.signed));
  return { sumBits, productBits };
}

/** A parameter declaration's type and value: `int`/`integer` below 2^31, a sized vector above (M and R may be wider). */
function parameterDeclaration(hdl: Hdl, value: number): { type: string; value: string } {
  if (value < 2 ** 31) return { type: hdlKeywords(hdl).paramType, value: String(value) };
  return { type: `[${value.toString(2).length - 1}:0] `, value: parameterLiteral(value) };
}

/** Figures: one beat per cycle; BPP entries of P sums (none for H*W = 1) and the output register. */
export function avgPoolFigures(c: AvgPoolConfig): BlockFigures {
  const bpp = ceilDiv(c.c, c.p);
  const sums = c.h * c.w > 1 ? bpp * c.p * avgPoolWidths(c).sumBits : 0;
  return { idealCyclesPerImage: c.h * c.w * bpp, bufferBits: sums + c.p * c.bits, latencyBound: 1 };
}

/**
 * Seeded feature maps: image 0 has every channel at one extreme (even channels the maximum, odd
 * ones the minimum: the extreme sums); image 1 puts every channel next to a rounding tie, its sum
 * `n*a + floor(n/2)` (channels 0-3 of every 8) or `n*a + ceil(n/2)` (4-7), equal for an even n:
 * the average `a + 1/2` (a = -1 and 0 for the ties -1/2 and +1/2, then the extremes); the others
 * uniform values.
 */
function drawAvgMaps(s: FeatureMapShape, seed: number, images: number): FeatureMap[] {
  const rng = testRandom(seed, STREAM_DATA_STREAM);
  const { min, max } = valueRange(s.bits, s.signed);
  const n = s.h * s.w;
  const bases = [-1, 0, min, max - 1].map((a) => Math.min(Math.max(a, min), max - 1));
  const tie = (y: number, x: number, ch: number) => bases[ch % 4] + (y * s.w + x < (ch % 8 < 4 ? Math.floor(n / 2) : Math.ceil(n / 2)) ? 1 : 0);
  return Array.from({ length: images }, (_, image) =>
    makeFeatureMap(s.h, s.w, s.c, (y, x, ch) => (image === 0 ? (ch % 2 === 0 ? max : min) : image === 1 ? tie(y, x, ch) : drawInRange(rng, min, max))),
  );
}

export function generateAvgPool(options: AvgPoolOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const c = resolveAvgPool(options);
  const config = { kind: 'stream-avgpool', ...c, ...settings };
  const n = c.h * c.w;
  const bpp = ceilDiv(c.c, c.p);
  const beatBits = byteBits(c.p * c.bits);
  const { sumBits, productBits } = avgPoolWidths(c);
  const sign = c.signed ? 's' : 'u';
  const top = blockModuleName(settings, `flexor_gavgpool_${c.h}x${c.w}x${c.c}_p${c.p}_${sign}${c.bits}`);
  const figures = avgPoolFigures(c);
  const what = `Global average pool: ${c.h} x ${c.w} x ${c.c} -> 1 x 1 x ${c.c}, ${c.signed ? 'signed' : 'unsigned'} ${c.bits}-bit values, ${c.p} per beat.`;
  const division = `avg = floor((sum * ${c.multiplier} + ${c.round}) / 2^${c.shift}) = round_half_up(sum / ${n}).`;
  const header = blockHeader('generateAvgPool', config, [what, division]);
  const pad = beatBits - c.p * c.bits;
  const unusedX = [c.shift > 0 ? `x[${c.shift - 1}:0]` : '', productBits > c.shift + c.bits ? `x[${productBits - 1}:${c.shift + c.bits}]` : ''].filter(Boolean);
  const view = {
    ...blockView(settings, header, top, [
      { name: 'H', value: c.h },
      { name: 'W', value: c.w },
      { name: 'C', value: c.c },
      { name: 'P', value: c.p },
      { name: 'B', value: c.bits },
      { name: 'M', value: c.multiplier },
      { name: 'S', value: c.shift },
      { name: 'R', value: c.round },
    ]),
    ...c,
    signText: c.signed ? 'signed' : 'unsigned',
    beatBits,
    beats: bpp,
    sumBits,
    productBits,
    beat: counterView(bpp),
    pixel: counterView(n),
    accumulate: n > 1,
    memIndex: 'beat_q',
    extendA: extendExpression('a', c.bits, sumBits, c.signed),
    extendSum: extendExpression('sum', sumBits, productBits, c.signed),
    multiplierLiteral: literal(productBits, c.multiplier),
    multiplierParam: parameterDeclaration(settings.hdl, c.multiplier),
    roundParam: parameterDeclaration(settings.hdl, c.round),
    addRound: c.round > 0,
    roundLiteral: literal(productBits, c.round),
    unusedX: unusedX.length > 0 ? unusedX.join(', ') : false,
    unusedIn: pad > 0 ? `^{s_axis_fm_tlast, s_axis_fm_tdata[${beatBits - 1}:${c.p * c.bits}]}` : 's_axis_fm_tlast',
    outData: pad > 0 ? `{${literal(pad, 0)}, data_q}` : 'data_q',
  };
  const maps = drawAvgMaps(c, settings.seed, settings.stallImages + FAST_IMAGES);
  const images = maps.map((fm) => ({ input: featureMapBeats(fm, c.p, c.bits), output: featureMapBeats(globalAveragePool(fm, c), c.p, c.bits) }));
  return packageStreamBlock({
    kind: 'stream-avgpool',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'avgpool', view)],
    testbench: {
      input: { prefix: 's_axis_fm', dataBits: beatBits },
      output: { prefix: 'm_axis_fm', dataBits: beatBits },
      images,
      describeBeat: featureMapDescription(1, c.c, c.p),
    },
    description: `Global average pool on ${c.h}x${c.w}x${c.c}, beat ${c.p}`,
    summary: [`${what} ${division}`, `Sums: ${sumBits} bits, ${n > 1 ? `${bpp} entries of ${c.p} in LUT RAM` : 'no buffer (h * w = 1)'}; sum * M + R: ${productBits} bits.`],
    figures,
    details: { ports: { in: 's_axis_fm', out: 'm_axis_fm' }, divider: { multiplier: c.multiplier, shift: c.shift, round: c.round }, sumBits, productBits, beatBits },
  });
}
