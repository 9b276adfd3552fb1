/**
 * The project's one random source: xoshiro128** (Blackman & Vigna, 2018), seeded through
 * SplitMix64. Exact integer arithmetic only, so every platform (and a few lines of Python, see
 * docs/MATRIX.md) draws the same numbers. SplitMix64 needs 64-bit products, done here with BigInt;
 * it runs only twice per generator, so the hot path stays in 32-bit integers.
 */

const MASK64 = (1n << 64n) - 1n;

/** One SplitMix64 step: returns [next state, output]. */
export function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * `seed64` is the SplitMix64 start state (0 <= seed64 < 2^64). Two SplitMix64 outputs z0, z1
   * give the state words: s0 = low32(z0), s1 = high32(z0), s2 = low32(z1), s3 = high32(z1).
   */
  constructor(seed64: bigint) {
    if (seed64 < 0n || seed64 > MASK64) throw new RangeError('seed64 must be in [0, 2^64)');
    const [state1, z0] = splitMix64(seed64);
    const [, z1] = splitMix64(state1);
    this.s0 = Number(z0 & 0xffffffffn);
    this.s1 = Number(z0 >> 32n);
    this.s2 = Number(z1 & 0xffffffffn);
    this.s3 = Number(z1 >> 32n);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // unreachable in practice; documented
  }

  /** The next 32-bit output, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * An unbiased integer in [0, n) for 1 <= n <= 2^32: draws r until r >= 2^32 mod n, returns r mod n.
   */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new RangeError('n must be an integer in [1, 2^32]');
    const threshold = 0x100000000 % n;
    for (;;) {
      const r = this.nextUint32();
      if (r >= threshold) return r % n;
    }
  }

  /** A fair coin: the most significant bit of the next output. */
  coin(): 0 | 1 {
    return (this.nextUint32() >>> 31) as 0 | 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * The random source of test vectors and stalls, apart from the matrices' ones: SplitMix64 start
 * state 0x666c78 ("flx") * 2^40 + stream * 2^32 + seed. Streams: 0 vectors, 1 valid gaps,
 * 2 ready back-pressure.
 */
export function testRandom(seed: number, stream: number): Xoshiro128StarStar {
  return new Xoshiro128StarStar((0x666c78n << 40n) + (BigInt(stream) << 32n) + BigInt(seed));
}
