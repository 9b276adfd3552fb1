#!/usr/bin/env python3
"""Reference for the seeded XOR matrices of flexor-rtl (docs/MATRIX.md). Standard library only.

    python3 docs/flexor_matrix.py --nin 16 --nout 20 --ntap 2 --seed 1 --planes 2
    python3 docs/flexor_matrix.py --nin 16 --nout 20 --dense --seed 1
    python3 docs/flexor_matrix.py --nin 16 --nout 20 --ntap 2 --seed 1 --draw full

prints {"planes": [[[0, 1, ...], ...], ...]}: planes x Nout rows x Nin columns, as drawn by the generator.
"""
import argparse
import json

M64, M32 = (1 << 64) - 1, (1 << 32) - 1
MAX_DRAW_ATTEMPTS = 4096   # candidates a full draw tries per plane


def splitmix64(state):
    """One SplitMix64 step: returns (next state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Xoshiro128StarStar:
    def __init__(self, seed64):
        state, z0 = splitmix64(seed64)
        _, z1 = splitmix64(state)
        self.s = [z0 & M32, z0 >> 32, z1 & M32, z1 >> 32]
        if not any(self.s):
            self.s[0] = 1

    def next_uint32(self):
        s = self.s
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def below(self, n):
        """Unbiased integer in [0, n): draw r until r >= 2^32 mod n, return r mod n."""
        threshold = (1 << 32) % n
        while True:
            r = self.next_uint32()
            if r >= threshold:
                return r % n

    def coin(self):
        return self.next_uint32() >> 31


def draw_candidate(n_in, n_out, n_tap, dense, seed, plane, attempt):
    """Candidate `attempt` of one plane: rows drawn from start state attempt * 2^40 + plane * 2^32 + seed."""
    rng = Xoshiro128StarStar((attempt << 40) + (plane << 32) + seed)
    rows = []
    for _ in range(n_out):
        row = [0] * n_in
        if dense:
            while not any(row):
                row = [rng.coin() for _ in range(n_in)]
        else:
            perm = list(range(n_in))
            for t in range(n_tap):
                k = t + rng.below(n_in - t)
                perm[t], perm[k] = perm[k], perm[t]
                row[perm[t]] = 1
        rows.append(row)
    return rows


def gf2_rank(rows):
    """Rank over GF(2) of 0/1 rows (Gaussian elimination on rows as integers, bit i = column i)."""
    basis = {}                                   # leading bit -> reduced row
    for row in rows:
        v = sum(bit << i for i, bit in enumerate(row))
        while v:
            top = v.bit_length() - 1
            if top not in basis:
                basis[top] = v
                break
            v ^= basis[top]
    return len(basis)


def target_rank(n_in, n_tap=None, dense=False):
    """The largest rank the rows allow: Nin (dense, odd nTap), Nin - 1 (even nTap), 1 (nTap = Nin)."""
    if dense:
        return n_in
    if n_tap == n_in:
        return 1
    return n_in - 1 if n_tap % 2 == 0 else n_in


def draw_matrix(n_in, n_out, n_tap=None, dense=False, seed=1, plane=0, draw="first"):
    """The Nout x Nin 0/1 matrix of one plane, as a list of rows (row j, column i = M[j][i]).
    draw="first": candidate 0, the seed's first matrix. draw="full": the first candidate
    a = 0, 1, ... below MAX_DRAW_ATTEMPTS of rank target_rank with every column used."""
    if not 1 <= n_in <= n_out <= 1024:
        raise ValueError("need 1 <= n_in <= n_out <= 1024")
    if dense == (n_tap is not None) or (not dense and not 1 <= n_tap <= n_in):
        raise ValueError("give either dense=True or 1 <= n_tap <= n_in")
    if not 0 <= seed <= M32 or not 0 <= plane < 64:
        raise ValueError("need 0 <= seed < 2^32 and 0 <= plane < 64")
    if draw not in ("first", "full"):
        raise ValueError('draw must be "first" or "full"')
    if draw == "first":
        return draw_candidate(n_in, n_out, n_tap, dense, seed, plane, 0)
    target = target_rank(n_in, n_tap, dense)
    for attempt in range(MAX_DRAW_ATTEMPTS):
        rows = draw_candidate(n_in, n_out, n_tap, dense, seed, plane, attempt)
        if all(any(col) for col in zip(*rows)) and gf2_rank(rows) == target:
            return rows
    raise ValueError(f"draw full: none of the first {MAX_DRAW_ATTEMPTS} candidates of seed {seed}, plane {plane} "
                     f"has rank {target} with every column used")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nin", type=int, required=True)
    p.add_argument("--nout", type=int, required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--ntap", type=int)
    g.add_argument("--dense", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--planes", type=int, default=1, choices=range(1, 65), metavar="1..64")
    p.add_argument("--draw", choices=("first", "full"), default="first")
    a = p.parse_args()
    try:
        planes = [draw_matrix(a.nin, a.nout, a.ntap, a.dense, a.seed, q, a.draw) for q in range(a.planes)]
    except ValueError as e:
        p.error(str(e))
    print(json.dumps({"planes": planes}, separators=(",", ":")))
