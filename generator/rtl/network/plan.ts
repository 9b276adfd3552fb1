/**
 * The block chain of a network accelerator (docs/NETWORK.md, "The accelerator"): which stream
 * block computes each layer, the streams (edges) between them, where FIFOs sit and how deep, and
 * each block's figures. Pure: a plan from a resolved, quantized network; the generator renders it.
 */
import { InputError } from '../../core/errors.js';
import type { NetworkModel, QuantizedEngine } from '../../core/netquant.js';
import type { AddLayer, EngineLayer, NetLayer, NetworkSpec, ShortcutLayer, TensorType } from '../../core/network.js';
import { byteBits, ceilDiv } from '../../core/streams.js';
import type { Kernel } from '../../core/netops.js';
import { bypassBound, type PathStep } from './bypass.js';
import { layerCollector } from '../layer/collectorplan.js';
import { layerPipeline, NO_PIPELINE, type PipelineSpec } from '../layer/pipeline.js';
import { rateSlack, resolveWindow, type WindowOptions } from '../../core/window.js';

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

export type BlockKind = 'window' | 'engine' | 'fifo' | 'tail' | 'maxpool' | 'avgpool' | 'flatten' | 'fork' | 'argmax' | 'fmfork' | 'add' | 'shortcut' | 'width';

/** One block instance of the chain. */
export interface PlannedBlock {
  readonly kind: BlockKind;
  /** Instance name in the top module (u_<name>) and the suffix of its module name. */
  readonly name: string;
  /** The network layer it belongs to. */
  readonly layer: string;
  readonly input: Edge;
  /** A second input stream (an add's bypass: its s_axis_b). */
  readonly input2?: Edge;
  /** Its second input's port prefix. */
  readonly inPort2?: string;
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

/** A bypass FIFO of a residual block: its depth, the bound it comes from (docs/NETWORK.md, "Bypass FIFOs"). */
export interface BypassFifo {
  /** The FIFO block's name. */
  readonly block: string;
  /** The add it feeds. */
  readonly add: string;
  readonly depth: number;
  /** The depth computed: (pixels + slackPixels) * beatsPerPixel (the depth unless overridden). */
  readonly computed: number;
  /** The deadlock bound in beats: pixels * beatsPerPixel (a FIFO below it less the other bypass storage stalls). */
  readonly deadlockDepth: number;
  /** The deadlock bound in pixels of the add's input, and beats per pixel at the FIFO. */
  readonly pixels: number;
  readonly beatsPerPixel: number;
  /** Pixels the fork sends during the branch's latency at the network's rate (the rate term). */
  readonly slackPixels: number;
  /** The branch's latency estimate in cycles and the fork's cycles per pixel at the slowest block's rate. */
  readonly branchLatency: number;
  readonly cyclesPerPixel: number;
}

export interface PlanOptions {
  /** Bypass FIFO depths by FIFO block name (`<add>_bypass`), replacing the computed ones (tests). */
  readonly bypassDepths?: Readonly<Record<string, number>>;
  /** Every engine's --pipeline stages: their cycles add to a branch's latency. */
  readonly pipeline?: PipelineSpec;
}

export interface NetworkPlan {
  readonly blocks: readonly PlannedBlock[];
  readonly bypass: readonly BypassFifo[];
  readonly input: Edge;
  readonly logits: Edge;
  readonly label: Edge;
  readonly edges: readonly Edge[];
}

/**
 * A stride-2 window's options with the slack that keeps it at the network's rate (docs/NETWORK.md,
 * "Stride-2 windows": it takes two input rows per output row, so with the default slack it stops
 * its producer while it emits); other windows keep the default.
 */
export function withRateSlack<T extends WindowOptions>(options: T): T {
  if ((options.stride ?? 1) < 2) return options;
  const config = resolveWindow(options);
  return { ...options, slack: Math.max(config.slack, rateSlack(config)) };
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

/** The plan builder: walks the layers, appending blocks, keeping each tensor's stream. */
class ChainBuilder {
  readonly blocks: PlannedBlock[] = [];
  readonly bypass: BypassFifo[] = [];
  current: Edge;
  /** The tensor a pending flatten produces (realized at the next linear layer). */
  pendingFlatten: number | undefined;
  /** The stream carrying each tensor (its last block's output), and a forked tensor's second copy. */
  readonly streams = new Map<number, Edge>();
  readonly forked = new Map<number, Edge>();
  /** Readers of each tensor (folded ReLUs not counted). */
  readonly readers = new Map<number, number>();

  /** The slowest engine's cycles per image (or the input's beats): the network's ideal rate, near enough. */
  readonly rate: number;

  constructor(readonly model: NetworkModel, input: Edge, readonly options: PlanOptions) {
    this.current = input;
    this.rate = model.engines.reduce((most, e) => {
      if (e === undefined) return most;
      const out = model.spec.tensors[e.layer.index + 1];
      return Math.max(most, engineCycles(e, out.h * out.w));
    }, input.beatsPerImage);
    this.streams.set(0, input);
    for (const l of model.spec.layers) {
      if (l.kind === 'relu' && l.folded) continue;
      for (const t of l.inputs) this.readers.set(t, (this.readers.get(t) ?? 0) + 1);
    }
  }

  add(block: Omit<PlannedBlock, 'input'>): Edge {
    this.blocks.push({ ...block, input: this.current });
    this.current = block.outputs[0];
    return this.current;
  }

  /**
   * The stream of tensor t for its next reader: the tensor's stream, or, for a tensor with two
   * readers, the fork's first output for the first reader and its second for the second.
   */
  take(t: number, field: string): Edge {
    const second = this.forked.get(t);
    if (second !== undefined) {
      this.forked.delete(t);
      return second;
    }
    const stream = this.streams.get(t);
    if (stream === undefined) throw new Error(`plan: tensor ${t} has no stream`);
    const readers = this.readers.get(t) ?? 0;
    if (readers <= 1) return stream;
    if (readers > 2) throw new InputError(field, `tensor ${this.tensorName(t)} has ${readers} readers; the accelerator forks a tensor into two`);
    const name = `${this.tensorName(t)}_fork`;
    const a = edge(`${name}_a`, stream.format, name, stream.tensor);
    const b = edge(`${name}_b`, stream.format, name, stream.tensor);
    this.current = stream;
    this.add({ kind: 'fmfork', name, layer: this.tensorName(t), outputs: [a, b], inPort: 'in', outPorts: ['a', 'b'], options: { dataBits: stream.dataBits, beatsPerImage: stream.beatsPerImage } });
    this.forked.set(t, b);
    return a;
  }

  /**
   * A layer's latency on a branch, in cycles, from the beat that completes an output's inputs to
   * that output at the next block (docs/NETWORK.md, "Bypass FIFOs"): a conv's window pipeline (3),
   * the engine loading a vector (ceil(K/S)), computing it (ceil(N/L) * ceil(K/S)), emitting it
   * through the FIFO and the tail (2 * ceil(N/L) + 2), 8 cycles of pipeline, the cycles its
   * --pipeline stages add and those its collector's columns take to fill; a pool's 2.
   */
  latency(l: NetLayer): number {
    if (l.kind !== 'conv') return l.kind === 'maxpool' ? 2 : 0;
    const c = this.model.engines[l.index]!.data.config;
    const load = ceilDiv(c.k, c.simd);
    const burst = ceilDiv(c.n, c.lanes);
    const pipeline = this.options.pipeline ?? NO_PIPELINE;
    return 3 + load + burst * load + 2 * burst + 2 + 8 + layerPipeline(c, pipeline).added + layerCollector(c, pipeline).addedLatency;
  }

  tensorName(t: number): string {
    return t === 0 ? 'input' : this.model.spec.layers[t - 1].name;
  }

  /** Makes `e` the current stream and, when it is a feature map of another beat, converts it to `p` values per beat. */
  rebeat(e: Edge, p: number, name: string, layer: string): Edge {
    this.current = e;
    const f = e.format;
    if (f.kind !== 'fm' || f.p === p) return e;
    const out = edge(`${name}_w`, { ...f, p }, `${name}_w`, e.tensor);
    return this.add({ kind: 'width', name: `${name}_w`, layer, outputs: [out], inPort: 'fm', outPorts: ['fm'], options: { h: f.h, w: f.w, c: f.c, from: f.p, to: p, bits: f.bits } });
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
    const inT = spec.tensors[layer.inputs[0]];
    const outT = spec.tensors[layer.index + 1];
    const positions = outT.h * outT.w;
    if (layer.kind === 'conv') {
      const fm = this.requireFm(layer.name, layer.field);
      const window = { shape: { h: inT.h, w: inT.w, c: inT.c }, kernel: layer.kernel, stride: layer.stride, padding: layer.padding };
      const out = edge(`${layer.name}_win`, { kind: 'vector', k: c.k, s: c.simd, bits: c.actBits, vectors: positions, window }, `${layer.name}_win`, layer.inputs[0]);
      this.add({
        kind: 'window', name: `${layer.name}_win`, layer: layer.name, outputs: [out], inPort: 'fm', outPorts: ['act'],
        options: withRateSlack({
          h: inT.h, w: inT.w, c: inT.c, p: fm.p, bits: inT.bits, signed: inT.signed,
          kh: layer.kernel.kh, kw: layer.kernel.kw, stride: layer.stride, padding: layer.padding, s: c.simd, outBits: c.actBits,
        }),
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

  /** The option A shortcut: the stream widened to whole pixels, subsampled, zero channels around. */
  shortcut(layer: ShortcutLayer, spec: NetworkSpec): void {
    const inT = spec.tensors[layer.inputs[0]];
    this.rebeat(this.current, inT.c, layer.name, layer.name);
    const t = spec.tensors[layer.index + 1];
    const out = edge(`${layer.name}_fm`, fmFormat(t, t.c), layer.name, layer.index + 1);
    this.add({
      kind: 'shortcut', name: layer.name, layer: layer.name, outputs: [out], inPort: 'fm', outPorts: ['fm'],
      options: { h: inT.h, w: inT.w, c: inT.c, bits: inT.bits, signed: inT.signed, stride: layer.stride, channels: layer.channels, offset: layer.offset },
    });
  }

  /**
   * An add: the bypass (the path that runs ahead of the other, `bypassSide`)
   * converted to the branch's beat, through its bypass FIFO, into s_axis_b; the branch into s_axis_a.
   */
  join(layer: AddLayer, spec: NetworkSpec): void {
    const add = this.model.adds[layer.index]!;
    const paths = branchPaths(spec, layer);
    const bypassInput = paths.bypass;
    const [ta, tb] = bypassInput === 1 ? [layer.inputs[0], layer.inputs[1]] : [layer.inputs[1], layer.inputs[0]];
    const [ma, mb] = bypassInput === 1 ? add.multipliers : [add.multipliers[1], add.multipliers[0]];
    const ea = this.take(ta, layer.field);
    const eb = this.take(tb, layer.field);
    if (ea.format.kind !== 'fm' || eb.format.kind !== 'fm') throw new InputError(layer.field, `add ${layer.name} needs two feature maps`);
    const fa = ea.format;
    const converted = this.rebeat(eb, fa.p, `${layer.name}_b`, layer.name);
    const pixels = fa.h * fa.w;
    const beatsPerPixel = ceilDiv(fa.c, fa.p);
    const branch = bypassInput === 1 ? 0 : 1;
    const bound = bypassBound(paths.steps[branch], paths.steps[bypassInput], pixels);
    const fifoName = `${layer.name}_bypass`;
    const branchLatency = paths.layers[branch].reduce((n, l) => n + this.latency(l), 0);
    const forkT = spec.tensors[paths.fork];
    const cyclesPerPixel = this.rate / (forkT.h * forkT.w);
    const slackPixels = Math.ceil(branchLatency / cyclesPerPixel) + 1;
    const computed = Math.max(2, (bound + slackPixels) * beatsPerPixel);
    const override = this.options.bypassDepths?.[fifoName];
    const depth = override ?? computed;
    this.bypass.push({ block: fifoName, add: layer.name, depth, computed, deadlockDepth: Math.max(2, bound * beatsPerPixel), pixels: bound, beatsPerPixel, slackPixels, branchLatency, cyclesPerPixel });
    const queued = edge(`${fifoName}_q`, converted.format, fifoName, converted.tensor);
    this.add({ kind: 'fifo', name: fifoName, layer: layer.name, outputs: [queued], inPort: 'in', outPorts: ['out'], options: { dataBits: converted.dataBits, depth } });
    const fb = converted.format as Extract<EdgeFormat, { kind: 'fm' }>;
    const tensorOut = layer.reluFolded ? layer.index + 2 : layer.index + 1;
    const t = spec.tensors[tensorOut];
    const out = edge(`${layer.name}_fm`, fmFormat(t, fa.p), layer.name, tensorOut);
    this.blocks.push({
      kind: 'add', name: layer.name, layer: layer.name, input: ea, input2: queued, inPort: 'a', inPort2: 'b', outputs: [out], outPorts: ['fm'],
      options: {
        h: fa.h, w: fa.w, c: fa.c, p: fa.p, aBits: fa.bits, aSigned: fa.signed, bBits: fb.bits, bSigned: fb.signed,
        multipliers: [ma, mb], shift: add.shift, satBits: layer.outBits, relu: layer.reluFolded,
      },
    });
    this.current = out;
  }
}

/**
 * The two paths of an add from the tensor where they part (the fork) to its inputs, as steps, and
 * which input is the bypass (`bypassSide`).
 */
function branchPaths(spec: NetworkSpec, layer: AddLayer): { steps: [PathStep[], PathStep[]]; layers: [NetLayer[], NetLayer[]]; fork: number; bypass: 0 | 1 } {
  const ancestors = (t: number) => {
    const list = [t];
    while (t > 0) {
      t = spec.layers[t - 1].inputs[0];
      list.push(t);
    }
    return list;
  };
  const [ta, tb] = layer.inputs;
  const upA = ancestors(ta);
  const upB = ancestors(tb);
  const fork = upA.find((t) => upB.includes(t))!;
  const layersOf = (up: number[]) => up.slice(0, up.indexOf(fork)).reverse().map((t) => spec.layers[t - 1]);
  const steps = (up: number[]): PathStep[] => {
    const out: PathStep[] = [];
    for (const t of up.slice(0, up.indexOf(fork)).reverse()) {
      const l = spec.layers[t - 1];
      const inT = spec.tensors[l.inputs[0]];
      const outT = spec.tensors[t];
      if (l.kind === 'relu') continue;
      if (l.kind === 'conv') out.push({ kind: 'conv', h: inT.h, w: inT.w, wo: outT.w, kernel: l.kernel, stride: l.stride, padding: l.padding });
      else if (l.kind === 'maxpool') out.push({ kind: 'maxpool', w: inT.w, wo: outT.w, k: l.size });
      else if (l.kind === 'shortcut') out.push({ kind: 'shortcut', w: inT.w, wo: outT.w, stride: l.stride });
      else throw new InputError(l.field, `${l.name} (${l.kind}) lies between a fork and the add ${layer.name}; a residual branch may hold convs, max pools and shortcuts`);
    }
    return out;
  };
  const pa = steps(upA);
  const pb = steps(upB);
  const out = spec.tensors[layer.index + 1];
  return { steps: [pa, pb], layers: [layersOf(upA), layersOf(upB)], fork, bypass: bypassSide(pa, pb, out.h * out.w) };
}

/**
 * Which path of an add is the bypass: the one that runs ahead, i.e. whose outputs must wait in a
 * FIFO for the other's (the larger bound as the bypass: an identity or option A shortcut against
 * convs, an option B 1 x 1 conv against two 3 x 3 ones, in either order of the add's inputs); on a
 * tie the one without a conv, else the second.
 */
function bypassSide(pa: readonly PathStep[], pb: readonly PathStep[], pixels: number): 0 | 1 {
  const asB = bypassBound(pa, pb, pixels);
  const asA = bypassBound(pb, pa, pixels);
  if (asB !== asA) return asB > asA ? 1 : 0;
  return pb.every((s) => s.kind !== 'conv') || pa.some((s) => s.kind === 'conv') ? 1 : 0;
}

/** The blocks of a quantized network, a DAG for a residual one; errors name the layer a block cannot take. */
export function planNetwork(model: NetworkModel, options: PlanOptions = {}): NetworkPlan {
  const { spec } = model;
  const t0 = spec.tensors[0];
  const input = edge('s_axis_img', fmFormat(t0, t0.c), 'input', 0);
  const chain = new ChainBuilder(model, input, options);
  spec.layers.forEach((layer, i) => {
    if (layer.kind === 'relu' && layer.folded) {
      chain.streams.set(i + 1, chain.streams.get(i)!);
      return;
    }
    if (layer.kind !== 'add') chain.current = chain.take(layer.inputs[0], layer.field);
    switch (layer.kind) {
      case 'conv':
      case 'linear':
        chain.engine(layer, model.engines[i]!, spec);
        break;
      case 'relu':
        throw new InputError(layer.field, `relu ${layer.name} does not follow a conv, linear or add layer; the accelerator folds a ReLU into the layer before it only`);
      case 'maxpool':
      case 'avgpool': {
        const fm = chain.requireFm(layer.name, layer.field);
        const t = spec.tensors[i + 1];
        const out = edge(`${layer.name}_fm`, fmFormat(t, fm.p), layer.name, i + 1);
        // The average pool's block divides with the layer's divider: the one the golden model uses.
        const options = { h: fm.h, w: fm.w, c: fm.c, p: fm.p, bits: fm.bits, signed: fm.signed, ...(layer.kind === 'maxpool' ? { k: layer.size } : { ...layer.divider }) };
        chain.add({ kind: layer.kind, name: layer.name, layer: layer.name, outputs: [out], inPort: 'fm', outPorts: ['fm'], options });
        break;
      }
      case 'flatten':
        chain.pendingFlatten = i + 1;
        break;
      case 'shortcut':
        chain.shortcut(layer, spec);
        break;
      case 'add':
        chain.join(layer, spec);
        break;
    }
    chain.streams.set(i + 1, chain.current);
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
  return { blocks: chain.blocks, bypass: chain.bypass, input, logits, label, edges };
}
