/**
 * The float view of a network (docs/NETWORK.md, "Float view"): the real network, in float64,
 * with the real scales and biases and the decoded +-1 weights, for comparison with PyTorch and
 * for calibration. No rounding anywhere but float64's own.
 */
import { InputError } from './errors.js';
import { engineFloat } from './netengine.js';
import { flatten, globalAvgPoolReal, maxPool, relu, runNetwork, shortcut, type NetworkRun } from './netops.js';
import { checkImages, type NetworkImages, type NetworkSpec } from './network.js';

/**
 * One image through the float network; `visit(t, x)` sees every tensor t (0 the input, i + 1
 * layer i's output) in stream order. Returns the logits.
 */
export function floatForward(spec: NetworkSpec, image: Float64Array, visit?: (tensor: number, x: Float64Array) => void): Float64Array {
  const values: Float64Array[] = [image];
  visit?.(0, image);
  spec.layers.forEach((layer, i) => {
    const x = values[layer.inputs[0]];
    const shape = spec.tensors[layer.inputs[0]];
    let y: Float64Array;
    switch (layer.kind) {
      case 'conv':
      case 'linear':
        y = engineFloat(layer, x, spec);
        break;
      case 'relu':
        y = relu(x);
        break;
      case 'maxpool':
        y = maxPool(x, shape, layer.size);
        break;
      case 'avgpool':
        y = globalAvgPoolReal(x, shape);
        break;
      case 'flatten':
        y = flatten(x, shape);
        break;
      case 'add': {
        const b = values[layer.inputs[1]];
        y = x.map((v, k) => v + b[k]);
        break;
      }
      case 'shortcut':
        y = shortcut(x, shape, layer.stride, layer.channels, layer.offset);
        break;
    }
    values.push(y);
    visit?.(i + 1, y);
  });
  return values[values.length - 1];
}

/** The real input of an image: integers times the input scale (the manifest's, else 1), or the reals as given. */
export function realImages(spec: NetworkSpec, images: NetworkImages): Float64Array[] {
  checkImages(spec, images);
  if (images.kind === 'real') {
    images.images.forEach((x, v) => {
      const bad = x.findIndex((value) => !Number.isFinite(value));
      if (bad >= 0) throw new InputError(`images[${v}]`, `value ${bad} is ${x[bad]}; images must be finite`);
    });
    return [...images.images];
  }
  const scale = spec.inputScale ?? 1;
  return images.images.map((x) => Float64Array.from(x, (v) => v * scale));
}

/** Real logits, their labels and, with options.tensors, every tensor of every image. */
export type FloatResult = NetworkRun<Float64Array>;

/** The float network on every image. */
export function networkFloat(spec: NetworkSpec, images: NetworkImages, options: { tensors?: boolean } = {}): FloatResult {
  return runNetwork(realImages(spec, images), (x, visit) => floatForward(spec, x, visit), options.tensors);
}
