"""The zero-knowledge proofs of the record (docs/election-record.md, section 5).

All proofs are in the compact Fiat-Shamir form: the challenge ``c`` and the response ``z``
of each branch. A verifier recomputes the commitments and checks that the challenges add up
to the hash of the whole statement. Verifiers take values already decoded (points as
canonical bytes, scalars as ints below L) and answer True or False; provers take their
nonces as arguments when given (test vectors) and draw them at random otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import group
from .elgamal import small
from .hashing import challenge

Branch = tuple[int, int]


def one_of_commitments(
    K: bytes, alpha: bytes, beta: bytes, values: Sequence[int], proof: Sequence[Branch]
) -> list[bytes]:
    """The commitments a_0, b_0, ..., a_k, b_k a verifier recomputes from the branches."""
    out = []
    for v, (c, z) in zip(values, proof, strict=True):
        shifted = group.sub(beta, small(v)) if v else beta
        out.append(group.sub(group.mul_base(z), group.mul(c, alpha)))
        out.append(group.sub(group.mul(z, K), group.mul(c, shifted)))
    return out


def verify_one_of(
    label: str,
    prefix: Sequence,
    K: bytes,
    alpha: bytes,
    beta: bytes,
    values: Sequence[int],
    proof: Sequence[Branch],
) -> bool:
    """(alpha, beta) encrypts one of ``values`` under K (disjunctive Chaum-Pedersen).

    ``prefix`` is every hashed item between the label and alpha: eid, fp, K and the use's
    context items (section 5.1's table).
    """
    if len(proof) != len(values):
        return False
    commitments = one_of_commitments(K, alpha, beta, values, proof)
    expected = challenge(label, *prefix, alpha, beta, *commitments)
    return sum(c for c, _ in proof) % group.L == expected


def prove_one_of(
    label: str,
    prefix: Sequence,
    K: bytes,
    alpha: bytes,
    beta: bytes,
    values: Sequence[int],
    index: int,
    r: int,
    *,
    u: int | None = None,
    fakes: Sequence[Branch] | None = None,
) -> list[Branch]:
    """A proof that (alpha, beta) = Enc(values[index]; r).

    ``u`` is the nonce of the true branch; ``fakes`` the (c, z) of the other branches, in
    order; both random when not given.
    """
    if u is None:
        u = group.random_scalar()
    if fakes is None:
        fakes = [(group.random_scalar(), group.random_scalar()) for _ in values[1:]]
    fakes = list(fakes)
    if len(fakes) != len(values) - 1:
        raise ValueError("one fake branch per value but the true one")
    branches: list[Branch | None] = []
    fake_iter = iter(fakes)
    for n in range(len(values)):
        branches.append(None if n == index else next(fake_iter))
    commitments: list[bytes] = []
    for n, v in enumerate(values):
        if n == index:
            commitments += [group.mul_base(u), group.mul(u, K)]
        else:
            commitments += one_of_commitments(K, alpha, beta, [v], [branches[n]])
    total = challenge(label, *prefix, alpha, beta, *commitments)
    c_true = (total - sum(b[0] for b in branches if b is not None)) % group.L
    branches[index] = (c_true, (u + c_true * r) % group.L)
    return branches


def verify_schnorr(label: str, context: Sequence, X: bytes, proof: Branch) -> bool:
    """The prover knows x with X = x.G: c = H(label, context..., X, z.G - c.X)."""
    c, z = proof
    a = group.sub(group.mul_base(z), group.mul(c, X))
    return challenge(label, *context, X, a) == c


def prove_schnorr(label: str, context: Sequence, x: int, *, u: int | None = None) -> Branch:
    if u is None:
        u = group.random_scalar()
    X = group.mul_base(x)
    c = challenge(label, *context, X, group.mul_base(u))
    return c, (u + c * x) % group.L


def verify_decryption(
    eid: str, fp: bytes, K: bytes, j: int, X_j: bytes, alpha: bytes, D: bytes, proof: Branch
) -> bool:
    """D = x_j.alpha for the x_j behind X_j = x_j.G (Chaum-Pedersen, section 5.3)."""
    c, z = proof
    a = group.sub(group.mul_base(z), group.mul(c, X_j))
    b = group.sub(group.mul(z, alpha), group.mul(c, D))
    return challenge("partial-decryption", eid, fp, K, j, X_j, alpha, D, a, b) == c


def prove_decryption(
    eid: str, fp: bytes, K: bytes, j: int, x_j: int, alpha: bytes, *, u: int | None = None
) -> tuple[bytes, Branch]:
    """Trustee j's share D = x_j.alpha and its proof."""
    if u is None:
        u = group.random_scalar()
    X_j = group.mul_base(x_j)
    D = group.mul(x_j, alpha)
    c = challenge(
        "partial-decryption", eid, fp, K, j, X_j, alpha, D, group.mul_base(u), group.mul(u, alpha)
    )
    return D, (c, (u + c * x_j) % group.L)


def branch_json(branch: Branch) -> dict:
    return {"c": group.scalar_hex(branch[0]), "z": group.scalar_hex(branch[1])}
