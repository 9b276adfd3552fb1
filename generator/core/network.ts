/**
 * A network of FleXOR layers (docs/NETWORK.md): the description a manifest gives, checked and
 * resolved into a NetworkSpec, i.e. every layer with its kind, settings and the tensors it reads
 * (by default the previous layer's output; a layer may name its input, an add its two), the
 * shape, width and signedness of every tensor, and every conv/linear layer's decoded weights and
 * real scales and biases (a batch norm folded in). Scales of the tensors (calibrated or given)
 * come in later (netquant.ts). Pure: trained layers arrive already read.
 */
import { InputError } from './errors.js';
import { BIAS_STREAM, drawLayer, MAX_ACT_BITS, MAX_OUT_BITS, MIN_OUT_BITS, planeWeightBits, resolveLayer, type LayerConfig, type LayerData, type LayerOptions, type Layout } from './layer.js';
import type { MatrixDraw, XorMatrix } from './matrix.js';
import { convOutputSize, intRange, shapeText, type FeatureShape, type Kernel } from './netops.js';
import { findAverageDivider, MAX_DIVIDER_SHIFT, type AverageDivider } from './pool.js';
import { testRandom } from './prng.js';
import { trainedMatrixOptions, type TrainedLayer } from './trained.js';

export const NET_LAYER_KINDS = ['conv', 'linear', 'relu', 'maxpool', 'avgpool', 'flatten', 'add', 'shortcut', 'batchnorm'] as const;
export type NetLayerKind = (typeof NET_LAYER_KINDS)[number];
/** The kinds that only residual networks use (joins, shortcuts, batch norms folded at import). */
const RESIDUAL_KINDS: readonly NetLayerKind[] = ['add', 'shortcut', 'batchnorm'];

/** The InputError of an unknown layer kind at `field` (`net.yaml:layers[5].kind`). */
export function kindError(field: string, kind: unknown): InputError {
  const chain = NET_LAYER_KINDS.filter((k) => !RESIDUAL_KINDS.includes(k));
  return new InputError(field, `must be one of ${chain.join(', ')}; got ${JSON.stringify(kind)} (residual networks also take ${RESIDUAL_KINDS.join(', ')})`);
}
export type ImageLayout = 'nchw' | 'nhwc';
export const IMAGE_LAYOUTS: readonly ImageLayout[] = ['nchw', 'nhwc'];
export type WeightSource = 'rom' | 'stream';

/** Bits of the activation tensors between layers (unsigned after a ReLU, signed otherwise): 2..15. */
export const MIN_NET_ACT_BITS = 2;
export const MAX_NET_ACT_BITS = MAX_ACT_BITS - 1;
/** Largest input height or width. */
export const MAX_IMAGE_SIDE = 4096;
/** What a layer's `input` (or an add's `inputs`) calls the network's input tensor; no layer may have this name. */
export const INPUT_NAME = 'input';
/** PyTorch's default epsilon of a batch norm. */
export const BATCHNORM_EPS = 1e-5;

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
  /** The layer whose output it reads (`input` for the network's input); default the previous layer. */
  readonly input?: string;
  /** add: the two layers whose outputs it adds. */
  readonly inputs?: readonly string[];
  /** shortcut: the output channels (default the input's) and where the input's channels start in them. */
  readonly channels?: number;
  readonly offset?: number;
  /** batchnorm: per channel of the conv/linear layer before it. */
  readonly gamma?: readonly number[];
  readonly beta?: readonly number[];
  readonly mean?: readonly number[];
  readonly var?: readonly number[];
  readonly eps?: number;
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
  /** Position in the network: writes tensor `index + 1`. */
  readonly index: number;
  /** Position in the manifest's `layers` (differs from `index` after a folded batch norm). */
  readonly position: number;
  readonly field: string;
  /** The tensors it reads (0 the input, t the output of layer t - 1): one, or two for an add. */
  readonly inputs: readonly number[];
}

/** A conv or linear layer, before quantization: its weights and real scales and biases. */
export interface EngineLayer extends LayerBase {
  readonly kind: 'conv' | 'linear';
  readonly kernel: Kernel;
  readonly stride: number;
  readonly padding: number;
  /** The next layer is a ReLU of its output, folded into this layer's requantization. */
  readonly reluFolded: boolean;
  /** The batch norm folded into its scales and biases (docs/NETWORK.md, "Batch norm"), by name. */
  readonly batchnorm?: string;
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
  /** M, S and R of floor((sum * M + R) / 2^S) = round_half_up(sum / count) for every sum in range (core/pool.ts). */
  readonly divider: AverageDivider;
}

export interface FlattenLayer extends LayerBase {
  readonly kind: 'flatten';
}

/** The sum of two tensors of one shape, each with its own scale (docs/NETWORK.md, "Add"). */
export interface AddLayer extends LayerBase {
  readonly kind: 'add';
  /** The next layer is a ReLU of its output, folded: the add saturates to b + 1 bits, the ReLU clamps. */
  readonly reluFolded: boolean;
  /** Its saturation width: b + 1 before a folded ReLU, else b (signed). */
  readonly outBits: number;
  /** The output tensor's scale, when the manifest gives it. */
  readonly scale?: number;
}

/** Option A of a ResNet shortcut: keep every stride-th row and column, zero channels around the input's. */
export interface ShortcutLayer extends LayerBase {
  readonly kind: 'shortcut';
  readonly stride: number;
  /** Output channels; the input's channel c becomes channel offset + c, the others are 0. */
  readonly channels: number;
  readonly offset: number;
}

export type NetLayer = EngineLayer | ReluLayer | MaxPoolLayer | AvgPoolLayer | FlattenLayer | AddLayer | ShortcutLayer;

/** A layer with a scale of its own (calibrated or given): conv, linear or add. */
export type ScaledLayer = EngineLayer | AddLayer;

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

/** `layers[3]`, the manifest position of a layer, for messages. */
function at(position: number): string {
  return `layers[${position}]`;
}

/**
 * The seeded reals of a network layer: alpha_real as drawLayer draws them (stream 8,
 * (1 + below(2^16)) * 2^-(17+p)), and, with `drawBias`, biases from stream 9 as
 * (next() - 2^31) * 2^-31, uniform in [-1, 1) (a network does not scale them by the activation
 * range as `flexor generate layer` does).
 */
function seededReals(data: LayerData, drawBias: boolean): { alphaReal: number[][]; biasReal?: number[] } {
  const { config } = data;
  if (!drawBias) return { alphaReal: data.alphaReal };
  const rng = testRandom(config.seed, BIAS_STREAM);
  return { alphaReal: data.alphaReal, biasReal: Array.from({ length: config.n }, () => (rng.nextUint32() - 2 ** 31) * 2 ** -31) };
}

/**
 * The layer's weights: seeded (drawn from its settings) or trained (from its file). With a batch
 * norm folded in (`normalized`) the layer has a bias whatever its own settings say.
 */
function engineWeights(d: LayerDescription, normalized: boolean): Pick<EngineLayer, 'config' | 'matrices' | 'encrypted' | 'nSlices' | 'alphaReal' | 'biasReal' | 'origin'> {
  const e = d.engine ?? {};
  const arithmetic: Partial<LayerOptions> = { lanes: e.lanes, simd: e.simd, alphaBits: e.alphaBits, alphaFrac: 0, biasBits: e.biasBits };
  if (d.trained !== undefined) {
    const t = d.trained;
    const seededKeys = (['shape', 'nIn', 'nOut', 'nTap', 'dense', 'draw', 'planes', 'layout'] as const).filter((k) => (k === 'shape' ? d.shape : e[k]) !== undefined);
    if (seededKeys.length > 0) throw new InputError(`${d.field}.${seededKeys[0]}`, `cannot be combined with from: the trained layer gives it`);
    if (e.bias === true && t.bias === undefined) throw new InputError(`${d.field}.bias`, `${d.from ?? 'the trained layer'} has no bias array`);
    const config = withField(d.field, () => resolveLayer({ ...arithmetic, seed: e.seed, bias: t.bias !== undefined || normalized, ...trainedMatrixOptions(t) }));
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
    resolveLayer({ ...arithmetic, shape: [...d.shape!], nIn: e.nIn!, nOut: e.nOut!, nTap: e.nTap, dense: e.dense, draw: e.draw, seed: e.seed, planes: e.planes, layout: e.layout, bias: e.bias === true || normalized }),
  );
  const data = drawLayer(config);
  return { config, matrices: data.matrices, encrypted: data.encrypted, nSlices: data.nSlices, ...seededReals(data, e.bias === true), origin: { kind: 'seeded' } };
}

/**
 * A batch norm folded into the conv/linear layer before it (docs/NETWORK.md, "Batch norm"): with
 * g[c] = gamma[c] / sqrt(var[c] + eps), alpha'_p[c] = alpha_p[c] * g[c] and
 * bias'[c] = (bias[c] - mean[c]) * g[c] + beta[c] (bias 0 when the layer has none).
 */
export function foldBatchNorm(bn: LayerDescription, layerName: string, alphaReal: readonly (readonly number[])[], biasReal: readonly number[] | undefined): { alphaReal: number[][]; biasReal: number[] } {
  const n = alphaReal[0].length;
  const list = (key: 'gamma' | 'beta' | 'mean' | 'var'): readonly number[] => {
    const values = bn[key];
    if (values === undefined) throw new InputError(`${bn.field}.${key}`, `is required: ${bn.name} normalizes the ${n} output channels of ${layerName} (gamma, beta, mean, var: ${n} numbers each)`);
    if (values.length !== n) throw new InputError(`${bn.field}.${key}`, `must hold ${n} numbers, one per output channel of ${layerName}; got ${values.length}`);
    const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || (key === 'var' && v < 0));
    if (bad >= 0) throw new InputError(`${bn.field}.${key}[${bad}]`, `must be a finite number${key === 'var' ? ' >= 0 (a variance)' : ''}; got ${String(values[bad])}`);
    return values;
  };
  const eps = bn.eps ?? BATCHNORM_EPS;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) throw new InputError(`${bn.field}.eps`, `must be a positive finite number (default ${BATCHNORM_EPS}, PyTorch's); got ${String(eps)}`);
  const gamma = list('gamma');
  const beta = list('beta');
  const mean = list('mean');
  const variance = list('var');
  const g = gamma.map((v, c) => v / Math.sqrt(variance[c] + eps));
  return {
    alphaReal: alphaReal.map((row) => row.map((a, c) => a * g[c])),
    biasReal: g.map((gc, c) => ((biasReal?.[c] ?? 0) - mean[c]) * gc + beta[c]),
  };
}

/** A manifest layer other than a batch norm: its description, position, name and the batch norm folded into it. */
interface Entry {
  readonly d: LayerDescription;
  readonly position: number;
  readonly name: string;
  readonly bn?: LayerDescription;
}

interface Context {
  readonly desc: NetworkDescription;
  readonly actBits: number;
  readonly logitBits: number;
  readonly entries: readonly Entry[];
  /** Per entry, the tensors it reads. */
  readonly inputs: readonly (readonly number[])[];
  readonly layers: NetLayer[];
  readonly tensors: TensorType[];
}

/** What tensor t is, for messages: `the input, 28 x 28 x 1` or `the output of pool1 (layers[2]), 14 x 14 x 32`. */
function tensorText(ctx: Context, t: number): string {
  const shape = shapeText(ctx.tensors[t]);
  if (t === 0) return `the input, ${shape}`;
  const e = ctx.entries[t - 1];
  return `the output of ${e.bn ? `${e.bn.name} (${at(e.position + 1)})` : `${e.name} (${at(e.position)})`}, ${shape}`;
}

/** Is entry i's output read by entry i + 1, a relu (which then folds into it)? */
function reluFollows(ctx: Context, i: number): boolean {
  const next = ctx.entries[i + 1];
  return next !== undefined && next.d.kind === 'relu' && ctx.inputs[i + 1][0] === i + 1;
}

/** A conv or linear layer, its kernel checked against its input tensor. */
function resolveEngine(ctx: Context, entry: Entry, index: number): { layer: EngineLayer; out: TensorType } {
  const { d, name } = entry;
  const inputs = ctx.inputs[index];
  const input = ctx.tensors[inputs[0]];
  const last = index === ctx.entries.length - 1;
  const reluFolded = reluFollows(ctx, index);
  const shapeField = `${d.field}.${d.trained ? 'from' : 'shape'}`;
  const drawn = engineWeights(d, entry.bn !== undefined);
  const weights = entry.bn ? { ...drawn, ...foldBatchNorm(entry.bn, name, drawn.alphaReal, drawn.biasReal) } : drawn;
  const { shape } = weights.config;
  let kernel: Kernel;
  let stride = 1;
  let padding = 0;
  const where = `${name} (${at(entry.position)})`;
  if (d.kind === 'conv') {
    if (shape.length !== 4) throw new InputError(shapeField, `${name} is a conv: its weights must be [Cout, Cin, kh, kw]; got [${shape.join(', ')}]`);
    kernel = { cout: shape[0], cin: shape[1], kh: shape[2], kw: shape[3] };
    stride = requireIn(`${d.field}.stride`, d.stride, 1, 1, 2, 'an integer, 1 or 2');
    padding = requireIn(`${d.field}.padding`, d.padding, 0, 0, Math.min(kernel.kh, kernel.kw) - 1, `an integer from 0 to min(kh, kw) - 1 = ${Math.min(kernel.kh, kernel.kw) - 1}`);
    if (kernel.cin !== input.c) {
      throw new InputError(shapeField, `${where} takes Cin = ${kernel.cin} input channels (weights [${shape.join(', ')}]), but its input is ${tensorText(ctx, inputs[0])}`);
    }
    if (input.h + 2 * padding < kernel.kh || input.w + 2 * padding < kernel.kw) {
      throw new InputError(shapeField, `${where}: its ${kernel.kh} x ${kernel.kw} kernel does not fit its input with padding ${padding}: ${tensorText(ctx, inputs[0])}`);
    }
  } else {
    if (shape.length !== 2) throw new InputError(shapeField, `${name} is linear: its weights must be [out, in]; got [${shape.join(', ')}]`);
    kernel = { cout: shape[0], cin: shape[1], kh: 1, kw: 1 };
    if (input.h !== 1 || input.w !== 1 || input.c !== kernel.cin) {
      const hint = input.h * input.w > 1 ? ' (a linear layer takes a 1 x 1 x C vector: put a flatten before it)' : '';
      throw new InputError(shapeField, `${where} takes 1 x 1 x ${kernel.cin} (weights [${shape.join(', ')}]), but its input is ${tensorText(ctx, inputs[0])}${hint}`);
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
  const layer: EngineLayer = {
    kind: d.kind as 'conv' | 'linear', name, index, position: entry.position, field: d.field, inputs, kernel, stride, padding, reluFolded, last, actBits, outBits, ...weights, bits, weights: d.engine?.weights,
    ...(entry.bn ? { batchnorm: entry.bn.name } : {}),
    ...(scale !== undefined ? { scale } : {}),
  };
  return { layer, out };
}

/** An add: two tensors of one shape. */
function resolveAdd(ctx: Context, entry: Entry, index: number): { layer: AddLayer; out: TensorType } {
  const { d, name } = entry;
  const inputs = ctx.inputs[index];
  const [a, b] = inputs.map((t) => ctx.tensors[t]);
  if (a.h !== b.h || a.w !== b.w || a.c !== b.c) {
    throw new InputError(`${d.field}.inputs`, `${name} (${at(entry.position)}) adds tensors of one shape; its inputs are ${tensorText(ctx, inputs[0])}, and ${tensorText(ctx, inputs[1])}`);
  }
  const reluFolded = reluFollows(ctx, index);
  const outBits = reluFolded ? ctx.actBits + 1 : ctx.actBits;
  const scale = requirePositiveScale(`${d.field}.scale`, d.scale);
  const layer: AddLayer = { kind: 'add', name, index, position: entry.position, field: d.field, inputs, reluFolded, outBits, ...(scale !== undefined ? { scale } : {}) };
  return { layer, out: { h: a.h, w: a.w, c: a.c, bits: outBits, signed: true } };
}

/** A relu, pool, flatten or shortcut layer and its output tensor. */
function resolveOther(ctx: Context, entry: Entry, index: number): { layer: NetLayer; out: TensorType } {
  const { d, name } = entry;
  const inputs = ctx.inputs[index];
  const input = ctx.tensors[inputs[0]];
  const base = { name, index, position: entry.position, field: d.field, inputs };
  switch (d.kind) {
    case 'relu': {
      const prev = ctx.layers[index - 1];
      const folded = index > 0 && inputs[0] === index && (prev.kind === 'conv' || prev.kind === 'linear' || prev.kind === 'add');
      // Folded: the engine's signed (b+1)-bit output clamped to unsigned b bits. Else a clamp of a
      // signed b-bit tensor to [0, 2^(b-1) - 1], unsigned b - 1 bits; an unsigned tensor passes.
      const out = folded ? { ...input, bits: ctx.actBits, signed: false } : input.signed ? { ...input, bits: input.bits - 1, signed: false } : input;
      return { layer: { kind: 'relu', ...base, folded }, out };
    }
    case 'maxpool': {
      if (d.size === undefined) throw new InputError(`${d.field}.size`, 'is required: k of a k x k window with stride k');
      const size = requireIn(`${d.field}.size`, d.size, 0, 1, MAX_IMAGE_SIDE, 'an integer k >= 1 (a k x k window, stride k)');
      if (input.h % size !== 0 || input.w % size !== 0) {
        throw new InputError(`${d.field}.size`, `${name} (${at(entry.position)}): a ${size} x ${size} pool does not divide its input, ${tensorText(ctx, inputs[0])}`);
      }
      return { layer: { kind: 'maxpool', ...base, size }, out: { ...input, h: input.h / size, w: input.w / size } };
    }
    case 'avgpool': {
      const count = input.h * input.w;
      const { min, max } = intRange(input.bits, input.signed);
      const divider = findAverageDivider(count, min, max);
      if (divider === undefined) throw new InputError(d.field, `${name}: no floor((sum * M + R) / 2^S) with S <= ${MAX_DIVIDER_SHIFT} averages ${count} values of ${tensorText(ctx, inputs[0])}`);
      return { layer: { kind: 'avgpool', ...base, count, divider }, out: { ...input, h: 1, w: 1 } };
    }
    case 'flatten':
      return { layer: { kind: 'flatten', ...base }, out: { ...input, h: 1, w: 1, c: input.h * input.w * input.c } };
    case 'shortcut': {
      const stride = requireIn(`${d.field}.stride`, d.stride, 2, 1, 2, 'an integer, 1 or 2');
      const channels = requireIn(`${d.field}.channels`, d.channels, input.c, input.c, 65536, `an integer from the input's ${input.c} channels (${tensorText(ctx, inputs[0])}) to 65536`);
      const offset = requireIn(`${d.field}.offset`, d.offset, Math.floor((channels - input.c) / 2), 0, channels - input.c, `an integer from 0 to channels - Cin = ${channels - input.c}`);
      const out = { ...input, h: Math.ceil(input.h / stride), w: Math.ceil(input.w / stride), c: channels };
      return { layer: { kind: 'shortcut', ...base, stride, channels, offset }, out };
    }
    default:
      throw kindError(`${d.field}.kind`, d.kind);
  }
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,40}$/;

/**
 * The manifest's layers with every batch norm folded into the conv/linear layer right before it;
 * names checked (default `<kind><position>`, unique, not `input`).
 */
function manifestEntries(desc: NetworkDescription): Entry[] {
  const entries: Entry[] = [];
  const names = new Set<string>();
  desc.layers.forEach((d, position) => {
    if (!(NET_LAYER_KINDS as readonly string[]).includes(d.kind)) {
      throw kindError(`${d.field}.kind`, d.kind);
    }
    const name = d.name ?? `${d.kind}${position}`;
    if (!NAME_PATTERN.test(name)) throw new InputError(`${d.field}.name`, `must be a letter then letters, digits or _ (at most 41); got ${JSON.stringify(name)}`);
    if (name === INPUT_NAME) throw new InputError(`${d.field}.name`, `${INPUT_NAME} names the network's input (in a layer's input or inputs); choose another name`);
    if (names.has(name)) throw new InputError(`${d.field}.name`, `${name} is used by an earlier layer; names must be unique`);
    names.add(name);
    if (d.kind !== 'batchnorm') {
      entries.push({ d, position, name });
      return;
    }
    const prev = entries[entries.length - 1];
    const prevDesc = desc.layers[position - 1];
    if (prev === undefined || prevDesc?.kind === 'batchnorm' || (prev.d.kind !== 'conv' && prev.d.kind !== 'linear') || d.input !== undefined) {
      const what = prev === undefined ? 'the input' : prevDesc.kind === 'batchnorm' ? `another batchnorm (${prevDesc.name ?? `batchnorm${position - 1}`})` : `${prev.name}, a ${prev.d.kind}`;
      throw new InputError(`${d.field}${d.input !== undefined ? '.input' : '.kind'}`, `${name} (${at(position)}): a batchnorm folds into the conv or linear layer right before it, and reads its output (no input key); it follows ${what}`);
    }
    entries[entries.length - 1] = { ...prev, bn: { ...d, name } };
  });
  return entries;
}

/** Where a name points: the entry index whose output it is (-1 for the input), or undefined. */
function nameTable(entries: readonly Entry[]): { index: Map<string, number>; hidden: Map<string, string> } {
  const index = new Map<string, number>([[INPUT_NAME, -1]]);
  const hidden = new Map<string, string>();
  entries.forEach((e, i) => {
    if (e.bn) {
      hidden.set(e.name, e.bn.name!);
      index.set(e.bn.name!, i);
    } else index.set(e.name, i);
  });
  return { index, hidden };
}

/**
 * The tensors each entry reads: the previous one's output by default, or those its `input` (or
 * an add's `inputs`) names. A name must be the input or an earlier layer: so the graph has no cycle.
 */
function entryInputs(entries: readonly Entry[]): number[][] {
  const { index, hidden } = nameTable(entries);
  const all = [INPUT_NAME, ...index.keys()].filter((n, i, a) => a.indexOf(n) === i);
  return entries.map((e, i) => {
    const { d } = e;
    const ref = (name: unknown, field: string): number => {
      if (typeof name !== 'string') throw new InputError(field, `must be a layer name (or ${INPUT_NAME}, the network's input); got ${JSON.stringify(name)}`);
      if (hidden.has(name)) throw new InputError(field, `${name}'s output is normalized by ${hidden.get(name)}, folded into it: name ${hidden.get(name)} instead`);
      const j = index.get(name);
      if (j === undefined) throw new InputError(field, `names ${name}, which is no layer of the network; the names are ${all.join(', ')}`);
      if (j === i) throw new InputError(field, `${e.name} (${at(e.position)}) names itself: a layer reads the input or earlier layers' outputs`);
      if (j > i) throw new InputError(field, `${e.name} (${at(e.position)}) names ${name} (${at(entries[j].position)}), which comes later: a layer reads only the input or earlier layers' outputs, so the network has no cycle`);
      return j + 1;
    };
    if (d.kind === 'add') {
      if (d.input !== undefined) throw new InputError(`${d.field}.input`, `an add takes inputs: [a, b], the two layers whose outputs it adds`);
      if (!Array.isArray(d.inputs) || d.inputs.length !== 2) throw new InputError(`${d.field}.inputs`, `is required: a list of the two layers whose outputs ${e.name} adds; got ${JSON.stringify(d.inputs)}`);
      return d.inputs.map((name, k) => ref(name, `${d.field}.inputs[${k}]`));
    }
    if (d.inputs !== undefined) throw new InputError(`${d.field}.inputs`, `only an add has inputs; a ${d.kind} reads one tensor (input: <layer>)`);
    return [d.input === undefined ? i : ref(d.input, `${d.field}.input`)];
  });
}

/**
 * The graph's rules beyond shapes: a conv/linear/add whose ReLU is folded into it has no other
 * reader (its pre-ReLU tensor is not kept), and every layer's output but the last's is read.
 */
function checkGraph(ctx: Context): void {
  const readers = new Map<number, number[]>();
  ctx.inputs.forEach((ins, i) => ins.forEach((t) => readers.set(t, [...(readers.get(t) ?? []), i])));
  ctx.layers.forEach((layer, i) => {
    const own = readers.get(i + 1) ?? [];
    const e = ctx.entries[i];
    if ((layer.kind === 'conv' || layer.kind === 'linear' || layer.kind === 'add') && layer.reluFolded && own.length > 1) {
      const other = ctx.entries[own.find((r) => r !== i + 1)!];
      throw new InputError(`${other.d.field}.${other.d.kind === 'add' ? 'inputs' : 'input'}`, `${other.name} (${at(other.position)}) reads ${e.bn?.name ?? layer.name} before its ReLU ${ctx.entries[i + 1].name} (${at(ctx.entries[i + 1].position)}), which is folded into it: read the ReLU's output`);
    }
    if (i < ctx.layers.length - 1 && own.length === 0) {
      const who = e.bn ? `${e.bn.name} (${at(e.position + 1)})` : `${layer.name} (${at(e.position)})`;
      throw new InputError(e.bn?.field ?? e.d.field, `the output of ${who} is read by no layer (a dangling branch): every layer but the last feeds another, by order or by a later layer's input or inputs`);
    }
  });
}

/**
 * Checks a network description and resolves it: names (default `<kind><position>`), kinds, the
 * graph (inputs by order or by name, only earlier layers, no dangling branch), batch norms folded
 * into their layers, every setting, the shapes from the input to the logits (an error names both
 * layers and both shapes when they do not fit), tensor widths and signedness, seeded draws and
 * decoded weights.
 */
export function resolveNetwork(desc: NetworkDescription): NetworkSpec {
  const input = resolveInput(desc);
  const actBits = requireIn(`${desc.field}:actBits`, desc.actBits, 8, MIN_NET_ACT_BITS, MAX_NET_ACT_BITS);
  const logitBits = requireIn(`${desc.field}:logitBits`, desc.logitBits, 16, MIN_OUT_BITS, MAX_OUT_BITS);
  if (!Array.isArray(desc.layers) || desc.layers.length === 0) throw new InputError(`${desc.field}:layers`, 'must be a non-empty list of layers');
  const entries = manifestEntries(desc);
  const ctx: Context = { desc, actBits, logitBits, entries, inputs: entryInputs(entries), layers: [], tensors: [input.type] };
  entries.forEach((entry, index) => {
    const kind = entry.d.kind;
    const { layer, out } = kind === 'conv' || kind === 'linear' ? resolveEngine(ctx, entry, index) : kind === 'add' ? resolveAdd(ctx, entry, index) : resolveOther(ctx, entry, index);
    ctx.layers.push(layer);
    ctx.tensors.push(out);
  });
  checkGraph(ctx);
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

/** The layers with a scale of their own (conv, linear, add), in order. */
export function scaledLayers(spec: NetworkSpec): ScaledLayer[] {
  return spec.layers.filter((l): l is ScaledLayer => l.kind === 'conv' || l.kind === 'linear' || l.kind === 'add');
}

/**
 * The layer whose scale tensor t carries: -1 for the input; a conv/linear/add layer's output and
 * the output of its folded ReLU carry that layer's scale; relu, pools, flatten and shortcut keep
 * their input's.
 */
export function scaleSource(spec: NetworkSpec, tensor: number): number {
  for (let t = tensor; t > 0; ) {
    const layer = spec.layers[t - 1];
    if (layer.kind === 'conv' || layer.kind === 'linear' || layer.kind === 'add') return t - 1;
    t = layer.inputs[0];
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
