/**
 * `--pipeline`: register stages a layer may add for its clock (docs/ARCHITECTURE.md, "Pipeline"):
 * after the decoders (the step's sign bits and activations registered before the MAC array), in
 * the MAC array's trees every N levels of adders, and after the scale stage (its results
 * registered before the collector). Each stage adds one cycle of latency and none per vector.
 */
import { InputError } from '../../core/errors.js';
import { layerWidths, type LayerConfig } from '../../core/layer.js';
import { planMacArray, planMacStages, type MacArrayPlan, type MacStages } from '../macarray.js';

/** The stages asked for; `mac` is N of mac:N (a register every N levels of the trees), 0 for none. */
export interface PipelineSpec {
  readonly decoders: boolean;
  readonly mac: number;
  readonly scale: boolean;
}

/** The largest N of mac:N. */
export const MAX_MAC_EVERY = 16;

export const NO_PIPELINE: PipelineSpec = { decoders: false, mac: 0, scale: false };

const ALLOWED = `a comma-separated list of decoders, mac:N (a register in the MAC trees every N adder levels, N from 1 to ${MAX_MAC_EVERY}; mac is mac:1) and scale, or none`;

function pipelineError(got: unknown): InputError {
  return new InputError('--pipeline', `must be ${ALLOWED}; got ${JSON.stringify(got)}`);
}

function parseText(text: string): PipelineSpec {
  const items = text.split(',').map((s) => s.trim());
  if (text.trim() === 'none') return NO_PIPELINE;
  let spec = { ...NO_PIPELINE };
  const seen = new Set<string>();
  for (const item of items) {
    const m = /^mac(?::(\d+))?$/.exec(item);
    const kind = m ? 'mac' : item;
    if (seen.has(kind)) throw new InputError('--pipeline', `names ${kind} twice; got ${JSON.stringify(text)}`);
    seen.add(kind);
    if (item === 'decoders' || item === 'scale') spec = { ...spec, [item]: true };
    else if (m && Number(m[1] ?? 1) >= 1 && Number(m[1] ?? 1) <= MAX_MAC_EVERY) spec = { ...spec, mac: Number(m[1] ?? 1) };
    else throw pipelineError(text);
  }
  return spec;
}

/** The stages of `value`: the flag's text, or a manifest's object; undefined is none. Throws an InputError on bad input. */
export function parsePipeline(value: string | PipelineSpec | undefined): PipelineSpec {
  if (value === undefined) return NO_PIPELINE;
  if (typeof value === 'string') return parseText(value);
  const { decoders, mac, scale } = value as Partial<PipelineSpec>;
  const isMac = typeof mac === 'number' && Number.isInteger(mac) && mac >= 0 && mac <= MAX_MAC_EVERY;
  if (typeof decoders !== 'boolean' || typeof scale !== 'boolean' || !isMac) throw pipelineError(value);
  return { decoders, mac, scale };
}

/** The flag's text of `spec`, in the canonical order: `decoders,mac:2,scale`, or `none`. */
export function pipelineText(spec: PipelineSpec): string {
  const parts = [...(spec.decoders ? ['decoders'] : []), ...(spec.mac > 0 ? [`mac:${spec.mac}`] : []), ...(spec.scale ? ['scale'] : [])];
  return parts.length > 0 ? parts.join(',') : 'none';
}

/** The stages of one layer: the spec, the trees' registers, and the cycles they add. */
export interface PipelineModel extends PipelineSpec {
  readonly macStages: MacStages;
  /** Stages before the accumulators: the decoders' and the trees'. */
  readonly front: number;
  /** Cycles of latency added: front + the scale stage's. */
  readonly added: number;
}

export function pipelineModel(spec: PipelineSpec, mac: MacArrayPlan): PipelineModel {
  const macStages = planMacStages(mac, spec.mac);
  const front = (spec.decoders ? 1 : 0) + macStages.cuts.length;
  return { ...spec, macStages, front, added: front + (spec.scale ? 1 : 0) };
}

/** The MAC array of a layer of `config`: a tree per plane and lane, SIMD terms, its accumulators' width. */
export function layerMacArray(config: LayerConfig): MacArrayPlan {
  return planMacArray(config.planes * config.lanes, config.simd, config.actBits, layerWidths(config).acc);
}

/** The pipeline of a layer of `config` (its MAC array as the layer model plans it): for a network's plan. */
export function layerPipeline(config: LayerConfig, spec: PipelineSpec): PipelineModel {
  return pipelineModel(spec, layerMacArray(config));
}

/** One line for the summary and README, or none without stages. */
export function pipelineLine(p: PipelineModel): string[] {
  if (p.added === 0 && p.mac === 0) return [];
  const mac = p.mac > 0 ? `; mac:${p.mac} is ${p.macStages.cuts.length} register stage(s) in each MAC tree of ${p.macStages.levels} adder level(s)` : '';
  return [`Pipeline: ${pipelineText(p)} (--pipeline)${mac}: ${p.added} added cycle(s) of latency, the same cycles per vector.`];
}

/** A warning when mac:N fits no register in this layer's trees (N above their levels). */
export function pipelineWarnings(p: PipelineModel): string[] {
  if (p.mac === 0 || p.macStages.cuts.length > 0) return [];
  const levels = p.macStages.levels;
  return [`--pipeline mac:${p.mac}: the MAC trees have ${levels} adder level(s) before the accumulators, so no register stage fits (N up to ${levels} places them)`];
}
