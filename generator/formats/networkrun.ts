/**
 * What the `flexor network` commands around a chained network call (docs/NETWORK.md): its golden
 * model (integer or float) on an images file, with the logits and labels as .npy; and its
 * calibration on sample images, as a scales sidecar and as the manifest with the scales written in.
 */
import { InputError, requireInteger } from '../core/errors.js';
import { calibrateNetwork, type Calibration } from '../core/calibrate.js';
import { networkFloat } from '../core/netfloat.js';
import { networkGolden, seededImages } from '../core/netgolden.js';
import { quantizeNetwork, type NetworkModel, type NetworkScales } from '../core/netquant.js';
import { resolveNetwork, type ImageLayout, type NetworkSpec } from '../core/network.js';
import { shapeText } from '../core/netops.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from './manifest.js';
import { manifestWithScales, readImages, readNetworkDescription, readScalesFile, scalesJson, STORED_NETWORK } from './networkfile.js';
import { writeNpy } from './npy.js';

/**
 * The manifest of the network an accelerator folder holds (DIR/network.json, with every scale in
 * it); an InputError naming `command` if DIR holds something else.
 */
export function acceleratorNetwork(dir: string, command: string): string {
  const manifest = readManifest(dir);
  if (manifest.kind !== 'accelerator') throw new InputError('DIR', `${dir} holds a ${String(manifest.kind)} design, not a network accelerator; flexor ${command} DIR takes a folder written by flexor network`);
  const path = join(dir, STORED_NETWORK);
  if (!existsSync(path)) throw new InputError('DIR', `${dir} has no ${STORED_NETWORK}; regenerate it with this version of flexor`);
  return path;
}

/** Is `path` a folder (a design folder), not a manifest or layer file? */
export function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Reads and resolves a chained network's manifest. */
export function loadNetwork(manifest: string): NetworkSpec {
  return resolveNetwork(readNetworkDescription(manifest));
}

export interface ScaleOptions {
  /** Layout of the images files (else the manifest's input.layout). */
  readonly layout?: ImageLayout;
  /** A scales sidecar written by calibration (`--scales`). */
  readonly scales?: string;
  /** Images to calibrate on (`--calibrate`). */
  readonly calibrate?: string;
}

/**
 * The integer network: scales from the manifest, then `--scales` or `--calibrate` (not both) for
 * the layers the manifest leaves open.
 */
export function networkModel(spec: NetworkSpec, options: ScaleOptions = {}): { model: NetworkModel; calibration?: Calibration } {
  if (options.scales !== undefined && options.calibrate !== undefined) throw new InputError('--scales', 'cannot be combined with --calibrate: give the scales or calibrate them, not both');
  let scales: NetworkScales = { layers: {} };
  let calibration: Calibration | undefined;
  if (options.calibrate !== undefined) {
    calibration = calibrateNetwork(spec, readImages(options.calibrate, spec, { layout: options.layout, field: '--calibrate' }));
    scales = calibration.scales;
  } else if (options.scales !== undefined) {
    scales = readScalesFile(options.scales, spec);
  }
  return { model: quantizeNetwork(spec, scales), ...(calibration ? { calibration } : {}) };
}

export interface NetworkGoldenOutput {
  /** int64 [V, N] integer logits (units of logitScale), or float64 [V, N] real logits with `float`. */
  readonly logits: Uint8Array;
  /** int64 [V]: the argmax of each image's logits, ties to the lowest index. */
  readonly labels: Uint8Array;
  readonly labelList: readonly number[];
  readonly images: number;
  /** The real value of one step of the integer logits (not with `float`). */
  readonly logitScale?: number;
  readonly model?: NetworkModel;
  readonly warnings: readonly string[];
}

/**
 * `flexor network golden`: the integer network (or with `float` the float view) on every image
 * of `images`, the logits and labels as .npy bytes.
 */
export function networkGoldenFiles(manifest: string, images: string, options: ScaleOptions & { readonly float?: boolean } = {}): NetworkGoldenOutput {
  const spec = loadNetwork(manifest);
  if (options.float && (options.scales !== undefined || options.calibrate !== undefined)) {
    throw new InputError(options.scales !== undefined ? '--scales' : '--calibrate', 'does not apply with --float: the float view uses no scales');
  }
  const classes = spec.tensors[spec.tensors.length - 1].c;
  if (options.float) {
    const result = networkFloat(spec, readImages(images, spec, { layout: options.layout }));
    const v = result.logits.length;
    return {
      logits: writeNpy({ dtype: 'float64', shape: [v, classes], data: Float64Array.from(result.logits.flatMap((l) => Array.from(l))) }),
      labels: labelsNpy(result.labels),
      labelList: result.labels,
      images: v,
      warnings: [],
    };
  }
  const { model } = networkModel(spec, options);
  const result = networkGolden(model, readImages(images, spec, { layout: options.layout }));
  const v = result.logits.length;
  return {
    logits: writeNpy({ dtype: 'int64', shape: [v, classes], data: BigInt64Array.from(result.logits.flatMap((l) => Array.from(l, BigInt))) }),
    labels: labelsNpy(result.labels),
    labelList: result.labels,
    images: v,
    logitScale: model.logitScale,
    model,
    warnings: model.warnings,
  };
}

function labelsNpy(labels: readonly number[]): Uint8Array {
  return writeNpy({ dtype: 'int64', shape: [labels.length], data: BigInt64Array.from(labels, BigInt) });
}

/** Images drawn from the input's range (core/netgolden.ts seededImages) instead of a file. */
export interface SeededImages {
  readonly count: number;
  readonly seed: number;
}

/**
 * `flexor network calibrate`: the scales chosen on `images`, as a sidecar JSON (for `--scales`)
 * and as the manifest with every conv/linear layer's `scale` written in (its `from` paths made
 * relative to `writeManifest`, where it will be written).
 */
export function networkCalibrateFiles(manifest: string, images: string | SeededImages, options: { readonly layout?: ImageLayout; readonly writeManifest?: string } = {}): { calibration: Calibration; scalesJson: string; manifest: string; model: NetworkModel } {
  const spec = loadNetwork(manifest);
  const samples = typeof images === 'string'
    ? readImages(images, spec, { layout: options.layout })
    : seededImages(spec, requireInteger('--images', images.count, 1, 1000), requireInteger('--seed', images.seed, 0, 0xffffffff));
  const calibration = calibrateNetwork(spec, samples);
  const model = quantizeNetwork(spec, calibration.scales);
  return { calibration, scalesJson: scalesJson(spec, calibration), manifest: manifestWithScales(manifest, spec, calibration.scales, options.writeManifest), model };
}

/** One line per layer: kind, shapes, widths and, with a model, the scales and the engine's F. */
export function networkSummary(spec: NetworkSpec, model?: NetworkModel): string[] {
  const t0 = spec.tensors[0];
  const lines = [`${spec.name}: input ${shapeText(t0)}, ${t0.signed ? 'signed' : 'unsigned'} ${t0.bits}-bit${model ? `, scale ${model.scales[0]}` : ''}`];
  spec.layers.forEach((layer, i) => {
    const out = spec.tensors[i + 1];
    const type = `${shapeText(out)} ${out.signed ? 'signed' : 'unsigned'} ${out.bits}-bit`;
    let detail = '';
    if (layer.kind === 'conv' || layer.kind === 'linear') {
      const e = model?.engines[i];
      detail = `${layer.inputs[0] !== i ? ` (input ${layer.inputs[0] === 0 ? 'input' : spec.layers[layer.inputs[0] - 1].name})` : ''} [${layer.config.shape.join(', ')}]${layer.batchnorm ? ` + ${layer.batchnorm} folded` : ''} actBits ${layer.actBits}, outBits ${layer.outBits}${e ? `, F ${e.alphaFrac}, scale ${e.outScale}` : ''}`;
    } else if (layer.kind === 'relu') detail = layer.folded ? ' (folded: the requantization tail)' : ' (a clamp)';
    else if (layer.kind === 'maxpool') detail = ` ${layer.size} x ${layer.size}`;
    else if (layer.kind === 'add') {
      const a = model?.adds[i];
      detail = ` ${layer.inputs.map((t) => (t === 0 ? 'input' : spec.layers[t - 1].name)).join(' + ')}${a ? ` = (a * ${a.multipliers[0]} + b * ${a.multipliers[1]}${a.shift > 0 ? ` + 2^${a.shift - 1}` : ''}) >> ${a.shift}, scale ${a.outScale}` : ''}`;
    } else if (layer.kind === 'shortcut') detail = ` x[::${layer.stride}, ::${layer.stride}], channels ${layer.offset}..${layer.offset + spec.tensors[layer.inputs[0]].c - 1} of ${layer.channels}`;
    else if (layer.kind === 'avgpool') {
      const { shift, multiplier, round } = layer.divider;
      detail = ` round_half_up(sum / ${layer.count}) = (sum * ${multiplier} + ${round}) >> ${shift}`;
    }
    lines.push(`  ${layer.name}: ${layer.kind}${detail} -> ${type}`);
  });
  return lines;
}
