/**
 * The one division of the global average pool (generator/core/pool.ts), used by the network's
 * golden model and the average pool block: `floor((sum * M + R) / 2^S) = round_half_up(sum / n)`.
 * The rounding, the constant-time interval of R and of M, the exact check and the search, each
 * against a brute force over every sum (and, on larger ranges, over every interval of sums with
 * one rounded average).
 */
import { expect } from 'chai';
import { applyDivider, dividerIsExact, findAverageDivider, multiplierInterval, roundHalfUpDiv, roundInterval, type AverageDivider } from '../generator/core/pool.js';

/** round_half_up(a / b) by exact rationals: the integer q with q - 1/2 <= a/b < q + 1/2, found by stepping. */
function roundHalfUpExact(a: number, b: number): number {
  const [num, den] = [2 * a + b, 2 * b];
  let q = Math.trunc(num / den) - 2;
  while ((q + 1) * den <= num) q++;
  return q;
}

/** The R that work with M and S, by every sum of n values in [min, max] (small numbers only). */
function bruteRoundInterval(n: number, min: number, max: number, m: number, shift: number): { low: number; high: number } {
  const one = 2 ** shift;
  let [low, high] = [-Infinity, Infinity];
  for (let s = n * min; s <= n * max; s++) {
    const q = roundHalfUpExact(s, n);
    low = Math.max(low, q * one - s * m);
    high = Math.min(high, (q + 1) * one - 1 - s * m);
  }
  return { low, high };
}

/** Does the divider give round_half_up(sum / n) on every sum of n values in [min, max]? (BigInt, every sum) */
function bruteExact(d: AverageDivider, n: number, min: number, max: number): boolean {
  for (let s = n * min; s <= n * max; s++) if (applyDivider(BigInt(s), d) !== BigInt(roundHalfUpExact(s, n))) return false;
  return true;
}

/** The interval of R, from both ends of every interval of sums with one rounded average (one step per average). */
function intervalEndsRound(n: bigint, min: bigint, max: bigint, m: bigint, shift: number): { low: bigint; high: bigint } {
  const one = 1n << BigInt(shift);
  let [low, high] = [-(1n << 200n), 1n << 200n];
  for (let q = min; q <= max; q++) {
    const first = q === min ? n * min : q * n - n / 2n;
    const last = q === max ? n * max : (q + 1n) * n - n / 2n - 1n;
    if (q * one - first * m > low) low = q * one - first * m;
    if ((q + 1n) * one - 1n - last * m < high) high = (q + 1n) * one - 1n - last * m;
  }
  return { low, high };
}

const SMALL_RANGES: readonly [number, number][] = [[0, 0], [0, 1], [-1, 0], [-1, 1], [-2, 1], [-4, 3], [0, 7], [-8, 7], [0, 15]];

describe('average pool divider: round half up', () => {
  it('rounds halves up: 1.5 -> 2, -1.5 -> -1, -0.5 -> 0, and equals floor(s/n + 1/2) on small sums', () => {
    const table: [number, number, number][] = [[3, 2, 2], [-3, 2, -1], [-1, 2, 0], [1, 2, 1], [-6, 4, -1], [-7, 4, -2], [24, 49, 0], [25, 49, 1], [-25, 49, -1], [-24, 49, 0]];
    for (const [s, n, q] of table) expect(Number(roundHalfUpDiv(BigInt(s), BigInt(n))), `${s}/${n}`).to.equal(q);
    for (let n = 1; n <= 40; n++) {
      for (let s = -300; s <= 300; s++) {
        expect(Number(roundHalfUpDiv(BigInt(s), BigInt(n))), `${s}/${n}`).to.equal(roundHalfUpExact(s, n));
        expect(roundHalfUpExact(s, n)).to.equal(Math.floor(s / n + 0.5));
      }
    }
  });

  it('applyDivider is floor((sum * M + R) / 2^S), also for negative sums', () => {
    expect(applyDivider(-3n, { multiplier: 1, shift: 1, round: 1 })).to.equal(-1n); // floor(-2 / 2)
    expect(applyDivider(-3n, { multiplier: 1, shift: 1, round: 0 })).to.equal(-2n); // floor(-3 / 2)
    expect(applyDivider(5n, { multiplier: 3, shift: 0, round: 0 })).to.equal(15n);
  });
});

describe('average pool divider: the intervals of R and M against brute force', () => {
  it('roundInterval equals the R of every sum, for M around 2^S / n (n <= 40, S <= 10)', function () {
    this.timeout(60_000);
    for (let n = 1; n <= 40; n++) {
      for (const [min, max] of SMALL_RANGES) {
        for (let shift = 0; shift <= 10; shift++) {
          const centre = Math.floor(2 ** shift / n);
          for (let m = Math.max(0, centre - 3); m <= centre + 4; m++) {
            const got = roundInterval(n, min, max, m, shift);
            const want = bruteRoundInterval(n, min, max, m, shift);
            const label = `n ${n}, [${min}, ${max}], S ${shift}, M ${m}`;
            // Compare the verdicts, and the bounds where the interval is not empty.
            expect(got.low <= got.high, label).to.equal(want.low <= want.high);
            if (want.low <= want.high) expect([Number(got.low), Number(got.high)], label).to.deep.equal([want.low, want.high]);
          }
        }
      }
    }
  });

  it('multiplierInterval holds exactly the M >= 1 whose roundInterval is not empty (n <= 20, S <= 8)', function () {
    this.timeout(60_000);
    for (let n = 1; n <= 20; n++) {
      for (const [min, max] of SMALL_RANGES) {
        for (let shift = 0; shift <= 8; shift++) {
          const { low, high } = multiplierInterval(n, min, max, shift);
          for (let m = 1; m <= 2 ** (shift + 1) + 2; m++) {
            const want = bruteRoundInterval(n, min, max, m, shift);
            const inside = BigInt(m) >= low && (high === undefined || BigInt(m) <= high);
            expect(inside, `n ${n}, [${min}, ${max}], S ${shift}, M ${m}`).to.equal(want.low <= want.high);
          }
        }
      }
    }
  });

  it('roundInterval equals both ends of every constant-average interval on 12- to 16-bit ranges', function () {
    this.timeout(60_000);
    const cases: [number, number, number][] = [[49, 0, 4095], [36, -2048, 2047], [1000, -32768, 32767], [6, 0, 65535], [225, -32768, 32767], [2, -4096, 4095]];
    for (const [n, min, max] of cases) {
      const d = findAverageDivider(n, min, max)!;
      for (const shift of [d.shift - 1, d.shift, d.shift + 1]) {
        const centre = Math.floor(2 ** shift / n);
        for (let m = Math.max(1, centre - 2); m <= centre + 2; m++) {
          const got = roundInterval(n, min, max, m, shift);
          const want = intervalEndsRound(BigInt(n), BigInt(min), BigInt(max), BigInt(m), shift);
          expect(got.low <= got.high, `n ${n}, S ${shift}, M ${m}`).to.equal(want.low <= want.high);
          if (want.low <= want.high) expect(got, `n ${n}, S ${shift}, M ${m}`).to.deep.equal(want);
        }
      }
    }
  });

  it('dividerIsExact equals the brute force, inside, at and outside the ends of the interval of R', function () {
    this.timeout(60_000);
    for (let n = 1; n <= 36; n++) {
      for (const [min, max] of SMALL_RANGES) {
        const d = findAverageDivider(n, min, max)!;
        for (const m of [d.multiplier - 1, d.multiplier, d.multiplier + 1]) {
          const { low, high } = bruteRoundInterval(n, min, max, m, d.shift);
          const rounds = [d.round, 2 ** Math.max(0, d.shift - 1), ...[low - 1, low, high, high + 1].filter(Number.isFinite)];
          for (const round of rounds) {
            const candidate = { multiplier: m, shift: d.shift, round };
            expect(dividerIsExact(candidate, n, min, max), `n ${n}, [${min}, ${max}], ${JSON.stringify(candidate)}`).to.equal(bruteExact(candidate, n, min, max));
          }
        }
      }
    }
  });
});

describe('average pool divider: the search', () => {
  it('takes the smallest shift, then the smallest multiplier, then R closest to 2^(S-1) (brute force on small ranges)', function () {
    this.timeout(60_000);
    for (let n = 1; n <= 10; n++) {
      for (const [min, max] of [[-4, 3], [0, 7], [-2, 1]]) {
        const d = findAverageDivider(n, min, max)!;
        const label = `n ${n}, [${min}, ${max}]: ${JSON.stringify(d)}`;
        expect(bruteExact(d, n, min, max), label).to.equal(true);
        // Every (M, R) with a smaller shift fails (M up to 2^(S+1), R in [0, 2^S)).
        for (let shift = 0; shift < d.shift; shift++) {
          for (let m = 0; m <= 2 ** (shift + 1); m++) for (let r = 0; r < 2 ** shift; r++) expect(bruteExact({ multiplier: m, shift, round: r }, n, min, max), `${label}: S ${shift} M ${m} R ${r}`).to.equal(false);
        }
        for (let m = 0; m < d.multiplier; m++) for (let r = 0; r < 2 ** d.shift; r++) expect(bruteExact({ multiplier: m, shift: d.shift, round: r }, n, min, max), `${label}: M ${m} R ${r}`).to.equal(false);
        const half = d.shift > 0 ? 2 ** (d.shift - 1) : 0;
        for (let r = 0; r < 2 ** d.shift; r++) {
          const closer = Math.abs(r - half) < Math.abs(d.round - half) || (Math.abs(r - half) === Math.abs(d.round - half) && r < d.round);
          if (closer) expect(bruteExact({ ...d, round: r }, n, min, max), `${label}: R ${r} is closer to 2^(S-1)`).to.equal(false);
        }
      }
    }
  });

  it('finds an exact divider for every n up to 64 on 8-bit ranges and for larger n, R within [0, 2^S)', function () {
    this.timeout(60_000);
    const cases: [number, number, number][] = [];
    for (let n = 1; n <= 64; n++) cases.push([n, 0, 255], [n, -128, 127]);
    cases.push([196, 0, 255], [100, -8, 7], [7, 0, 1], [3, -2, 1], [64, -32768, 32767]);
    for (const [n, min, max] of cases) {
      const d = findAverageDivider(n, min, max)!;
      expect(bruteExact(d, n, min, max), `n ${n}, [${min}, ${max}]: ${JSON.stringify(d)}`).to.equal(true);
      expect(d.round).to.be.within(0, 2 ** d.shift - 1);
      expect(d.multiplier).to.be.at.least(1);
    }
  });

  it('needs R other than 2^(S-1) for signed values when n is even and not a power of two', function () {
    this.timeout(60_000);
    expect(findAverageDivider(1, -128, 127)).to.deep.equal({ multiplier: 1, shift: 0, round: 0 });
    expect(findAverageDivider(4, 0, 255)).to.deep.equal({ multiplier: 1, shift: 2, round: 2 });
    expect(findAverageDivider(64, -128, 127)).to.deep.equal({ multiplier: 1, shift: 6, round: 32 });
    expect(findAverageDivider(6, 0, 255)).to.deep.equal({ multiplier: 683, shift: 12, round: 2048 });
    // n = 6, signed: the sum 3 (0.5 -> 1) needs 3M + R >= 2^S, the sum -3 (-0.5 -> 0) needs
    // R - 3M >= 0; with R = 2^(S-1) that is M = 2^S / 6 exactly, impossible: R moves instead.
    expect(findAverageDivider(6, -128, 127)).to.deep.equal({ multiplier: 683, shift: 12, round: 2303 });
    for (let shift = 0; shift <= 14; shift++) {
      const half = shift > 0 ? 2 ** (shift - 1) : 0;
      for (let m = 0; m <= 2 ** (shift + 1); m++) expect(bruteExact({ multiplier: m, shift, round: half }, 6, -1, 1), `S ${shift} M ${m}`).to.equal(false);
    }
    const d36 = findAverageDivider(36, -128, 127)!;
    expect(d36.round).to.not.equal(2 ** (d36.shift - 1));
    expect(bruteExact(d36, 36, -128, 127)).to.equal(true);
    expect(bruteExact({ ...d36, round: 2 ** (d36.shift - 1) }, 36, -128, 127)).to.equal(false);
  });

  it('is fast on wide ranges: 32-bit values, h * w up to 2^20 (undefined past the largest shift)', function () {
    const start = Date.now();
    const d = findAverageDivider(1000, -32768, 32767)!;
    expect(dividerIsExact(d, 1000, -32768, 32767)).to.equal(true);
    expect(d.round).to.be.within(0, 2 ** d.shift - 1);
    expect(findAverageDivider(9, -(2 ** 31), 2 ** 31 - 1)).to.not.equal(undefined);
    expect(findAverageDivider(1023 * 1025, -(2 ** 31), 2 ** 31 - 1)).to.equal(undefined);
    expect(Date.now() - start).to.be.below(1000);
  });

  it('rejects a range without 0 and a count below 1', () => {
    expect(() => findAverageDivider(4, 1, 5)).to.throw(RangeError);
    expect(() => roundInterval(0, 0, 5, 1, 1)).to.throw(RangeError);
  });
});
