/**
 * Conv and linear layers of a network on whole feature maps: the float view's real arithmetic,
 * and the integer network's exact one, which is the layer engine's golden model
 * (docs/ARITHMETIC.md) on every window. Both accumulate acc_p[c] = sum_k w_p[c,k] * x[k] in
 * float64 (exact for integers: |acc| <= K * 2^15 <= 2^46 < 2^53).
 */
import { layerGolden, layerRanges } from './layer.js';
import { convOutputSize, convWindow } from './netops.js';
import type { EngineLayer, NetworkSpec } from './network.js';
import type { NetworkModel, QuantizedEngine } from './netquant.js';

/** +1.0 / -1.0 per weight, (c, k) order, per plane; kept per layer object. */
const signCache = new WeakMap<EngineLayer, Float64Array[]>();

function weightSigns(layer: EngineLayer): Float64Array[] {
  let signs = signCache.get(layer);
  if (!signs) {
    signs = layer.bits.map((bits) => Float64Array.from(bits, (b) => (b ? 1 : -1)));
    signCache.set(layer, signs);
  }
  return signs;
}

/** Output positions of a layer: Ho x Wo for a conv, 1 x 1 for a linear layer. */
export function enginePositions(layer: EngineLayer, spec: NetworkSpec): { ho: number; wo: number } {
  const input = spec.tensors[layer.inputs[0]];
  if (layer.kind === 'linear') return { ho: 1, wo: 1 };
  return { ho: convOutputSize(input.h, layer.kernel.kh, layer.stride, layer.padding), wo: convOutputSize(input.w, layer.kernel.kw, layer.stride, layer.padding) };
}

/**
 * acc_p[c] of every output position (raster order): result[(pos*q + p)*N + c], each the sum over
 * k ascending of w_p[c,k] * window[k] in float64. The windows are those of netops.convWindow (a
 * linear layer's single window is its input).
 */
export function engineAcc(layer: EngineLayer, x: Float64Array, spec: NetworkSpec): Float64Array {
  const input = spec.tensors[layer.inputs[0]];
  const { kernel, stride, padding } = layer;
  const N = kernel.cout;
  const K = kernel.cin * kernel.kh * kernel.kw;
  const { ho, wo } = enginePositions(layer, spec);
  const signs = weightSigns(layer);
  const q = signs.length;
  const acc = new Float64Array(ho * wo * q * N);
  const vec = new Float64Array(K);
  for (let r = 0; r < ho; r++) {
    for (let col = 0; col < wo; col++) {
      const v = layer.kind === 'conv' ? convWindow(x, input, kernel, stride, padding, r, col, vec) : x;
      const pos = r * wo + col;
      for (let p = 0; p < q; p++) {
        const s = signs[p];
        const base = (pos * q + p) * N;
        for (let c = 0; c < N; c++) {
          let sum = 0;
          for (let k = 0, w = c * K; k < K; k++, w++) sum += s[w] * v[k];
          acc[base + c] = sum;
        }
      }
    }
  }
  return acc;
}

/** The real layer: out = (sum over p ascending of alpha_p[c] * acc_p[c]) + bias[c], raster order, channels fastest. */
export function engineFloat(layer: EngineLayer, x: Float64Array, spec: NetworkSpec): Float64Array {
  const N = layer.kernel.cout;
  const q = layer.alphaReal.length;
  const acc = engineAcc(layer, x, spec);
  const positions = acc.length / (q * N);
  const out = new Float64Array(positions * N);
  for (let pos = 0; pos < positions; pos++) {
    for (let c = 0; c < N; c++) {
      let o = 0;
      for (let p = 0; p < q; p++) o += layer.alphaReal[p][c] * acc[(pos * q + p) * N + c];
      out[pos * N + c] = o + (layer.biasReal ? layer.biasReal[c] : 0);
    }
  }
  return out;
}

/** Can out = sum_p alpha' * acc + bias' and out + 2^(F-1) be computed exactly in float64? */
function fitsDouble(engine: QuantizedEngine): boolean {
  const r = layerRanges(engine.data.config);
  const limit = 2n ** 53n;
  return -r.rounded.min < limit && r.rounded.max < limit && -r.out.min < limit && r.out.max < limit;
}

/**
 * The integer layer: the engine's `final` for every window, raster order, channels fastest.
 * out[c] = sum_p alpha'_p[c] * acc_p[c] + bias'[c] and final = saturate(floor((out + 2^(F-1)) / 2^F))
 * are computed in float64 when the exact ranges of docs/ARITHMETIC.md lie within 2^53 (every
 * intermediate an integer below 2^53, the division by 2^F exact), else by layerGolden in BigInt.
 */
export function engineInt(engine: QuantizedEngine, x: Int32Array, model: NetworkModel): Int32Array {
  const { layer, data } = engine;
  const { spec } = model;
  const N = layer.kernel.cout;
  const q = data.alpha.length;
  const requant = data.config.requant!;
  if (!fitsDouble(engine)) return engineIntBig(engine, x, model);
  const acc = engineAcc(layer, Float64Array.from(x), spec);
  const alpha = data.alpha.map((row) => row.map(Number));
  const bias = data.bias.map(Number);
  const half = requant.shift > 0 ? 2 ** (requant.shift - 1) : 0;
  const unit = 2 ** requant.shift;
  const lo = -(2 ** (requant.outBits - 1));
  const hi = 2 ** (requant.outBits - 1) - 1;
  const positions = acc.length / (q * N);
  const out = new Int32Array(positions * N);
  for (let pos = 0; pos < positions; pos++) {
    for (let c = 0; c < N; c++) {
      let o = bias[c];
      for (let p = 0; p < q; p++) o += alpha[p][c] * acc[(pos * q + p) * N + c];
      const shifted = Math.floor((o + half) / unit);
      out[pos * N + c] = shifted < lo ? lo : shifted > hi ? hi : shifted;
    }
  }
  return out;
}

/** engineInt by layerGolden on every window (BigInt throughout). */
export function engineIntBig(engine: QuantizedEngine, x: Int32Array, model: NetworkModel): Int32Array {
  const { layer, data } = engine;
  const { spec } = model;
  const input = spec.tensors[layer.inputs[0]];
  const { kernel, stride, padding } = layer;
  const N = kernel.cout;
  const { ho, wo } = enginePositions(layer, spec);
  const out = new Int32Array(ho * wo * N);
  const vec = new Int32Array(kernel.cin * kernel.kh * kernel.kw);
  for (let r = 0; r < ho; r++) {
    for (let col = 0; col < wo; col++) {
      const v = layer.kind === 'conv' ? convWindow(x, input, kernel, stride, padding, r, col, vec) : x;
      const final = layerGolden(data, v).final;
      const base = (r * wo + col) * N;
      for (let c = 0; c < N; c++) out[base + c] = Number(final[c]);
    }
  }
  return out;
}
