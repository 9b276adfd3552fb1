/**
 * A network of FleXOR layers as one chain (docs/NETWORK.md): the description a manifest gives,
 * checked and resolved into a NetworkSpec, i.e. every layer with its kind and settings, the
 * shape, width and signedness of every tensor, and every conv/linear layer's decoded weights and
 * real scales and biases. Scales of the tensors (calibrated or given) come in later
 * (netquant.ts). Pure: trained layers arrive already read.
 */
import { InputError } from './errors.js';
import { BIAS_STREAM, drawLayer, MAX_ACT_BITS, MAX_OUT_BITS, MIN_OUT_BITS, planeWeightBits, resolveLayer, type LayerConfig, type LayerData, type LayerOptions, type Layout } from './layer.js';
import type { MatrixDraw, XorMatrix } from './matrix.js';
import { avgPoolDivider, convOutputSize, intRange, shapeText, type AvgPoolDivider, type FeatureShape, type Kernel } from './netops.js';
import { testRandom } from './prng.js';
import { trainedMatrixOptions, type TrainedLayer } from './trained.js';

export const NET_LAYER_KINDS = ['conv', 'linear', 'relu', 'maxpool', 'avgpool', 'flatten'] as const;
export type NetLayerKind = (typeof NET_LAYER_KINDS)[number];
export type ImageLayout = 'nchw' | 'nhwc';
export const IMAGE_LAYOUTS: readonly ImageLayout[] = ['nchw', 'nhwc'];
export type WeightSource = 'rom' | 'stream';

/** Bits of the activation tensors between layers (unsigned after a ReLU, signed otherwise): 2..15. */
export const MIN_NET_ACT_BITS = 2;
export const MAX_NET_ACT_BITS = MAX_ACT_BITS - 1;
/** Largest input height or width. */
export const MAX_IMAGE_SIDE = 4096;

/** A conv/linear layer's engine settings as a manifest gives them (docs/NETWORK.md). */
export interface EngineOptions {
  readonly nIn?: number;
  readonly nOut?: number;
  readonly nTap?: number;
  readonly dense?: boolean;
  readonly draw?: MatrixDraw;
  readonly seed?: number;
  readonly planes?: number;
  readonly layout?: Layout;
  readonly lanes?: number;
  readonly simd?: number;
  readonly alphaBits?: number;
  readonly bias?: boolean;
  readonly biasBits?: number;
  readonly weights?: WeightSource;
}

/** One entry of a manifest's `layers`, its keys and types checked, its values not yet. */
export interface LayerDescription {
  readonly kind: NetLayerKind;
  readonly name?: string;
  /** Where it is written, for messages: `lenet5.yaml:layers[3]`. */
  readonly field: string;
  /** conv/linear, seeded: [Cout, Cin, kh, kw] or [out, in]. */
  readonly shape?: readonly number[];
  /** conv/linear: a trained layer, already read, and the file it came from. */
  readonly trained?: TrainedLayer;
  readonly from?: string;
  readonly stride?: number;
  readonly padding?: number;
  /** maxpool: k (a k x k window, stride k). */
  readonly size?: number;
  /** conv/linear: the real scale of the output tensor (after the folded ReLU, if any). */
  readonly scale?: number;
  readonly engine?: EngineOptions;
}

export interface InputDescription {
  /** [H, W, C]. */
  readonly shape: readonly number[];
  readonly bits?: number;
  readonly signed?: boolean;
  readonly scale?: number;
  readonly layout?: ImageLayout;
}

/** A chained network as its manifest describes it. */
export interface NetworkDescription {
  readonly name: string;
  /** The manifest, for messages. */
  readonly field: string;
  readonly input: InputDescription;
  readonly actBits?: number;
  readonly logitBits?: number;
  readonly layers: readonly LayerDescription[];
}

/** A tensor between layers: its shape, and each value a `bits`-bit integer, signed or unsigned. */
export interface TensorType extends FeatureShape {
  readonly bits: number;
  readonly signed: boolean;
}

interface LayerBase {
  readonly name: string;
  /** Position in the network: reads tensor `index`, writes tensor `index + 1`. */
  readonly index: number;
  readonly field: string;
}

/** A conv or linear layer, before quantization: its weights and real scales and biases. */
export interface EngineLayer extends LayerBase {
  readonly kind: 'conv' | 'linear';
  readonly kernel: Kernel;
  readonly stride: number;
  readonly padding: number;
  /** The next layer is a ReLU, folded into this layer's requantization. */
  readonly reluFolded: boolean;
  /** The last layer: its output is the logits. */
  readonly last: boolean;
  /** Activation bits the engine consumes: b + 1 for an unsigned b-bit input, b for a signed one. */
  readonly actBits: number;
  /** The engine's saturation width: b + 1 before a folded ReLU, logitBits for the last layer, else b. */
  readonly outBits: number;
  /** Matrix settings, parallelism, alphaBits and biasBits (its arithmetic fields are placeholders). */
  readonly config: LayerConfig;
  readonly matrices: readonly XorMatrix[];
  readonly encrypted: readonly Uint8Array[];
  readonly nSlices: number;
  /** Decoded weight bits per plane, (c, k) order, 1 = +1. */
  readonly bits: readonly Uint8Array[];
  /** Real scales [q][N] and biases [N] (undefined: no bias). */
  readonly alphaReal: readonly (readonly number[])[];
  readonly biasReal?: readonly number[];
  /** The manifest's `weights`: where the generated engine keeps its weights (rom or stream). */
  readonly weights?: WeightSource;
  readonly origin: { readonly kind: 'seeded' } | { readonly kind: 'file'; readonly file: string };
  /** The output tensor's scale, when the manifest gives it. */
  readonly scale?: number;
}

export interface ReluLayer extends LayerBase {
  readonly kind: 'relu';
  /** Right after a conv/linear: that layer's requantization tail. Else a clamp on integers. */
  readonly folded: boolean;
}

export interface MaxPoolLayer extends LayerBase {
  readonly kind: 'maxpool';
  readonly size: number;
}

export interface AvgPoolLayer extends LayerBase {
  readonly kind: 'avgpool';
  /** H * W of the input. */
  readonly count: number;
  /** The multiplier and shift that compute round_half_up(sum / count) for every sum in range. */
  readonly divider: AvgPoolDivider;
}

export interface FlattenLayer extends LayerBase {
  readonly kind: 'flatten';
}

export type NetLayer = EngineLayer | ReluLayer | MaxPoolLayer | AvgPoolLayer | FlattenLayer;

/** A network resolved: every layer, every tensor (tensor 0 the input, tensor i + 1 layer i's output). */
export interface NetworkSpec {
  readonly name: string;
  readonly field: string;
  readonly actBits: number;
  readonly logitBits: number;
  /** The input's real scale, when the manifest gives it. */
  readonly inputScale?: number;
  readonly inputLayout?: ImageLayout;
  readonly layers: readonly NetLayer[];
  readonly tensors: readonly TensorType[];
}

/** Manifest keys of the layer settings that resolveLayer names by their flags. */
const FLAG_KEYS: Readonly<Record<string, string>> = {
  '--shape': 'shape',
  '--nin': 'nIn',
  '--nout': 'nOut',
  '--ntap': 'nTap',
  '--dense': 'dense',
  '--draw': 'draw',
  '--seed': 'seed',
  '--planes': 'planes',
  '--layout': 'layout',
  '--lanes': 'lanes',
  '--simd': 'simd',
  '--alpha-bits': 'alphaBits',
  '--bias': 'bias',
  '--bias-bits': 'biasBits',
};

/** Runs fn; an InputError naming a layer flag is re-raised naming the manifest key of `field`. */
function withField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError && FLAG_KEYS[e.field] !== undefined) {
      throw new InputError(`${field}.${FLAG_KEYS[e.field]}`, e.message.slice(e.field.length + 2));
    }
    throw e;
  }
}

function requireIn(field: string, value: number | undefined, fallback: number, min: number, max: number, allowed?: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(field, `must be ${allowed ?? `an integer from ${min} to ${max}`}; got ${String(v)}`);
  return v;
}

function requirePositiveScale(field: string, scale: number | undefined): number | undefined {
  if (scale !== undefined && !(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new InputError(field, `must be a positive finite real (the real value of one integer step); got ${String(scale)}`);
  }
  return scale;
}

function resolveInput(desc: NetworkDescription): { type: TensorType; scale?: number; layout?: ImageLayout } {
  const field = `${desc.field}:input`;
  const { shape } = desc.input;
  const shapeOk = Array.isArray(shape) && shape.length === 3 && shape.every((v) => Number.isInteger(v) && v >= 1) && shape[0] <= MAX_IMAGE_SIDE && shape[1] <= MAX_IMAGE_SIDE && shape[2] <= 65536;
  if (!shapeOk) throw new InputError(`${field}.shape`, `must be [H, W, C]: H and W integers from 1 to ${MAX_IMAGE_SIDE}, C from 1 to 65536; got ${JSON.stringify(shape)}`);
  const signed = desc.input.signed ?? false;
  const bits = signed
    ? requireIn(`${field}.bits`, desc.input.bits, 8, 2, MAX_ACT_BITS, `an integer from 2 to ${MAX_ACT_BITS} for a signed input`)
    : requireIn(`${field}.bits`, desc.input.bits, 8, 1, MAX_ACT_BITS - 1, `an integer from 1 to ${MAX_ACT_BITS - 1} for an unsigned input (the first layer consumes it as signed bits + 1)`);
  const scale = requirePositiveScale(`${field}.scale`, desc.input.scale);
  const layout = desc.input.layout;
  if (layout !== undefined && !IMAGE_LAYOUTS.includes(layout)) throw new InputError(`${field}.layout`, `must be nchw ([V, C, H, W], PyTorch) or nhwc ([V, H, W, C]); got ${JSON.stringify(layout)}`);
  return { type: { h: shape[0], w: shape[1], c: shape[2], bits, signed }, scale, layout };
}

/** What a layer reads, for messages: `the input, 28 x 28 x 1` or `the output of pool1 (layers[2]), 14 x 14 x 32`. */
function producerText(layers: readonly NetLayer[], index: number, tensor: FeatureShape): string {
  if (index === 0) return `the input, ${shapeText(tensor)}`;
  const prev = layers[index - 1];
  return `the output of ${prev.name} (layers[${index - 1}]), ${shapeText(tensor)}`;
}

/**
 * The seeded reals of a network layer: alpha_real as drawLayer draws them (stream 8,
 * (1 + below(2^16)) * 2^-(17+p)), and biases from stream 9 as (next() - 2^31) * 2^-31, uniform
 * in [-1, 1) (a network does not scale them by the activation range as `flexor generate layer` does).
 */
function seededReals(data: LayerData): { alphaReal: number[][]; biasReal?: number[] } {
  const { config } = data;
  if (!config.bias) return { alphaReal: data.alphaReal };
  const rng = testRandom(config.seed, BIAS_STREAM);
  return { alphaReal: data.alphaReal, biasReal: Array.from({ length: config.n }, () => (rng.nextUint32() - 2 ** 31) * 2 ** -31) };
}

/** The layer's weights: seeded (drawn from its settings) or trained (from its file). */
function engineWeights(d: LayerDescription): Pick<EngineLayer, 'config' | 'matrices' | 'encrypted' | 'nSlices' | 'alphaReal' | 'biasReal' | 'origin'> {
  const e = d.engine ?? {};
  const arithmetic: Partial<LayerOptions> = { lanes: e.lanes, simd: e.simd, alphaBits: e.alphaBits, alphaFrac: 0, biasBits: e.biasBits };
  if (d.trained !== undefined) {
    const t = d.trained;
    const seededKeys = (['shape', 'nIn', 'nOut', 'nTap', 'dense', 'draw', 'planes', 'layout'] as const).filter((k) => (k === 'shape' ? d.shape : e[k]) !== undefined);
    if (seededKeys.length > 0) throw new InputError(`${d.field}.${seededKeys[0]}`, `cannot be combined with from: the trained layer gives it`);
    if (e.bias === true && t.bias === undefined) throw new InputError(`${d.field}.bias`, `${d.from ?? 'the trained layer'} has no bias array`);
    const config = withField(d.field, () => resolveLayer({ ...arithmetic, seed: e.seed, bias: t.bias !== undefined, ...trainedMatrixOptions(t) }));
    return {
      config,
      matrices: t.matrices,
      encrypted: t.packed,
      nSlices: t.nSlices,
      alphaReal: t.alpha.map((row) => Array.from(row)),
      biasReal: t.bias ? Array.from(t.bias) : undefined,
      origin: { kind: 'file', file: d.from ?? 'layer.npz' },
    };
  }
  if (d.shape === undefined) throw new InputError(`${d.field}.shape`, 'is required unless from gives a trained layer');
  if (e.nIn === undefined) throw new InputError(`${d.field}.nIn`, 'is required unless from gives a trained layer');
  if (e.nOut === undefined) throw new InputError(`${d.field}.nOut`, 'is required unless from gives a trained layer');
  const config = withField(d.field, () =>
    resolveLayer({ ...arithmetic, shape: [...d.shape!], nIn: e.nIn!, nOut: e.nOut!, nTap: e.nTap, dense: e.dense, draw: e.draw, seed: e.seed, planes: e.planes, layout: e.layout, bias: e.bias }),
  );
  const data = drawLayer(config);
  return { config, matrices: data.matrices, encrypted: data.encrypted, nSlices: data.nSlices, ...seededReals(data), origin: { kind: 'seeded' } };
}

interface Context {
  readonly desc: NetworkDescription;
  readonly actBits: number;
  readonly logitBits: number;
  readonly layers: NetLayer[];
  readonly tensors: TensorType[];
}

/** A conv or linear layer, its kernel checked against its input tensor. */
function resolveEngine(ctx: Context, d: LayerDescription, index: number, name: string): { layer: EngineLayer; out: TensorType } {
  const input = ctx.tensors[index];
  const last = index === ctx.desc.layers.length - 1;
  const reluFolded = ctx.desc.layers[index + 1]?.kind === 'relu';
  const shapeField = `${d.field}.${d.trained ? 'from' : 'shape'}`;
  const weights = engineWeights(d);
  const { shape } = weights.config;
  let kernel: Kernel;
  let stride = 1;
  let padding = 0;
  if (d.kind === 'conv') {
    if (shape.length !== 4) throw new InputError(shapeField, `${name} is a conv: its weights must be [Cout, Cin, kh, kw]; got [${shape.join(', ')}]`);
    kernel = { cout: shape[0], cin: shape[1], kh: shape[2], kw: shape[3] };
    stride = requireIn(`${d.field}.stride`, d.stride, 1, 1, 2, 'an integer, 1 or 2');
    padding = requireIn(`${d.field}.padding`, d.padding, 0, 0, Math.min(kernel.kh, kernel.kw) - 1, `an integer from 0 to min(kh, kw) - 1 = ${Math.min(kernel.kh, kernel.kw) - 1}`);
    if (kernel.cin !== input.c) {
      throw new InputError(shapeField, `${name} (layers[${index}]) takes Cin = ${kernel.cin} input channels (weights [${shape.join(', ')}]), but its input is ${producerText(ctx.layers, index, input)}`);
    }
    if (input.h + 2 * padding < kernel.kh || input.w + 2 * padding < kernel.kw) {
      throw new InputError(shapeField, `${name} (layers[${index}]): its ${kernel.kh} x ${kernel.kw} kernel does not fit its input with padding ${padding}: ${producerText(ctx.layers, index, input)}`);
    }
  } else {
    if (shape.length !== 2) throw new InputError(shapeField, `${name} is linear: its weights must be [out, in]; got [${shape.join(', ')}]`);
    kernel = { cout: shape[0], cin: shape[1], kh: 1, kw: 1 };
    if (input.h !== 1 || input.w !== 1 || input.c !== kernel.cin) {
      const hint = input.h * input.w > 1 ? ' (a linear layer takes a 1 x 1 x C vector: put a flatten before it)' : '';
      throw new InputError(shapeField, `${name} (layers[${index}]) takes 1 x 1 x ${kernel.cin} (weights [${shape.join(', ')}]), but its input is ${producerText(ctx.layers, index, input)}${hint}`);
    }
  }
  const actBits = input.signed ? input.bits : input.bits + 1;
  const outBits = last ? ctx.logitBits : reluFolded ? ctx.actBits + 1 : ctx.actBits;
  const bits = weights.matrices.map((m, p) => planeWeightBits(weights.config, m, weights.encrypted[p], weights.nSlices));
  const out: TensorType = {
    h: d.kind === 'conv' ? convOutputSize(input.h, kernel.kh, stride, padding) : 1,
    w: d.kind === 'conv' ? convOutputSize(input.w, kernel.kw, stride, padding) : 1,
    c: kernel.cout,
    bits: outBits,
    signed: true,
  };
  const scale = requirePositiveScale(`${d.field}.scale`, d.scale);
  const layer: EngineLayer = { kind: d.kind as 'conv' | 'linear', name, index, field: d.field, kernel, stride, padding, reluFolded, last, actBits, outBits, ...weights, bits, weights: d.engine?.weights, ...(scale !== undefined ? { scale } : {}) };
  return { layer, out };
}

/** A relu, pool or flatten layer and its output tensor. */
function resolveOther(ctx: Context, d: LayerDescription, index: number, name: string): { layer: NetLayer; out: TensorType } {
  const input = ctx.tensors[index];
  const base = { name, index, field: d.field };
  switch (d.kind) {
    case 'relu': {
      const folded = index > 0 && (ctx.layers[index - 1].kind === 'conv' || ctx.layers[index - 1].kind === 'linear');
      // Folded: the engine's signed (b+1)-bit output clamped to unsigned b bits. Else a clamp of a
      // signed b-bit tensor to [0, 2^(b-1) - 1], unsigned b - 1 bits; an unsigned tensor passes.
      const out = folded ? { ...input, bits: ctx.actBits, signed: false } : input.signed ? { ...input, bits: input.bits - 1, signed: false } : input;
      return { layer: { kind: 'relu', ...base, folded }, out };
    }
    case 'maxpool': {
      if (d.size === undefined) throw new InputError(`${d.field}.size`, 'is required: k of a k x k window with stride k');
      const size = requireIn(`${d.field}.size`, d.size, 0, 1, MAX_IMAGE_SIDE, 'an integer k >= 1 (a k x k window, stride k)');
      if (input.h % size !== 0 || input.w % size !== 0) {
        throw new InputError(`${d.field}.size`, `${name} (layers[${index}]): a ${size} x ${size} pool does not divide its input, ${producerText(ctx.layers, index, input)}`);
      }
      return { layer: { kind: 'maxpool', ...base, size }, out: { ...input, h: input.h / size, w: input.w / size } };
    }
    case 'avgpool': {
      const count = input.h * input.w;
      const { min, max } = intRange(input.bits, input.signed);
      return { layer: { kind: 'avgpool', ...base, count, divider: avgPoolDivider(count, min, max) }, out: { ...input, h: 1, w: 1 } };
    }
    case 'flatten':
      return { layer: { kind: 'flatten', ...base }, out: { ...input, h: 1, w: 1, c: input.h * input.w * input.c } };
    default:
      throw new InputError(`${d.field}.kind`, `must be one of ${NET_LAYER_KINDS.join(', ')}; got ${JSON.stringify(d.kind)}`);
  }
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,40}$/;

/**
 * Checks a network description and resolves it: names (default `<kind><index>`), kinds, every
 * setting, the shapes from the input to the logits (an error names both layers and both shapes
 * when they do not fit), tensor widths and signedness, seeded draws and decoded weights.
 */
export function resolveNetwork(desc: NetworkDescription): NetworkSpec {
  const input = resolveInput(desc);
  const actBits = requireIn(`${desc.field}:actBits`, desc.actBits, 8, MIN_NET_ACT_BITS, MAX_NET_ACT_BITS);
  const logitBits = requireIn(`${desc.field}:logitBits`, desc.logitBits, 16, MIN_OUT_BITS, MAX_OUT_BITS);
  if (!Array.isArray(desc.layers) || desc.layers.length === 0) throw new InputError(`${desc.field}:layers`, 'must be a non-empty list of layers');
  const ctx: Context = { desc, actBits, logitBits, layers: [], tensors: [input.type] };
  const names = new Set<string>();
  desc.layers.forEach((d, index) => {
    if (!(NET_LAYER_KINDS as readonly string[]).includes(d.kind)) {
      throw new InputError(`${d.field}.kind`, `must be one of ${NET_LAYER_KINDS.join(', ')}; got ${JSON.stringify(d.kind)}`);
    }
    const name = d.name ?? `${d.kind}${index}`;
    if (!NAME_PATTERN.test(name)) throw new InputError(`${d.field}.name`, `must be a letter then letters, digits or _ (at most 41); got ${JSON.stringify(name)}`);
    if (names.has(name)) throw new InputError(`${d.field}.name`, `${name} is used by an earlier layer; names must be unique`);
    names.add(name);
    const { layer, out } = d.kind === 'conv' || d.kind === 'linear' ? resolveEngine(ctx, d, index, name) : resolveOther(ctx, d, index, name);
    ctx.layers.push(layer);
    ctx.tensors.push(out);
  });
  const last = ctx.layers[ctx.layers.length - 1];
  const logits = ctx.tensors[ctx.tensors.length - 1];
  if (last.kind !== 'conv' && last.kind !== 'linear') {
    throw new InputError(`${last.field}.kind`, `the last layer gives the logits and must be a conv or linear layer; ${last.name} is ${last.kind}`);
  }
  if (logits.h !== 1 || logits.w !== 1) {
    throw new InputError(`${last.field}`, `the last layer gives the logits, a 1 x 1 x N tensor; ${last.name} gives ${shapeText(logits)}`);
  }
  return { name: desc.name, field: desc.field, actBits, logitBits, inputScale: input.scale, inputLayout: input.layout, layers: ctx.layers, tensors: ctx.tensors };
}

/** The conv and linear layers, in order. */
export function engineLayers(spec: NetworkSpec): EngineLayer[] {
  return spec.layers.filter((l): l is EngineLayer => l.kind === 'conv' || l.kind === 'linear');
}

/**
 * The layer whose scale tensor t carries: -1 for the input; an engine layer's output and the
 * output of its folded ReLU carry that layer's scale; relu, pools and flatten keep their input's.
 */
export function scaleSource(spec: NetworkSpec, tensor: number): number {
  for (let t = tensor; t > 0; t--) {
    const layer = spec.layers[t - 1];
    if (layer.kind === 'conv' || layer.kind === 'linear') return t - 1;
  }
  return -1;
}

/**
 * Images for a network, each a feature map in stream order ((h*W + w)*C + c): integers of the
 * input tensor, or reals (quantized with the input scale by the integer network).
 */
export type NetworkImages = { readonly kind: 'integer'; readonly images: readonly Int32Array[] } | { readonly kind: 'real'; readonly images: readonly Float64Array[] };

/** Checks that every image has the input's H * W * C values. */
export function checkImages(spec: NetworkSpec, images: NetworkImages): void {
  const t = spec.tensors[0];
  const size = t.h * t.w * t.c;
  images.images.forEach((x, v) => {
    if (x.length !== size) throw new InputError(`images[${v}]`, `must hold H * W * C = ${size} values (${shapeText(t)}); got ${x.length}`);
  });
}
