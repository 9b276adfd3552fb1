/**
 * `generateRequantTail`: the block after a layer engine (docs/STREAMS.md, "Requantization tail"):
 * the layer's results (LANES byte-aligned slots per beat) clamped to the next tensor's `bits`,
 * signed saturation or unsigned ReLU clamp, as a feature-map stream of beat LANES.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { testRandom } from '../../core/prng.js';
import { byteBits, ceilDiv, drawWord, featureMapBeats, layerResultBeats, STREAM_DATA_STREAM, valueRange } from '../../core/streams.js';
import { requantTail } from '../../core/tail.js';
import { featureMapDescription } from './testbench.js';
import {
  blockHeader,
  blockModuleName,
  blockRtl,
  blockView,
  commonSettings,
  counterView,
  FAST_IMAGES,
  packageStreamBlock,
  type BlockFigures,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';

export interface RequantTailOptions extends StreamBlockCommonOptions {
  /** Channels: the layer's N (1 to 65536). */
  readonly n: number;
  /** Results per beat: the layer's LANES (1 to N); also the feature map's beat. */
  readonly lanes: number;
  /** Bits of a result: the layer's final width (2 to 64); each slot is that rounded up to bytes. */
  readonly inBits: number;
  /** Bits of the next tensor's values: 2 to 32 signed, 1 to 32 unsigned. */
  readonly bits: number;
  /** Signed saturation (default), or false: unsigned, min(max(y, 0), 2^bits - 1) (a ReLU). */
  readonly signed?: boolean;
  /** Output positions per image: the feature map is ho x wo x N (each 1 to 4096). */
  readonly ho: number;
  readonly wo: number;
}

export interface RequantTailConfig {
  readonly n: number;
  readonly lanes: number;
  readonly inBits: number;
  readonly bits: number;
  readonly signed: boolean;
  readonly ho: number;
  readonly wo: number;
}

export function resolveRequantTail(options: RequantTailOptions): RequantTailConfig {
  const n = requireInteger('n', options.n, 1, 65536);
  const lanes = requireInteger('lanes', options.lanes, 1, n, `an integer from 1 to n = ${n}`);
  const inBits = requireInteger('inBits', options.inBits, 2, 64);
  const signed = options.signed ?? true;
  if (typeof signed !== 'boolean') throw new InputError('signed', `must be true or false; got ${String(signed)}`);
  const bits = requireInteger('bits', options.bits, signed ? 2 : 1, 32, `an integer from ${signed ? 2 : 1} to 32${signed ? ' (signed)' : ''}`);
  const ho = requireInteger('ho', options.ho, 1, 4096);
  const wo = requireInteger('wo', options.wo, 1, 4096);
  return { n, lanes, inBits, bits, signed, ho, wo };
}

export function requantTailFigures(c: RequantTailConfig): BlockFigures {
  return { idealCyclesPerImage: c.ho * c.wo * ceilDiv(c.n, c.lanes), bufferBits: c.lanes * c.bits, latencyBound: 1 };
}

/** The clamp of one lane's value `x` (inBits, signed) to `bits`, as a Verilog expression of bit tests. */
export function clampExpression(inBits: number, bits: number, signed: boolean): { expr: string; text: string } {
  const sign = `x[${inBits - 1}]`;
  if (signed) {
    if (inBits <= bits) {
      return { expr: inBits === bits ? 'x' : `{{${bits - inBits}{${sign}}}, x}`, text: `sign extension: ${inBits} bits always fit ${bits}` };
    }
    const top = `x[${inBits - 1}:${bits - 1}]`;
    return {
      expr: `(&${top} || ~|${top}) ? x[${bits - 1}:0] : {${sign}, {${bits - 1}{~${sign}}}}`,
      text: `in range when bits ${inBits - 1}..${bits - 1} are all equal, else the extreme of the sign`,
    };
  }
  const zero = `${bits}'d0`;
  if (inBits - 1 === bits) return { expr: `${sign} ? ${zero} : x[${bits - 1}:0]`, text: 'negative to 0; the rest fits' };
  if (inBits - 1 < bits) return { expr: `${sign} ? ${zero} : {${bits - inBits + 1}'d0, x[${inBits - 2}:0]}`, text: 'negative to 0; the rest fits' };
  return {
    expr: `${sign} ? ${zero} : |x[${inBits - 2}:${bits}] ? {${bits}{1'b1}} : x[${bits - 1}:0]`,
    text: `negative to 0, above ${2 ** bits - 1} to ${2 ** bits - 1}`,
  };
}

/** Values that exercise the clamp: both ends of the input range and both sides of the output's. */
function boundaryValues(c: RequantTailConfig): bigint[] {
  const inMin = -(1n << BigInt(c.inBits - 1));
  const inMax = (1n << BigInt(c.inBits - 1)) - 1n;
  const out = valueRange(c.bits, c.signed);
  const set = [inMin, inMax, 0n, -1n, 1n, BigInt(out.min), BigInt(out.max)].flatMap((v) => [v - 1n, v, v + 1n]);
  return [...new Set(set.filter((v) => v >= inMin && v <= inMax))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Seeded results: image 0 cycles through the boundary values; the rest draws uniformly from the
 * input range, from the output range, near the output's ends, or a boundary value.
 */
function drawResults(c: RequantTailConfig, seed: number, images: number): bigint[][][] {
  const rng = testRandom(seed, STREAM_DATA_STREAM);
  const boundary = boundaryValues(c);
  const out = valueRange(c.bits, c.signed);
  const inMin = -(1n << BigInt(c.inBits - 1));
  const inMax = -inMin - 1n;
  const clampIn = (v: bigint) => (v < inMin ? inMin : v > inMax ? inMax : v);
  let at = 0;
  const draw = (image: number): bigint => {
    if (image === 0) return boundary[at++ % boundary.length];
    switch (rng.below(4)) {
      case 0:
        return drawWord(rng, c.inBits) + inMin;
      case 1:
        return clampIn(drawWord(rng, c.bits) + BigInt(out.min));
      case 2:
        return clampIn(BigInt(rng.coin() ? out.min : out.max) + BigInt(rng.below(9)) - 4n);
      default:
        return boundary[rng.below(boundary.length)];
    }
  };
  return Array.from({ length: images }, (_, image) => Array.from({ length: c.ho * c.wo }, () => Array.from({ length: c.n }, () => draw(image))));
}

export function generateRequantTail(options: RequantTailOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const c = resolveRequantTail(options);
  const config = { kind: 'stream-requant', ...c, ...settings };
  const beats = ceilDiv(c.n, c.lanes);
  const slotBits = byteBits(c.inBits);
  const outBeatBits = byteBits(c.lanes * c.bits);
  const sign = c.signed ? 's' : 'u';
  const top = blockModuleName(settings, `flexor_requant_${c.ho}x${c.wo}x${c.n}_l${c.lanes}_i${c.inBits}_${sign}${c.bits}`);
  const figures = requantTailFigures(c);
  const clampText = c.signed ? `signed saturation to [${valueRange(c.bits, true).min}, ${valueRange(c.bits, true).max}]` : `unsigned (ReLU): min(max(y, 0), ${2 ** c.bits - 1})`;
  const what = `Requantization tail: ${c.n} results of ${c.inBits} bits, ${c.lanes} per beat, clamped to ${c.bits} bits (${clampText}); ${c.ho} x ${c.wo} vectors per image.`;
  const header = blockHeader('generateRequantTail', config, [what]);
  const clamp = clampExpression(c.inBits, c.bits, c.signed);
  const unusedHigh = slotBits > c.inBits;
  const view = {
    ...blockView(settings, header, top, [
      { name: 'N', value: c.n },
      { name: 'LANES', value: c.lanes },
      { name: 'IN_W', value: c.inBits },
      { name: 'SLOT_W', value: slotBits },
      { name: 'B', value: c.bits },
      { name: 'VECTORS', value: c.ho * c.wo },
    ]),
    ...c,
    vectors: c.ho * c.wo,
    slotBits,
    outBeatBits,
    clampText,
    clampComment: clamp.text,
    clampExpr: clamp.expr,
    unusedHigh,
    beat: counterView(beats),
    vector: counterView(c.ho * c.wo),
    outData: outBeatBits > c.lanes * c.bits ? `{${outBeatBits - c.lanes * c.bits}'d0, data_q}` : 'data_q',
  };
  const results = drawResults(c, settings.seed, settings.stallImages + FAST_IMAGES);
  const images = results.map((vectors) => ({
    input: vectors.flatMap((v) => layerResultBeats(v, c.lanes, slotBits)),
    output: featureMapBeats(requantTail(vectors, c.ho, c.wo, c.bits, c.signed), c.lanes, c.bits),
  }));
  return packageStreamBlock({
    kind: 'stream-requant',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'requant', view)],
    testbench: {
      input: { prefix: 's_axis_res', dataBits: c.lanes * slotBits },
      output: { prefix: 'm_axis_fm', dataBits: outBeatBits },
      images,
      describeBeat: featureMapDescription(c.wo, c.n, c.lanes),
    },
    description: `Requantization tail, ${c.n} channels, ${c.lanes} lanes, ${c.inBits} to ${c.bits} bits`,
    summary: [what, `Ports: s_axis_res (${c.lanes} slots of ${slotBits} bits), m_axis_fm (${outBeatBits} bits: ${c.lanes} values of ${c.bits} bits).`],
    figures,
    details: { ports: { in: 's_axis_res', out: 'm_axis_fm' }, slotBits, outBeatBits },
  });
}
