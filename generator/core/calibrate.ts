/**
 * Calibration (docs/NETWORK.md, "Calibration"): the real scale of every conv/linear layer's output
 * tensor from the float network on sample images, by a plain maximum:
 *
 *     signed b-bit tensor:    scale = max |x| / (2^(b-1) - 1)
 *     unsigned b-bit tensor:  scale = max x / (2^b - 1)          (a conv/linear with a folded ReLU)
 *
 * the maximum over every image and every element of the layer's float output (before the ReLU:
 * max x of the output is max x after it whenever it is positive). The logits are signed logitBits.
 * An add's output is calibrated by the same rule.
 * Scales the manifest gives are kept as given; the input's is the manifest's input.scale, or 1
 * for integer images.
 */
import { InputError } from './errors.js';
import { floatForward, realImages } from './netfloat.js';
import { scaledLayers, type NetworkImages, type NetworkSpec } from './network.js';
import type { NetworkScales } from './netquant.js';

export interface Calibration {
  readonly scales: NetworkScales;
  /** Per conv/linear/add layer, the maximum the rule used (max |x|, or max x before a folded ReLU). */
  readonly maxima: Readonly<Record<string, number>>;
  /** Images the maxima are taken over. */
  readonly images: number;
}

/** The integer range's top, 2^(b-1) - 1 (signed) or 2^b - 1 (unsigned), of a conv/linear/add layer's output tensor. */
export function calibrationTop(spec: NetworkSpec, index: number): number {
  const layer = spec.layers[index];
  if (layer.kind !== 'conv' && layer.kind !== 'linear' && layer.kind !== 'add') throw new RangeError(`calibrationTop: layer ${index} is ${layer.kind}`);
  if (layer.reluFolded) return 2 ** spec.actBits - 1;
  return 2 ** (layer.outBits - 1) - 1;
}

/** Calibrates every scale the manifest leaves open; deterministic (a maximum over all images). */
export function calibrateNetwork(spec: NetworkSpec, images: NetworkImages): Calibration {
  if (images.images.length === 0) throw new InputError('images', 'calibration needs at least one image');
  if (images.kind === 'real' && spec.inputScale === undefined) {
    throw new InputError(`${spec.field}:input.scale`, 'is required with real (float) images: it turns them into the integers of the input tensor');
  }
  const engines = scaledLayers(spec);
  const maxima = new Map(engines.map((l) => [l.index, 0]));
  for (const x of realImages(spec, images)) {
    floatForward(spec, x, (t, values) => {
      const layer = spec.layers[t - 1];
      if (t === 0 || (layer.kind !== 'conv' && layer.kind !== 'linear' && layer.kind !== 'add')) return;
      let m = maxima.get(layer.index)!;
      if (layer.reluFolded) for (const v of values) m = v > m ? v : m;
      else for (const v of values) m = Math.abs(v) > m ? Math.abs(v) : m;
      if (!Number.isFinite(m)) throw new InputError(`${layer.field}`, `${layer.name}: the float network gives ${m} on the calibration images`);
      maxima.set(layer.index, m);
    });
  }
  const layers: Record<string, number> = {};
  const maxOf: Record<string, number> = {};
  for (const layer of engines) {
    const m = maxima.get(layer.index)!;
    maxOf[layer.name] = m;
    if (layer.scale !== undefined) {
      layers[layer.name] = layer.scale;
      continue;
    }
    if (!(m > 0)) {
      const what = layer.reluFolded ? 'never positive' : 'zero';
      throw new InputError(`${layer.field}.scale`, `${layer.name}: its output is ${what} on all ${images.images.length} calibration image(s), so calibration cannot choose its scale; give scale in the manifest`);
    }
    layers[layer.name] = m / calibrationTop(spec, layer.index);
  }
  return { scales: { layers }, maxima: maxOf, images: images.images.length };
}
