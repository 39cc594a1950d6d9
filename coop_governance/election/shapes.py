"""Reading the record's JSON: every value checked for its type and shape, with its path.

A verifier must never fail with a ``KeyError`` or a ``TypeError`` on a malformed record:
each function here either returns the value it was asked for or raises
:class:`~.errors.RecordInvalid` naming the value by its path (``ballots[3].ballot``).
"""

from __future__ import annotations

from . import group
from .errors import RecordInvalid


def key(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def obj(value, path: str, keys: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """A JSON object with exactly ``keys`` (and perhaps some of ``optional``)."""
    if not isinstance(value, dict):
        raise RecordInvalid(path, "must be an object")
    missing = [name for name in keys if name not in value]
    if missing:
        raise RecordInvalid(key(path, missing[0]), "is missing")
    allowed = set(keys) | set(optional)
    extra = sorted(str(name) for name in value if name not in allowed)
    if extra:
        raise RecordInvalid(key(path, extra[0]), "is not expected here")
    return value


def array(value, path: str, length: int | None = None, *, minimum: int = 0) -> list:
    """A JSON array, of exactly ``length`` items when given, else of at least ``minimum``."""
    if not isinstance(value, list):
        raise RecordInvalid(path, "must be an array")
    if length is not None and len(value) != length:
        raise RecordInvalid(path, f"must have {length} items, not {len(value)}")
    if len(value) < minimum:
        raise RecordInvalid(path, f"must have at least {minimum} items")
    return value


def integer(value, path: str, low: int | None = None, high: int | None = None) -> int:
    """A JSON integer (not a boolean) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordInvalid(path, "must be an integer")
    if low is not None and value < low:
        raise RecordInvalid(path, f"must be at least {low}")
    if high is not None and value > high:
        raise RecordInvalid(path, f"must be at most {high}")
    return value


def string(value, path: str) -> str:
    if not isinstance(value, str):
        raise RecordInvalid(path, "must be a string")
    return value


def boolean(value, path: str) -> bool:
    if not isinstance(value, bool):
        raise RecordInvalid(path, "must be true or false")
    return value


def point(value, path: str, *, allow_identity: bool = True) -> bytes:
    """A point: 64 lowercase hex digits, the canonical encoding of a ristretto255 element."""
    if not isinstance(value, str):
        raise RecordInvalid(path, "must be a point (64 hexadecimal digits)")
    try:
        return group.decode_point(value, allow_identity=allow_identity)
    except group.InvalidValue as error:
        raise RecordInvalid(path, str(error)) from None


def scalar(value, path: str) -> int:
    """A scalar: 64 lowercase hex digits, 32 bytes little-endian, below L."""
    if not isinstance(value, str):
        raise RecordInvalid(path, "must be a scalar (64 hexadecimal digits)")
    try:
        return group.decode_scalar(value)
    except group.InvalidValue as error:
        raise RecordInvalid(path, str(error)) from None


def hex32(value, path: str) -> bytes:
    """32 raw bytes as 64 lowercase hex digits (a fingerprint, a tracker, a share box)."""
    if not isinstance(value, str) or len(value) != 64:
        raise RecordInvalid(path, "must be 64 hexadecimal digits")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise RecordInvalid(path, "must be 64 hexadecimal digits") from None
    if data.hex() != value:
        raise RecordInvalid(path, "must be lowercase hexadecimal")
    return data


def branch(value, path: str) -> tuple[int, int]:
    """A proof branch ``{"c": scalar, "z": scalar}``."""
    value = obj(value, path, ("c", "z"))
    return scalar(value["c"], key(path, "c")), scalar(value["z"], key(path, "z"))


def branches(value, path: str, length: int) -> list[tuple[int, int]]:
    """A disjunctive proof: a list of ``length`` branches."""
    return [branch(b, item(path, n)) for n, b in enumerate(array(value, path, length))]


def ciphertext(value, path: str, extra: tuple[str, ...] = ()) -> tuple[bytes, bytes]:
    """``{"alpha": point, "beta": point}`` (with exactly the ``extra`` keys beside)."""
    value = obj(value, path, ("alpha", "beta", *extra))
    return point(value["alpha"], key(path, "alpha")), point(value["beta"], key(path, "beta"))
