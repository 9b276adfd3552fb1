/**
 * `generateWidthConverter`: a feature-map stream of beat `from` to the same feature map at beat
 * `to` (docs/STREAMS.md, "Width converter"): each pixel's C channels re-cut into beats, through a
 * buffer of from + to - 1 values.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { rebeat } from '../../core/reshape.js';
import { byteBits, ceilDiv, featureMapBeats } from '../../core/streams.js';
import { clog2 } from '../hdl.js';
import type { HeaderView } from '../design.js';
import { drawFeatureMaps, resolveFeatureMap, type FeatureMapShape } from './maxpool.js';
import { featureMapDescription } from './testbench.js';
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
  type BlockFigures,
  type CommonSettings,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';

export interface WidthConverterOptions extends StreamBlockCommonOptions {
  /** The feature map: h x w x c (h * w pixels per image; tlast on the last). */
  readonly h: number;
  readonly w: number;
  readonly c: number;
  /** Values per beat in and out: each 1 to C. */
  readonly from: number;
  readonly to: number;
  /** Bits of a value (1 to 32); signedness does not matter here (values move unchanged). */
  readonly bits: number;
}

export interface WidthConverterConfig {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly from: number;
  readonly to: number;
  readonly bits: number;
}

export function resolveWidthConverter(options: WidthConverterOptions): WidthConverterConfig {
  const shape = resolveFeatureMap({ h: options.h, w: options.w, c: options.c, p: options.from, bits: options.bits, signed: false });
  const to = requireInteger('to', options.to, 1, shape.c, `an integer from 1 to c = ${shape.c}`);
  if (options.from === undefined) throw new InputError('from', 'is required');
  return { h: shape.h, w: shape.w, c: shape.c, from: shape.p, to, bits: shape.bits };
}

/**
 * Figures: h*w*max(ceil(C/from), ceil(C/to)) cycles per image; the buffer of from + to - 1 values
 * and the output register; after the last beat in at most ceil(L/to) + 1 beats out (the buffer's
 * values, cut at one pixel boundary) and one cycle of register.
 */
export function widthConverterFigures(c: WidthConverterConfig): BlockFigures {
  const held = c.from + c.to - 1;
  return {
    idealCyclesPerImage: c.h * c.w * Math.max(ceilDiv(c.c, c.from), ceilDiv(c.c, c.to)),
    bufferBits: (held + c.to) * c.bits,
    latencyBound: ceilDiv(held, c.to) + 2,
  };
}

/** What templates/stream/width.hbs prints: the buffer's widths and sized constants. */
function widthView(settings: CommonSettings, header: HeaderView, top: string, c: WidthConverterConfig) {
  const held = c.from + c.to - 1;
  const pixels = c.h * c.w;
  const inBeatBits = byteBits(c.from * c.bits);
  const outBeatBits = byteBits(c.to * c.bits);
  const countBits = clog2(Math.max(held, c.c) + 1);
  const shiftBits = Math.max(countBits, clog2(held * c.bits + 1));
  const count = (v: number) => literal(countBits, v);
  const inPad = inBeatBits - c.from * c.bits;
  const outPad = outBeatBits - c.to * c.bits;
  const bitsShift = literal(shiftBits, c.bits);
  return {
    ...blockView(settings, header, top, [
      { name: 'C', value: c.c },
      { name: 'PI', value: c.from },
      { name: 'PO', value: c.to },
      { name: 'B', value: c.bits },
      { name: 'PIXELS', value: pixels },
    ]),
    ...c,
    pixels,
    held,
    countBits,
    shiftBits,
    inBeatBits,
    outBeatBits,
    toCount: count(c.to),
    fromCount: count(c.from),
    lastInCount: count(c.c - (ceilDiv(c.c, c.from) - 1) * c.from),
    room: count(held - c.from),
    channels: count(c.c),
    countZero: count(0),
    ibeat: counterView(ceilDiv(c.c, c.from)),
    pixel: counterView(pixels),
    need: 'left_q < PO_N ? left_q : PO_N',
    pixelDone: 'need == left_q',
    bitsShift,
    extendNeed: extendExpression('need', countBits, shiftBits, false),
    extendKept: extendExpression('kept', countBits, shiftBits, false),
    extendIn: extendExpression('in_values', c.from * c.bits, held * c.bits, false),
    valueZero: literal(c.bits, 0),
    unusedIn: inPad > 0 ? `^{s_axis_fm_tlast, s_axis_fm_tdata[${inBeatBits - 1}:${c.from * c.bits}]}` : 's_axis_fm_tlast',
    outData: outPad > 0 ? `{${literal(outPad, 0)}, out_q}` : 'out_q',
  };
}

export function generateWidthConverter(options: WidthConverterOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const c = resolveWidthConverter(options);
  const config = { kind: 'stream-width', ...c, ...settings };
  const held = c.from + c.to - 1;
  const inBeatBits = byteBits(c.from * c.bits);
  const outBeatBits = byteBits(c.to * c.bits);
  const top = blockModuleName(settings, `flexor_width_${c.h}x${c.w}x${c.c}_p${c.from}to${c.to}_b${c.bits}`);
  const figures = widthConverterFigures(c);
  const what = `Width converter: ${c.h} x ${c.w} x ${c.c} of ${c.bits}-bit values, ${c.from} per beat in, ${c.to} per beat out; each pixel starts a new beat.`;
  const header = blockHeader('generateWidthConverter', config, [what]);
  const view = widthView(settings, header, top, c);
  const shape: FeatureMapShape = { h: c.h, w: c.w, c: c.c, p: c.from, bits: c.bits, signed: false };
  const maps = drawFeatureMaps(shape, settings.seed, settings.stallImages + FAST_IMAGES);
  const images = maps.map((fm) => {
    const input = featureMapBeats(fm, c.from, c.bits);
    return { input, output: rebeat(input, fm, c.from, c.to, c.bits) };
  });
  return packageStreamBlock({
    kind: 'stream-width',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'width', view)],
    testbench: {
      input: { prefix: 's_axis_fm', dataBits: inBeatBits },
      output: { prefix: 'm_axis_fm', dataBits: outBeatBits },
      images,
      describeBeat: featureMapDescription(c.w, c.c, c.to),
    },
    description: `Width converter ${c.from} to ${c.to} values per beat, ${c.c} channels`,
    summary: [what, `Buffer: ${held} values of ${c.bits} bits (from + to - 1) and the output register.`],
    figures,
    details: { ports: { in: 's_axis_fm', out: 'm_axis_fm' }, bufferValues: held, inBeatBits, outBeatBits },
  });
}
