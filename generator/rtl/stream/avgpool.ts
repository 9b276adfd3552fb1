/**
 * `generateAvgPool`: global average pool H x W x C -> 1 x 1 x C on a feature-map stream
 * (docs/STREAMS.md, "Global average pool"): per-channel sums in LUT RAM, then
 * `floor((sum * M + 2^(S-1)) / 2^S)` with a multiplier and shift that make it
 * `round_half_up(sum / (H*W))` for every sum in range.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { dividerIsExact, findAverageDivider, globalAveragePool, MAX_DIVIDER_SHIFT, type AverageDivider } from '../../core/pool.js';
import { testRandom } from '../../core/prng.js';
import { byteBits, ceilDiv, drawInRange, featureMapBeats, makeFeatureMap, STREAM_DATA_STREAM, valueRange, type FeatureMap } from '../../core/streams.js';
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
  rangeBits,
  type BlockFigures,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';

export interface AvgPoolOptions extends StreamBlockCommonOptions, FeatureMapOptions {
  /** M and S of the division; both or neither (then the smallest exact pair is searched). */
  readonly multiplier?: number;
  readonly shift?: number;
}

export interface AvgPoolConfig extends FeatureMapShape {
  readonly multiplier: number;
  readonly shift: number;
}

/** The range of a channel's sum of H*W values. */
export function sumRange(s: FeatureMapShape): { min: number; max: number } {
  const { min, max } = valueRange(s.bits, s.signed);
  return { min: s.h * s.w * min, max: s.h * s.w * max };
}

export function resolveAvgPool(options: AvgPoolOptions): AvgPoolConfig {
  const shape = resolveFeatureMap(options);
  const n = shape.h * shape.w;
  if (n > 1 << 20) throw new InputError('h', `h * w must be at most 1048576; got ${n}`);
  const sums = sumRange(shape);
  let divider: AverageDivider | undefined;
  if (options.multiplier === undefined && options.shift === undefined) {
    divider = findAverageDivider(n, sums.min, sums.max);
    if (divider === undefined) {
      throw new InputError(
        'signed',
        `no multiplier M and shift S <= ${MAX_DIVIDER_SHIFT} make floor((sum * M + 2^(S-1)) / 2^S) equal round_half_up(sum / ${n}) for every sum in [${sums.min}, ${sums.max}]` +
          (shape.signed && n % 2 === 0 ? `: with signed values, h * w = ${n} must be odd or a power of two` : ''),
      );
    }
  } else {
    if (options.multiplier === undefined || options.shift === undefined) throw new InputError(options.multiplier === undefined ? 'multiplier' : 'shift', 'multiplier and shift go together: give both or neither');
    const shift = requireInteger('shift', options.shift, 0, MAX_DIVIDER_SHIFT);
    const multiplier = requireInteger('multiplier', options.multiplier, 1, 2 ** (MAX_DIVIDER_SHIFT + 1));
    divider = { multiplier, shift };
    if (!dividerIsExact(divider, n, sums.min, sums.max)) {
      throw new InputError('multiplier', `M = ${multiplier}, S = ${shift}: floor((sum * M + 2^(S-1)) / 2^S) differs from round_half_up(sum / ${n}) for some sum in [${sums.min}, ${sums.max}]`);
    }
  }
  return { ...shape, multiplier: divider.multiplier, shift: divider.shift };
}

/** Widths: the exact sum, and sum * M + 2^(S-1) (at least S + B bits, so that x[S +: B] exists). */
export function avgPoolWidths(c: AvgPoolConfig): { sumBits: number; productBits: number } {
  const sums = sumRange(c);
  const half = c.shift > 0 ? 1n << BigInt(c.shift - 1) : 0n;
  const m = BigInt(c.multiplier);
  const sumBits = rangeBits(BigInt(sums.min), BigInt(sums.max), c.signed);
  const productBits = Math.max(c.shift + c.bits, rangeBits(BigInt(sums.min) * m + half, BigInt(sums.max) * m + half, c.signed));
  return { sumBits, productBits };
}

/** Figures: one beat per cycle; BPP entries of P sums (none for H*W = 1) and the output register. */
export function avgPoolFigures(c: AvgPoolConfig): BlockFigures {
  const bpp = ceilDiv(c.c, c.p);
  const sums = c.h * c.w > 1 ? bpp * c.p * avgPoolWidths(c).sumBits : 0;
  return { idealCyclesPerImage: c.h * c.w * bpp, bufferBits: sums + c.p * c.bits, latencyBound: 1 };
}

/**
 * Seeded feature maps: image 0 has every channel at one extreme (even channels the maximum, odd
 * ones the minimum: the extreme sums), the others uniform values.
 */
function drawAvgMaps(s: FeatureMapShape, seed: number, images: number): FeatureMap[] {
  const rng = testRandom(seed, STREAM_DATA_STREAM);
  const { min, max } = valueRange(s.bits, s.signed);
  return Array.from({ length: images }, (_, image) => makeFeatureMap(s.h, s.w, s.c, (_y, _x, ch) => (image === 0 ? (ch % 2 === 0 ? max : min) : drawInRange(rng, min, max))));
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
  const what = `Global average pool: ${c.h} x ${c.w} x ${c.c} -> 1 x 1 x ${c.c}, ${c.signed ? 'signed' : 'unsigned'} ${c.bits}-bit values, ${c.p} per beat; avg = floor((sum * ${c.multiplier} + ${c.shift > 0 ? `2^${c.shift - 1}` : '0'}) / 2^${c.shift}) = round_half_up(sum / ${n}).`;
  const header = blockHeader('generateAvgPool', config, [what]);
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
    ]),
    ...c,
    signText: c.signed ? 'signed' : 'unsigned',
    halfText: c.shift > 0 ? '2^(S-1)' : '0',
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
    half: c.shift > 0,
    halfLiteral: c.shift > 0 ? literal(productBits, 1n << BigInt(c.shift - 1)) : '',
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
    summary: [what, `Sums: ${sumBits} bits, ${n > 1 ? `${bpp} entries of ${c.p} in LUT RAM` : 'no buffer (h * w = 1)'}; sum * M + 2^(S-1): ${productBits} bits.`],
    figures,
    details: { ports: { in: 's_axis_fm', out: 'm_axis_fm' }, divider: { multiplier: c.multiplier, shift: c.shift }, sumBits, productBits, beatBits },
  });
}
