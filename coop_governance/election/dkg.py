"""Distributed key generation, t of n (Pedersen; docs/election-record.md, section 6).

The trustee side is :class:`TrusteeKeys` (what a trustee's browser does, here for tests,
demo data and the test vectors); the public side checks what trustees publish and
recomputes the election key and the verification keys from the commitments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from . import group, proofs, shapes
from .errors import RecordInvalid
from .hashing import wide_digest


def share_pad(eid: str, fp: bytes, i: int, j: int, E: bytes, Y_j: bytes, shared: bytes) -> bytes:
    """The 32-byte pad of the share from trustee i to trustee j (shared = e.Y_j = y_j.E)."""
    return wide_digest("share", eid, fp, i, j, E, Y_j, shared)[:32]


def seal_share(eid: str, fp: bytes, i: int, j: int, Y_j: bytes, s: int, e: int) -> dict:
    """The share s from trustee i, boxed for trustee j with the ephemeral secret e."""
    E = group.mul_base(e)
    pad = share_pad(eid, fp, i, j, E, Y_j, group.mul(e, Y_j))
    box = bytes(x ^ y for x, y in zip(group.scalar_bytes(s), pad, strict=True))
    return {"to": j, "ephemeral": E.hex(), "box": box.hex()}


def open_share(eid: str, fp: bytes, i: int, j: int, y_j: int, E: bytes, box: bytes) -> int:
    """The share inside a box, opened by trustee j; RecordInvalid unless it is a scalar."""
    Y_j = group.mul_base(y_j)
    pad = share_pad(eid, fp, i, j, E, Y_j, group.mul(y_j, E))
    s = int.from_bytes(bytes(x ^ y for x, y in zip(box, pad, strict=True)), "little")
    if s >= group.L:
        raise RecordInvalid("box", "does not hold a scalar")
    return s


def verify_transport_key(
    eid: str, fp: bytes, index: int, key_hex, proof, *, path: str = ""
) -> bytes:
    """Trustee ``index``'s transport key Y, with its Schnorr proof (``transport-key``)."""
    Y = shapes.point(key_hex, shapes.key(path, "key"), allow_identity=False)
    branch = shapes.branch(proof, shapes.key(path, "proof"))
    if not proofs.verify_schnorr("transport-key", (eid, fp, index), Y, branch):
        raise RecordInvalid(shapes.key(path, "proof"), "the transport key's proof does not verify")
    return Y


def verify_commitments(
    eid: str, fp: bytes, index: int, threshold: int, commitments, *, path: str = "commitments"
) -> list[bytes]:
    """Trustee ``index``'s t coefficient commitments, each with its proof (``coefficient``)."""
    points = []
    for k, entry in enumerate(shapes.array(commitments, path, threshold)):
        where = shapes.item(path, k)
        entry = shapes.obj(entry, where, ("point", "proof"))
        C = shapes.point(entry["point"], shapes.key(where, "point"))
        branch = shapes.branch(entry["proof"], shapes.key(where, "proof"))
        if not proofs.verify_schnorr("coefficient", (eid, fp, index, k), C, branch):
            raise RecordInvalid(
                shapes.key(where, "proof"), "the commitment's proof does not verify"
            )
        points.append(C)
    return points


def _aggregate(commitments_by_index: Mapping[int, Sequence[bytes]]) -> list[bytes]:
    """C_k = sum over trustees i of C_{i,k}."""
    degree = max(len(c) for c in commitments_by_index.values())
    out = [group.IDENTITY] * degree
    for commitments in commitments_by_index.values():
        for k, C in enumerate(commitments):
            out[k] = group.add(out[k], C)
    return out


def election_key(commitments_by_index: Mapping[int, Sequence[bytes]]) -> bytes:
    """K = sum of every trustee's C_{i,0}."""
    return _aggregate(commitments_by_index)[0]


def evaluate(commitments: Sequence[bytes], j: int) -> bytes:
    """sum over k of j^k.C_k: the public image of a polynomial at j."""
    out = group.IDENTITY
    power = 1
    for C in commitments:
        out = group.add(out, group.mul(power, C))
        power = power * j % group.L
    return out


def verification_key(commitments_by_index: Mapping[int, Sequence[bytes]], j: int) -> bytes:
    """X_j = sum over i and k of j^k.C_{i,k}."""
    return evaluate(_aggregate(commitments_by_index), j)


class TrusteeKeys:
    """One trustee's secrets through the ceremony: transport key, polynomial, key share.

    Secrets may be given (test vectors, a key file read back); otherwise they are random.
    """

    def __init__(
        self,
        eid: str,
        fp: bytes,
        index: int,
        trustees: int,
        threshold: int,
        *,
        transport_secret: int | None = None,
        coefficients: Sequence[int] | None = None,
        secret_share: int | None = None,
        rng: Callable[[], int] = group.random_scalar,
    ):
        if not 1 <= threshold <= trustees or not 1 <= index <= trustees:
            raise ValueError("need 1 <= index <= trustees and 1 <= threshold <= trustees")
        self.eid, self.fp, self.index = eid, fp, index
        self.trustees, self.threshold = trustees, threshold
        self.rng = rng
        self.transport_secret = transport_secret or rng()
        self.coefficients = list(coefficients or [rng() for _ in range(threshold)])
        if len(self.coefficients) != threshold:
            raise ValueError("a polynomial of degree t - 1 has t coefficients")
        self.secret_share = secret_share

    def transport_key(self, *, u: int | None = None) -> dict:
        """``{"key", "proof"}``: Y_i and its Schnorr proof."""
        proof = proofs.prove_schnorr(
            "transport-key",
            (self.eid, self.fp, self.index),
            self.transport_secret,
            u=self.rng() if u is None else u,
        )
        return {
            "key": group.mul_base(self.transport_secret).hex(),
            "proof": proofs.branch_json(proof),
        }

    def share_for(self, j: int) -> int:
        """f_i(j) mod L."""
        value = 0
        for a in reversed(self.coefficients):
            value = (value * j + a) % group.L
        return value

    def deal(
        self,
        transport_keys: Mapping[int, str],
        *,
        nonces: Sequence[int] | None = None,
        ephemerals: Sequence[int] | None = None,
    ) -> dict:
        """The commitments with their proofs and a boxed share for every trustee."""
        commitments = []
        for k, a in enumerate(self.coefficients):
            proof = proofs.prove_schnorr(
                "coefficient",
                (self.eid, self.fp, self.index, k),
                a,
                u=self.rng() if nonces is None else nonces[k],
            )
            commitments.append(
                {"point": group.mul_base(a).hex(), "proof": proofs.branch_json(proof)}
            )
        shares = []
        for j in range(1, self.trustees + 1):
            Y_j = group.decode_point(transport_keys[j], allow_identity=False)
            e = self.rng() if ephemerals is None else ephemerals[j - 1]
            shares.append(seal_share(self.eid, self.fp, self.index, j, Y_j, self.share_for(j), e))
        return {"commitments": commitments, "shares": shares}

    def check(self, received: Sequence[Mapping]) -> str:
        """Open and check the share from every trustee; keep x_j; answer X_j (hex).

        ``received`` holds ``{"from", "ephemeral", "box", "commitments"}`` for every
        trustee, this one included. A wrong share raises RecordInvalid naming its sender
        (the trustee then files a complaint instead of a verification key).
        """
        senders = sorted(int(entry["from"]) for entry in received)
        if senders != list(range(1, self.trustees + 1)):
            raise RecordInvalid("received", "needs one share from every trustee")
        total = 0
        for n, entry in enumerate(received):
            i = int(entry["from"])
            where = shapes.item("received", n)
            commitments = [
                shapes.point(C, shapes.item(shapes.key(where, "commitments"), k))
                for k, C in enumerate(
                    shapes.array(
                        entry["commitments"], shapes.key(where, "commitments"), self.threshold
                    )
                )
            ]
            E = shapes.point(entry["ephemeral"], shapes.key(where, "ephemeral"))
            box = shapes.hex32(entry["box"], shapes.key(where, "box"))
            try:
                s = open_share(self.eid, self.fp, i, self.index, self.transport_secret, E, box)
            except RecordInvalid:
                raise RecordInvalid(where, f"the share from trustee {i} is not a scalar") from None
            if group.mul_base(s) != evaluate(commitments, self.index):
                raise RecordInvalid(
                    where, f"the share from trustee {i} does not match its commitments"
                )
            total = (total + s) % group.L
        self.secret_share = total
        return group.mul_base(total).hex()

    def partial_decrypt(
        self, K: bytes, ciphertexts: Sequence, *, nonces: Sequence[int] | None = None
    ) -> list[dict]:
        """``[{"point": D, "proof"}]``: x_j.alpha for each ciphertext, with its proof."""
        if self.secret_share is None:
            raise ValueError("the key share is known only after the check phase")
        out = []
        for n, ciphertext in enumerate(ciphertexts):
            alpha = ciphertext["alpha"] if isinstance(ciphertext, Mapping) else ciphertext[0]
            alpha = group.decode_point(alpha)
            D, proof = proofs.prove_decryption(
                self.eid,
                self.fp,
                K,
                self.index,
                self.secret_share,
                alpha,
                u=self.rng() if nonces is None else nonces[n],
            )
            out.append({"point": D.hex(), "proof": proofs.branch_json(proof)})
        return out
