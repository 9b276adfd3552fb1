/**
 * The golden model of an integer network (docs/NETWORK.md): image in, logits and label out, every
 * tensor an exact integer stream in the order of docs/STREAMS.md (raster, channels fastest), so
 * that a hardware probe can compare block by block. Conv and linear layers are the layer engine's
 * arithmetic (docs/ARITHMETIC.md) applied to every window (netengine.ts).
 */
import { InputError } from './errors.js';
import { engineInt } from './netengine.js';
import { addInt, flatten, globalAvgPoolInt, intRange, maxPool, quantizeReal, runNetwork, shortcut, type NetworkRun } from './netops.js';
import { checkImages, type NetworkImages, type NetworkSpec } from './network.js';
import { testRandom } from './prng.js';
import type { NetworkModel } from './netquant.js';

/**
 * The integers of the input tensor: integer images checked against its range, real images
 * quantized as round_half_to_even(x / input scale), saturated to the range.
 */
export function quantizeImages(model: NetworkModel, images: NetworkImages): Int32Array[] {
  const { spec } = model;
  checkImages(spec, images);
  const t = spec.tensors[0];
  const range = intRange(t.bits, t.signed);
  const kind = `${t.signed ? 'signed' : 'unsigned'} ${t.bits}-bit`;
  if (images.kind === 'integer') {
    images.images.forEach((x, v) => {
      const bad = x.findIndex((value) => value < range.min || value > range.max);
      if (bad >= 0) throw new InputError(`images[${v}]`, `value ${bad} is ${x[bad]}; the input is ${kind}, ${range.min} to ${range.max}`);
    });
    return [...images.images];
  }
  if (spec.inputScale === undefined) {
    throw new InputError(`${spec.field}:input.scale`, 'is required with real (float) images: it turns them into the integers of the input tensor');
  }
  const scale = model.scales[0];
  return images.images.map((x, v) => Int32Array.from(x, (value, i) => quantizeReal(value, scale, range, `images[${v}][${i}]`)));
}

/** max(y, 0), then (for an unsigned `bits`-bit result) min(., 2^bits - 1). */
function clamp(x: Int32Array, max: number): Int32Array {
  return x.map((v) => (v < 0 ? 0 : v > max ? max : v));
}

/**
 * One image (integers of the input tensor) through the integer network; `visit(t, x)` sees every
 * tensor t (0 the input, i + 1 layer i's output). Returns the logits.
 */
export function goldenForward(model: NetworkModel, image: Int32Array, visit?: (tensor: number, x: Int32Array) => void): Int32Array {
  const { spec } = model;
  const values: Int32Array[] = [image];
  visit?.(0, image);
  spec.layers.forEach((layer, i) => {
    const x = values[layer.inputs[0]];
    const shape = spec.tensors[layer.inputs[0]];
    let y: Int32Array;
    switch (layer.kind) {
      case 'conv':
      case 'linear':
        y = engineInt(model.engines[i]!, x, model);
        break;
      case 'relu':
        y = clamp(x, intRange(spec.tensors[i + 1].bits, false).max);
        break;
      case 'maxpool':
        y = maxPool(x, shape, layer.size);
        break;
      case 'avgpool':
        y = globalAvgPoolInt(x, shape, layer.divider);
        break;
      case 'flatten':
        y = flatten(x, shape);
        break;
      case 'add':
        y = addInt(x, values[layer.inputs[1]], model.adds[i]!);
        break;
      case 'shortcut':
        y = shortcut(x, shape, layer.stride, layer.channels, layer.offset);
        break;
    }
    values.push(y);
    visit?.(i + 1, y);
  });
  return values[values.length - 1];
}

/** Integer logits (the real logits are these times model.logitScale), labels and, with options.tensors, every tensor. */
export type GoldenResult = NetworkRun<Int32Array>;

/** The integer network on every image. */
export function networkGolden(model: NetworkModel, images: NetworkImages, options: { tensors?: boolean } = {}): GoldenResult {
  return runNetwork(quantizeImages(model, images), (x, visit) => goldenForward(model, x, visit), options.tensors);
}

/**
 * `count` integer images uniform over the input's range, from testRandom(seed, 0): the testbench's
 * default images, and calibration images for a seeded network (`flexor calibrate --images`).
 */
export function seededImages(spec: NetworkSpec, count: number, seed: number): NetworkImages {
  const t = spec.tensors[0];
  const rng = testRandom(seed, 0);
  const min = t.signed ? -(2 ** (t.bits - 1)) : 0;
  const span = 2 ** t.bits;
  const size = t.h * t.w * t.c;
  return { kind: 'integer', images: Array.from({ length: count }, () => Int32Array.from({ length: size }, () => min + rng.below(span))) };
}
