/** A trained FleXOR layer as it is exchanged (docs/FORMAT.md): what a layer .npz holds, parsed. */
import type { Layout } from './layer.js';
import type { XorMatrix } from './matrix.js';

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
