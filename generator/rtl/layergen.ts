/**
 * `generateLayer`: a whole FleXOR layer (unit weight ROMs or weight stream, XOR decoders, gearboxes,
 * activation buffers, the MAC array, scales, AXI4-Stream interfaces) with its testbench and the golden model's
 * vectors. Configuration in, files out; see docs/ARCHITECTURE.md.
 */
import { bitsToHex, describeFiles, headerView, manifestFile, packageFiles, type GeneratedDesign, type GeneratedFile } from './design.js';
import { InputError, requireInteger } from '../core/errors.js';
import { hdlKeywords, resetKeywords, clog2, type Hdl, type ResetStyle } from './hdl.js';
import { drawActivations, layerGolden, layerWidths, weightPosition, type LayerConfig } from '../core/layer.js';
import { baselineLayer } from '../core/baseline.js';
import { layerSource, type LayerSettings, type LayerSource, type LayerSourceOptions } from '../formats/layersource.js';
import { planLayer, unitWeightImages, weightImage, type LayerPlan } from './layerplan.js';
import { gf2Rank, matrixWarnings } from '../core/matrix.js';
import { matricesToJson } from '../formats/matrixfile.js';
import { renderDecoderModule, shellQuote } from './decoder.js';
import { unpackBits } from '../core/golden.js';
import { render } from './templates.js';
import { planMacArray } from './macarray.js';
import { sha256 } from '../core/hash.js';
import { testRandom } from '../core/prng.js';

export type WeightSource = 'rom' | 'stream';

export interface LayerGenOptions extends LayerSourceOptions {
  readonly weights?: WeightSource;
  readonly reset?: ResetStyle;
  readonly hdl?: Hdl;
  /** Vectors run with random stalls (default 6); 4 more run at full speed for the throughput. */
  readonly vectors?: number;
  /** The user's activation vectors, run with random stalls instead of seeded ones. */
  readonly inputs?: readonly Int32Array[];
  /** The file they came from, for the header's command. */
  readonly inputsFile?: string;
  /** Names the top module flexor_<name> (networks give each layer its own). */
  readonly name?: string;
  /** Library only: the exact top module name (flexor sim keeps the design's own). */
  readonly topName?: string;
  /** Generate the layer's plain 1-bit binary twin instead (identity matrix, decoded weights stored). */
  readonly baseline?: boolean;
}

/** Vectors run at full speed after the stalled ones, to measure cycles per vector. */
export const FAST_VECTORS = 4;

function bitsOfInt(value: bigint, width: number): Uint8Array {
  const mask = (1n << BigInt(width)) - 1n;
  const v = value & mask;
  return Uint8Array.from({ length: width }, (_, i) => Number((v >> BigInt(i)) & 1n));
}

/** Concatenates fields, field 0 at the least significant bits. */
function packFields(fields: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of fields) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

function padTo(bits: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(width);
  out.set(bits);
  return out;
}

const byteMultiple = (bits: number) => Math.ceil(bits / 8) * 8;

/** The settings of a resolved configuration, as options (to rebuild it around other data). */
export function settingsOf(c: LayerConfig): LayerSettings {
  return {
    seed: c.seed,
    lanes: c.lanes,
    simd: c.simd,
    actBits: c.actBits,
    alphaBits: c.alphaBits,
    alphaFrac: c.alphaFrac,
    bias: c.bias,
    ...(c.bias ? { biasBits: c.biasBits } : {}),
    ...(c.requant ? { requantShift: c.requant.shift, outBits: c.requant.outBits } : {}),
  };
}

export function layerCommand(source: LayerSource, options: LayerGenOptions, weights: WeightSource, reset: ResetStyle, hdl: Hdl, vectors: number): string {
  const { config, origin } = source;
  const parts = ['flexor generate layer'];
  if (origin.kind === 'file') {
    parts.push(`--from ${shellQuote(origin.file)}`);
  } else {
    parts.push(
      `--shape ${config.shape.join(',')}`,
      `--nin ${config.nIn} --nout ${config.nOut}`,
      config.dense ? '--dense' : `--ntap ${config.nTap}`,
      `--planes ${config.planes}`,
      `--layout ${config.layout}`,
    );
  }
  if (options.name !== undefined) parts.push(`--name ${shellQuote(options.name)}`);
  parts.push(
    `--seed ${config.seed}`,
    `--lanes ${config.lanes} --simd ${config.simd}`,
    `--act-bits ${config.actBits}`,
    `--alpha-bits ${config.alphaBits} --alpha-frac ${config.alphaFrac}`,
  );
  if (config.bias) parts.push(`--bias --bias-bits ${config.biasBits}`);
  if (config.requant) parts.push(`--requant-shift ${config.requant.shift} --out-bits ${config.requant.outBits}`);
  if (options.baseline) parts.push('--baseline');
  parts.push(`--weights ${weights} --reset ${reset} --hdl ${hdl}`);
  parts.push(options.inputsFile !== undefined ? `--inputs ${shellQuote(options.inputsFile)}` : `--vectors ${vectors}`);
  return parts.join(' ');
}

/**
 * flexor_<name>, or flexor_layer_<N>x<K>_<layout>_<Nin>x<Nout>_<taps>_q<q>_p<lanes>g<simd>_<origin>
 * with taps t<nTap> or dense, origin s<seed> (drawn) or m<first 8 hex of the layer file's sha256>.
 */
export function layerModuleName(source: LayerSource, name?: string): string {
  if (name !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
      throw new InputError('--name', `must be a letter then letters, digits or _ (at most 63), to make a module name; got ${JSON.stringify(name)}`);
    }
    return `flexor_${name}`;
  }
  const c = source.config;
  const taps = c.dense ? 'dense' : `t${c.nTap}`;
  const origin = source.origin.kind === 'file' ? `m${source.origin.sha256.slice(0, 8)}` : `s${c.seed}`;
  return `flexor_layer_${c.n}x${c.k}_${c.layout}_${c.nIn}x${c.nOut}_${taps}_q${c.planes}_p${c.lanes}g${c.simd}_${origin}`;
}

/**
 * Addressing of the oi activation banks: {bank, chunk} when the chunks per row T are a power of two
 * (no address arithmetic), else bank * T + chunk, so that no entry is wasted (on targets without
 * LUT RAM every entry is a flip-flop).
 */
function actBankAddressing(t: number, stepBits: number) {
  if ((t & (t - 1)) === 0) {
    return {
      bankDepth: 2 ** stepBits,
      memDepth: 2 ** (stepBits + 1),
      addrBits: stepBits + 1,
      bankText: 'bank b, chunk c at entry {b, c}',
      writeAddr: '{write_bank, beat_index_i}',
      readAddr: '{!load_bank_q, step_i}',
    };
  }
  const bits = stepBits + 1;
  return {
    bankDepth: t,
    memDepth: 2 * t,
    addrBits: bits,
    bankText: `bank b, chunk c at entry b * ${t} + c`,
    writeAddr: `{1'b0, beat_index_i} + (write_bank ? ${bits}'d${t} : ${bits}'d0)`,
    readAddr: `{1'b0, step_i} + (load_bank_q ? ${bits}'d0 : ${bits}'d${t})`,
  };
}

/** For io: which loaded activation k feeds unit i's row r (k' = i * rows + r), or none past K. */
function ioActivationSources(config: LayerConfig, plan: LayerPlan): { index: number; source: string }[] {
  const kOfKPrime = new Array<number>(config.k);
  for (let k = 0; k < config.k; k++) kOfKPrime[weightPosition(config, 0, k) / config.n] = k;
  const wiring: { index: number; source: string }[] = [];
  for (let unit = 0; unit < plan.units; unit++) {
    for (let row = 0; row < plan.rowsPerUnit; row++) {
      const kPrime = unit * plan.rowsPerUnit + row;
      const index = unit * plan.rowsPerUnit + row;
      wiring.push({ index, source: kPrime < config.k ? `load_q[${kOfKPrime[kPrime]}*A +: A]` : '{A{1\'b0}}' });
    }
  }
  return wiring;
}

export function generateLayer(options: LayerGenOptions): GeneratedDesign {
  const flexorSource = layerSource(options);
  const source: LayerSource = options.baseline
    ? { ...layerSource({ ...settingsOf(flexorSource.config), trained: baselineLayer(flexorSource.data) }), origin: flexorSource.origin }
    : flexorSource;
  const { config, data } = source;
  const weights = options.weights ?? 'rom';
  if (weights !== 'rom' && weights !== 'stream') throw new InputError('--weights', `must be rom (on-chip memory) or stream (AXI4-Stream port); got ${String(weights)}`);
  const reset = options.reset ?? 'sync';
  if (reset !== 'sync' && reset !== 'async') throw new InputError('--reset', `must be sync or async; got ${String(reset)}`);
  const hdl = options.hdl ?? 'sv';
  if (hdl !== 'sv' && hdl !== 'verilog') throw new InputError('--hdl', `must be sv or verilog; got ${String(hdl)}`);
  if (options.inputs !== undefined && options.vectors !== undefined) throw new InputError('--vectors', 'cannot be combined with --inputs: the inputs are the vectors');
  const stallVectors = options.inputs?.length ?? requireInteger('--vectors', options.vectors ?? 6, 1, 10_000);
  const vectorCount = stallVectors + FAST_VECTORS;

  const widths = layerWidths(config);
  const plan = planLayer(config);
  const io = config.layout === 'io';
  const kw = hdlKeywords(hdl);
  const rst = resetKeywords(reset);
  const top = options.topName ?? `${layerModuleName(flexorSource, options.name)}${options.baseline ? '_bin' : ''}`;
  const testbenchTop = `tb_${top}`;
  // The FleXOR layer's own options (a baseline is that command with --baseline), so the command reproduces the design.
  const command = layerCommand(flexorSource, options, weights, reset, hdl, stallVectors);
  const inputsHash = options.inputs ? sha256(options.inputs.map((v) => v.join(',')).join(';')) : undefined;
  const header = headerView(command, { kind: 'layer', config, origin: source.origin, name: options.name, baseline: options.baseline, weights, reset, hdl, vectors: stallVectors, inputs: inputsHash }, [
    `Layer: N=${config.n} x K=${config.k} (shape ${config.shape.join('x')}), layout ${config.layout}, ${config.planes} plane(s), ${config.nIn}/${config.nOut} ${options.baseline ? 'stored bits per weight and plane (the 1-bit binary baseline: no XOR decoder)' : 'encrypted bits per weight and plane'}, lanes ${config.lanes}, simd ${config.simd}.`,
  ]);
  const ext = kw.ext;
  const files: GeneratedFile[] = [];

  // Decoders, one module per plane.
  const decoders = data.matrices.map((m, p) => {
    const name = `${top}_dec_p${p}`;
    files.push({ path: `rtl/${name}.${ext}`, role: 'rtl', contents: renderDecoderModule(m, name, header, hdl) });
    return name;
  });

  // Gearbox: a ring of NG = 2^GP_W groups holding at least the planned capacity.
  const gearbox = `${top}_gearbox`;
  const groupPointerBits = clog2(Math.ceil(plan.capacity / plan.group));
  const groups = 2 ** groupPointerBits;
  const offsetBits = Math.max(1, clog2(plan.group));
  // The read position: an offset in a group plus the largest advance of a step (a vector's end
  // skips to the next vector's first group: lastChunk + wrapSkip, the same for every unit).
  const maxPosition = plan.group - 1 + Math.max(plan.chunk, plan.lastChunk, plan.lastChunk + plan.wrapSkip);
  const positionBits = clog2(maxPosition + 1);
  const maxPop = Math.floor(maxPosition / plan.group);
  const passed = (value: (k: number) => string, zero: string) =>
    Array.from({ length: maxPop }, (_, i) => maxPop - i)
      .map((k) => `position >= ${positionBits}'d${k * plan.group} ? ${value(k)} : `)
      .join('') + zero;
  files.push({
    path: `rtl/${gearbox}.${ext}`,
    role: 'rtl',
    contents: render('layer/layer_gearbox', {
      ...kw,
      ...rst,
      header,
      module: gearbox,
      chunk: plan.chunk,
      lastAmount: plan.lastChunk,
      group: plan.group,
      groups,
      groupPointerBits,
      offsetBits,
      positionBits,
      fillBits: clog2(groups * plan.group + 1),
      popsExpr: passed((k) => `${groupPointerBits + 1}'d${k}`, `${groupPointerBits + 1}'d0`),
      poppedExpr: passed((k) => `${positionBits}'d${k * plan.group}`, `${positionBits}'d0`),
      extendOffset: `{{${positionBits - offsetBits}{1'b0}}, ro_q}`,
      appendOne: `{{${groupPointerBits}{1'b0}}, append_i}`,
      unusedHigh: positionBits > offsetBits ? '{window[2*GROUP-1:CHUNK], rest[POS_W-1:RO_W]}' : 'window[2*GROUP-1:CHUNK]',
      paramCheck: [
        { name: 'CHUNK', value: plan.chunk },
        { name: 'GROUP', value: plan.group },
        { name: 'NG', value: groups },
      ],
    }),
  });

  // The activation buffers.
  const actsModule = `${top}_acts`;
  const actsStepBits = Math.max(1, clog2(plan.stepsPerRow));
  const actsLoadBeats = Math.ceil(config.k / config.simd);
  files.push({
    path: `rtl/${actsModule}.${ext}`,
    role: 'rtl',
    contents: render('layer/layer_acts', {
      ...kw,
      ...rst,
      header,
      module: actsModule,
      io,
      simd: config.simd,
      actBits: config.actBits,
      units: plan.units,
      rowsPerUnit: plan.rowsPerUnit,
      loadBeats: actsLoadBeats,
      stepCountBits: actsStepBits,
      ...actBankAddressing(plan.stepsPerRow, actsStepBits),
      loadShift: actsLoadBeats === 1 ? 'beat_i' : '{beat_i, load_q[LOAD_BEATS*SIMD*A-1:SIMD*A]}',
      rotateUnitActs: plan.rowsPerUnit === 1 ? 'acts_q' : '{acts_q[A-1:0], acts_q[ROWS*A-1:A]}',
      ioActWiring: io ? ioActivationSources(config, plan) : [],
      paramCheck: io
        ? [
            { name: 'SIMD', value: config.simd },
            { name: 'A', value: config.actBits },
            { name: 'UNITS', value: plan.units },
            { name: 'ROWS', value: plan.rowsPerUnit },
            { name: 'LOAD_BEATS', value: actsLoadBeats },
          ]
        : [
            { name: 'SIMD', value: config.simd },
            { name: 'A', value: config.actBits },
            { name: 'STEP_W', value: actsStepBits },
          ],
    }),
  });

  // The MAC array and its cells.
  const mac = planMacArray(config.planes * config.lanes, config.simd, config.actBits, widths.acc);
  const macModule = `${top}_mac`;
  const cellModules = { pair: `${top}_mac_pair`, one: `${top}_mac_one`, add: `${top}_mac_add` };
  const widest = (kind: 'pair' | 'one') => Math.max(0, ...mac.cells.filter((c) => c.kind === kind).map((c) => c.width));
  if (mac.kinds.pair) {
    files.push({
      path: `rtl/${cellModules.pair}.${ext}`,
      role: 'rtl',
      contents: render('layer/layer_mac_pair', { ...kw, header, module: cellModules.pair, actBits: config.actBits, width: widest('pair'), pickWide: '{{(W-A-1){pick[A]}}, pick}', carryIn: "{{(W-1){1'b0}}, neg_x_i}" }),
    });
  }
  if (mac.kinds.one) {
    files.push({
      path: `rtl/${cellModules.one}.${ext}`,
      role: 'rtl',
      contents: render('layer/layer_mac_one', { ...kw, header, module: cellModules.one, actBits: config.actBits, width: widest('one'), pickWide: '{{(W-A){pick[A-1]}}, pick}', carryIn: "{{(W-1){1'b0}}, neg_i}" }),
    });
  }
  if (mac.kinds.add) {
    files.push({
      path: `rtl/${cellModules.add}.${ext}`,
      role: 'rtl',
      contents: render('layer/layer_mac_add', { ...kw, header, module: cellModules.add, width: Math.max(...mac.joins.map((j) => j.width)) }),
    });
  }
  files.push({
    path: `rtl/${macModule}.${ext}`,
    role: 'rtl',
    contents: render('layer/layer_mac', {
      ...kw,
      ...rst,
      header,
      module: macModule,
      trees: mac.trees,
      planes: config.planes,
      lanes: config.lanes,
      simd: config.simd,
      actBits: config.actBits,
      accBits: widths.acc,
      accDepth: plan.accDepth,
      ring: plan.accDepth > 1,
      formText:
        mac.form === 'pairs'
          ? `The sum and difference of each pair of\n// activations are shared by all trees; a tree's cell (${cellModules.pair}) picks one of them, or its\n// complement, by the two sign bits.`
          : `Each cell (${cellModules.one}) adds one term.`,
      pairs: mac.pairs,
      cells: mac.cells.map((c) => ({ ...c, cellModule: cellModules[c.kind] })),
      joins: mac.joins,
      addModule: cellModules.add,
      signs: mac.signs,
      roots: mac.roots,
      paramCheck: [
        { name: 'PLANES', value: config.planes },
        { name: 'LANES', value: config.lanes },
        { name: 'SIMD', value: config.simd },
        { name: 'A', value: config.actBits },
        { name: 'ACC_W', value: widths.acc },
        { name: 'ACC_DEPTH', value: plan.accDepth },
      ],
    }),
  });

  // Memory images: weights (rom) or the weight stream, and the scales.
  const sliceBits = data.encrypted.map((packed) => unpackBits(packed, data.nSlices * config.nIn));
  const words = weightImage(plan, config, (p, s) => sliceBits[p].subarray(s * config.nIn, (s + 1) * config.nIn));
  const scalesHex = `${top}_scales.hex`;
  const wgtBeatBits = byteMultiple(plan.wordBits);
  const addrBits = Math.max(1, clog2(plan.depth));
  const unitRoms =
    weights === 'rom'
      ? unitWeightImages(plan, config, words).map((image, unit) => {
          const file = `${top}_weights_u${unit}.hex`;
          if (image.length > 0) files.push({ path: `rtl/${file}`, role: 'memory', contents: image.map((w) => bitsToHex(w)).join('\n') + '\n' });
          // The ROM's own index: the address bits its depth needs (the address is below it whenever it reads).
          const index = image.length === 1 ? "1'b0" : clog2(image.length) === addrBits ? 'addr_q' : `addr_q[${clog2(image.length) - 1}:0]`;
          return { unit, depth: image.length, file, param: `WEIGHTS_U${unit}_HEX`, full: image.length === plan.depth, addrDepth: `${addrBits}'d${image.length}`, index };
        })
      : [];
  const biasBits = config.bias ? widths.bias : 1;
  const scaleBits = config.planes * widths.alpha + biasBits;
  const emits = io ? plan.stepsPerRow : plan.rowsPerUnit;
  const channelOf = (slot: number, e: number) => (io ? e * config.lanes + slot : slot * plan.rowsPerUnit + e);
  const scaleRows = Array.from({ length: emits }, (_, e) =>
    packFields(
      Array.from({ length: config.lanes }, (_, slot) => {
        const c = channelOf(slot, e);
        const alphas = Array.from({ length: config.planes }, (_, p) => bitsOfInt(c < config.n ? data.alpha[p][c] : 0n, widths.alpha));
        return packFields([...alphas, bitsOfInt(c < config.n ? data.bias[c] : 0n, biasBits)]);
      }),
    ),
  );
  files.push({ path: `rtl/${scalesHex}`, role: 'memory', contents: scaleRows.map((r) => bitsToHex(r)).join('\n') + '\n' });

  // The top.
  const a = config.actBits;
  const actDataBits = config.simd * a;
  const actBeatBits = byteMultiple(actDataBits);
  const slotBits = byteMultiple(widths.final);
  const loadBeats = Math.ceil(config.k / config.simd);
  const shift = config.requant?.shift ?? 0;
  const roundBits = Math.max(widths.rounded, widths.out, shift + 1);
  const saturate = config.requant !== undefined && widths.shifted > widths.final;
  const stepCountBits = Math.max(1, clog2(plan.stepsPerRow));
  const rowCountBits = Math.max(1, clog2(plan.rowsPerUnit));
  // An emission lands in the collector a cycle after its step; the step after a vector's last
  // emission must wait for the collector to empty unless the next emission is >= 3 steps away.
  const emissionGap = io ? (plan.rowsPerUnit - 1) * plan.stepsPerRow + 1 : plan.stepsPerRow;
  const banks = emissionGap >= 3 ? 1 : 3;
  if (!io && loadBeats !== plan.stepsPerRow) throw new Error(`generateLayer: oi expects a beat per step of a row (${loadBeats} beats, ${plan.stepsPerRow} steps)`);
  const topView = {
    macModule,
    actsModule,
    actsResetPad: ' '.repeat(Math.max(0, 12 - rst.resetPort.length)),
    macResetPad: ' '.repeat(Math.max(0, 6 - rst.resetPort.length)),
    multiBank: banks > 1,
    banks,
    lastBank: banks - 1,
    bankRead: `read_bank_q == 2'd0 ? collect_q[gc*FINAL_W +: FINAL_W] : read_bank_q == 2'd1 ? collect_q[(SLOTS + gc)*FINAL_W +: FINAL_W] : collect_q[(2*SLOTS + gc)*FINAL_W +: FINAL_W]`,
    ...kw,
    ...rst,
    header,
    module: top,
    n: config.n,
    k: config.k,
    lanes: config.lanes,
    simd: config.simd,
    planes: config.planes,
    layout: config.layout,
    io,
    rom: weights === 'rom',
    weightText: weights === 'rom' ? `in on-chip memory (a ROM per unit, ${top}_weights_u<u>.hex)` : 'streamed on s_axis_wgt',
    unitRoms,
    romFiles: unitRoms.filter((r) => r.depth > 0),
    unitWordBits: config.planes * plan.slicesPerFetch * config.nIn,
    memoryBits: plan.memoryBits,
    scalesHex,
    units: plan.units,
    chunk: plan.chunk,
    slicesPerFetch: plan.slicesPerFetch,
    stepsPerVector: plan.stepsPerVector,
    nIn: config.nIn,
    nOut: config.nOut,
    group: plan.group,
    depth: plan.depth,
    wordBits: plan.wordBits,
    rowsPerUnit: plan.rowsPerUnit,
    emits,
    accDepth: plan.accDepth,
    slots: plan.slots,
    beatsPerVector: plan.beatsPerVector,
    actBits: a,
    accBits: widths.acc,
    alphaBits: widths.alpha,
    biasBits,
    productBits: widths.product,
    outBits: widths.out,
    finalBits: widths.final,
    slotBits,
    scaleBits,
    addrBits,
    rowCountBits,
    stepCountBits,
    beatCountBits: Math.max(1, clog2(loadBeats)),
    emitCountBits: io ? stepCountBits : rowCountBits,
    outBeatCountBits: clog2(plan.beatsPerVector + 1),
    lastStep: `${stepCountBits}'d${plan.stepsPerRow - 1}`,
    lastRow: `${rowCountBits}'d${plan.rowsPerUnit - 1}`,
    lastBeat: `${Math.max(1, clog2(loadBeats))}'d${loadBeats - 1}`,
    lastEmit: `${io ? stepCountBits : rowCountBits}'d${emits - 1}`,
    lastAddr: `${Math.max(1, clog2(plan.depth))}'d${plan.depth - 1}`,
    oneBeat: `${clog2(plan.beatsPerVector + 1)}'d1`,
    actDataBits,
    actBeatBits,
    actPad: actBeatBits > actDataBits,
    wgtBeatBits,
    wgtPad: wgtBeatBits > plan.wordBits,
    outBeatBits: config.lanes * slotBits,
    lastBeatLanes: config.k - (loadBeats - 1) * config.simd,
    shiftOut: plan.beatsPerVector === 1 ? 'out_q' : '{{(LANES*SLOT_W){1\'b0}}, out_q[SLOTS*SLOT_W-1:LANES*SLOT_W]}',
    emitFromStep: 'step_q',
    emitFromRow: 'row_q',
    rowMeaning: io ? "the input k' its tree reads" : 'the output channel its lane computes',
    stepMeaning: io ? 'the group of LANES channels' : 'the chunk of SIMD inputs',
    treeMeaning: io
      ? 'channel (step * LANES + s); term i is unit i\'s activation, signed by bit s of unit i'
      : 'lane s, channel (s * ROWS + row); term i is activation step * SIMD + i, signed by bit i of unit s',
    rowBits: plan.rowBits,
    lastChunk: plan.lastChunk,
    decoders,
    extraDecoders: decoders.slice(1).map((name, i) => ({ name, plane: i + 1 })),
    gearbox,
    resetPad: ' '.repeat(Math.max(0, 8 - rst.resetPort.length)),
    requant: config.requant !== undefined,
    requantShift: shift,
    roundBits,
    roundHalf: `${roundBits}'sd${shift > 0 ? (1n << BigInt(shift - 1)).toString() : '0'}`,
    saturate,
    satMax: `${roundBits}'sd${((1n << BigInt(widths.final - 1)) - 1n).toString()}`,
    satMin: `-${roundBits}'sd${(1n << BigInt(widths.final - 1)).toString()}`,
    slotFormula: io ? 'emission gc / LANES, tree gc % LANES' : 'emission gc % ROWS, tree gc / ROWS',
    slotEmitExpr: io ? 'gc / LANES' : 'gc % ROWS',
    slotTreeExpr: io ? 'gc % LANES' : 'gc / ROWS',
    paramCheck: [
      { name: 'N', value: config.n },
      { name: 'K', value: config.k },
      { name: 'LANES', value: config.lanes },
      { name: 'SIMD', value: config.simd },
    ],
  };
  files.push({ path: `rtl/${top}.${ext}`, role: 'rtl', contents: render('layer/layer', topView) });

  // Vectors and the golden model's results.
  const acts = options.inputs ? [...options.inputs, ...drawActivations(config, FAST_VECTORS)] : drawActivations(config, vectorCount);
  const actLines: string[] = [];
  const expectedLines: string[] = [];
  for (const vector of acts) {
    for (let b = 0; b < loadBeats; b++) {
      const lanes = Array.from({ length: config.simd }, (_, i) => {
        const k = b * config.simd + i;
        // Lanes past K carry junk the layer must ignore.
        return bitsOfInt(k < config.k ? BigInt(vector[k]) : -1n, a);
      });
      actLines.push(bitsToHex(padTo(packFields(lanes), actBeatBits)));
    }
    const result = layerGolden(data, vector);
    for (let beat = 0; beat < plan.beatsPerVector; beat++) {
      const slots = Array.from({ length: config.lanes }, (_, s) => {
        const c = beat * config.lanes + s;
        return bitsOfInt(c < config.n ? result.final[c] : 0n, slotBits);
      });
      expectedLines.push(bitsToHex(packFields(slots)));
    }
  }
  const seedHex = (stream: number) => (testRandom(config.seed, stream).nextUint32() || 1).toString(16).padStart(8, '0');
  files.push({
    path: `tb/${testbenchTop}.sv`,
    role: 'testbench',
    contents: render('layer/tb_layer', {
      header,
      module: testbenchTop,
      dut: top,
      ...rst,
      resetPad: ' '.repeat(Math.max(0, 17 - rst.resetPort.length)),
      n: config.n,
      lanes: config.lanes,
      vectors: vectorCount,
      stallVectors,
      fastVectors: FAST_VECTORS,
      loadBeats,
      beatsPerVector: plan.beatsPerVector,
      slotBits,
      actBeatBits,
      outBeatBits: config.lanes * slotBits,
      maxReport: 8,
      maxCycles: (vectorCount + 4) * (plan.stepsPerVector + plan.depth + loadBeats + plan.beatsPerVector) * 8 + 2000,
      macsPerVector: config.planes * config.n * config.k,
      rom: weights === 'rom',
      depth: plan.depth,
      wgtBeatBits,
      seedAct: seedHex(3),
      seedWgt: seedHex(4),
      seedOut: seedHex(5),
    }),
  });
  files.push({ path: 'tb/acts.hex', role: 'vectors', contents: actLines.join('\n') + '\n' });
  files.push({ path: 'tb/expected.hex', role: 'vectors', contents: expectedLines.join('\n') + '\n' });
  if (weights === 'stream') {
    files.push({ path: 'tb/weights_stream.hex', role: 'vectors', contents: words.map((w) => bitsToHex(padTo(w, wgtBeatBits))).join('\n') + '\n' });
  }

  // File lists, core, matrices, README, manifest.
  const memoryFiles = files.filter((f) => f.role === 'memory').map((f) => f.path);
  files.push(
    ...packageFiles(files, {
      header,
      top,
      testbenchTop,
      hdl,
      description: `FleXOR layer ${config.shape.join('x')}, ${config.layout}, q=${config.planes}, ${config.nIn}/${config.nOut}, lanes ${config.lanes}, simd ${config.simd}`,
    }),
  );
  files.push({ path: 'layer.npz', role: 'layer', contents: source.npz });
  files.push({ path: 'matrix.json', role: 'matrix', contents: matricesToJson(data.matrices, { rank: data.matrices.map(gf2Rank) }) });
  const warnings = data.matrices.flatMap((m, p) => matrixWarnings(m, p));
  const macsPerCycle = (config.planes * config.n * config.k) / plan.stepsPerVector;
  // On-chip ROM bits, or the bits of the replayed stream image.
  const memoryBits = weights === 'rom' ? plan.memoryBits : plan.depth * plan.wordBits;
  const trainedBits = config.planes * plan.slices * config.nIn;
  const summary = [
    header.lines[0],
    `Parallelism: ${plan.units} weight unit(s) per plane, ${plan.slicesPerFetch} decoder(s) each; ${plan.stepsPerVector} cycles per vector in steady state (${macsPerCycle.toFixed(2)} binary MACs per cycle).`,
    weights === 'rom'
      ? `Weights: on-chip memory, a ROM per unit of ${config.planes * plan.slicesPerFetch * config.nIn}-bit words (${plan.unitDepths.join(', ')} words) = ${memoryBits} bits for ${trainedBits} trained bits; ${plan.duplicateSlices} slice(s) per plane stored twice (at unit boundaries).`
      : `Weights: streamed, ${plan.depth} beats of ${plan.wordBits} bits = ${memoryBits} bits per vector for ${trainedBits} trained bits; ${plan.duplicateSlices} slice(s) per plane sent twice (at unit boundaries).`,
    `Widths: activations ${a}, accumulators ${widths.acc}, scales ${widths.alpha} (${config.alphaFrac} fraction bits), output ${widths.final}${config.requant ? ` after requantization (shift ${config.requant.shift})` : ''}.`,
    `Testbench: ${vectorCount} vectors (${stallVectors} ${options.inputs ? `from ${options.inputsFile ?? 'the inputs'}` : 'seeded'}, with random stalls; ${FAST_VECTORS} seeded at full speed).`,
  ];
  const readmeFile: GeneratedFile = { path: 'README.md', role: 'readme', contents: '' };
  const listed = [...files, readmeFile, { path: 'manifest.json', role: 'manifest' as const, contents: '' }];
  files.push({ ...readmeFile, contents: render('design/design_readme', { header, top, testbenchTop, summary, fileLines: describeFiles(listed), warnings }) });
  files.push(
    manifestFile(
      header,
      {
        kind: 'layer',
        config,
        origin: source.origin,
        name: options.name,
        weights,
        reset,
        hdl,
        top,
        rtlFileList: `${top}.f`,
        memoryFiles,
        testbench: { top: testbenchTop, fileList: `${testbenchTop}.f`, vectors: vectorCount * config.n, vectorsRun: vectorCount, stallVectors },
        plan: { ...plan, unitPlans: plan.unitPlans },
        widths,
        throughput: { cyclesPerVector: plan.stepsPerVector, macsPerCycle },
        storage: { memoryBits, trainedBits, duplicateSlicesPerPlane: plan.duplicateSlices },
        warnings,
      },
      files,
    ),
  );
  return { top, testbenchTop, files, warnings, summary };
}
