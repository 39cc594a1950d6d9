"""The ristretto255 group, through libsodium.

Points are their 32-byte canonical encodings (``bytes``); scalars are Python ints in
[0, L). Every point that comes from outside goes through :func:`decode_point` and every
scalar through :func:`decode_scalar`: a value that is not a canonical encoding, or a scalar
that is not below L, raises :class:`InvalidValue`.

PyNaCl does not expose libsodium's ristretto255 functions (its bundled library keeps them
private), so we call the system's libsodium (Debian's ``libsodium23``, 1.0.18 or newer)
through ctypes. docs/decisions/0010-ristretto255-through-libsodium.md says why.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import secrets

#: The order of the ristretto255 group (the prime "ell" of Ed25519).
L = 2**252 + 27742317777372353535851937790883648493

#: The encoding of the identity element.
IDENTITY = bytes(32)

#: The standard generator (Ed25519's base point), encoded.
G = bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")

POINT_BYTES = 32
SCALAR_BYTES = 32


class InvalidValue(ValueError):
    """A value received from outside is not a valid point or scalar."""


def _load_sodium() -> ctypes.CDLL:
    names = [
        ctypes.util.find_library("sodium"),
        "libsodium.so.23",
        "libsodium.so.26",
        "libsodium.dylib",
    ]
    for name in names:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if hasattr(lib, "crypto_core_ristretto255_add") and lib.sodium_init() >= 0:
            return lib
    raise ImportError(
        "libsodium 1.0.18 or newer is needed for ristretto255 (Debian: apt-get install libsodium23)"
    )


_sodium = _load_sodium()
_is_valid = _sodium.crypto_core_ristretto255_is_valid_point
_is_valid.argtypes = [ctypes.c_char_p]
_is_valid.restype = ctypes.c_int
_add = _sodium.crypto_core_ristretto255_add
_sub = _sodium.crypto_core_ristretto255_sub
_mul = _sodium.crypto_scalarmult_ristretto255
_mul_base = _sodium.crypto_scalarmult_ristretto255_base
_from_hash = _sodium.crypto_core_ristretto255_from_hash
for _function in (_add, _sub, _mul):
    _function.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    _function.restype = ctypes.c_int
for _function in (_mul_base, _from_hash):
    _function.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    _function.restype = ctypes.c_int


def is_point(data: bytes) -> bool:
    """True when ``data`` is the canonical encoding of a group element (identity included)."""
    return (
        isinstance(data, bytes)
        and len(data) == POINT_BYTES
        and (data == IDENTITY or _is_valid(data) == 1)
    )


def decode_point(value: str | bytes, *, what: str = "point", allow_identity: bool = True) -> bytes:
    """A point from its hex string (or raw bytes); :class:`InvalidValue` unless canonical."""
    data = _hex_bytes(value, what)
    if not is_point(data):
        raise InvalidValue(f"{what} is not a ristretto255 point")
    if not allow_identity and data == IDENTITY:
        raise InvalidValue(f"{what} is the identity element")
    return data


def decode_scalar(value: str | bytes, *, what: str = "scalar") -> int:
    """A scalar from its hex string (32 bytes, little-endian); must be below L."""
    number = int.from_bytes(_hex_bytes(value, what), "little")
    if number >= L:
        raise InvalidValue(f"{what} is not below the group order")
    return number


def _hex_bytes(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str) and len(value) == 2 * POINT_BYTES:
        try:
            data = bytes.fromhex(value)
        except ValueError:
            raise InvalidValue(f"{what} is not hexadecimal") from None
        if data.hex() != value:
            raise InvalidValue(f"{what} must be lowercase hexadecimal")
    else:
        raise InvalidValue(f"{what} must be 64 hexadecimal digits")
    if len(data) != POINT_BYTES:
        raise InvalidValue(f"{what} must be 32 bytes")
    return data


def scalar_bytes(s: int) -> bytes:
    """The 32-byte little-endian encoding of a scalar (reduced mod L)."""
    return (s % L).to_bytes(SCALAR_BYTES, "little")


def point_hex(p: bytes) -> str:
    return p.hex()


def scalar_hex(s: int) -> str:
    return scalar_bytes(s).hex()


def random_scalar() -> int:
    """A uniformly random non-zero scalar."""
    while True:
        s = secrets.randbelow(L)
        if s:
            return s


def add(p: bytes, q: bytes) -> bytes:
    if p == IDENTITY:
        return q
    if q == IDENTITY:
        return p
    out = ctypes.create_string_buffer(POINT_BYTES)
    if _add(out, p, q) != 0:
        raise InvalidValue("not a ristretto255 point")
    return out.raw


def sub(p: bytes, q: bytes) -> bytes:
    if q == IDENTITY:
        return p
    out = ctypes.create_string_buffer(POINT_BYTES)
    if _sub(out, p, q) != 0:
        raise InvalidValue("not a ristretto255 point")
    return out.raw


def mul(s: int, p: bytes) -> bytes:
    """s·P. libsodium answers -1 when the product is the identity; so do we, as IDENTITY."""
    s %= L
    if s == 0 or p == IDENTITY:
        return IDENTITY
    out = ctypes.create_string_buffer(POINT_BYTES)
    if _mul(out, s.to_bytes(SCALAR_BYTES, "little"), p) != 0:
        return IDENTITY
    return out.raw


def mul_base(s: int) -> bytes:
    """s·G."""
    s %= L
    if s == 0:
        return IDENTITY
    out = ctypes.create_string_buffer(POINT_BYTES)
    if _mul_base(out, s.to_bytes(SCALAR_BYTES, "little")) != 0:
        return IDENTITY
    return out.raw


def neg(p: bytes) -> bytes:
    return sub(IDENTITY, p) if p != IDENTITY else IDENTITY


def from_uniform(data: bytes) -> bytes:
    """The ristretto255 element of 64 uniform bytes (RFC 9496's one-way map)."""
    if len(data) != 64:
        raise ValueError("from_uniform takes 64 bytes")
    out = ctypes.create_string_buffer(POINT_BYTES)
    _from_hash(out, data)
    return out.raw


def small_multiple(m: int) -> bytes:
    """m·G for a small non-negative integer m (a vote count or a candidate number)."""
    return mul_base(m)
