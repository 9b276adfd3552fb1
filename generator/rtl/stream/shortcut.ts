/**
 * `generateShortcut`: option A of a ResNet shortcut on a feature-map stream (docs/STREAMS.md,
 * "Shortcut"): every stride-th row and column kept, the channels placed at an offset among zero
 * channels, as core/netops.ts's shortcut computes it. One whole pixel per beat in and out.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { shortcut } from '../../core/netops.js';
import { byteBits, featureMapBeats } from '../../core/streams.js';
import { drawFeatureMaps, resolveFeatureMap } from './maxpool.js';
import { featureMapDescription } from './testbench.js';
import { blockHeader, blockModuleName, blockRtl, blockView, commonSettings, counterView, FAST_IMAGES, literal, packageStreamBlock, type BlockFigures, type StreamBlockCommonOptions, type StreamBlockDesign } from './package.js';

export interface ShortcutOptions extends StreamBlockCommonOptions {
  /** The input feature map h x w x c, one pixel (c values) per beat. */
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly bits: number;
  readonly signed?: boolean;
  /** 1 or 2. */
  readonly stride: number;
  /** Output channels (at least c); the input's channel k becomes offset + k. */
  readonly channels: number;
  /** Default floor((channels - c) / 2). */
  readonly offset?: number;
}

export interface ShortcutConfig {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly bits: number;
  readonly signed: boolean;
  readonly stride: number;
  readonly channels: number;
  readonly offset: number;
  readonly ho: number;
  readonly wo: number;
}

export function resolveShortcut(o: ShortcutOptions): ShortcutConfig {
  const s = resolveFeatureMap({ h: o.h, w: o.w, c: o.c, p: o.c, bits: o.bits, signed: o.signed ?? false });
  const stride = requireInteger('stride', o.stride, 1, 2);
  const channels = requireInteger('channels', o.channels, s.c, 65536, `an integer from c = ${s.c} to 65536`);
  const offset = requireInteger('offset', o.offset ?? Math.floor((channels - s.c) / 2), 0, channels - s.c, `an integer from 0 to channels - c = ${channels - s.c}`);
  if (channels * s.bits > 8192) throw new InputError('channels', `a pixel of ${channels} values of ${s.bits} bits is wider than 8192 bits`);
  return { h: s.h, w: s.w, c: s.c, bits: s.bits, signed: s.signed, stride, channels, offset, ho: Math.ceil(s.h / stride), wo: Math.ceil(s.w / stride) };
}

/** One input beat per cycle; the output register; 1 cycle of latency. */
export function shortcutFigures(c: ShortcutConfig): BlockFigures {
  return { idealCyclesPerImage: c.h * c.w, bufferBits: c.c * c.bits, latencyBound: 1 };
}

export function generateShortcut(options: ShortcutOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const c = resolveShortcut(options);
  const config = { kind: 'stream-shortcut', ...c, ...settings };
  const top = blockModuleName(settings, `flexor_shortcut_${c.h}x${c.w}x${c.c}_s${c.stride}_c${c.channels}`);
  const figures = shortcutFigures(c);
  const header = blockHeader('generateShortcut', config, [
    `Option A shortcut: ${c.h} x ${c.w} x ${c.c} to ${c.ho} x ${c.wo} x ${c.channels} (stride ${c.stride}, channels at ${c.offset}..${c.offset + c.c - 1}), ${c.bits}-bit values, a pixel per beat.`,
  ]);
  const row = counterView(c.h);
  const col = counterView(c.w);
  const valueBits = c.c * c.bits;
  const inBeatBits = byteBits(valueBits);
  const outBeatBits = byteBits(c.channels * c.bits);
  const high = outBeatBits - (c.offset + c.c) * c.bits;
  const low = c.offset * c.bits;
  const keepExpr = c.stride === 1 ? "1'b1" : 'row_q[0] == 1\'b0 && col_q[0] == 1\'b0';
  const unused = ['s_axis_fm_tlast', ...(inBeatBits > valueBits ? [`s_axis_fm_tdata[${inBeatBits - 1}:${valueBits}]`] : [])];
  const view = {
    ...blockView(settings, header, top, [{ name: 'H', value: c.h }, { name: 'W', value: c.w }]),
    ...c,
    offsetEnd: c.offset + c.c - 1,
    row, col, valueBits, inBeatBits, outBeatBits,
    lastKeptRow: literal(row.bits, (c.ho - 1) * c.stride),
    lastKeptCol: literal(col.bits, (c.wo - 1) * c.stride),
    keepExpr,
    unusedExpr: `^{${unused.join(', ')}}`,
    outData: `{${[...(high > 0 ? [`${high}'d0`] : []), 'data_q', ...(low > 0 ? [`${low}'d0`] : [])].join(', ')}}`,
  };
  const shape = { h: c.h, w: c.w, c: c.c, p: c.c, bits: c.bits, signed: c.signed };
  const images = drawFeatureMaps(shape, settings.seed, settings.stallImages + FAST_IMAGES).map((fm) => {
    const out = shortcut(Int32Array.from(fm.values), { h: c.h, w: c.w, c: c.c }, c.stride, c.channels, c.offset);
    return { input: featureMapBeats(fm, c.c, c.bits), output: featureMapBeats({ h: c.ho, w: c.wo, c: c.channels, values: Array.from(out) }, c.channels, c.bits) };
  });
  return packageStreamBlock({
    kind: 'stream-shortcut',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'shortcut', view)],
    testbench: {
      input: { prefix: 's_axis_fm', dataBits: inBeatBits },
      output: { prefix: 'm_axis_fm', dataBits: outBeatBits },
      images,
      describeBeat: featureMapDescription(c.wo, c.channels, c.channels),
    },
    description: `Option A shortcut, ${c.h}x${c.w}x${c.c} to ${c.ho}x${c.wo}x${c.channels}`,
    summary: [`Shortcut (option A): ${c.h} x ${c.w} x ${c.c} in, ${c.ho} x ${c.wo} x ${c.channels} out (stride ${c.stride}, input channels at ${c.offset}..${c.offset + c.c - 1}, the others 0), ${c.bits}-bit values, one pixel per beat.`],
    figures,
    details: { ports: { in: 's_axis_fm', out: 'm_axis_fm' } },
  });
}
