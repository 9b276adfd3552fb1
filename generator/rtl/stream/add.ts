/**
 * `generateAdd`: the add (join) of a residual block (docs/STREAMS.md, "Add"): two feature-map
 * streams of one shape and beat in, their scaled sum out, exactly docs/NETWORK.md's add rule
 * (multipliers M_a, M_b, shift S, round half up, saturation, optional folded ReLU) as
 * core/netops.ts's addInt computes it.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { addInt, intRange } from '../../core/netops.js';
import { byteBits, featureMapBeats, valueRange } from '../../core/streams.js';
import { drawFeatureMaps, resolveFeatureMap } from './maxpool.js';
import { clampExpression } from './requant.js';
import { blockHeader, blockModuleName, blockRtl, blockView, commonSettings, extendExpression, FAST_IMAGES, packageStreamBlock, rangeBits, type BlockFigures, type StreamBlockCommonOptions, type StreamBlockDesign } from './package.js';

export interface AddOptions extends StreamBlockCommonOptions {
  /** The feature map both inputs carry: h x w x c, p values per beat. */
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly p: number;
  /** Each input's value format. */
  readonly aBits: number;
  readonly aSigned: boolean;
  readonly bBits: number;
  readonly bSigned: boolean;
  /** M_a, M_b (unsigned, below 2^16) and S (0 to 31). */
  readonly multipliers: readonly [number, number];
  readonly shift: number;
  /** The add's saturation width (signed): b + 1 before a folded ReLU, else b. */
  readonly satBits: number;
  /** A ReLU folded into the add: the output is unsigned satBits - 1 bits, min(max(y, 0), 2^(satBits-1) - 1). */
  readonly relu?: boolean;
}

/** The options as resolved: every setting of the add itself, and what follows from them. */
export interface AddConfig extends Omit<AddOptions, keyof StreamBlockCommonOptions | 'relu'> {
  readonly relu: boolean;
  /** The output's value format. */
  readonly outBits: number;
  readonly outSigned: boolean;
  /** Signed bits of a*M_a + b*M_b + 2^(S-1) over the inputs' ranges (at least 18: M_a and M_b fit). */
  readonly sumBits: number;
}

export function resolveAdd(o: AddOptions): AddConfig {
  const a = resolveFeatureMap({ h: o.h, w: o.w, c: o.c, p: o.p, bits: o.aBits, signed: o.aSigned });
  const b = resolveFeatureMap({ h: o.h, w: o.w, c: o.c, p: o.p, bits: o.bBits, signed: o.bSigned });
  if (!Array.isArray(o.multipliers) || o.multipliers.length !== 2) throw new InputError('multipliers', 'must be two integers [M_a, M_b]');
  const multipliers = o.multipliers.map((m, i) => requireInteger(`multipliers[${i}]`, m, 0, 65535)) as [number, number];
  const shift = requireInteger('shift', o.shift, 0, 31);
  const relu = o.relu ?? false;
  const satBits = requireInteger('satBits', o.satBits, relu ? 3 : 2, 32);
  const half = shift > 0 ? 2 ** (shift - 1) : 0;
  const ra = valueRange(a.bits, a.signed);
  const rb = valueRange(b.bits, b.signed);
  const lo = BigInt(ra.min) * BigInt(multipliers[0]) + BigInt(rb.min) * BigInt(multipliers[1]);
  const hi = BigInt(ra.max) * BigInt(multipliers[0]) + BigInt(rb.max) * BigInt(multipliers[1]) + BigInt(half);
  const sumBits = Math.max(18, rangeBits(lo, hi, true));
  return { h: a.h, w: a.w, c: a.c, p: a.p, aBits: a.bits, aSigned: a.signed, bBits: b.bits, bSigned: b.signed, multipliers, shift, satBits, relu, outBits: relu ? satBits - 1 : satBits, outSigned: !relu, sumBits };
}

/** One beat per cycle; the output register; 1 cycle of latency. */
export function addFigures(c: AddConfig): BlockFigures {
  return { idealCyclesPerImage: c.h * c.w * Math.ceil(c.c / c.p), bufferBits: c.p * c.outBits, latencyBound: 1 };
}

/** The add's arithmetic on one image's values (addInt, then the folded ReLU's clamp). */
export function addModel(c: AddConfig, a: Int32Array, b: Int32Array): Int32Array {
  const { min, max } = intRange(c.satBits, true);
  const y = addInt(a, b, { multipliers: c.multipliers, shift: c.shift, min, max });
  return c.relu ? y.map((v) => (v < 0 ? 0 : v)) : y;
}

export function generateAdd(options: AddOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const c = resolveAdd(options);
  const config = { kind: 'stream-add', ...c, ...settings };
  const top = blockModuleName(settings, `flexor_add_${c.h}x${c.w}x${c.c}_p${c.p}`);
  const figures = addFigures(c);
  const fmText = (bits: number, signed: boolean) => `${c.h} x ${c.w} x ${c.c}, ${signed ? 'signed' : 'unsigned'} ${bits}-bit, ${c.p} per beat`;
  const sat = valueRange(c.satBits, true);
  const clampText = c.relu ? `saturated to [${sat.min}, ${sat.max}] then the folded ReLU: [0, ${sat.max}]` : `saturated to [${sat.min}, ${sat.max}]`;
  const header = blockHeader('generateAdd', config, [
    `Add: a*${c.multipliers[0]} + b*${c.multipliers[1]}, shifted right by ${c.shift} with rounding half up, ${clampText}; ${fmText(c.outBits, c.outSigned)} out.`,
  ]);
  const beat = (bits: number) => byteBits(c.p * bits);
  const clamp = clampExpression(c.sumBits, c.outBits, c.outSigned);
  const lit = (v: number) => `${c.sumBits}'sd${v}`;
  const view = {
    ...blockView(settings, header, top, [{ name: 'P', value: c.p }]),
    ...c,
    aBeatBits: beat(c.aBits), bBeatBits: beat(c.bBits), outBeatBits: beat(c.outBits),
    unusedExpr: `^{${['s_axis_b_tlast', ...(beat(c.aBits) > c.p * c.aBits ? [`s_axis_a_tdata[${beat(c.aBits) - 1}:${c.p * c.aBits}]`] : []), ...(beat(c.bBits) > c.p * c.bBits ? [`s_axis_b_tdata[${beat(c.bBits) - 1}:${c.p * c.bBits}]`] : [])].join(', ')}}`,
    aText: fmText(c.aBits, c.aSigned), bText: fmText(c.bBits, c.bSigned), outText: fmText(c.outBits, c.outSigned), clampText,
    ma: lit(c.multipliers[0]), mb: lit(c.multipliers[1]), half: lit(c.shift > 0 ? 2 ** (c.shift - 1) : 0),
    aExtend: `$signed(${extendExpression('av', c.aBits, c.sumBits, c.aSigned)})`,
    bExtend: `$signed(${extendExpression('bv', c.bBits, c.sumBits, c.bSigned)})`,
    clampExpr: clamp.expr, clampComment: clamp.text,
    outData: beat(c.outBits) > c.p * c.outBits ? `{${beat(c.outBits) - c.p * c.outBits}'d0, data_q}` : 'data_q',
  };
  const count = settings.stallImages + FAST_IMAGES;
  const as = drawFeatureMaps({ h: c.h, w: c.w, c: c.c, p: c.p, bits: c.aBits, signed: c.aSigned }, settings.seed, count);
  const bs = drawFeatureMaps({ h: c.h, w: c.w, c: c.c, p: c.p, bits: c.bBits, signed: c.bSigned }, settings.seed + 1, count);
  const images = as.map((a, i) => {
    const b = bs[i];
    const y = addModel(c, Int32Array.from(a.values), Int32Array.from(b.values));
    return {
      inputs: [featureMapBeats(a, c.p, c.aBits), featureMapBeats(b, c.p, c.bBits)],
      outputs: [featureMapBeats({ h: c.h, w: c.w, c: c.c, values: Array.from(y) }, c.p, c.outBits)],
    };
  });
  return packageStreamBlock({
    kind: 'stream-add',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'add', view)],
    testbench: {
      inputs: [{ prefix: 's_axis_a', dataBits: beat(c.aBits) }, { prefix: 's_axis_b', dataBits: beat(c.bBits) }],
      outputs: [{ prefix: 'm_axis_fm', dataBits: beat(c.outBits) }],
      images,
    },
    description: `AXI4-Stream add of two ${c.h}x${c.w}x${c.c} feature maps`,
    summary: [`Add: ${fmText(c.aBits, c.aSigned)} (a) and ${fmText(c.bBits, c.bSigned)} (b) in; out = ${clampText.startsWith('sat') ? 'sat' : 'relu(sat'}(floor((a*${c.multipliers[0]} + b*${c.multipliers[1]} + ${c.shift > 0 ? 2 ** (c.shift - 1) : 0}) / 2^${c.shift}))${c.relu ? ')' : ''}, ${fmText(c.outBits, c.outSigned)}; ${c.sumBits}-bit sums.`],
    figures,
    details: { ports: { in: ['s_axis_a', 's_axis_b'], out: 'm_axis_fm' } },
  });
}
