/**
 * Throughput of the network golden model on LeNet-5 (docs/examples/lenet5.yaml, seeded, with
 * the scales the manifest gives): the integer network and the float view on seeded images. Run: node dist/bench/network.js. Prints `network golden (lenet5): X images/s integer,
 * Y images/s float` from the median of timed runs.
 */
import { fileURLToPath } from 'node:url';
import { enginePositions } from '../generator/core/netengine.js';
import { networkFloat } from '../generator/core/netfloat.js';
import { networkGolden } from '../generator/core/netgolden.js';
import { quantizeNetwork } from '../generator/core/netquant.js';
import { engineLayers, type NetworkImages, type NetworkSpec } from '../generator/core/network.js';
import { testRandom } from '../generator/core/prng.js';
import { loadNetwork } from '../generator/formats/networkrun.js';

const MANIFEST = fileURLToPath(new URL('../../docs/examples/lenet5.yaml', import.meta.url));
const IMAGES_PER_RUN = 8;
const WARMUP_RUNS = 1;
const TIMED_RUNS = 5;

/** Seeded random images: every pixel uniform over the input's range. */
function images(spec: NetworkSpec, count: number, seed: number): NetworkImages {
  const t = spec.tensors[0];
  const rng = testRandom(seed, 0);
  return { kind: 'integer', images: Array.from({ length: count }, () => Int32Array.from({ length: t.h * t.w * t.c }, () => rng.below(2 ** t.bits))) };
}

/** Seconds taken by fn(). */
function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Images per second: the median of the timed runs. */
function rate(fn: () => void): number {
  for (let r = 0; r < WARMUP_RUNS; r++) fn();
  const runs = Array.from({ length: TIMED_RUNS }, () => time(fn)).sort((a, b) => a - b);
  return IMAGES_PER_RUN / runs[TIMED_RUNS >> 1];
}

const spec = loadNetwork(MANIFEST);
const macs = engineLayers(spec).reduce((sum, l) => {
  const { ho, wo } = enginePositions(l, spec);
  return sum + ho * wo * l.kernel.cout * l.kernel.cin * l.kernel.kh * l.kernel.kw * l.config.planes;
}, 0);
const model = quantizeNetwork(spec, { layers: {} });
const batch = images(spec, IMAGES_PER_RUN, 2);
const integer = rate(() => networkGolden(model, batch));
const float = rate(() => networkFloat(spec, batch));

console.log(`network: ${spec.name}, ${engineLayers(spec).length} FleXOR layers, ${(macs / 1e6).toFixed(1)}M binary MACs per image; ${TIMED_RUNS} runs of ${IMAGES_PER_RUN} images`);
console.log(`network golden (${spec.name}): ${integer.toFixed(1)} images/s integer, ${float.toFixed(1)} images/s float`);
