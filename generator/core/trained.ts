/**
 * A trained FleXOR layer as it is exchanged (docs/FORMAT.md): what a layer .npz holds, parsed; and
 * its conversion to the configuration and fixed-point data of the golden model and the RTL.
 */
import { realToFixed, resolveLayer, type LayerData, type LayerOptions, type Layout } from './layer.js';
import { uniformTaps, type XorMatrix } from './matrix.js';

export interface TrainedLayer {
  /** Output channels first: [Cout, Cin, kh, kw] (conv) or [out, in] (linear). */
  readonly shape: readonly number[];
  /** Order of the weights in the decoded stream ('oi' is PyTorch's). */
  readonly layout: Layout;
  readonly nIn: number;
  readonly nOut: number;
  /** q. */
  readonly planes: number;
  /** ceil(prod(shape) / nOut). */
  readonly nSlices: number;
  /** One per plane. */
  readonly matrices: readonly XorMatrix[];
  /** Per plane, the nSlices * nIn sign bits (1 = +1) in np.packbits order: ceil(nSlices*nIn/8) bytes. */
  readonly packed: readonly Uint8Array[];
  /** Real scales, [q][Cout]. */
  readonly alpha: readonly Float64Array[];
  /** Real biases, [Cout]. */
  readonly bias?: Float64Array;
}

/** The arithmetic and parallelism settings that apply to a trained layer too (the rest comes from it). */
export type LayerSettings = Omit<LayerOptions, 'shape' | 'nIn' | 'nOut' | 'nTap' | 'dense' | 'draw' | 'planes' | 'layout'>;

/**
 * The matrix settings a trained layer implies: its shape, Nin, Nout, q, layout, and nTap when
 * every plane's matrix has the same number of ones in every row (dense otherwise).
 */
export function trainedMatrixOptions(trained: TrainedLayer): Pick<LayerOptions, 'shape' | 'nIn' | 'nOut' | 'nTap' | 'dense' | 'planes' | 'layout'> {
  const taps = trained.matrices.map(uniformTaps);
  const nTap = taps.every((t) => t !== undefined && t >= 1 && t === taps[0]) ? taps[0] : undefined;
  return {
    shape: [...trained.shape],
    nIn: trained.nIn,
    nOut: trained.nOut,
    planes: trained.planes,
    layout: trained.layout,
    ...(nTap !== undefined ? { nTap } : { dense: true }),
  };
}

/**
 * A trained layer as the golden model's LayerData: the configuration from `settings` (bias on
 * exactly when the layer has a bias array) and the layer's matrices; the real scales and biases
 * rounded by realToFixed to (alphaBits, alphaFrac) and (biasBits, alphaFrac). Errors name
 * `field` (the file or layer) and the entry, e.g. `conv1.npz:alpha[0][3] with --alpha-bits 16 --alpha-frac 12`.
 */
export function trainedLayerData(trained: TrainedLayer, settings: LayerSettings, field: string): LayerData {
  const config = resolveLayer({ ...settings, bias: trained.bias !== undefined, ...trainedMatrixOptions(trained) });
  const alpha = trained.alpha.map((row, p) =>
    Array.from(row, (value, c) => realToFixed(value, config.alphaBits, config.alphaFrac, `${field}:alpha[${p}][${c}] with --alpha-bits ${config.alphaBits} --alpha-frac ${config.alphaFrac}`)),
  );
  const bias = Array.from({ length: config.n }, (_, c) =>
    trained.bias ? realToFixed(trained.bias[c], config.biasBits, config.alphaFrac, `${field}:bias[${c}] with --bias-bits ${config.biasBits} --alpha-frac ${config.alphaFrac}`) : 0n,
  );
  return {
    config,
    matrices: [...trained.matrices],
    encrypted: [...trained.packed],
    nSlices: trained.nSlices,
    alpha,
    bias,
    alphaReal: trained.alpha.map((row) => Array.from(row)),
    biasReal: trained.bias ? Array.from(trained.bias) : Array.from({ length: config.n }, () => 0),
  };
}
