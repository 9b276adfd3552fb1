/**
 * `generateMaxPool`: max pool k x k, stride k, on a feature-map stream (docs/STREAMS.md, "Max
 * pool"), one input beat per cycle, one row of partial maxima in LUT RAM.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { maxPool } from '../../core/pool.js';
import { testRandom } from '../../core/prng.js';
import { byteBits, ceilDiv, drawInRange, featureMapBeats, makeFeatureMap, STREAM_DATA_STREAM, valueRange, type FeatureMap } from '../../core/streams.js';
import { featureMapDescription } from './testbench.js';
import { clog2 } from '../hdl.js';
import {
  blockHeader,
  blockModuleName,
  blockRtl,
  blockView,
  commonSettings,
  counterView,
  FAST_IMAGES,
  literal,
  packageStreamBlock,
  type BlockFigures,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';

/** Largest height, width and channel count the feature-map blocks take. */
export const MAX_FM_SIDE = 4096;
export const MAX_FM_CHANNELS = 65536;

/** A feature map's shape and values, as the feature-map blocks take them. */
export interface FeatureMapOptions {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  /** Values per beat: 1 to C. */
  readonly p: number;
  /** Bits of a value: 2 to 32 signed, 1 to 32 unsigned. */
  readonly bits: number;
  /** Two's complement (default) or unsigned (after a ReLU). */
  readonly signed?: boolean;
}

export interface FeatureMapShape {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly p: number;
  readonly bits: number;
  readonly signed: boolean;
}

/** Checks a feature map's options, naming the field at fault. */
export function resolveFeatureMap(o: FeatureMapOptions): FeatureMapShape {
  const h = requireInteger('h', o.h, 1, MAX_FM_SIDE);
  const w = requireInteger('w', o.w, 1, MAX_FM_SIDE);
  const c = requireInteger('c', o.c, 1, MAX_FM_CHANNELS);
  const p = requireInteger('p', o.p, 1, c, `an integer from 1 to c = ${c}`);
  const signed = o.signed ?? true;
  if (typeof signed !== 'boolean') throw new InputError('signed', `must be true or false; got ${String(signed)}`);
  const bits = requireInteger('bits', o.bits, signed ? 2 : 1, 32, `an integer from ${signed ? 2 : 1} to 32${signed ? ' (signed)' : ''}`);
  return { h, w, c, p, bits, signed };
}

/**
 * Seeded feature maps: image 0 holds only the two extremes of the range (ties, and windows all at
 * the minimum), the others uniform values.
 */
export function drawFeatureMaps(s: FeatureMapShape, seed: number, images: number): FeatureMap[] {
  const rng = testRandom(seed, STREAM_DATA_STREAM);
  const { min, max } = valueRange(s.bits, s.signed);
  return Array.from({ length: images }, (_, image) =>
    makeFeatureMap(s.h, s.w, s.c, () => (image === 0 ? (rng.coin() ? max : min) : drawInRange(rng, min, max))),
  );
}

export interface MaxPoolOptions extends StreamBlockCommonOptions, FeatureMapOptions {
  /** Window side and stride: 1 to min(H, W). */
  readonly k: number;
}

export interface MaxPoolConfig extends FeatureMapShape {
  readonly k: number;
}

export function resolveMaxPool(options: MaxPoolOptions): MaxPoolConfig {
  const shape = resolveFeatureMap(options);
  const k = requireInteger('k', options.k, 1, Math.min(shape.h, shape.w), `an integer from 1 to min(h, w) = ${Math.min(shape.h, shape.w)}`);
  return { ...shape, k };
}

/**
 * Figures: one beat per cycle; a row of partial maxima (WO * BPP entries of P values; none for
 * k = 1) and the output register; the result leaves one cycle after the beat that completes it.
 */
export function maxPoolFigures(c: MaxPoolConfig): BlockFigures {
  const bpp = ceilDiv(c.c, c.p);
  const wo = Math.floor(c.w / c.k);
  const row = c.k > 1 ? wo * bpp * c.p * c.bits : 0;
  return { idealCyclesPerImage: c.h * c.w * bpp, bufferBits: row + c.p * c.bits, latencyBound: 1 };
}

/** The row and window-column counters' end conditions, with the rows and columns past HO*K and WO*K. */
function windowConditions(c: MaxPoolConfig) {
  const ho = Math.floor(c.h / c.k);
  const wo = Math.floor(c.w / c.k);
  const colRest = c.w - wo * c.k;
  const rowRest = c.h - ho * c.k;
  const woCount = counterView(wo + (colRest > 0 ? 1 : 0));
  const hoCount = counterView(ho + (rowRest > 0 ? 1 : 0));
  const kCount = counterView(c.k);
  const inWindow = [colRest > 0 ? 'wo_q != REST_WO' : '', rowRest > 0 ? 'ho_q != REST_HO' : ''].filter(Boolean);
  return {
    ho,
    wo,
    colRest: colRest > 0,
    rowRest: rowRest > 0,
    restWo: colRest > 0 ? literal(woCount.bits, wo) : '',
    restHo: rowRest > 0 ? literal(hoCount.bits, ho) : '',
    lastRestX: colRest > 0 ? literal(kCount.bits, colRest - 1) : '',
    lastRestY: rowRest > 0 ? literal(kCount.bits, rowRest - 1) : '',
    kx: kCount,
    ky: kCount,
    woCount,
    hoCount,
    rowEnd: colRest > 0 ? 'wo_q == REST_WO && kx_q == LAST_REST_X' : 'wo_q == LAST_WO && kx_q == LAST_KX',
    imageEnd: rowRest > 0 ? 'ho_q == REST_HO && ky_q == LAST_REST_Y' : 'ho_q == LAST_HO && ky_q == LAST_KY',
    inWindow: inWindow.length > 0 ? inWindow.join(' && ') : "1'b1",
  };
}

export function generateMaxPool(options: MaxPoolOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const c = resolveMaxPool(options);
  const config = { kind: 'stream-maxpool', ...c, ...settings };
  const bpp = ceilDiv(c.c, c.p);
  const beatBits = byteBits(c.p * c.bits);
  const sign = c.signed ? 's' : 'u';
  const top = blockModuleName(settings, `flexor_maxpool${c.k}_${c.h}x${c.w}x${c.c}_p${c.p}_${sign}${c.bits}`);
  const figures = maxPoolFigures(c);
  const win = windowConditions(c);
  const what = `Max pool ${c.k} x ${c.k}, stride ${c.k}: ${c.h} x ${c.w} x ${c.c} -> ${win.ho} x ${win.wo} x ${c.c}, ${c.signed ? 'signed' : 'unsigned'} ${c.bits}-bit values, ${c.p} per beat.`;
  const header = blockHeader('generateMaxPool', config, [what]);
  const memDepth = win.wo * bpp;
  const addrBits = Math.max(1, clog2(memDepth));
  const pad = beatBits - c.p * c.bits;
  const view = {
    ...blockView(settings, header, top, [
      { name: 'H', value: c.h },
      { name: 'W', value: c.w },
      { name: 'C', value: c.c },
      { name: 'P', value: c.p },
      { name: 'K', value: c.k },
      { name: 'B', value: c.bits },
    ]),
    ...c,
    ...win,
    wo: win.woCount,
    ho: win.hoCount,
    lastWo: literal(win.woCount.bits, win.wo - 1),
    lastHo: literal(win.hoCount.bits, win.ho - 1),
    signText: c.signed ? 'signed' : 'unsigned',
    beatBits,
    beat: counterView(bpp),
    buffered: c.k > 1,
    memDepth,
    addrBits,
    addrZero: literal(addrBits, 0),
    addrOne: literal(addrBits, 1),
    addrBack: bpp === 1 ? 'addr_q' : `addr_q - ${literal(addrBits, bpp - 1)}`,
    greater: c.signed ? '$signed(a) > $signed(m)' : 'a > m',
    unusedIn: pad > 0 ? `^{s_axis_fm_tlast, s_axis_fm_tdata[${beatBits - 1}:${c.p * c.bits}]}` : 's_axis_fm_tlast',
    outData: pad > 0 ? `{${literal(pad, 0)}, data_q}` : 'data_q',
  };
  const maps = drawFeatureMaps(c, settings.seed, settings.stallImages + FAST_IMAGES);
  const images = maps.map((fm) => ({ input: featureMapBeats(fm, c.p, c.bits), output: featureMapBeats(maxPool(fm, c.k), c.p, c.bits) }));
  return packageStreamBlock({
    kind: 'stream-maxpool',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'maxpool', view)],
    testbench: {
      input: { prefix: 's_axis_fm', dataBits: beatBits },
      output: { prefix: 'm_axis_fm', dataBits: beatBits },
      images,
      describeBeat: featureMapDescription(win.wo, c.c, c.p),
    },
    description: `Max pool ${c.k}x${c.k} on ${c.h}x${c.w}x${c.c}, beat ${c.p}`,
    summary: [what, `Buffer: ${c.k > 1 ? `${memDepth} entries of ${c.p} values (one row of partial maxima)` : 'none (k = 1)'}; ports s_axis_fm and m_axis_fm, ${beatBits} bits.`],
    figures,
    details: { ports: { in: 's_axis_fm', out: 'm_axis_fm' }, output: { h: win.ho, w: win.wo, c: c.c }, beatBits },
  });
}
