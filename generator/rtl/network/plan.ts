/**
 * The block chain of a network accelerator (docs/NETWORK.md, "The accelerator"): which stream
 * block computes each layer, the streams (edges) between them, where FIFOs sit and how deep, and
 * each block's figures. Pure: a plan from a resolved, quantized network; the generator renders it.
 */
import { InputError } from '../../core/errors.js';
import type { NetworkModel, QuantizedEngine } from '../../core/netquant.js';
import type { EngineLayer, NetworkSpec, TensorType } from '../../core/network.js';
import { byteBits, ceilDiv } from '../../core/streams.js';
import type { Kernel } from '../../core/netops.js';

/** What a stream carries (docs/STREAMS.md): a feature map, layer input vectors, layer results, labels. */
export type EdgeFormat =
  | { readonly kind: 'fm'; readonly h: number; readonly w: number; readonly c: number; readonly p: number; readonly bits: number; readonly signed: boolean }
  | { readonly kind: 'vector'; readonly k: number; readonly s: number; readonly bits: number; readonly vectors: number; readonly window?: WindowOf }
  | { readonly kind: 'result'; readonly n: number; readonly lanes: number; readonly bits: number; readonly vectors: number }
  | { readonly kind: 'label'; readonly classes: number };

/** A sliding window's geometry: its vectors are the im2col of its input tensor. */
export interface WindowOf {
  readonly shape: { readonly h: number; readonly w: number; readonly c: number };
  readonly kernel: Kernel;
  readonly stride: number;
  readonly padding: number;
}

/** One AXI4-Stream between two blocks (or a top-level port). */
export interface Edge {
  /** The wires' prefix in the top module: `<name>_tdata`, `_tvalid`, `_tready`, `_tlast`. */
  readonly name: string;
  readonly format: EdgeFormat;
  /** Bits of tdata (values packed or in byte slots, padded to bytes). */
  readonly dataBits: number;
  /** Beats per image. */
  readonly beatsPerImage: number;
  /** The golden model's tensor this stream carries, in its stream order (checked by the probes). */
  readonly tensor?: number;
  /** The block whose output it is ('input' for the image port). */
  readonly producer: string;
}

export type BlockKind = 'window' | 'engine' | 'fifo' | 'tail' | 'maxpool' | 'avgpool' | 'flatten' | 'fork' | 'argmax';

/** One block instance of the chain. */
export interface PlannedBlock {
  readonly kind: BlockKind;
  /** Instance name in the top module (u_<name>) and the suffix of its module name. */
  readonly name: string;
  /** The network layer it belongs to. */
  readonly layer: string;
  readonly input: Edge;
  /** Its output streams (two for the fork). */
  readonly outputs: readonly Edge[];
  /** Port prefixes of the block's module: s_axis_<in>, m_axis_<out>. */
  readonly inPort: string;
  readonly outPorts: readonly string[];
  /** Block options for its generator (see accelerator.ts). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The engine, for an engine block. */
  readonly engine?: QuantizedEngine;
  /** Ideal cycles per image at full speed (docs/STREAMS.md, "Blocks"); filled for engines here. */
  readonly idealCycles?: number;
}

export interface NetworkPlan {
  readonly blocks: readonly PlannedBlock[];
  readonly input: Edge;
  readonly logits: Edge;
  readonly label: Edge;
  readonly edges: readonly Edge[];
}

/** tdata bits of a stream of `format`. */
export function edgeDataBits(format: EdgeFormat): number {
  switch (format.kind) {
    case 'fm':
      return byteBits(format.p * format.bits);
    case 'vector':
      return byteBits(format.s * format.bits);
    case 'result':
      return format.lanes * byteBits(format.bits);
    case 'label':
      return byteBits(Math.max(1, Math.ceil(Math.log2(format.classes))));
  }
}

/** Beats per image of a stream of `format`. */
export function edgeBeats(format: EdgeFormat): number {
  switch (format.kind) {
    case 'fm':
      return format.h * format.w * ceilDiv(format.c, format.p);
    case 'vector':
      return format.vectors * ceilDiv(format.k, format.s);
    case 'result':
      return format.vectors * ceilDiv(format.n, format.lanes);
    case 'label':
      return 1;
  }
}

function edge(name: string, format: EdgeFormat, producer: string, tensor?: number): Edge {
  return { name, format, dataBits: edgeDataBits(format), beatsPerImage: edgeBeats(format), producer, ...(tensor !== undefined ? { tensor } : {}) };
}

/**
 * The FIFO after a layer engine holds two of its bursts (one vector's results, ceil(N/LANES)
 * beats): one drains into the next block while the engine writes the next (docs/NETWORK.md, "FIFOs").
 */
export function engineFifoDepth(n: number, lanes: number): number {
  const burst = ceilDiv(n, lanes);
  return Math.max(2, 2 ** Math.ceil(Math.log2(2 * burst)));
}

/** A layer engine's ideal cycles per image: positions * ceil(N/LANES) * ceil(K/SIMD). */
export function engineCycles(engine: QuantizedEngine, positions: number): number {
  const c = engine.data.config;
  return positions * ceilDiv(c.n, c.lanes) * ceilDiv(c.k, c.simd);
}

function fmFormat(t: TensorType, p: number): EdgeFormat {
  return { kind: 'fm', h: t.h, w: t.w, c: t.c, p, bits: t.bits, signed: t.signed };
}

/** The chain builder: walks the layers, appending blocks and keeping the current stream. */
class ChainBuilder {
  readonly blocks: PlannedBlock[] = [];
  current: Edge;
  /** The tensor a pending flatten produces (realized at the next linear layer). */
  pendingFlatten: number | undefined;

  constructor(readonly model: NetworkModel, input: Edge) {
    this.current = input;
  }

  add(block: Omit<PlannedBlock, 'input'>): Edge {
    this.blocks.push({ ...block, input: this.current });
    this.current = block.outputs[0];
    return this.current;
  }

  requireFm(layer: string, field: string): Extract<EdgeFormat, { kind: 'fm' }> {
    if (this.current.format.kind !== 'fm') throw new InputError(field, `layer ${layer} needs a feature map in; it follows a ${this.current.format.kind} stream`);
    return this.current.format;
  }

  /** A flatten block turning the current feature map into the vector stream of an engine. */
  flattenFor(layer: EngineLayer, engine: QuantizedEngine): void {
    const fm = this.requireFm(layer.name, layer.field);
    const c = engine.data.config;
    const tensor = this.pendingFlatten ?? layer.index;
    const out = edge(`${layer.name}_flat`, { kind: 'vector', k: c.k, s: c.simd, bits: c.actBits, vectors: 1 }, `${layer.name}_flat`, tensor);
    this.add({
      kind: 'flatten', name: `${layer.name}_flat`, layer: layer.name, outputs: [out], inPort: 'fm', outPorts: ['act'],
      options: { h: fm.h, w: fm.w, c: fm.c, p: fm.p, bits: fm.bits, signed: fm.signed, s: c.simd, outBits: c.actBits },
    });
    this.pendingFlatten = undefined;
  }

  /** Window (conv), engine, FIFO and the requantization tail (unless it is the last layer). */
  engine(layer: EngineLayer, engine: QuantizedEngine, spec: NetworkSpec): void {
    const c = engine.data.config;
    const inT = spec.tensors[layer.index];
    const outT = spec.tensors[layer.index + 1];
    const positions = outT.h * outT.w;
    if (layer.kind === 'conv') {
      const fm = this.requireFm(layer.name, layer.field);
      const window = { shape: { h: inT.h, w: inT.w, c: inT.c }, kernel: layer.kernel, stride: layer.stride, padding: layer.padding };
      const out = edge(`${layer.name}_win`, { kind: 'vector', k: c.k, s: c.simd, bits: c.actBits, vectors: positions, window }, `${layer.name}_win`, layer.index);
      this.add({
        kind: 'window', name: `${layer.name}_win`, layer: layer.name, outputs: [out], inPort: 'fm', outPorts: ['act'],
        options: {
          h: inT.h, w: inT.w, c: inT.c, p: fm.p, bits: inT.bits, signed: inT.signed,
          kh: layer.kernel.kh, kw: layer.kernel.kw, stride: layer.stride, padding: layer.padding, s: c.simd, outBits: c.actBits,
        },
      });
    } else if (this.current.format.kind === 'fm') {
      this.flattenFor(layer, engine);
    }
    const results = edge(`${layer.name}_res`, { kind: 'result', n: c.n, lanes: c.lanes, bits: layer.outBits, vectors: positions }, layer.name, layer.index + 1);
    this.add({ kind: 'engine', name: layer.name, layer: layer.name, outputs: [results], inPort: 'act', outPorts: ['out'], options: {}, engine, idealCycles: engineCycles(engine, positions) });
    if (layer.last) return;
    const depth = engineFifoDepth(c.n, c.lanes);
    const queued = edge(`${layer.name}_q`, results.format, `${layer.name}_fifo`, layer.index + 1);
    this.add({ kind: 'fifo', name: `${layer.name}_fifo`, layer: layer.name, outputs: [queued], inPort: 'in', outPorts: ['out'], options: { dataBits: results.dataBits, depth } });
    const tensorOut = layer.reluFolded ? layer.index + 2 : layer.index + 1;
    const t = spec.tensors[tensorOut];
    const fmOut = edge(`${layer.name}_fm`, fmFormat(t, c.lanes), `${layer.name}_tail`, tensorOut);
    this.add({
      kind: 'tail', name: `${layer.name}_tail`, layer: layer.name, outputs: [fmOut], inPort: 'res', outPorts: ['fm'],
      options: { n: c.n, lanes: c.lanes, inBits: layer.outBits, bits: t.bits, signed: t.signed, ho: outT.h, wo: outT.w },
    });
  }
}

/**
 * The accelerator is a chain: a residual network (an add, a shortcut, a layer reading other than
 * the previous layer's output) is refused, naming its first such layer. Its golden model, float
 * view and calibration take it (docs/NETWORK.md).
 */
export function refuseResidual(spec: NetworkSpec): void {
  const layer = spec.layers.find((l) => l.kind === 'add' || l.kind === 'shortcut' || l.inputs.length !== 1 || l.inputs[0] !== l.index);
  if (layer === undefined) return;
  const what = layer.kind === 'add' ? 'adds two branches' : layer.kind === 'shortcut' ? 'is a shortcut' : 'reads a tensor other than the previous layer\'s output';
  throw new InputError(layer.field, `residual networks are not yet generated as an accelerator: ${layer.name} ${what}; flexor golden and flexor calibrate take them`);
}

/** The chain of blocks of a quantized network; errors name the layer a block cannot take. */
export function planNetwork(model: NetworkModel): NetworkPlan {
  const { spec } = model;
  refuseResidual(spec);
  const t0 = spec.tensors[0];
  const input = edge('s_axis_img', fmFormat(t0, t0.c), 'input', 0);
  const chain = new ChainBuilder(model, input);
  spec.layers.forEach((layer, i) => {
    switch (layer.kind) {
      case 'conv':
      case 'linear':
        chain.engine(layer, model.engines[i]!, spec);
        break;
      case 'relu':
        if (!layer.folded) throw new InputError(layer.field, `relu ${layer.name} does not follow a conv or linear layer; the accelerator folds a ReLU into the layer before it only`);
        break;
      case 'maxpool':
      case 'avgpool': {
        const fm = chain.requireFm(layer.name, layer.field);
        const t = spec.tensors[i + 1];
        const out = edge(`${layer.name}_fm`, fmFormat(t, fm.p), layer.name, i + 1);
        const options = { h: fm.h, w: fm.w, c: fm.c, p: fm.p, bits: fm.bits, signed: fm.signed, ...(layer.kind === 'maxpool' ? { k: layer.size } : {}) };
        chain.add({ kind: layer.kind, name: layer.name, layer: layer.name, outputs: [out], inPort: 'fm', outPorts: ['fm'], options });
        break;
      }
      case 'flatten':
        chain.pendingFlatten = i + 1;
        break;
    }
  });
  const results = chain.current;
  if (results.format.kind !== 'result') throw new InputError(spec.field, 'the last layer must be a conv or linear layer: its results are the logits');
  const logits = edge('m_axis_logits', results.format, 'fork', results.tensor);
  const toArgmax = edge('argmax_res', results.format, 'fork', results.tensor);
  chain.add({ kind: 'fork', name: 'fork', layer: 'logits', outputs: [logits, toArgmax], inPort: 'in', outPorts: ['a', 'b'], options: { dataBits: results.dataBits } });
  chain.current = toArgmax;
  const label = edge('m_axis_label', { kind: 'label', classes: results.format.n }, 'argmax');
  chain.add({ kind: 'argmax', name: 'argmax', layer: 'logits', outputs: [label], inPort: 'res', outPorts: ['label'], options: { n: results.format.n, lanes: results.format.lanes, inBits: results.format.bits } });
  const edges = [input, ...chain.blocks.flatMap((b) => b.outputs)];
  return { blocks: chain.blocks, input, logits, label, edges };
}
