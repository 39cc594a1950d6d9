"""The mixnet on one core: one trustee's shuffle with its proof, and its verification.

N ranked ballots of w ranks (default 100 x 5), beside one bare ristretto255 scalar
multiplication. Run: python bench/election_shuffle.py [N] [w]
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coop_governance.election import group, shuffle
from coop_governance.tests import election_mix_helpers as sim


def main(n: int = 100, width: int = 5) -> None:
    ctx, _, _ = sim.election()
    inputs = [[sim.encrypt(ctx, (i + k) % 6) for k in range(width)] for i in range(n)]
    scalar = group.random_scalar()
    start = time.perf_counter()
    for _ in range(1000):
        group.mul(scalar, ctx.K)
    mul_us = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    outputs, proof = shuffle.shuffle(ctx, "q", 0, inputs)
    proving = time.perf_counter() - start
    start = time.perf_counter()
    shuffle.verify_shuffle(ctx, "q", 0, inputs, outputs, proof)
    verifying = time.perf_counter() - start
    print(f"one scalar multiplication: {mul_us:.0f} us")
    print(f"shuffle + proof, {n} ballots x {width} ranks: {proving * 1000:.0f} ms")
    print(f"verification, {n} ballots x {width} ranks: {verifying * 1000:.0f} ms")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
