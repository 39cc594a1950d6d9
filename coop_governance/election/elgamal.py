"""Exponential ElGamal over ristretto255 (docs/election-record.md, section 4).

A ciphertext is the pair of points ``(alpha, beta) = (r.G, [m] + r.K)``; the sum of two
ciphertexts encrypts the sum of their values.
"""

from __future__ import annotations

from . import group

Ciphertext = tuple[bytes, bytes]

#: The encryption of 0 with no randomness: the neutral element of the ciphertext sum.
ZERO: Ciphertext = (group.IDENTITY, group.IDENTITY)

_multiples: list[bytes] = [group.IDENTITY]


def small(m: int) -> bytes:
    """[m] = m.G for a small non-negative integer, kept once computed."""
    while len(_multiples) <= m and m < 4096:
        _multiples.append(group.add(_multiples[-1], group.G))
    if m < len(_multiples):
        return _multiples[m]
    return group.small_multiple(m)


def encrypt(K: bytes, m: int, r: int) -> Ciphertext:
    """The encryption of the small integer ``m`` under ``K`` with the randomness ``r``."""
    return group.mul_base(r), group.add(small(m), group.mul(r, K))


def add(x: Ciphertext, y: Ciphertext) -> Ciphertext:
    return group.add(x[0], y[0]), group.add(x[1], y[1])


def total(ciphertexts) -> Ciphertext:
    """The sum of ciphertexts (the identity pair for none)."""
    alpha, beta = ZERO
    for a, b in ciphertexts:
        alpha = group.add(alpha, a)
        beta = group.add(beta, b)
    return alpha, beta


def to_json(ciphertext: Ciphertext) -> dict:
    return {"alpha": ciphertext[0].hex(), "beta": ciphertext[1].hex()}
