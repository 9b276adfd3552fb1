/**
 * From a resolved network and the real scale of every tensor to the integer network
 * (docs/NETWORK.md, "Requantization"): each conv/linear layer becomes a layer engine of
 * docs/ARITHMETIC.md whose scales and biases fold in the input and output scales,
 *
 *     alpha'_p[c] = realToFixed(alpha_p[c] * (s_in / s_out), B, F)
 *     bias'[c]    = realToFixed(bias[c] / s_out, biasBits, F)
 *     requantShift = F, outBits as the network says,
 *
 * F the largest fraction width <= B - 1 at which every alpha' and bias' fits its format. An add
 * becomes two unsigned 16-bit multipliers and a shift (docs/NETWORK.md, "Add").
 */
import { InputError } from './errors.js';
import { roundHalfEven, signedRange, type LayerData } from './layer.js';
import { intRange, type AddRequant } from './netops.js';
import { scaledLayers, scaleSource, type AddLayer, type EngineLayer, type NetworkSpec } from './network.js';
import { trainedLayerData, type LayerSettings, type TrainedLayer } from './trained.js';

/**
 * The real scale of every conv/linear layer's output tensor, by layer name (after its folded ReLU,
 * if any). The input's scale is the manifest's input.scale, else 1.
 */
export interface NetworkScales {
  readonly layers: Readonly<Record<string, number>>;
}

/** A conv/linear layer as a layer engine of docs/ARITHMETIC.md. */
export interface QuantizedEngine {
  readonly layer: EngineLayer;
  /** s_in and s_out: the real scales of its input and output tensors. */
  readonly inScale: number;
  readonly outScale: number;
  /** F: fraction bits of alpha' and bias', and the requantization shift. */
  readonly alphaFrac: number;
  /** The engine's configuration (actBits, alphaBits, alphaFrac = requantShift = F, outBits) and data (alpha', bias'). */
  readonly data: LayerData;
  /** The layer with the rescaled reals alpha * (s_in / s_out) and bias / s_out. */
  readonly trained: TrainedLayer;
  /** With `trained`, what `flexor generate layer` needs: layerSource({ ...settings, trained }) gives `data` again. */
  readonly settings: LayerSettings;
}

/** Bits of an add's unsigned multipliers M_a, M_b. */
export const ADD_MULTIPLIER_BITS = 16;
/** The largest shift S of an add. */
export const ADD_MAX_SHIFT = 31;

/** An add as integers: the scales of its inputs and output, its multipliers, shift and widths. */
export interface QuantizedAdd extends AddRequant {
  readonly layer: AddLayer;
  /** s_a, s_b: the real scales of its two inputs. */
  readonly inScales: readonly [number, number];
  readonly outScale: number;
  /** Signed bits of a*M_a + b*M_b + 2^(S-1) over the inputs' ranges (each product one bit less). */
  readonly sumBits: number;
}

/** The integer network: every tensor's scale and every engine's fixed-point configuration. */
export interface NetworkModel {
  readonly spec: NetworkSpec;
  /** The real value of one integer step of every tensor (tensor 0 the input, tensor i + 1 layer i's output). */
  readonly scales: readonly number[];
  /** Per layer index, the engine of a conv/linear layer (undefined for the others). */
  readonly engines: readonly (QuantizedEngine | undefined)[];
  /** Per layer index, the fixed-point form of an add (undefined for the others). */
  readonly adds: readonly (QuantizedAdd | undefined)[];
  /** The real value of one step of the logits. */
  readonly logitScale: number;
  /** Scales that lose a layer's weights entirely (alpha' rounding to 0), and the like. */
  readonly warnings: readonly string[];
}

function positiveScale(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InputError(field, `must be a positive finite real (the real value of one integer step); got ${String(value)}`);
  }
  return value;
}

/** The largest F in [0, B - 1] at which every value fits; undefined if none does. */
export function chooseAlphaFrac(alpha: readonly number[], bias: readonly number[], alphaBits: number, biasBits: number): number | undefined {
  const fits = (values: readonly number[], bits: number, frac: number): boolean => {
    const { min, max } = signedRange(bits);
    const lo = Number(min);
    const hi = Number(max);
    return values.every((v) => {
      const x = roundHalfEven(v * 2 ** frac); // realToFixed's rounding
      return x >= lo && x <= hi;
    });
  };
  for (let frac = alphaBits - 1; frac >= 0; frac--) {
    if (fits(alpha, alphaBits, frac) && fits(bias, biasBits, frac)) return frac;
  }
  return undefined;
}

function quantizeEngine(spec: NetworkSpec, layer: EngineLayer, inScale: number, outScale: number, warnings: string[]): QuantizedEngine {
  const { config } = layer;
  const ratio = inScale / outScale;
  const alpha = layer.alphaReal.map((row) => Float64Array.from(row, (a) => a * ratio));
  const bias = layer.biasReal ? Float64Array.from(layer.biasReal, (b) => b / outScale) : undefined;
  const frac = chooseAlphaFrac(alpha.flatMap((row) => Array.from(row)), bias ? Array.from(bias) : [], config.alphaBits, config.biasBits);
  if (frac === undefined) {
    const big = alpha.reduce((m, row) => row.reduce((x, v) => Math.max(x, Math.abs(v)), m), 0);
    throw new InputError(`${layer.field}.scale`, `${layer.name}: the scales alpha * s_in / s_out (up to ${big}, s_in = ${inScale}, s_out = ${outScale}) or biases / s_out do not fit alphaBits = ${config.alphaBits} / biasBits = ${config.biasBits} even with 0 fraction bits; raise alphaBits or the output scale`);
  }
  const trained: TrainedLayer = {
    shape: [...config.shape],
    layout: config.layout,
    nIn: config.nIn,
    nOut: config.nOut,
    planes: config.planes,
    nSlices: layer.nSlices,
    matrices: layer.matrices,
    packed: layer.encrypted,
    alpha,
    ...(bias ? { bias } : {}),
  };
  const settings: LayerSettings = {
    seed: config.seed,
    lanes: config.lanes,
    simd: config.simd,
    actBits: layer.actBits,
    alphaBits: config.alphaBits,
    alphaFrac: frac,
    ...(bias ? { biasBits: config.biasBits } : {}),
    requantShift: frac,
    outBits: layer.outBits,
  };
  const data = trainedLayerData(trained, settings, `${spec.field}:${layer.name}`);
  data.alpha.forEach((row, p) => {
    const lost = row.filter((v, c) => v === 0n && layer.alphaReal[p][c] !== 0).length;
    if (lost > 0) warnings.push(`${layer.name}: ${lost} of ${row.length} scales of plane ${p} round to 0 at F = ${frac} (|alpha * s_in / s_out| at most 2^-${frac + 1})`);
  });
  return { layer, inScale, outScale, alphaFrac: frac, data, trained, settings };
}

/**
 * The multipliers and shift of an add: M = round_half_even(s_in / s_out * 2^S) for each input, S the
 * largest in [0, ADD_MAX_SHIFT] at which both fit ADD_MULTIPLIER_BITS unsigned bits.
 */
export function addMultipliers(ratios: readonly [number, number]): { multipliers: [number, number]; shift: number } | undefined {
  const top = 2 ** ADD_MULTIPLIER_BITS - 1;
  for (let shift = ADD_MAX_SHIFT; shift >= 0; shift--) {
    const m = ratios.map((r) => roundHalfEven(r * 2 ** shift)) as [number, number];
    if (m[0] <= top && m[1] <= top) return { multipliers: m, shift };
  }
  return undefined;
}

/** Signed bits that hold every integer of [lo, hi]. */
function signedBits(lo: number, hi: number): number {
  let n = 1;
  while (lo < -(2 ** (n - 1)) || hi > 2 ** (n - 1) - 1) n++;
  return n;
}

function quantizeAdd(spec: NetworkSpec, layer: AddLayer, scales: readonly number[], warnings: string[]): QuantizedAdd {
  const inScales = layer.inputs.map((t) => scales[t]) as [number, number];
  const outScale = scales[layer.index + 1];
  const ratios = inScales.map((s) => s / outScale) as [number, number];
  const found = addMultipliers(ratios);
  if (found === undefined) {
    throw new InputError(`${layer.field}.scale`, `${layer.name}: the ratios s_in / s_out (${ratios.join(', ')}; s_out = ${outScale}) do not fit ${ADD_MULTIPLIER_BITS}-bit multipliers even with S = 0; raise the output scale`);
  }
  found.multipliers.forEach((m, k) => {
    if (m === 0) warnings.push(`${layer.name}: input ${k} (scale ${inScales[k]}) vanishes: its multiplier rounds to 0 at S = ${found.shift}`);
  });
  const ranges = layer.inputs.map((t) => intRange(spec.tensors[t].bits, spec.tensors[t].signed));
  const half = found.shift > 0 ? 2 ** (found.shift - 1) : 0;
  const lo = ranges[0].min * found.multipliers[0] + ranges[1].min * found.multipliers[1];
  const hi = ranges[0].max * found.multipliers[0] + ranges[1].max * found.multipliers[1] + half;
  const { min, max } = intRange(layer.outBits, true);
  return { layer, inScales, outScale, ...found, min, max, sumBits: signedBits(lo, hi) };
}

/**
 * The integer network for the given scales. A scale that the manifest gives for a layer is used
 * instead of the one in `scales`; every scale must be positive. The input's scale is the
 * manifest's input.scale, else 1.
 */
export function quantizeNetwork(spec: NetworkSpec, scales: NetworkScales): NetworkModel {
  const engines = scaledLayers(spec);
  for (const name of Object.keys(scales.layers)) {
    if (!engines.some((l) => l.name === name)) throw new InputError(`scales.${name}`, `is not a conv, linear or add layer of ${spec.name}; they are ${engines.map((l) => l.name).join(', ')}`);
  }
  const inputScale = spec.inputScale ?? 1;
  const engineScale = new Map(engines.map((l) => {
    if (l.scale === undefined && scales.layers[l.name] === undefined) {
      throw new InputError(`${l.field}.scale`, `${l.name} has no scale: give scale in the manifest, or calibrate the network on sample images`);
    }
    return [l.index, l.scale ?? positiveScale(`scales.${l.name}`, scales.layers[l.name])];
  }));
  const tensorScales = spec.tensors.map((_, t) => {
    const source = scaleSource(spec, t);
    return source < 0 ? inputScale : engineScale.get(source)!;
  });
  const warnings: string[] = [];
  const quantized = spec.layers.map((l, i) => (l.kind === 'conv' || l.kind === 'linear' ? quantizeEngine(spec, l, tensorScales[l.inputs[0]], tensorScales[i + 1], warnings) : undefined));
  const adds = spec.layers.map((l) => (l.kind === 'add' ? quantizeAdd(spec, l, tensorScales, warnings) : undefined));
  return { spec, scales: tensorScales, engines: quantized, adds, logitScale: tensorScales[tensorScales.length - 1], warnings };
}

/** Checks that a value is a positive finite scale; the error names `field`. */
export function checkScale(field: string, value: unknown): number {
  return positiveScale(field, value);
}
