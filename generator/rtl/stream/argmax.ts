/**
 * `generateArgmax`: the last layer's results (the layer's m_axis_out: byte-aligned slots) to one
 * label per vector, the index of the largest value, the lowest on ties (docs/STREAMS.md, "Argmax").
 */
import { requireInteger } from '../../core/errors.js';
import { testRandom } from '../../core/prng.js';
import { byteBits, ceilDiv, drawWord, layerResultBeats, STREAM_DATA_STREAM } from '../../core/streams.js';
import { argmax } from '../../core/tail.js';
import { clog2 } from '../hdl.js';
import {
  blockHeader,
  blockModuleName,
  blockRtl,
  blockView,
  commonSettings,
  counterBits,
  counterView,
  extendExpression,
  FAST_IMAGES,
  literal,
  packageStreamBlock,
  type BlockFigures,
  type StreamBlockCommonOptions,
  type StreamBlockDesign,
} from './package.js';

/** Vectors run with stalls by default: argmax's images are one vector each, so more of them. */
export const ARGMAX_STALL_IMAGES = 12;

export interface ArgmaxOptions extends StreamBlockCommonOptions {
  /** Classes: the last layer's N (1 to 65536). */
  readonly n: number;
  /** Results per beat: the layer's LANES (1 to N). */
  readonly lanes: number;
  /** Bits of a result (signed): the layer's final width, 2 to 64; slots are that rounded up to bytes. */
  readonly inBits: number;
}

export interface ArgmaxConfig {
  readonly n: number;
  readonly lanes: number;
  readonly inBits: number;
}

export function resolveArgmax(options: ArgmaxOptions): ArgmaxConfig {
  const n = requireInteger('n', options.n, 1, 65536);
  const lanes = requireInteger('lanes', options.lanes, 1, n, `an integer from 1 to n = ${n}`);
  const inBits = requireInteger('inBits', options.inBits, 2, 64);
  return { n, lanes, inBits };
}

/** Label bits: clog2(N), at least 1; the port rounds them up to a byte. */
export function labelBits(n: number): number {
  return counterBits(n);
}

/** Figures: ceil(N/LANES) cycles per vector; the running best (value and label) and the output label. */
export function argmaxFigures(c: ArgmaxConfig): BlockFigures {
  return { idealCyclesPerImage: ceilDiv(c.n, c.lanes), bufferBits: c.inBits + 2 * labelBits(c.n), latencyBound: 1 };
}

/**
 * Seeded result vectors: vector 0 all at the minimum (every slot ties: label 0), vector 1 all at
 * the maximum, then vectors of values from {min, -1, 0, max} (frequent ties), then uniform ones.
 */
function drawVectors(c: ArgmaxConfig, seed: number, count: number): bigint[][] {
  const rng = testRandom(seed, STREAM_DATA_STREAM);
  const min = -(1n << BigInt(c.inBits - 1));
  const max = -min - 1n;
  const few = [min, -1n, 0n, max];
  return Array.from({ length: count }, (_, v) =>
    Array.from({ length: c.n }, () => (v === 0 ? min : v === 1 ? max : v % 3 === 2 ? few[rng.below(4)] : drawWord(rng, c.inBits) + min)),
  );
}

/** The comparator tree: levels of nodes, the leaves (LANES rounded up to a power of two) deepest. */
function treeLevels(lanes: number) {
  const depth = clog2(lanes);
  const levels = Array.from({ length: depth + 1 }, (_, level) => ({ level, nodes: 2 ** level, ok: level > 0 }));
  const inner = levels.slice(0, depth).reverse().map((l) => ({ ...l, child: l.level + 1 }));
  return { depth, levels, inner };
}

export function generateArgmax(options: ArgmaxOptions): StreamBlockDesign {
  const settings = commonSettings({ ...options, images: options.images ?? ARGMAX_STALL_IMAGES });
  const c = resolveArgmax(options);
  const config = { kind: 'stream-argmax', ...c, ...settings };
  const beats = ceilDiv(c.n, c.lanes);
  const slotBits = byteBits(c.inBits);
  const label = labelBits(c.n);
  const outBits = byteBits(label);
  const tree = treeLevels(c.lanes);
  const leafBits = counterBits(2 ** tree.depth);
  const top = blockModuleName(settings, `flexor_argmax_n${c.n}_l${c.lanes}_i${c.inBits}`);
  const figures = argmaxFigures(c);
  const what = `Argmax: ${c.n} signed ${c.inBits}-bit results, ${c.lanes} per beat (slots of ${slotBits} bits), to a ${label}-bit label per vector, the lowest index on ties.`;
  const header = blockHeader('generateArgmax', config, [what]);
  const view = {
    ...blockView(settings, header, top, [
      { name: 'N', value: c.n },
      { name: 'LANES', value: c.lanes },
      { name: 'IN_W', value: c.inBits },
      { name: 'SLOT_W', value: slotBits },
    ]),
    ...c,
    slotBits,
    outBits,
    labelBits: label,
    leaves: 2 ** tree.depth,
    leafBits,
    leafLevel: tree.depth,
    leafOk: tree.depth > 0,
    levels: tree.levels,
    inner: tree.inner,
    lastLanes: c.n - (beats - 1) * c.lanes,
    beat: counterView(beats),
    step: literal(label, c.lanes % 2 ** label),
    labelZero: literal(label, 0),
    valueZero: literal(c.inBits, 0),
    rootIndex: extendExpression('index_0', leafBits, label, false),
    unusedHigh: slotBits > c.inBits,
    outData: outBits > label ? `{${literal(outBits - label, 0)}, label_q}` : 'label_q',
  };
  const vectors = drawVectors(c, settings.seed, settings.stallImages + FAST_IMAGES);
  const images = vectors.map((v) => ({ input: layerResultBeats(v, c.lanes, slotBits), output: [{ data: BigInt(argmax(v)), last: true }] }));
  return packageStreamBlock({
    kind: 'stream-argmax',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'argmax', view)],
    testbench: {
      input: { prefix: 's_axis_res', dataBits: c.lanes * slotBits },
      output: { prefix: 'm_axis_label', dataBits: outBits },
      images,
      unit: 'vector',
    },
    description: `Argmax of ${c.n} results, ${c.lanes} per beat`,
    summary: [what, `Ports: s_axis_res (${c.lanes} slots of ${slotBits} bits), m_axis_label (${outBits} bits).`],
    figures,
    details: { ports: { in: 's_axis_res', out: 'm_axis_label' }, labelBits: label, slotBits },
  });
}
