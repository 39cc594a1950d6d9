"""A small simulated election for the mix tests: a t-of-n key, ranked ballots, trustees."""

from __future__ import annotations

import dataclasses

from coop_governance.election import group, hashing
from coop_governance.election.group import L
from coop_governance.election.record import ElectionContext


@dataclasses.dataclass
class RankedBallot:
    """What the mix reads of a verified ballot: its tracker and its rank ciphertexts."""

    tracker: str
    ranks: dict


def transport_secret(j: int) -> int:
    """Trustee j's transport secret y_j (fixed, so that tests can sign as any trustee)."""
    return hashing.challenge("test-transport-secret", j) or 1


def election(trustees: int = 3, threshold: int = 2):
    """A context, the trustees' secret shares {j: x_j} and the whole secret key (for tests).

    The context's transport keys are Y_j = y_j.G with y_j = :func:`transport_secret`.
    """
    coefficients = [group.random_scalar() for _ in range(threshold)]
    shares = {
        j: sum(a * pow(j, k, L) for k, a in enumerate(coefficients)) % L
        for j in range(1, trustees + 1)
    }
    ctx = ElectionContext(
        eid="0b5cf0b6-2c1f-4d55-9d5e-3c3f4f6f1f10",
        fp=hashing.digest("test-manifest", "mix"),
        K=group.mul_base(coefficients[0]),
        threshold=threshold,
        verification_keys={j: group.mul_base(x) for j, x in shares.items()},
        transport_keys={j: group.mul_base(transport_secret(j)) for j in range(1, trustees + 1)},
    )
    return ctx, shares, coefficients[0]


def encrypt(ctx, value: int) -> tuple[bytes, bytes]:
    r = group.random_scalar()
    return group.mul_base(r), group.add(group.small_multiple(value), group.mul(r, ctx.K))


def ranked_ballot(ctx, qid: str, values: list[int]) -> RankedBallot:
    ciphertexts = [encrypt(ctx, v) for v in values]
    tracker = hashing.digest("tracker", *[p for pair in ciphertexts for p in pair]).hex()
    return RankedBallot(tracker=tracker, ranks={qid: ciphertexts})


def partial_decryption(ctx, j: int, x_j: int, ballots) -> dict:
    """Trustee j's shares for a list of ballots, each with its Chaum-Pedersen proof (5.3)."""
    key = ctx.verification_keys[j]
    rows = []
    for ballot in ballots:
        row = []
        for alpha, _ in ballot:
            point = group.mul(x_j, alpha)
            u = group.random_scalar()
            a, b = group.mul_base(u), group.mul(u, alpha)
            c = hashing.challenge(
                "partial-decryption", ctx.eid, ctx.fp, ctx.K, j, key, alpha, point, a, b
            )
            proof = {"c": group.scalar_hex(c), "z": group.scalar_hex(u + c * x_j)}
            row.append({"point": point.hex(), "proof": proof})
        rows.append(row)
    return {"trustee": j, "shares": rows}


def decrypt(x: int, ciphertext, n: int) -> int:
    alpha, beta = ciphertext
    point = group.sub(beta, group.mul(x, alpha))
    for m in range(n + 1):
        if group.small_multiple(m) == point:
            return m
    raise AssertionError("not a small value")
