/**
 * Behavioural models of the blocks that reorder a tensor's values (docs/STREAMS.md): flatten,
 * from the feature map's raster order to PyTorch's `(c, h, w)` order, and the width converter,
 * which re-cuts each pixel's channels into beats of another width. Pure.
 */
import { featureMapAt, featureMapBeats, featureMapFromBeats, type FeatureMap, type StreamBeat } from './streams.js';

/** `torch.flatten(x, 1)` of an `(N, C, H, W)` tensor: element `k = (c*H + h)*W + w` is `x[h, w, c]`. */
export function flatten(fm: FeatureMap): number[] {
  const out = new Array<number>(fm.c * fm.h * fm.w);
  for (let c = 0; c < fm.c; c++) for (let h = 0; h < fm.h; h++) for (let w = 0; w < fm.w; w++) out[(c * fm.h + h) * fm.w + w] = featureMapAt(fm, h, w, c);
  return out;
}

/**
 * The width converter: a feature-map stream of beat `from` as the same feature map's stream of
 * beat `to`; every pixel starts a new beat, so beat b of a pixel holds channels `b*to ..`.
 */
export function rebeat(beats: readonly StreamBeat[], shape: { readonly h: number; readonly w: number; readonly c: number }, from: number, to: number, bits: number): StreamBeat[] {
  return featureMapBeats(featureMapFromBeats(beats, shape, from, bits, false), to, bits);
}
