/**
 * Throughput of the exact FleXOR encoder (generator/encode.ts) on a ResNet-18-sized layer set:
 * 11,689,512 weights as ONE plane stream (S = ceil(W / 20) = 584,476 slices; per-layer streams
 * would only change where the partial slices fall), Nin = 16, Nout = 20, nTap = 2, seed 1 matrix
 * (rank 12), random +-1 targets from a seeded xoshiro128** (seed 1). Run: node dist/bench/encode.js
 *
 * Prints the nearest-codeword table build time, then `encode: X weights/s`, `encode: T s for
 * 11689512 weights` (table already built; median of the timed runs), the one-shot encodePlane time
 * (table included), `encode bit error rate: E` with the exact expectation for random targets and
 * the rate-distortion bound, and the weighted variant (per-slice scan) on a sample. Exits with
 * status 1 if decoding the result (StreamDecoder) disagrees with the reported bit errors, or the
 * scan disagrees with the table on the sample.
 */
import { bitErrorRate, encodePlane, PlaneEncoder } from '../generator/core/encode.js';
import { StreamDecoder, unpackBits } from '../generator/core/golden.js';
import { drawMatrix } from '../generator/core/matrix.js';
import { Xoshiro128StarStar } from '../generator/core/prng.js';

const WEIGHTS = 11_689_512; // ResNet-18
const N_IN = 16;
const N_OUT = 20;
const N_TAP = 2;
const SEED = 1;
const TABLE_RUNS = 5;
const WARMUP_RUNS = 2;
const TIMED_RUNS = 7;
/** Weights in the weighted (and unweighted-scan) sample: 20,000 slices. */
const SAMPLE_WEIGHTS = 400_000;
/** Timed runs on the sample (median). */
const SAMPLE_RUNS = 5;

/** n seeded random target bits (0/1), 32 per generator output, bit b of output k is bit 32k + b. */
function randomTarget(n: number, seed: number): Uint8Array {
  const rng = new Xoshiro128StarStar(BigInt(seed));
  const bits = new Uint8Array(n);
  for (let b = 0; b < n; b += 32) {
    const r = rng.nextUint32();
    for (let k = 0; k < 32 && b + k < n; k++) bits[b + k] = (r >>> k) & 1;
  }
  return bits;
}

/** n seeded importances, uniform in [0, 1): |w| of float weights stand-in. */
function randomImportance(n: number, seed: number): Float64Array {
  const rng = new Xoshiro128StarStar(BigInt(seed) + 1000n);
  return Float64Array.from({ length: n }, () => rng.nextUint32() / 2 ** 32);
}

/** Seconds taken by fn(). */
function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Binary entropy. */
function h2(p: number): number {
  return p <= 0 || p >= 1 ? 0 : -p * Math.log2(p) - (1 - p) * Math.log2(1 - p);
}

/** Rate-distortion bound of a binary symmetric source: the D in [0, 1/2] with 1 - h(D) = rate. */
function distortionBound(rate: number): number {
  let lo = 0;
  let hi = 0.5;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (1 - h2(mid) > rate) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

let failed = false;
const matrix = drawMatrix({ nIn: N_IN, nOut: N_OUT, nTap: N_TAP, seed: SEED });
const target = randomTarget(WEIGHTS, SEED);

// Table build: fresh encoders (construction included), median of a few.
const buildTimes: number[] = [];
let encoder = new PlaneEncoder(matrix);
for (let r = 0; r < TABLE_RUNS; r++) {
  encoder = new PlaneEncoder(matrix);
  buildTimes.push(time(() => encoder.buildTable()));
}
const buildSeconds = median(buildTimes);

// Encoding with the table built: warm up, then the median of the timed runs.
let result = encoder.encode(target);
for (let r = 1; r < WARMUP_RUNS; r++) result = encoder.encode(target);
const encodeSeconds = median(Array.from({ length: TIMED_RUNS }, () => time(() => (result = encoder.encode(target)))));

// One-shot encodePlane (new encoder, table built inside), once.
let oneShot = result;
const oneShotSeconds = time(() => (oneShot = encodePlane(matrix, target)));
if (oneShot.bitErrors !== result.bitErrors || oneShot.packed.some((b, k) => b !== result.packed[k])) {
  console.error('encode: encodePlane and the reused encoder disagree');
  failed = true;
}

// Check: decoding the result gives exactly bitErrors differences from the target.
const decoded = unpackBits(new StreamDecoder(matrix).decode(result.packed, result.nSlices), WEIGHTS);
let differ = 0;
for (let w = 0; w < WEIGHTS; w++) differ += decoded[w] ^ target[w];
if (differ !== result.bitErrors) {
  console.error(`encode: decoding the result differs from the target in ${differ} bits; the encoder reported ${result.bitErrors}`);
  failed = true;
}

const rank = encoder.rank;
console.log(
  `stream: ${WEIGHTS} weights as one plane, ${result.nSlices} slices, Nin=${N_IN} Nout=${N_OUT} nTap=${N_TAP} seed=${SEED} (rank ${rank}, ${2 ** rank} codewords); method ${result.method}`,
);
console.log(`encode table build: ${(buildSeconds * 1e3).toFixed(1)} ms (2^${N_OUT} words, BFS from all codewords; median of ${TABLE_RUNS})`);
console.log(`encode: ${Math.round(WEIGHTS / encodeSeconds)} weights/s`);
console.log(`encode: ${encodeSeconds.toFixed(3)} s for ${WEIGHTS} weights (table already built; median of ${TIMED_RUNS} runs)`);
console.log(`encode (encodePlane one-shot, table build included): ${oneShotSeconds.toFixed(3)} s for ${WEIGHTS} weights`);
console.log(`encode bit error rate: ${bitErrorRate(result).toFixed(6)} (${result.bitErrors} of ${WEIGHTS} bits)`);
console.log(
  `encode bit error rate, exact expectation for uniform random targets (mean table distance / Nout): ${encoder.randomTargetErrorRate().toFixed(6)}`,
);
console.log(
  `encode rate-distortion bound (infinite block length): ${distortionBound(rank / N_OUT).toFixed(6)} at rank/Nout = ${(rank / N_OUT).toFixed(2)}; ${distortionBound(N_IN / N_OUT).toFixed(6)} at Nin/Nout = ${(N_IN / N_OUT).toFixed(2)}`,
);

// Sample: the first SAMPLE_WEIGHTS weights, unweighted scan (against the table) and weighted scan.
const sample = target.subarray(0, SAMPLE_WEIGHTS);
const importance = randomImportance(SAMPLE_WEIGHTS, SEED);
encoder.encode(sample, undefined, { method: 'scan' }); // warm-up
let scan = result;
const scanSeconds = median(Array.from({ length: SAMPLE_RUNS }, () => time(() => (scan = encoder.encode(sample, undefined, { method: 'scan' })))));
const tableSample = encoder.encode(sample);
if (scan.bitErrors !== tableSample.bitErrors || scan.packed.some((b, k) => b !== tableSample.packed[k])) {
  console.error('encode: the scan and the table disagree on the sample');
  failed = true;
}
encoder.encode(sample, importance); // warm-up
let weighted = result;
const weightedSeconds = median(Array.from({ length: SAMPLE_RUNS }, () => time(() => (weighted = encoder.encode(sample, importance)))));
let totalImportance = 0;
for (let w = 0; w < SAMPLE_WEIGHTS; w++) totalImportance += importance[w];
console.log(`encode (scan, unweighted): ${Math.round(SAMPLE_WEIGHTS / scanSeconds)} weights/s (${scanSeconds.toFixed(3)} s for ${SAMPLE_WEIGHTS} weights, median of ${SAMPLE_RUNS}; same result as the table)`);
console.log(
  `encode (weighted, importance uniform in [0,1)): ${Math.round(SAMPLE_WEIGHTS / weightedSeconds)} weights/s (${weightedSeconds.toFixed(3)} s for ${SAMPLE_WEIGHTS} weights, median of ${SAMPLE_RUNS}; ~${((weightedSeconds * WEIGHTS) / SAMPLE_WEIGHTS).toFixed(1)} s projected for ${WEIGHTS})`,
);
console.log(
  `encode (weighted): bit error rate ${bitErrorRate(weighted).toFixed(6)}, weighted error ${(weighted.weightedError! / totalImportance).toFixed(6)} of the total importance (unweighted encoding of the same sample: ${weightedErrorOf(tableSample.packed).toFixed(6)})`,
);
if (failed) process.exit(1);

/** Weighted error of an encoded sample, as a fraction of the total importance (by decoding it). */
function weightedErrorOf(packed: Uint8Array): number {
  const nSlices = Math.ceil(SAMPLE_WEIGHTS / N_OUT);
  const bits = unpackBits(new StreamDecoder(matrix).decode(packed, nSlices), SAMPLE_WEIGHTS);
  let sum = 0;
  for (let w = 0; w < SAMPLE_WEIGHTS; w++) if (bits[w] !== sample[w]) sum += importance[w];
  return sum / totalImportance;
}
