/**
 * `generateFlatten`: a feature map H x W x C (raster order, channels fastest, beat P) to one
 * vector of K = C*H*W values in PyTorch's (c, h, w) order (beat S, the layer engine's s_axis_act),
 * through two halves of K values in NB banks (docs/STREAMS.md, "Flatten").
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { flatten } from '../../core/reshape.js';
import { byteBits, ceilDiv, featureMapBeats, vectorStreamBeats } from '../../core/streams.js';
import { clog2 } from '../hdl.js';
import type { HeaderView } from '../design.js';
import { drawFeatureMaps, resolveFeatureMap, type FeatureMapOptions, type FeatureMapShape } from './maxpool.js';
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
  packedConstant,
  type BlockFigures,
  type CommonSettings,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';

/** Largest K = C*H*W the flatten block takes. */
export const MAX_FLATTEN_K = 1 << 20;

export interface FlattenOptions extends StreamBlockCommonOptions, FeatureMapOptions {
  /** Values per beat out: 1 to K. */
  readonly s: number;
  /** Bits of a value out (a signed activation): bits (signed) or bits + 1 (unsigned) by default, up to 32. */
  readonly outBits?: number;
}

export interface FlattenConfig extends FeatureMapShape {
  readonly s: number;
  readonly outBits: number;
}

export function resolveFlatten(options: FlattenOptions): FlattenConfig {
  const shape = resolveFeatureMap(options);
  const k = shape.c * shape.h * shape.w;
  if (k > MAX_FLATTEN_K) throw new InputError('c', `c * h * w must be at most ${MAX_FLATTEN_K}; got ${k}`);
  const s = requireInteger('s', options.s, 1, k, `an integer from 1 to K = c * h * w = ${k}`);
  const least = shape.signed ? shape.bits : shape.bits + 1;
  const outBits = requireInteger('outBits', options.outBits ?? least, least, 32, `an integer from ${least} (every ${shape.signed ? 'signed' : 'unsigned'} ${shape.bits}-bit value as a signed one) to 32`);
  return { ...shape, s, outBits };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The bank count: the least NB >= max(S, P) with NB / gcd(NB, H*W) >= P, so that S consecutive
 * elements and the P elements of a beat (H*W apart) each fall in distinct banks.
 */
export function flattenBanks(hw: number, p: number, s: number): number {
  let nb = Math.max(s, p);
  while (nb / gcd(nb, hw) < p) nb++;
  return nb;
}

/** The plan: banks, entries per half, beats in and out per image. */
export function planFlatten(c: FlattenConfig) {
  const hw = c.h * c.w;
  const k = c.c * hw;
  const banks = flattenBanks(hw, c.p, c.s);
  const depth = ceilDiv(k, banks);
  return { hw, k, banks, depth, inBeats: hw * ceilDiv(c.c, c.p), outBeats: ceilDiv(k, c.s) };
}

/**
 * Figures: max(beats in, beats out) cycles per image; two halves of NB * D values and the output
 * register; the last beat out at most R + 1 cycles after the last beat in when the read side is
 * idle, R - I + 2 more when it still drains the previous image (R beats out, I beats in).
 */
export function flattenFigures(c: FlattenConfig): BlockFigures {
  const f = planFlatten(c);
  return {
    idealCyclesPerImage: Math.max(f.inBeats, f.outBeats),
    bufferBits: 2 * f.banks * f.depth * c.bits + c.s * c.outBits,
    latencyBound: f.outBeats + 1 + Math.max(0, f.outBeats - f.inBeats + 2),
  };
}

/** What templates/stream/flatten.hbs prints: widths, the banks' constants, sized literals. */
function flattenView(settings: CommonSettings, header: HeaderView, top: string, c: FlattenConfig) {
  const f = planFlatten(c);
  const bpp = ceilDiv(c.c, c.p);
  const inBeatBits = byteBits(c.p * c.bits);
  const outBeatBits = byteBits(c.s * c.outBits);
  const bankBits = clog2(f.banks) + 1;
  const addrBits = Math.max(1, clog2(2 * f.depth));
  const entry = (v: number) => literal(addrBits, v);
  const bank = (v: number) => literal(bankBits, v);
  const one = (cond: string) => `(${cond} ? ${entry(1)} : ${entry(0)})`;
  const inPad = inBeatBits - c.p * c.bits;
  const outPad = outBeatBits - c.s * c.outBits;
  const lastLanes = c.c - (bpp - 1) * c.p;
  const lastSlots = f.k - (f.outBeats - 1) * c.s;
  return {
    ...blockView(settings, header, top, [
      { name: 'H', value: c.h },
      { name: 'W', value: c.w },
      { name: 'C', value: c.c },
      { name: 'P', value: c.p },
      { name: 'S', value: c.s },
      { name: 'B', value: c.bits },
      { name: 'A', value: c.outBits },
      { name: 'NB', value: f.banks },
      { name: 'D', value: f.depth },
    ]),
    ...c,
    signText: c.signed ? 'signed' : 'unsigned',
    extendText: c.signed ? 'sign-extended' : 'zero-extended',
    banks: f.banks,
    depth: f.depth,
    inBeatBits,
    outBeatBits,
    bankBits,
    addrBits,
    banksLiteral: bank(f.banks),
    halfLiteral: entry(f.depth),
    beat: counterView(bpp),
    pixel: counterView(f.hw),
    rbeat: counterView(f.outBeats),
    laneBankLiteral: packedConstant(Array.from({ length: c.p }, (_, i) => (i * f.hw) % f.banks), bankBits, 4),
    laneEntryLiteral: packedConstant(Array.from({ length: c.p }, (_, i) => Math.floor((i * f.hw) / f.banks)), addrBits, 4),
    lastLanes,
    lastSlots,
    stepBank: bank((c.p * f.hw) % f.banks),
    stepEntry: entry(Math.floor((c.p * f.hw) / f.banks)),
    readBank: bank(c.s % f.banks),
    readEntry: entry(Math.floor(c.s / f.banks)),
    bankZero: bank(0),
    bankOne: bank(1),
    entryZero: entry(0),
    valueZero: literal(c.bits, 0),
    slotZero: literal(c.outBits, 0),
    entryWrap: one('wrap'),
    readWrap: one('ID < r_bank_q'),
    pEntryWrap: one('p_bank_next == NBANKS'),
    kStepWrap: one('k_bank_step >= NBANKS'),
    rStepWrap: one('r_bank_step >= NBANKS'),
    extendValue: extendExpression('value', c.bits, c.outBits, c.signed),
    unusedIn: inPad > 0 ? `^{s_axis_fm_tlast, s_axis_fm_tdata[${inBeatBits - 1}:${c.p * c.bits}]}` : 's_axis_fm_tlast',
    outData: outPad > 0 ? `{${literal(outPad, 0)}, out_q}` : 'out_q',
  };
}

export function generateFlatten(options: FlattenOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const c = resolveFlatten(options);
  const config = { kind: 'stream-flatten', ...c, ...settings };
  const f = planFlatten(c);
  const inBeatBits = byteBits(c.p * c.bits);
  const outBeatBits = byteBits(c.s * c.outBits);
  const sign = c.signed ? 's' : 'u';
  const top = blockModuleName(settings, `flexor_flatten_${c.h}x${c.w}x${c.c}_p${c.p}_s${c.s}_${sign}${c.bits}a${c.outBits}`);
  const figures = flattenFigures(c);
  const what = `Flatten: ${c.h} x ${c.w} x ${c.c} (${c.signed ? 'signed' : 'unsigned'} ${c.bits}-bit values, ${c.p} per beat) to K = ${f.k} values in (c, h, w) order, ${c.s} per beat, ${c.outBits}-bit signed.`;
  const header = blockHeader('generateFlatten', config, [what]);
  const view = flattenView(settings, header, top, c);
  const maps = drawFeatureMaps(c, settings.seed, settings.stallImages + FAST_IMAGES);
  const images = maps.map((fm) => ({ input: featureMapBeats(fm, c.p, c.bits), output: vectorStreamBeats(flatten(fm), c.s, c.outBits) }));
  return packageStreamBlock({
    kind: 'stream-flatten',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'flatten', view)],
    testbench: {
      input: { prefix: 's_axis_fm', dataBits: inBeatBits },
      output: { prefix: 'm_axis_act', dataBits: outBeatBits },
      images,
      describeBeat: {
        format: 'elements %0d..%0d, the first at (c, h, w) = (%0d, %0d, %0d)',
        values: (beat) => {
          const k0 = beat * c.s;
          return [k0, Math.min(f.k, k0 + c.s) - 1, Math.floor(k0 / f.hw), Math.floor((k0 % f.hw) / c.w), k0 % c.w];
        },
      },
      watchdogCycles: Math.max(1000, 4 * figures.latencyBound),
    },
    description: `Flatten ${c.h}x${c.w}x${c.c} to K=${f.k}, beat ${c.p} in, ${c.s} out`,
    summary: [what, `Buffer: two halves of ${f.depth} entries in ${f.banks} banks of ${c.bits}-bit values (${2 * f.banks * f.depth * c.bits} bits for 2 x ${f.k} values).`],
    figures,
    details: { ports: { in: 's_axis_fm', out: 'm_axis_act' }, plan: f, inBeatBits, outBeatBits },
  });
}
