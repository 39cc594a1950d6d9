"""The homomorphic tally of ``choose`` questions and its threshold decryption (section 8)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from . import elgamal, group, proofs, shapes
from .errors import RecordInvalid


def encrypted_tally(manifest: dict, verified_ballots: Iterable) -> dict[str, list]:
    """For each ``choose`` question, the sum of every ballot's selection i, per answer i."""
    questions = [q for q in manifest["questions"] if q["kind"] == "choose"]
    sums = {q["id"]: [elgamal.ZERO] * len(q["answers"]) for q in questions}
    for ballot in verified_ballots:
        for qid, selections in ballot.choose.items():
            row = sums[qid]
            for i, ciphertext in enumerate(selections):
                row[i] = elgamal.add(row[i], ciphertext)
    return sums


def verify_partial_decryption(
    eid: str, fp: bytes, K: bytes, j: int, X_j: bytes, alpha: bytes, share, *, path: str = ""
) -> bytes:
    """Trustee j's share ``{"point", "proof"}`` of the decryption of alpha; answers D."""
    share = shapes.obj(share, path, ("point", "proof"))
    D = shapes.point(share["point"], shapes.key(path, "point"))
    branch = shapes.branch(share["proof"], shapes.key(path, "proof"))
    if not proofs.verify_decryption(eid, fp, K, j, X_j, alpha, D, branch):
        raise RecordInvalid(
            shapes.key(path, "proof"), f"trustee {j}'s partial decryption proof does not verify"
        )
    return D


def lagrange_at_zero(indexes: Iterable[int]) -> dict[int, int]:
    """lambda_j = prod over k != j of k / (k - j) mod L, for each j of the set."""
    indexes = sorted(set(indexes))
    out = {}
    for j in indexes:
        numerator, denominator = 1, 1
        for k in indexes:
            if k != j:
                numerator = numerator * k % group.L
                denominator = denominator * (k - j) % group.L
        out[j] = numerator * pow(denominator, -1, group.L) % group.L
    return out


_baby_steps: dict[int, dict[bytes, int]] = {}


def discrete_log(point: bytes, max_value: int) -> int:
    """The m in [0, max_value] with m.G = point (baby-step giant-step); ValueError if none."""
    step = max(1, math.isqrt(max_value) + 1)
    table = _baby_steps.get(step)
    if table is None:
        table, current = {}, group.IDENTITY
        for m in range(step):
            table.setdefault(current, m)
            current = group.add(current, group.G)
        _baby_steps[step] = table
    giant = group.mul_base(step)
    current = point
    for base in range(0, max_value + 1, step):
        m = table.get(current)
        if m is not None and base + m <= max_value:
            return base + m
        current = group.sub(current, giant)
    raise ValueError(f"the value is not between 0 and {max_value}")


def combine(
    threshold: int,
    shares_by_trustee: Mapping[int, Sequence[bytes]],
    ciphertexts: Sequence,
    max_value: int,
) -> list[int]:
    """The values of ``ciphertexts`` from the shares of the first ``threshold`` trustees.

    ``[m_i] = beta_i - sum over j in S of lambda_j.D_{j,i}``; ValueError when fewer than
    ``threshold`` trustees gave shares or a value is not in [0, max_value].
    """
    chosen = sorted(shares_by_trustee)[:threshold]
    if len(chosen) < threshold:
        raise ValueError(f"{threshold} trustees must decrypt, not {len(chosen)}")
    coefficients = lagrange_at_zero(chosen)
    values = []
    for i, (_, beta) in enumerate(ciphertexts):
        point = beta
        for j in chosen:
            point = group.sub(point, group.mul(coefficients[j], shares_by_trustee[j][i]))
        values.append(discrete_log(point, max_value))
    return values
