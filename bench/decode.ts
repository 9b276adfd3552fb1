/**
 * Throughput of the golden XOR decoder on a ResNet-18-sized stream (Nin = 16, Nout = 20, nTap = 2,
 * seed 1), against the bit-by-bit reference on a smaller sample. Run: node dist/bench/decode.js
 * Prints `decode: X weights/s` (X an integer), the reference's throughput and the speed-up; exits
 * with status 1 if the fast decoder disagrees with the reference on the sample.
 */
import { decodeStreamReference, StreamDecoder } from '../generator/core/golden.js';
import { drawMatrix } from '../generator/core/matrix.js';
import { Xoshiro128StarStar } from '../generator/core/prng.js';

const WEIGHTS = 11_689_512; // ResNet-18
const N_IN = 16;
const N_OUT = 20;
const SEED = 1;
const WARMUP_RUNS = 5;
const TIMED_RUNS = 20;
/** Slices decoded by the bit-by-bit reference (and compared with the fast decoder). */
const REFERENCE_SLICES = 20_000;

/** nBytes seeded random bytes. */
function randomBytes(nBytes: number, seed: number): Uint8Array {
  const rng = new Xoshiro128StarStar(BigInt(seed));
  const bytes = new Uint8Array(nBytes);
  for (let b = 0; b < nBytes; b += 4) {
    const r = rng.nextUint32();
    for (let k = 0; k < 4 && b + k < nBytes; k++) bytes[b + k] = r >>> (24 - 8 * k);
  }
  return bytes;
}

/** Seconds taken by fn(). */
function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const matrix = drawMatrix({ nIn: N_IN, nOut: N_OUT, nTap: 2, seed: SEED });
const nSlices = Math.ceil(WEIGHTS / N_OUT);
const weights = nSlices * N_OUT;
const encrypted = randomBytes(Math.ceil((nSlices * N_IN) / 8), SEED);
const decoder = new StreamDecoder(matrix);

// Fast decoder: warm up, then time the runs; the rate is from the median run.
for (let r = 0; r < WARMUP_RUNS; r++) decoder.decode(encrypted, nSlices);
const runs = Array.from({ length: TIMED_RUNS }, () => time(() => decoder.decode(encrypted, nSlices))).sort((a, b) => a - b);
const median = runs[TIMED_RUNS >> 1];
const fastRate = weights / median;

// Reference on a sample: the first REFERENCE_SLICES slices; must agree with the fast decoder.
const sample = encrypted.subarray(0, Math.ceil((REFERENCE_SLICES * N_IN) / 8));
let expected = decodeStreamReference(matrix, sample, REFERENCE_SLICES); // warm-up run
const referenceSeconds = time(() => {
  expected = decodeStreamReference(matrix, sample, REFERENCE_SLICES);
});
const referenceRate = (REFERENCE_SLICES * N_OUT) / referenceSeconds;
const actual = decoder.decode(sample, REFERENCE_SLICES);
const agree = actual.length === expected.length && actual.every((byte, k) => byte === expected[k]);

console.log(`stream: ${weights} weights, ${nSlices} slices, Nin=${N_IN} Nout=${N_OUT} nTap=2 seed=${SEED}; ${TIMED_RUNS} runs: median ${(median * 1e3).toFixed(2)} ms, best ${(runs[0] * 1e3).toFixed(2)} ms`);
console.log(`decode: ${Math.round(fastRate)} weights/s`);
console.log(`decode (bit-by-bit reference): ${Math.round(referenceRate)} weights/s`);
console.log(`decode speed-up over reference: ${(fastRate / referenceRate).toFixed(1)} x`);
if (!agree) {
  console.error(`decode: fast decoder differs from the bit-by-bit reference on the first ${REFERENCE_SLICES} slices`);
  process.exit(1);
}
