/**
 * `generateAccelerator`: a chained network as one streaming accelerator — the blocks of
 * `planNetwork` rendered by their own generators, one top module `flexor_<network>` wiring them,
 * and a testbench that runs images through it against the network golden model, with a probe on
 * every block's output stream (docs/NETWORK.md, "The accelerator").
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { networkGolden, quantizeImages, seededImages } from '../../core/netgolden.js';
import { convWindows } from '../../core/netops.js';
import type { NetworkModel } from '../../core/netquant.js';
import type { NetworkImages } from '../../core/network.js';
import { testRandom } from '../../core/prng.js';
import { byteBits, ceilDiv, featureMapBeats, layerResultBeats, vectorStreamBeats, type StreamBeat } from '../../core/streams.js';
import { describeFiles, headerView, manifestFile, packageFiles, type GeneratedDesign, type GeneratedFile } from '../design.js';
import { hdlKeywords, resetKeywords, type Hdl, type ResetStyle } from '../hdl.js';
import { generateLayer, memoryStyle, parsePipeline, pipelineText, type MemoryStyle, type PipelineSpec } from '../layer/generate.js';
import { generateArgmax } from '../stream/argmax.js';
import { generateAvgPool } from '../stream/avgpool.js';
import { generateFifo } from '../stream/fifo.js';
import { generateFlatten } from '../stream/flatten.js';
import { generateMaxPool } from '../stream/maxpool.js';
import { generateRequantTail } from '../stream/requant.js';
import { generateWindow } from '../stream/window.js';
import { generateAdd } from '../stream/add.js';
import { generateFork } from '../stream/fork.js';
import { generateShortcut } from '../stream/shortcut.js';
import { generateWidthConverter } from '../stream/width.js';
import type { StreamBlockDesign } from '../stream/package.js';
import { render } from '../templates.js';
import { MAX_COLUMNS, wrapText } from '../textwrap.js';
import { engineEstimate, streamBlockEstimate } from './estimate.js';
import { planNetwork, type Edge, type NetworkPlan, type PlannedBlock, type PlanOptions } from './plan.js';

export interface AcceleratorOptions {
  readonly hdl?: Hdl;
  readonly reset?: ResetStyle;
  /** Where synthesis puts every engine's weight ROMs (default auto; docs/SYNTH.md, "Memory styles"). */
  readonly romStyle?: MemoryStyle;
  /** Where synthesis puts the activation banks of every oi-layout engine (io engines keep registers). */
  readonly actStyle?: MemoryStyle;
  /** Every engine's --pipeline register stages (docs/ARCHITECTURE.md, "Pipeline"): the flag's text or a manifest's object. */
  readonly pipeline?: string | PipelineSpec;
  /** The test images (integer or real, the network's input shape); else `images` seeded ones. */
  readonly inputs?: NetworkImages;
  /** Seeded test images when no inputs are given (default 4: 1 with stalls, 3 at full speed). */
  readonly images?: number;
  readonly seed?: number;
  /** Images of the test run with stalls (default 1, fewer than the images). */
  readonly stallImages?: number;
  /** For the testbench's images-per-second line. */
  readonly clockMhz?: number;
  /** The command that produced it, for the headers. */
  readonly command?: string;
  /** The network the RTL holds, as files (network.json and trained layers), listed with the others. */
  readonly networkFiles?: readonly GeneratedFile[];
  /** Bypass FIFO depths by FIFO block name, replacing the computed ones (to show the bound is needed). */
  readonly bypassDepths?: PlanOptions['bypassDepths'];
}

export interface BlockFigure {
  readonly block: string;
  readonly kind: string;
  readonly idealCyclesPerImage: number;
  /** Activation buffers, line buffers, FIFOs: bits of data storage. */
  readonly bufferBits: number;
  /** An engine's weight memory (its unit ROMs), as generated. */
  readonly weightBits: number;
  /** LUTs on 6-input LUTs by the model of estimate.ts (docs/NETWORK.md, "LUT estimate"). */
  readonly lutEstimate: number;
  /** An engine's parallelism: MAC lanes and activations per step. */
  readonly lanes?: number;
  readonly simd?: number;
}

/**
 * The accelerator's memories (docs/NETWORK.md, "Memory"): weights as trained (every engine's
 * encrypted bits, q * S * Nin) and as stored in its ROMs; data storage by where it sits.
 */
export interface MemoryFigures {
  readonly trainedWeightBits: number;
  readonly storedWeightBits: number;
  /** The sliding windows' line buffers. */
  readonly lineBufferBits: number;
  /** The engines' activation buffers (two vectors of K values each): banks in the oi layout (block RAM with --act-style block), registers in io. */
  readonly engineBufferBits: number;
  /** The FIFOs after the engines (two result bursts each). */
  readonly engineFifoBits: number;
  /** The residual blocks' bypass FIFOs. */
  readonly bypassFifoBits: number;
  /** Every other block's registers (tails, forks, width converters, adds, shortcuts, pools, flatten, argmax). */
  readonly otherBits: number;
}

/** The memory figures of the blocks (bypass FIFOs by name) and the engines' storage. */
export function memoryFigures(figures: readonly BlockFigure[], engines: readonly AcceleratorEngine[], bypass: readonly { block: string }[]): MemoryFigures {
  const bypassNames = new Set(bypass.map((b) => b.block));
  const bits = (pick: (f: BlockFigure) => boolean) => figures.filter(pick).reduce((n, f) => n + f.bufferBits, 0);
  const lineBufferBits = bits((f) => f.kind === 'window');
  const engineBufferBits = bits((f) => f.kind === 'engine');
  const bypassFifoBits = bits((f) => bypassNames.has(f.block));
  const engineFifoBits = bits((f) => f.kind === 'fifo' && !bypassNames.has(f.block));
  const all = bits(() => true);
  return {
    trainedWeightBits: engines.reduce((n, e) => n + e.storage.trainedBits, 0),
    storedWeightBits: figures.reduce((n, f) => n + f.weightBits, 0),
    lineBufferBits, engineBufferBits, engineFifoBits, bypassFifoBits,
    otherBits: all - lineBufferBits - engineBufferBits - engineFifoBits - bypassFifoBits,
  };
}

/** The summary's memory line. */
export function memoryText(m: MemoryFigures): string {
  const buffers = m.lineBufferBits + m.engineBufferBits + m.engineFifoBits + m.bypassFifoBits + m.otherBits;
  return `Memory: weights ${m.trainedWeightBits} bits as trained (encrypted), ${m.storedWeightBits} as stored in the ROMs; ` +
    `data ${buffers} bits: line buffers ${m.lineBufferBits}, engine activation buffers ${m.engineBufferBits}, FIFOs after the engines ${m.engineFifoBits}, ` +
    `bypass FIFOs ${m.bypassFifoBits}, other blocks ${m.otherBits}.`;
}

/** An engine of the accelerator as manifest.json lists it: what prove and the synth targets read. */
export interface AcceleratorEngine {
  readonly block: string;
  readonly module: string;
  /** The layer's configuration (as a layer's manifest.json has it). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly storage: { readonly memoryBits: number; readonly trainedBits: number; readonly duplicateSlicesPerPlane: number };
  /** Its XOR matrices (matrix.json of a layer), relative to the folder. */
  readonly matrix: string;
}

export interface AcceleratorDesign extends GeneratedDesign {
  readonly plan: NetworkPlan;
  readonly blocks: readonly BlockFigure[];
  readonly idealCyclesPerImage: number;
  readonly slowest: string;
}

/** What renderBlock reads from a layer engine's manifest.json. */
interface LayerManifestFigures {
  readonly config: Readonly<Record<string, unknown>>;
  readonly storage: AcceleratorEngine['storage'];
  readonly plan: { readonly units: number; readonly chunk: number; readonly group: number; readonly lastChunk: number; readonly wrapSkip: number; readonly slicesPerFetch: number; readonly unitDepths: readonly number[]; readonly beatsPerVector: number };
  readonly widths: { readonly acc: number };
  readonly gearbox: { readonly window: 'phases' | 'shift'; readonly positions: readonly number[] };
  readonly latency: { readonly addedCycles: number; readonly collectorCycles: number };
}

interface RenderedBlock {
  readonly files: readonly GeneratedFile[];
  readonly module: string;
  readonly idealCycles: number;
  readonly bufferBits: number;
  /** Bits of an engine's weight ROMs. */
  readonly weightBits?: number;
  readonly lutEstimate: number;
  readonly engine?: AcceleratorEngine;
  /** Cycles of latency the engine's --pipeline stages add. */
  readonly addedLatency?: number;
}

/** --act-style: it applies to the activation banks of the oi-layout engines; a network with none has nothing to place. */
function engineActStyle(plan: NetworkPlan, style: MemoryStyle): MemoryStyle {
  if (style === 'auto') return style;
  const engines = plan.blocks.filter((b) => b.kind === 'engine');
  if (!engines.some((b) => b.engine!.data.config.layout !== 'io')) {
    throw new InputError('--act-style', `applies to the activation banks of oi-layout engines; every engine of this network (${engines.map((b) => b.name).join(', ')}) has the io layout, which keeps its activations in registers`);
  }
  return style;
}

/** One block through its own generator, named `<top>_<block>`; its RTL and memory files only. */
function renderBlock(block: PlannedBlock, top: string, common: { hdl: Hdl; reset: ResetStyle; romStyle: MemoryStyle; actStyle: MemoryStyle; pipeline: PipelineSpec }): RenderedBlock {
  const name = `${top.replace(/^flexor_/, '')}_${block.name}`;
  const module = `flexor_${name}`;
  const pick = (files: readonly GeneratedFile[]) => files.filter((f) => f.role === 'rtl' || f.role === 'memory');
  const o = block.options;
  const shared = { ...common, name, images: 0 };
  switch (block.kind) {
    case 'engine': {
      const e = block.engine!;
      const design = generateLayer({ ...e.settings, trained: e.trained, topName: module, hdl: common.hdl, reset: common.reset, weights: 'rom', romStyle: common.romStyle, actStyle: e.data.config.layout === 'io' ? 'auto' : common.actStyle, pipeline: common.pipeline, vectors: 1 });
      const c = e.data.config;
      const bufferBits = 2 * c.k * c.actBits;
      const manifest = JSON.parse(String(design.files.find((f) => f.role === 'manifest')!.contents)) as LayerManifestFigures;
      const weightBits = manifest.storage.memoryBits;
      const matrix = { ...design.files.find((f) => f.role === 'matrix')!, path: `engines/${block.name}.matrix.json` };
      const engine = { block: block.name, module, config: manifest.config, storage: manifest.storage, matrix: matrix.path };
      const p = manifest.plan;
      const lutEstimate = engineEstimate({
        planes: c.planes, lanes: c.lanes, simd: c.simd, actBits: c.actBits, units: p.units, chunk: p.chunk, group: p.group, endAdvance: p.lastChunk + p.wrapSkip,
        ...(manifest.gearbox.window === 'phases' ? { windowPositions: manifest.gearbox.positions.length } : {}),
        ...(manifest.latency.collectorCycles > 0 ? { columns: { beats: p.beatsPerVector, accBits: manifest.widths.acc } } : {}),
        romWidth: c.planes * p.slicesPerFetch * c.nIn, unitDepths: p.unitDepths, romStyle: common.romStyle, matrices: e.data.matrices,
      }).luts;
      return { files: [...pick(design.files), matrix], module, idealCycles: block.idealCycles!, bufferBits, weightBits, lutEstimate, engine, addedLatency: manifest.latency.addedCycles };
    }
    case 'fork':
      return { files: [], module, idealCycles: 0, bufferBits: 0, lutEstimate: streamBlockEstimate('fork', o).luts };
    default: {
      const generators: Record<string, (options: never) => StreamBlockDesign> = {
        window: generateWindow, fifo: generateFifo, tail: generateRequantTail, maxpool: generateMaxPool,
        avgpool: generateAvgPool, flatten: generateFlatten, argmax: generateArgmax,
        fmfork: generateFork, add: generateAdd, shortcut: generateShortcut, width: generateWidthConverter,
      };
      const design = generators[block.kind]({ ...o, ...shared } as never);
      // A FIFO moves a beat per cycle: its cycles are the beats of its stream.
      const idealCycles = block.kind === 'fifo' ? block.input.beatsPerImage : design.figures.idealCyclesPerImage;
      return { files: pick(design.files), module, idealCycles, bufferBits: design.figures.bufferBits, lutEstimate: streamBlockEstimate(block.kind, o).luts };
    }
  }
}

/** A stream's beats for one image of the golden model's tensor (tdata and tlast). */
function edgeBeats(e: Edge, tensor: Int32Array): StreamBeat[] {
  const f = e.format;
  switch (f.kind) {
    case 'fm':
      return featureMapBeats({ h: f.h, w: f.w, c: f.c, values: Array.from(tensor) }, f.p, f.bits);
    case 'vector':
      if (f.window === undefined) return vectorStreamBeats(Array.from(tensor), f.s, f.bits);
      return convWindows(tensor, f.window.shape, f.window.kernel, f.window.stride, f.window.padding).flatMap((v) => vectorStreamBeats(Array.from(v), f.s, f.bits));
    case 'result': {
      const beats: StreamBeat[] = [];
      for (let v = 0; v < f.vectors; v++) {
        const vector = layerResultBeats(Array.from(tensor.subarray(v * f.n, (v + 1) * f.n)), f.lanes, byteBits(f.bits));
        beats.push(...vector);
      }
      return beats;
    }
    case 'label':
      return [{ data: BigInt(tensor[0]), last: true }];
  }
}

const hex = (value: bigint, bits: number) => value.toString(16).padStart(Math.ceil(bits / 4), '0');
const beatLine = (b: StreamBeat, bits: number) => hex((b.last ? 1n << BigInt(bits) : 0n) | BigInt.asUintN(bits, b.data), bits + 1);

/** How the testbench names a probe's beat: position and channels (docs/NETWORK.md, "Probes"). */
function probeView(e: Edge, index: number) {
  const f = e.format;
  const base = { index, edge: e.name, block: e.producer, dataBits: e.dataBits, beatsPerImage: e.beatsPerImage };
  if (f.kind === 'fm') {
    const perPixel = ceilDiv(f.c, f.p);
    return { ...base, text: `feature map ${f.h} x ${f.w} x ${f.c}, ${f.p} channels per beat`, beatsPerPosition: perPixel, positionText: 'pixel (%0d, %0d)', positionArgs: `pos / ${f.w}, pos % ${f.w}`, laneText: 'channels', valuesPerBeat: f.p };
  }
  if (f.kind === 'vector') {
    return { ...base, text: `vectors of ${f.k}, ${f.s} per beat`, beatsPerPosition: ceilDiv(f.k, f.s), positionText: 'vector %0d', positionArgs: 'pos', laneText: 'elements', valuesPerBeat: f.s };
  }
  if (f.kind === 'result') {
    return { ...base, text: `results of ${f.n} channels, ${f.lanes} per beat`, beatsPerPosition: ceilDiv(f.n, f.lanes), positionText: 'output position %0d', positionArgs: 'pos', laneText: 'channels', valuesPerBeat: f.lanes };
  }
  throw new Error(`probeView: no probe on ${e.name}`);
}

/** The first paragraph of the network testbench's header comment, wrapped. */
function testbenchIntro(dut: string, name: string, stallImages: number, fastImages: number): string[] {
  return wrapText(
    `Self-checking testbench of ${dut}, the network ${name}: it sends the images of img.hex and compares every logits beat (logits.hex) and every label (labels.hex) with the golden model. ` +
      `The first ${stallImages} image(s) run with seeded LFSR tvalid gaps on the image stream and tready back-pressure on both outputs; the last ${fastImages} run at full speed, back to back:`,
    MAX_COLUMNS - '// '.length,
  );
}

/** A probe's view with the comment above its block in the testbench, wrapped. */
function withComment<T extends { index: number; edge: string; block: string; text: string }>(probe: T): T & { commentLines: string[] } {
  return { ...probe, commentLines: wrapText(`Probe ${probe.index}: ${probe.edge}, the output of ${probe.block} (${probe.text}).`, MAX_COLUMNS - '  //   '.length, MAX_COLUMNS - '  // '.length) };
}

/** The blocks that read each edge, by the edge's name. */
function edgeReaders(blocks: readonly PlannedBlock[]): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  for (const b of blocks) for (const e of [b.input, b.input2]) if (e) readers.set(e.name, [...(readers.get(e.name) ?? []), b.name]);
  return readers;
}

/** A port's description in the top's header comment, wrapped under the column its text starts at. */
function portLines(text: string, prefix: string): string[] {
  return wrapText(text, MAX_COLUMNS - PORT_TEXT_COLUMN, MAX_COLUMNS - prefix.length);
}

/** The column the continuation lines of a port's description start at in the top's header comment. */
const PORT_TEXT_COLUMN = '//                  '.length;

function edgeText(e: Edge): string {
  const f = e.format;
  switch (f.kind) {
    case 'fm':
      return `feature map ${f.h} x ${f.w} x ${f.c}, ${f.signed ? 'signed' : 'unsigned'} ${f.bits}-bit, ${f.p} per beat (${e.beatsPerImage} beats per image)`;
    case 'vector':
      return `vectors of ${f.k} ${f.bits}-bit activations, ${f.s} per beat (${e.beatsPerImage} beats per image)`;
    case 'result':
      return `${f.n} results of ${f.bits} bits per vector, ${f.lanes} per beat in ${byteBits(f.bits)}-bit slots (${e.beatsPerImage} beats per image)`;
    case 'label':
      return `label of ${f.classes} classes`;
  }
}

/** Images per second at `clockMhz` for one image every `cycles` cycles, rounded to a whole number. */
function imagesPerSecond(cycles: number, clockMhz: number): number {
  return Math.round((clockMhz * 1e6) / cycles);
}

// Long: one place assembles the design's files, in the order a reader meets them.
export function generateAccelerator(model: NetworkModel, options: AcceleratorOptions = {}): AcceleratorDesign {
  const hdl = options.hdl ?? 'sv';
  if (hdl !== 'sv' && hdl !== 'verilog') throw new InputError('--hdl', `must be sv or verilog; got ${String(hdl)}`);
  const reset = options.reset ?? 'sync';
  if (reset !== 'sync' && reset !== 'async') throw new InputError('--reset', `must be sync or async; got ${String(reset)}`);
  const romStyle = memoryStyle('--rom-style', options.romStyle);

  const seed = requireInteger('--seed', options.seed ?? 1, 0, 0xffffffff);
  const images = options.inputs ?? seededImages(model.spec, requireInteger('--images', options.images ?? 4, 1, 1000), seed);
  const count = images.images.length;
  if (count < 1) throw new InputError('--inputs', 'holds no image; the testbench needs at least 1');
  // Stalls on 1 image when 3 others follow at full speed to measure cycles per image (2 will do).
  const stallImages = requireInteger('--stall-images', options.stallImages ?? Math.max(0, Math.min(1, count - 3)), 0, Math.max(0, count - 3));
  const pipeline = parsePipeline(options.pipeline);
  const plan = planNetwork(model, { bypassDepths: options.bypassDepths, pipeline });
  const actStyle = engineActStyle(plan, memoryStyle('--act-style', options.actStyle));
  const piped = pipelineText(pipeline) !== 'none';
  const styles = { ...(romStyle === 'auto' ? {} : { romStyle }), ...(actStyle === 'auto' ? {} : { actStyle }), ...(piped ? { pipeline } : {}) };
  const top = `flexor_${model.spec.name}`;
  const kw = hdlKeywords(hdl);
  const rst = resetKeywords(reset);
  const header = headerView(options.command ?? `generateAccelerator(${model.spec.name})`, { kind: 'network', spec: model.spec.name, scales: model.scales, hdl, reset, ...styles, seed, count, stallImages }, [
    `Network ${model.spec.name}: ${plan.blocks.length} blocks, image ${model.spec.tensors[0].h} x ${model.spec.tensors[0].w} x ${model.spec.tensors[0].c} in, ${plan.logits.format.kind === 'result' ? plan.logits.format.n : 0} logits out.`,
  ]);

  const files: GeneratedFile[] = [];
  const figures: BlockFigure[] = [{ block: 'input', kind: 'input', idealCyclesPerImage: plan.input.beatsPerImage, bufferBits: 0, weightBits: 0, lutEstimate: 0 }];
  const engines: AcceleratorEngine[] = [];
  const added: string[] = [];
  const instances = plan.blocks.map((block) => {
    const rendered = renderBlock(block, top, { hdl, reset, romStyle, actStyle, pipeline });
    files.push(...rendered.files);
    const c = block.engine?.data.config;
    figures.push({ block: block.name, kind: block.kind, idealCyclesPerImage: rendered.idealCycles, bufferBits: rendered.bufferBits, weightBits: rendered.weightBits ?? 0, lutEstimate: rendered.lutEstimate, ...(c ? { lanes: c.lanes, simd: c.simd } : {}) });
    if (rendered.engine) engines.push(rendered.engine);
    if (rendered.addedLatency) added.push(`${block.name} +${rendered.addedLatency}`);
    const module = block.kind === 'fork' ? `${top}_fork` : rendered.module;
    const second = block.input2 ? [{ port: `s_axis_${block.inPort2}`, wire: block.input2.name }] : [];
    const ports = [{ port: `s_axis_${block.inPort}`, wire: block.input.name }, ...second, ...block.outputs.map((o, i) => ({ port: `m_axis_${block.outPorts[i]}`, wire: o.name }))];
    return { name: block.name, module, ports, text: `${block.kind} ${block.name} (layer ${block.layer})` };
  });
  const forkModule = `${top}_fork`;
  files.push({ path: `rtl/${forkModule}.${kw.ext}`, role: 'rtl', contents: render('network/fork', { ...kw, ...rst, header, module: forkModule, dataBits: plan.logits.dataBits }) });
  const slowestFigure = figures.reduce((a, b) => (b.idealCyclesPerImage > a.idealCyclesPerImage ? b : a));
  const readers = edgeReaders(plan.blocks);
  const wires = plan.edges
    .filter((e) => !/^(s|m)_axis_/.test(e.name))
    .map((e) => ({ name: e.name, dataBits: e.dataBits, lines: wrapText(`${e.producer} -> ${(readers.get(e.name) ?? []).join(', ')}: ${edgeText(e)}`, MAX_COLUMNS - '  //   '.length, MAX_COLUMNS - '  // '.length) }));
  const chain = plan.blocks.map((b) => wrapText(`${b.name} (${b.kind}): ${b.outputs.map((o) => o.name).join(', ')}`, MAX_COLUMNS - '//     '.length, MAX_COLUMNS - '//   '.length));
  files.push({
    path: `rtl/${top}.${kw.ext}`,
    role: 'rtl',
    contents: render('network/top', { ...kw, ...rst, header, module: top, name: model.spec.name, input: plan.input, logits: plan.logits, label: plan.label, inputLines: portLines(edgeText(plan.input), '//   s_axis_img     the image: '), logitsLines: portLines(edgeText(plan.logits), '//   m_axis_logits  the logits: '), chain, wires, instances }),
  });

  // Vectors: the golden model's tensors in each probed stream's order.
  const golden = networkGolden(model, images, { tensors: true });
  const inputs = quantizeImages(model, images);
  const probed = plan.edges.filter((e) => e.tensor !== undefined && !/^(s|m)_axis_/.test(e.name) && e.format.kind !== 'label');
  const vector = (path: string, lines: string[]) => files.push({ path, role: 'vectors', contents: `${lines.join('\n')}\n` });
  vector('tb/img.hex', inputs.flatMap((x) => edgeBeats(plan.input, x).map((b) => beatLine(b, plan.input.dataBits))));
  vector('tb/logits.hex', golden.logits.flatMap((l) => edgeBeats(plan.logits, l).map((b) => beatLine(b, plan.logits.dataBits))));
  vector('tb/labels.hex', golden.labels.map((l) => hex(BigInt(l), plan.label.dataBits)));
  probed.forEach((e, i) => vector(`tb/probe_${i}.hex`, golden.tensors!.flatMap((t) => edgeBeats(e, t[e.tensor!]).map((b) => hex(BigInt.asUintN(e.dataBits, b.data), e.dataBits)))));
  const rng = testRandom(seed, 1);
  const testbenchTop = `tb_${top}`;
  files.push({
    path: `tb/${testbenchTop}.sv`,
    role: 'testbench',
    contents: render('network/tb_network', {
      ...rst, header, module: testbenchTop, dut: top, name: model.spec.name, images: count, stallImages, fastImages: count - stallImages, measure: count - stallImages >= 2,
      input: plan.input, logits: plan.logits, label: plan.label, watchdog: 20 * slowestFigure.idealCyclesPerImage + 1000, clockMhz: (options.clockMhz ?? 100).toFixed(1),
      seedValid: hex(BigInt(rng.nextUint32() || 1), 32), seedReady: hex(BigInt(rng.nextUint32() || 1), 32),
      introLines: testbenchIntro(top, model.spec.name, stallImages, count - stallImages),
      probes: probed.map((e, i) => withComment(probeView(e, i))), idealCycles: slowestFigure.idealCyclesPerImage, slowest: slowestFigure.block,
      bypass: plan.bypass.map((b) => ({ ...b, countBits: Math.ceil(Math.log2(b.depth + 1)) })),
    }),
  });
  files.push(...(options.networkFiles ?? []));
  files.push(...packageFiles(files, { header, top, testbenchTop, hdl, description: `FleXOR network ${model.spec.name} as one streaming accelerator` }));
  const lutEstimate = figures.reduce((n, f) => n + f.lutEstimate, 0);
  const memory = memoryFigures(figures, engines, plan.bypass);
  const summary = [
    `Network ${model.spec.name}: ${plan.blocks.length} blocks; ideal ${slowestFigure.idealCyclesPerImage} cycles per image (the slowest block: ${slowestFigure.block}), ${imagesPerSecond(slowestFigure.idealCyclesPerImage, options.clockMhz ?? 100)} images per second at ${options.clockMhz ?? 100} MHz.`,
    ...figures.map((f) => `  ${f.block} (${f.kind}${f.lanes ? `, lanes ${f.lanes} x simd ${f.simd}` : ''}): ${f.idealCyclesPerImage} cycles per image, ${f.bufferBits} buffer bits${f.weightBits ? `, ${f.weightBits} weight bits` : ''}${f.kind === 'input' ? '' : `, about ${f.lutEstimate} LUTs`}`),
    `Totals: ${figures.reduce((n, f) => n + f.weightBits, 0)} weight memory bits, ${figures.reduce((n, f) => n + f.bufferBits, 0)} buffer bits (activations, line buffers, FIFOs), about ${lutEstimate} LUTs (estimate, docs/NETWORK.md).`,
    memoryText(memory),
    ...(piped ? [`Pipeline: ${pipelineText(pipeline)} (--pipeline) in every engine, the same cycles per image; added cycles of latency: ${added.length > 0 ? added.join(', ') : 'none (no stage fits)'}.`] : []),
    ...plan.bypass.map((b) => `  bypass FIFO ${b.block} (into ${b.add}): depth ${b.depth} beats${b.depth === b.computed ? '' : ` (overridden; computed ${b.computed})`}: (${b.pixels} pixels of the deadlock bound + ${b.slackPixels} for the branch's latency) x ${b.beatsPerPixel} beats per pixel (docs/NETWORK.md, "Bypass FIFOs").`),
    `Testbench: ${count} images (${stallImages} with stalls), every logit and label compared; probes on ${probed.length} streams.`,
  ];
  const readme: GeneratedFile = { path: 'README.md', role: 'readme', contents: '' };
  const listed = [...files, readme, { path: 'manifest.json', role: 'manifest' as const, contents: '' }];
  files.push({ ...readme, contents: render('design/design_readme', { header, top, testbenchTop, summary, fileLines: describeFiles(listed), warnings: model.warnings }) });
  files.push(
    manifestFile(header, {
      kind: 'accelerator', top, rtlFileList: `${top}.f`, hdl, reset, ...styles,
      testbench: { top: testbenchTop, fileList: `${testbenchTop}.f`, vectors: count },
      network: model.spec.name, scales: model.scales, logitScale: model.logitScale,
      figures: { idealCyclesPerImage: slowestFigure.idealCyclesPerImage, slowest: slowestFigure.block, clockMhz: options.clockMhz ?? 100, lutEstimate, memory, blocks: figures, bypassFifos: plan.bypass },
      engines,
      edges: plan.edges.map((e) => ({ name: e.name, producer: e.producer, dataBits: e.dataBits, beatsPerImage: e.beatsPerImage, tensor: e.tensor })),
      warnings: model.warnings,
    }, files),
  );
  return { top, testbenchTop, files, warnings: model.warnings, summary, plan, blocks: figures, idealCyclesPerImage: slowestFigure.idealCyclesPerImage, slowest: slowestFigure.block };
}

