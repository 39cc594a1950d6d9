"""The election record (docs/election-record.md, sections 10 and 11) and its verification."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ElectionContext:
    """The public values every proof of an election is bound to.

    ``eid`` is the election id, ``fp`` the manifest's fingerprint (32 raw bytes), ``K`` the
    election key (a point), ``threshold`` the number of trustees needed to decrypt, and
    ``verification_keys`` each trustee's ``X_j`` by index.
    """

    eid: str
    fp: bytes
    K: bytes
    threshold: int
    verification_keys: dict[int, bytes] = field(default_factory=dict)
