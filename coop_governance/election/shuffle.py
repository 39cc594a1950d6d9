"""A verifiable re-encryption shuffle of ranked ballots (Terelius-Wikstrom proof of shuffle).

A trustee takes a list of N ballots, each a vector of w ElGamal ciphertexts under the
election key K (one per rank), permutes the list with a secret permutation and re-encrypts
every ciphertext with fresh randomness, and proves in zero knowledge that the output is a
permutation and re-encryption of the input, without revealing which output came from which
input. docs/election-record.md, section 9, is the specification: the generators, the items
of every hash and the verification equations.

The proof is the Terelius-Wikstrom proof as Haenni, Locher, Koenig and Dubuis write it
("Pseudo-code algorithms for verifiable re-encryption mix-nets", 2017), in additive
notation, over the product group of w ciphertexts: the permutation commitment and the
commitment chain are the original's; the re-encryption part has one response per rank.

Each shuffle is signed by the trustee who made it (section 9.3, "The shuffle's
signature"): a Schnorr proof of knowledge of the trustee's transport secret bound to the
step digest, which covers the input, the output and the whole proof. Without it the server
could make every shuffle itself, know every permutation, and publish them under the
trustees' numbers.

Points are 32-byte encodings (bytes); scalars are Python ints in [0, L). A ciphertext is a
pair ``(alpha, beta)``; a ballot is a list of w pairs.
"""

from __future__ import annotations

import secrets

from . import group, hashing, proofs, shapes
from .errors import RecordInvalid
from .group import InvalidValue, L

Ciphertext = tuple[bytes, bytes]
Ballot = list[Ciphertext]


def generators(eid: str, fp: bytes, qid: str, position: int, count: int) -> list[bytes]:
    """h_0 .. h_{count-1}: points whose discrete logarithms nobody knows (section 9.2)."""
    return [
        group.from_uniform(hashing.wide_digest("generator", eid, fp, qid, position, i))
        for i in range(count)
    ]


def shuffle(ctx, qid: str, position: int, inputs: list[Ballot]) -> tuple[list[Ballot], dict]:
    """Permute and re-encrypt ``inputs``; return the output ballots and the proof's JSON."""
    n = len(inputs)
    width = _width(inputs)
    key = ctx.K
    # Output i is input permutation[i], re-encrypted with randomness[i][k] at rank k.
    permutation = list(range(n))
    _secret_shuffle(permutation)
    randomness = [[group.random_scalar() for _ in range(width)] for _ in range(n)]
    outputs = [
        [
            (
                group.add(alpha, group.mul_base(randomness[i][k])),
                group.add(beta, group.mul(randomness[i][k], key)),
            )
            for k, (alpha, beta) in enumerate(inputs[permutation[i]])
        ]
        for i in range(n)
    ]

    hs = generators(ctx.eid, ctx.fp, qid, position, n + 1)
    h, hs = hs[0], hs[1:]
    # Commitment to the permutation: c_j = r_j G + h_i where input j goes to output i.
    commit_random = [0] * n
    commitments = [b""] * n
    for i, j in enumerate(permutation):
        commit_random[j] = group.random_scalar()
        commitments[j] = group.add(group.mul_base(commit_random[j]), hs[i])

    seed = _statement_digest(ctx, qid, position, inputs, outputs, commitments)
    u = _weights(seed, n)
    u_out = [u[permutation[i]] for i in range(n)]

    chain_random = [group.random_scalar() for _ in range(n)]
    chain = []
    previous = h
    for i in range(n):
        previous = group.add(group.mul_base(chain_random[i]), group.mul(u_out[i], previous))
        chain.append(previous)

    w1, w2, w3 = group.random_scalar(), group.random_scalar(), group.random_scalar()
    w4 = [group.random_scalar() for _ in range(width)]
    w_hat = [group.random_scalar() for _ in range(n)]
    w_prime = [group.random_scalar() for _ in range(n)]

    t1 = group.mul_base(w1)
    t2 = group.mul_base(w2)
    t3 = group.mul_base(w3)
    for i in range(n):
        t3 = group.add(t3, group.mul(w_prime[i], hs[i]))
    t4 = []
    for k in range(width):
        t4_alpha = group.neg(group.mul_base(w4[k]))
        t4_beta = group.neg(group.mul(w4[k], key))
        for i in range(n):
            t4_alpha = group.add(t4_alpha, group.mul(w_prime[i], outputs[i][k][0]))
            t4_beta = group.add(t4_beta, group.mul(w_prime[i], outputs[i][k][1]))
        t4.append((t4_alpha, t4_beta))
    t_hat = []
    previous = h
    for i in range(n):
        t_hat.append(group.add(group.mul_base(w_hat[i]), group.mul(w_prime[i], previous)))
        previous = chain[i]

    c = _challenge(seed, chain, t1, t2, t3, t4, t_hat)

    # v_i = u'_{i+1} ... u'_{n-1}: what chain_random[i] is multiplied by in chain[n-1].
    v = [1] * n
    for i in range(n - 2, -1, -1):
        v[i] = v[i + 1] * u_out[i + 1] % L
    r_bar = sum(commit_random) % L
    r_hat = sum(chain_random[i] * v[i] for i in range(n)) % L
    r_tilde = sum(commit_random[j] * u[j] for j in range(n)) % L
    r_four = [sum(randomness[i][k] * u_out[i] for i in range(n)) % L for k in range(width)]

    proof = {
        "commitments": [p.hex() for p in commitments],
        "chain": [p.hex() for p in chain],
        "c": group.scalar_hex(c),
        "s1": group.scalar_hex(w1 + c * r_bar),
        "s2": group.scalar_hex(w2 + c * r_hat),
        "s3": group.scalar_hex(w3 + c * r_tilde),
        "s4": [group.scalar_hex(w4[k] + c * r_four[k]) for k in range(width)],
        "s_hat": [group.scalar_hex(w_hat[i] + c * chain_random[i]) for i in range(n)],
        "s_prime": [group.scalar_hex(w_prime[i] + c * u_out[i]) for i in range(n)],
    }
    return outputs, proof


def verify_shuffle(
    ctx,
    qid: str,
    position: int,
    inputs: list[Ballot],
    outputs: list[Ballot],
    proof_json: dict,
    *,
    path: str = "",
) -> None:
    """Raise :class:`RecordInvalid` unless ``outputs`` is a proved shuffle of ``inputs``.

    ``inputs`` and ``outputs`` are decoded points (see :func:`decode_ballots`); ``path`` is
    the record path of the shuffle, and failures name ``<path>.output`` or ``<path>.proof``.
    """
    prefix = f"{path}." if path else ""
    n = len(inputs)
    width = _width(inputs)
    if len(outputs) != n:
        raise RecordInvalid(f"{prefix}output", f"{len(outputs)} ballots where {n} went in")
    for i, ballot in enumerate(outputs):
        if len(ballot) != width:
            raise RecordInvalid(f"{prefix}output[{i}]", f"{len(ballot)} ciphertexts, not {width}")
    key = ctx.K
    proof = decode_proof(proof_json, n, width, f"{prefix}proof")
    commitments, chain = proof["commitments"], proof["chain"]
    c = proof["c"]

    hs = generators(ctx.eid, ctx.fp, qid, position, n + 1)
    h, hs = hs[0], hs[1:]
    seed = _statement_digest(ctx, qid, position, inputs, outputs, commitments)
    u = _weights(seed, n)

    commit_sum = group.IDENTITY
    commit_weighted = group.IDENTITY
    for j in range(n):
        commit_sum = group.add(commit_sum, group.sub(commitments[j], hs[j]))
        commit_weighted = group.add(commit_weighted, group.mul(u[j], commitments[j]))
    u_product = 1
    for weight in u:
        u_product = u_product * weight % L
    chain_end = group.sub(chain[-1] if n else h, group.mul(u_product, h))

    t1 = group.sub(group.mul_base(proof["s1"]), group.mul(c, commit_sum))
    t2 = group.sub(group.mul_base(proof["s2"]), group.mul(c, chain_end))
    t3 = group.sub(group.mul_base(proof["s3"]), group.mul(c, commit_weighted))
    s_prime = proof["s_prime"]
    for i in range(n):
        t3 = group.add(t3, group.mul(s_prime[i], hs[i]))
    t4 = []
    for k in range(width):
        weighted_alpha = group.IDENTITY
        weighted_beta = group.IDENTITY
        t4_alpha = group.neg(group.mul_base(proof["s4"][k]))
        t4_beta = group.neg(group.mul(proof["s4"][k], key))
        for i in range(n):
            weighted_alpha = group.add(weighted_alpha, group.mul(u[i], inputs[i][k][0]))
            weighted_beta = group.add(weighted_beta, group.mul(u[i], inputs[i][k][1]))
            t4_alpha = group.add(t4_alpha, group.mul(s_prime[i], outputs[i][k][0]))
            t4_beta = group.add(t4_beta, group.mul(s_prime[i], outputs[i][k][1]))
        t4.append(
            (
                group.sub(t4_alpha, group.mul(c, weighted_alpha)),
                group.sub(t4_beta, group.mul(c, weighted_beta)),
            )
        )
    t_hat = []
    previous = h
    for i in range(n):
        point = group.add(group.mul_base(proof["s_hat"][i]), group.mul(s_prime[i], previous))
        t_hat.append(group.sub(point, group.mul(c, chain[i])))
        previous = chain[i]

    if _challenge(seed, chain, t1, t2, t3, t4, t_hat) != c:
        raise RecordInvalid(f"{prefix}proof", "the proof of shuffle does not verify")


def step_digest(ctx, qid: str, position: int, inputs, outputs, proof: dict) -> bytes:
    """S = D("shuffle-step", rho, the proof's chain and scalars): what a signature binds.

    ``proof`` is the decoded proof (:func:`decode_proof`); rho (the statement digest) covers
    eid, fp, K, qid, position, N, w, the input, the output and the commitments.
    """
    seed = _statement_digest(ctx, qid, position, inputs, outputs, proof["commitments"])
    scalars = [proof["c"], proof["s1"], proof["s2"], proof["s3"], *proof["s4"]]
    scalars += [*proof["s_hat"], *proof["s_prime"]]
    return hashing.digest(
        "shuffle-step", seed, *proof["chain"], *(group.scalar_bytes(s) for s in scalars)
    )


def _signature_context(ctx, qid: str, position: int, trustee: int, step: bytes) -> tuple:
    return (ctx.eid, ctx.fp, ctx.K, qid, position, trustee, step)


def sign_shuffle(
    ctx,
    qid: str,
    position: int,
    trustee: int,
    transport_secret: int,
    inputs: list[Ballot],
    outputs: list[Ballot],
    proof_json: dict,
    *,
    u: int | None = None,
) -> dict:
    """Trustee ``trustee``'s signature ``{"c", "z"}`` of a shuffle, under its transport key."""
    width = _width(inputs)
    proof = decode_proof(proof_json, len(inputs), width, "proof")
    step = step_digest(ctx, qid, position, inputs, outputs, proof)
    branch = proofs.prove_schnorr(
        "shuffle-signature",
        _signature_context(ctx, qid, position, trustee, step),
        transport_secret,
        u=u,
    )
    return proofs.branch_json(branch)


def verify_signature(
    ctx,
    qid: str,
    position: int,
    trustee: int,
    inputs: list[Ballot],
    outputs: list[Ballot],
    proof_json: dict,
    signature,
    *,
    path: str = "",
) -> None:
    """Raise :class:`RecordInvalid` (at ``<path>.signature``) unless trustee ``trustee``
    signed this shuffle with the transport key ``ctx.transport_keys[trustee]``."""
    where = f"{path}.signature" if path else "signature"
    key = getattr(ctx, "transport_keys", {}).get(trustee)
    if key is None:
        raise RecordInvalid(where, f"trustee {trustee} has no transport key to check it with")
    branch = shapes.branch(signature, where)
    proof_path = f"{path}.proof" if path else "proof"
    proof = decode_proof(proof_json, len(inputs), _width(inputs), proof_path)
    step = step_digest(ctx, qid, position, inputs, outputs, proof)
    context = _signature_context(ctx, qid, position, trustee, step)
    if not proofs.verify_schnorr("shuffle-signature", context, key, branch):
        raise RecordInvalid(where, f"is not trustee {trustee}'s signature of this shuffle")


def shuffle_step(
    ctx, qid: str, position: int, inputs: list[Ballot], *, trustee: int, transport_secret: int
) -> dict:
    """A trustee's whole step as posted and recorded: trustee, position, output, proof and
    the signature under the trustee's transport secret (tests, demo data, simulations)."""
    outputs, proof = shuffle(ctx, qid, position, inputs)
    signature = sign_shuffle(ctx, qid, position, trustee, transport_secret, inputs, outputs, proof)
    return {
        "trustee": trustee,
        "position": position,
        "output": encode_ballots(outputs),
        "proof": proof,
        "signature": signature,
    }


def decode_ballots(value, width: int, path: str) -> list[Ballot]:
    """A list of ballots from JSON ``[[{"alpha", "beta"} * width] * N]``, every point checked."""
    if not isinstance(value, list):
        raise RecordInvalid(path, "must be a list of ballots")
    ballots = []
    for i, ballot in enumerate(value):
        if not isinstance(ballot, list) or len(ballot) != width:
            raise RecordInvalid(f"{path}[{i}]", f"must be a list of {width} ciphertexts")
        pairs = []
        for k, ciphertext in enumerate(ballot):
            where = f"{path}[{i}][{k}]"
            if not isinstance(ciphertext, dict) or set(ciphertext) != {"alpha", "beta"}:
                raise RecordInvalid(where, 'must be {"alpha", "beta"}')
            pairs.append(
                (
                    _point(ciphertext["alpha"], f"{where}.alpha"),
                    _point(ciphertext["beta"], f"{where}.beta"),
                )
            )
        ballots.append(pairs)
    return ballots


def encode_ballots(ballots: list[Ballot]) -> list[list[dict]]:
    return [[{"alpha": a.hex(), "beta": b.hex()} for a, b in ballot] for ballot in ballots]


def _width(ballots: list[Ballot]) -> int:
    widths = {len(ballot) for ballot in ballots}
    if len(widths) > 1:
        raise ValueError("every ballot of a shuffle has the same number of ciphertexts")
    return widths.pop() if widths else 0


def _secret_shuffle(items: list) -> None:
    """Fisher-Yates with the operating system's randomness (the permutation is the secret)."""
    for i in range(len(items) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        items[i], items[j] = items[j], items[i]


def _statement_digest(ctx, qid, position, inputs, outputs, commitments) -> bytes:
    items = [ctx.eid, ctx.fp, ctx.K, qid, position, len(inputs), _width(inputs)]
    for ballots in (inputs, outputs):
        for ballot in ballots:
            for alpha, beta in ballot:
                items.append(alpha)
                items.append(beta)
    items.extend(commitments)
    return hashing.digest("shuffle-statement", *items)


def _weights(seed: bytes, n: int) -> list[int]:
    return [hashing.challenge("shuffle-weight", seed, i) for i in range(n)]


def _challenge(seed, chain, t1, t2, t3, t4, t_hat) -> int:
    items = [seed, *chain, t1, t2, t3]
    for t4_alpha, t4_beta in t4:
        items.append(t4_alpha)
        items.append(t4_beta)
    items.extend(t_hat)
    return hashing.challenge("shuffle-challenge", *items)


def decode_proof(value, n: int, width: int, path: str) -> dict:
    """The proof's JSON decoded: points as bytes, scalars as ints, every value checked."""
    keys = {"commitments", "chain", "c", "s1", "s2", "s3", "s4", "s_hat", "s_prime"}
    if not isinstance(value, dict) or set(value) != keys:
        raise RecordInvalid(path, "must have exactly the keys " + ", ".join(sorted(keys)))
    lengths = {
        "commitments": n,
        "chain": n,
        "s4": width,
        "s_hat": n,
        "s_prime": n,
    }
    for name, length in lengths.items():
        if not isinstance(value[name], list) or len(value[name]) != length:
            raise RecordInvalid(f"{path}.{name}", f"must be a list of {length} values")
    proof = {
        "commitments": [
            _point(p, f"{path}.commitments[{i}]") for i, p in enumerate(value["commitments"])
        ],
        "chain": [_point(p, f"{path}.chain[{i}]") for i, p in enumerate(value["chain"])],
    }
    for name in ("c", "s1", "s2", "s3"):
        proof[name] = _scalar(value[name], f"{path}.{name}")
    for name in ("s4", "s_hat", "s_prime"):
        proof[name] = [_scalar(s, f"{path}.{name}[{i}]") for i, s in enumerate(value[name])]
    return proof


def _point(value, path: str) -> bytes:
    try:
        return group.decode_point(value)
    except InvalidValue as error:
        raise RecordInvalid(path, str(error)) from None


def _scalar(value, path: str) -> int:
    try:
        return group.decode_scalar(value)
    except InvalidValue as error:
        raise RecordInvalid(path, str(error)) from None
