/**
 * What `generateLayer` is asked for: its options, checked (an InputError naming the flag), the
 * layer they resolve to, the module names, and the command that reproduces the design.
 */
import { InputError, requireInteger } from '../../core/errors.js';
import { baselineLayer } from '../../core/baseline.js';
import { sha256 } from '../../core/hash.js';
import type { LayerConfig } from '../../core/layer.js';
import { layerSource, type LayerSettings, type LayerSource, type LayerSourceOptions } from '../../formats/layersource.js';
import { shellQuote } from '../decoder.js';
import { headerView, type HeaderView } from '../design.js';
import type { Hdl, ResetStyle } from '../hdl.js';
import { NO_PIPELINE, parsePipeline, pipelineText, type PipelineSpec } from './pipeline.js';

export type WeightSource = 'rom' | 'stream';

/**
 * Where synthesis puts a memory (docs/SYNTH.md, "Memory styles"): `auto` lets the tool choose
 * (no attribute); `block`, `distributed` and `registers` become the memory's `rom_style` (a ROM)
 * or `ram_style` (a RAM) attribute.
 */
export type MemoryStyle = 'auto' | 'block' | 'distributed' | 'registers';
export const MEMORY_STYLES: readonly MemoryStyle[] = ['auto', 'block', 'distributed', 'registers'];

/** `value` as a MemoryStyle (undefined: auto); an InputError naming `flag` and the choices otherwise. */
export function memoryStyle(flag: string, value: unknown): MemoryStyle {
  const style = value ?? 'auto';
  if (!MEMORY_STYLES.includes(style as MemoryStyle)) {
    throw new InputError(flag, `must be one of ${MEMORY_STYLES.join(', ')}; got ${JSON.stringify(String(style))}`);
  }
  return style as MemoryStyle;
}

export interface LayerGenOptions extends LayerSourceOptions {
  readonly weights?: WeightSource;
  /** Where synthesis puts the weight ROMs (default auto). */
  readonly romStyle?: MemoryStyle;
  /** The activation banks (oi): block reads them synchronously, an address a step ahead (default auto). */
  readonly actStyle?: MemoryStyle;
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
  /** Register stages for the clock: `decoders,mac:2,scale` (the flag's text) or a manifest's object. */
  readonly pipeline?: string | PipelineSpec;
}

/** Vectors run at full speed after the stalled ones, to measure cycles per vector. */
export const FAST_VECTORS = 4;

/** The checked choices of a layer design, beside its layer. */
export interface LayerChoices {
  readonly weights: WeightSource;
  readonly romStyle: MemoryStyle;
  readonly actStyle: MemoryStyle;
  readonly reset: ResetStyle;
  readonly hdl: Hdl;
  /** Vectors with random stalls (the user's inputs, or seeded ones). */
  readonly stallVectors: number;
  /** All vectors the testbench runs: stallVectors + FAST_VECTORS. */
  readonly vectorCount: number;
  readonly baseline: boolean;
  readonly pipeline: PipelineSpec;
  readonly name?: string;
  readonly inputs?: readonly Int32Array[];
  readonly inputsFile?: string;
}

/** Who the design is: its layer, names, command and header. */
export interface LayerIdentity {
  /** The layer the hardware holds (the binary twin's for a baseline). */
  readonly source: LayerSource;
  /** The FleXOR layer asked for (the baseline's too): its name and command. */
  readonly flexorSource: LayerSource;
  readonly choices: LayerChoices;
  readonly top: string;
  readonly testbenchTop: string;
  readonly command: string;
  readonly header: HeaderView;
}

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

/** The memory styles' flags, only those not auto (a default design's command stays as it was). */
function styleFlags(choices: Pick<LayerChoices, 'romStyle' | 'actStyle'>): string[] {
  return [...(choices.romStyle !== 'auto' ? [`--rom-style ${choices.romStyle}`] : []), ...(choices.actStyle !== 'auto' ? [`--act-style ${choices.actStyle}`] : [])];
}

export function layerCommand(source: LayerSource, options: LayerGenOptions, weights: WeightSource, reset: ResetStyle, hdl: Hdl, vectors: number, pipeline: PipelineSpec = NO_PIPELINE): string {
  const { config, origin } = source;
  const parts = ['flexor generate layer'];
  if (origin.kind === 'file') {
    parts.push(`--from ${shellQuote(origin.file)}`);
  } else {
    parts.push(
      `--shape ${config.shape.join(',')}`,
      `--nin ${config.nIn} --nout ${config.nOut}`,
      config.dense ? '--dense' : `--ntap ${config.nTap}`,
      ...(config.draw === 'full' ? ['--draw full'] : []),
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
  parts.push(...styleFlags({ romStyle: memoryStyle('--rom-style', options.romStyle), actStyle: memoryStyle('--act-style', options.actStyle) }));
  if (pipelineText(pipeline) !== 'none') parts.push(`--pipeline ${pipelineText(pipeline)}`);
  parts.push(options.inputsFile !== undefined ? `--inputs ${shellQuote(options.inputsFile)}` : `--vectors ${vectors}`);
  return parts.join(' ');
}

/**
 * flexor_<name>, or flexor_layer_<N>x<K>_<layout>_<Nin>x<Nout>_<taps>_q<q>_p<lanes>g<simd>_<origin>
 * with taps t<nTap> or dense, origin s<seed> (drawn; s<seed>f for a full draw) or m<first 8 hex
 * of the layer file's sha256>.
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
  const origin = source.origin.kind === 'file' ? `m${source.origin.sha256.slice(0, 8)}` : `s${c.seed}${c.draw === 'full' ? 'f' : ''}`;
  return `flexor_layer_${c.n}x${c.k}_${c.layout}_${c.nIn}x${c.nOut}_${taps}_q${c.planes}_p${c.lanes}g${c.simd}_${origin}`;
}

/** The options' own checks (the layer's are layerSource's), in the order the CLI reports them. */
function layerChoices(options: LayerGenOptions): LayerChoices {
  const weights = options.weights ?? 'rom';
  if (weights !== 'rom' && weights !== 'stream') throw new InputError('--weights', `must be rom (on-chip memory) or stream (AXI4-Stream port); got ${String(weights)}`);
  const romStyle = memoryStyle('--rom-style', options.romStyle);
  const actStyle = memoryStyle('--act-style', options.actStyle);
  const reset = options.reset ?? 'sync';
  if (reset !== 'sync' && reset !== 'async') throw new InputError('--reset', `must be sync or async; got ${String(reset)}`);
  const hdl = options.hdl ?? 'sv';
  if (hdl !== 'sv' && hdl !== 'verilog') throw new InputError('--hdl', `must be sv or verilog; got ${String(hdl)}`);
  const pipeline = parsePipeline(options.pipeline);
  if (romStyle !== 'auto' && weights !== 'rom') throw new InputError('--rom-style', `applies to on-chip weights (--weights rom); these are streamed (got --rom-style ${romStyle})`);
  if (options.inputs !== undefined && options.vectors !== undefined) throw new InputError('--vectors', 'cannot be combined with --inputs: the inputs are the vectors');
  const stallVectors = options.inputs?.length ?? requireInteger('--vectors', options.vectors ?? 6, 1, 10_000);
  return {
    weights,
    romStyle,
    actStyle,
    reset,
    hdl,
    stallVectors,
    vectorCount: stallVectors + FAST_VECTORS,
    baseline: options.baseline === true,
    pipeline,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.inputs !== undefined ? { inputs: options.inputs } : {}),
    ...(options.inputsFile !== undefined ? { inputsFile: options.inputsFile } : {}),
  };
}

/** The memory styles in the header's configuration, only those not auto (a default design's hash stays as it was). */
function styleConfig(choices: LayerChoices): { romStyle?: MemoryStyle; actStyle?: MemoryStyle } {
  return { ...(choices.romStyle !== 'auto' ? { romStyle: choices.romStyle } : {}), ...(choices.actStyle !== 'auto' ? { actStyle: choices.actStyle } : {}) };
}

/** Resolves and checks everything `generateLayer` is asked for; throws an InputError on bad input. */
export function layerIdentity(options: LayerGenOptions): LayerIdentity {
  const flexorSource = layerSource(options);
  const source: LayerSource = options.baseline
    ? { ...layerSource({ ...settingsOf(flexorSource.config), trained: baselineLayer(flexorSource.data) }), origin: flexorSource.origin }
    : flexorSource;
  const choices = layerChoices(options);
  const { config } = source;
  if (choices.actStyle !== 'auto' && config.layout !== 'oi') throw new InputError('--act-style', `applies to the activation banks of the oi layout; io keeps its activations in registers (got --act-style ${choices.actStyle})`);
  const top = options.topName ?? `${layerModuleName(flexorSource, options.name)}${choices.baseline ? '_bin' : ''}`;
  // The FleXOR layer's own options (a baseline is that command with --baseline), so the command reproduces the design.
  const command = layerCommand(flexorSource, options, choices.weights, choices.reset, choices.hdl, choices.stallVectors, choices.pipeline);
  const inputs = options.inputs ? sha256(options.inputs.map((v) => v.join(',')).join(';')) : undefined;
  const stored = choices.baseline ? 'stored bits per weight and plane (the 1-bit binary baseline: no XOR decoder)' : 'encrypted bits per weight and plane';
  const header = headerView(
    command,
    { kind: 'layer', config, origin: source.origin, name: options.name, baseline: options.baseline, weights: choices.weights, ...styleConfig(choices), reset: choices.reset, hdl: choices.hdl, vectors: choices.stallVectors, inputs, ...(pipelineText(choices.pipeline) !== 'none' ? { pipeline: choices.pipeline } : {}) },
    [
      `Layer: N=${config.n} x K=${config.k} (shape ${config.shape.join('x')}), layout ${config.layout}, ${config.planes} plane(s), ${config.nIn}/${config.nOut} ${stored}, lanes ${config.lanes}, simd ${config.simd}.`,
    ],
  );
  return { source, flexorSource, choices, top, testbenchTop: `tb_${top}`, command, header };
}
