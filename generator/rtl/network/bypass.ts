/**
 * The depth of a residual block's bypass FIFO, computed from the branches' data dependencies
 * (docs/NETWORK.md, "Bypass FIFOs"): the fork sends every beat to the branch and the bypass at
 * once, the add takes a beat of each at once, so while the branch has not produced output pixel
 * o (it needs the first need(o) pixels of the fork's stream) the bypass must hold every pixel it
 * made from those that the add has not taken: avail(need(o)) - o pixels. The bound is the largest
 * over o; with it the network cannot deadlock whatever the blocks' rates and latencies.
 */
import type { Kernel } from '../../core/netops.js';

/** One layer on a path from the fork to the add, as a map from output pixels to input pixels. */
export type PathStep =
  | { readonly kind: 'conv'; readonly h: number; readonly w: number; readonly wo: number; readonly kernel: Kernel; readonly stride: number; readonly padding: number }
  | { readonly kind: 'maxpool'; readonly w: number; readonly wo: number; readonly k: number }
  | { readonly kind: 'shortcut'; readonly w: number; readonly wo: number; readonly stride: number };

/** How many pixels of its input (a prefix, raster order) a step needs before it can emit output pixel o. */
export function stepNeed(step: PathStep, o: number): number {
  const r = Math.floor(o / step.wo);
  const q = o % step.wo;
  switch (step.kind) {
    case 'conv': {
      const row = Math.max(0, Math.min(step.h - 1, r * step.stride - step.padding + step.kernel.kh - 1));
      const col = Math.max(0, Math.min(step.w - 1, q * step.stride - step.padding + step.kernel.kw - 1));
      return row * step.w + col + 1;
    }
    case 'maxpool':
      return (r * step.k + step.k - 1) * step.w + q * step.k + step.k;
    case 'shortcut':
      return r * step.stride * step.w + q * step.stride + 1;
  }
}

/** The prefix of the fork's stream (pixels) a path (steps in stream order) needs for its output pixel o. */
export function pathNeed(steps: readonly PathStep[], o: number): number {
  let index = o;
  for (let i = steps.length - 1; i >= 0; i--) index = stepNeed(steps[i], index) - 1;
  return index + 1;
}

/**
 * The most pixels the bypass must hold: max over the add's output pixels o of
 * avail(need_branch(o)) - o, avail(P) the bypass's output pixels computable from the first P
 * pixels of the fork's stream. `pixels` is the add's pixel count.
 */
export function bypassBound(branch: readonly PathStep[], bypass: readonly PathStep[], pixels: number): number {
  let made = 0;
  let most = 0;
  for (let o = 0; o < pixels; o++) {
    const prefix = pathNeed(branch, o);
    while (made < pixels && pathNeed(bypass, made) <= prefix) made++;
    most = Math.max(most, made - o);
  }
  return most;
}
