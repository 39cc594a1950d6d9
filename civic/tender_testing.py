"""A simulated call for tenders, whole: manifest, officials' ceremony, bids on the board,
the opening and its record. For tests, test vectors and demo data; everything here runs the
real code (coop_governance.election and civic.tender_crypto), nothing is faked.

    sim = simulate_call([("1140000000", b"bid A"), ("2260000000", b"bid B")], absent={3})
    sim.record  # the opening record, which verify_tender_record accepts
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from civic import tender_crypto as tc
from coop_governance.election import dkg, group
from coop_governance.election.hashing import fingerprint

DEFAULT_CALL_ID = "5b0a8c1e-7d2f-4e61-9a3b-2c4d6e8f0a1b"


def manifest_for(
    *,
    call_id: str = DEFAULT_CALL_ID,
    officials: int = 3,
    threshold: int = 2,
    reference: str = "VQ-2027-001",
    title: str = "Déneigement des trottoirs, secteur Limoilou",
    deadline: str = "2027-02-15T17:00:00Z",
) -> dict:
    return {
        "format": tc.MANIFEST_FORMAT,
        "call_id": call_id,
        "reference": reference,
        "title": title,
        "description": "Contrat de trois ans; devis et bordereau de prix joints.",
        "documents": [
            {"title": "Devis technique", "sha256": "ab" * 32},
            {"title": "Bordereau de prix", "sha256": "cd" * 32},
        ],
        "deadline": deadline,
        "group": "ristretto255",
        "officials": officials,
        "threshold": threshold,
    }


def counter_rng(seed: int = 1) -> Callable[[], int]:
    """Deterministic "random" scalars (test vectors only)."""
    state = {"n": seed}

    def rng() -> int:
        state["n"] += 1
        return (state["n"] * 0x9E3779B97F4A7C15 * 0x1000000000000000000000001) % group.L or 1

    return rng


@dataclass
class Ceremony:
    manifest: dict
    call_id: str
    fp: bytes
    K: bytes
    keys: list[dkg.TrusteeKeys]
    officials: list[dict]


def ceremony(manifest: dict, *, rng: Callable[[], int] = group.random_scalar) -> Ceremony:
    """The officials' key ceremony (transport keys, dealing, checking), as trustee.js runs it."""
    call_id = tc.call_id_of(manifest["call_id"])
    fp = fingerprint(manifest)
    n, t = manifest["officials"], manifest["threshold"]
    keys = [dkg.TrusteeKeys(call_id, fp, i, n, t, rng=rng) for i in range(1, n + 1)]
    transport = {k.index: k.transport_key() for k in keys}
    deals = {k.index: k.deal({i: v["key"] for i, v in transport.items()}) for k in keys}
    officials = []
    for k in keys:
        received = [
            {
                "from": i,
                "commitments": [c["point"] for c in deal["commitments"]],
                **deal["shares"][k.index - 1],
            }
            for i, deal in deals.items()
        ]
        X = k.check(received)
        officials.append(
            {
                "index": k.index,
                "name": f"Officiel {k.index}",
                "transport_key": transport[k.index],
                "commitments": deals[k.index]["commitments"],
                "shares": deals[k.index]["shares"],
                "verification_key": X,
            }
        )
    K = dkg.election_key(
        {o["index"]: [bytes.fromhex(c["point"]) for c in o["commitments"]] for o in officials}
    )
    return Ceremony(manifest, call_id, fp, K, keys, officials)


@dataclass
class Simulation:
    ceremony: Ceremony
    bids: list[dict]
    board: list[dict]
    checkpoints: list[dict]
    shares: list[dict]
    record: dict
    plaintexts: dict[int, bytes] = field(default_factory=dict)

    @property
    def ciphertexts(self) -> dict[int, bytes]:
        return {n + 1: bid["ciphertext"] for n, bid in enumerate(self.bids)}


def board_entries(call_id: str, fp: bytes, bids: Sequence[dict]) -> list[dict]:
    """The board of ``bids`` in order: receipts chained, a later bid of a NEQ superseding."""
    previous = tc.board_genesis(call_id, fp)
    last = {bid["neq"]: n for n, bid in enumerate(bids)}
    board = []
    for n, bid in enumerate(bids):
        position = n + 1
        receipt = tc.receipt_hash(
            call_id, position, bytes.fromhex(bid["ciphertext_sha256"]), previous
        )
        board.append(
            {
                "position": position,
                "received_at": f"2027-02-{10 + n % 5:02d}T15:00:{n % 60:02d}Z",
                "neq": bid["neq"],
                "kem_point": bid["kem_point"],
                "kem_proof": bid["kem_proof"],
                "ciphertext_sha256": bid["ciphertext_sha256"],
                "size": len(bid["ciphertext"]),
                "previous_hash": previous.hex(),
                "receipt_hash": receipt.hex(),
                "tst": "",
                "signature_cms": "",
                "superseded": last[bid["neq"]] != n,
            }
        )
        previous = receipt
    return board


def simulate_call(
    bids: Sequence[tuple[str, bytes]],
    *,
    manifest: dict | None = None,
    absent: Collection[int] = (),
    rng: Callable[[], int] = group.random_scalar,
    corrupt: Collection[int] = (),
) -> Simulation:
    """A call with ``bids`` ((neq, plaintext) in board order), opened by the officials not
    ``absent``. Positions in ``corrupt`` carry a changed ciphertext (they do not open)."""
    manifest = manifest or manifest_for()
    c = ceremony(manifest, rng=rng)
    made = []
    for n, (neq, plaintext) in enumerate(bids):
        nonce = (n + 1).to_bytes(12, "big")
        bid, _ = tc.bid_encrypt(c.call_id, c.fp, c.K, neq, plaintext, r=rng(), nonce=nonce, u=rng())
        if n + 1 in corrupt:  # the bidder sent bytes that do not open (its proof is fine)
            bid["ciphertext"] = bid["ciphertext"][:-1] + bytes([bid["ciphertext"][-1] ^ 1])
            bid["ciphertext_sha256"] = hashlib.sha256(bid["ciphertext"]).hexdigest()
        made.append(bid)
    board = board_entries(c.call_id, c.fp, made)
    head = bytes.fromhex(board[-1]["receipt_hash"]) if board else tc.board_genesis(c.call_id, c.fp)
    checkpoints = [
        {"position": e["position"], "head": e["receipt_hash"], "tst": "", "final": False}
        for e in board
    ] + [{"position": len(board), "head": head.hex(), "tst": "", "final": True}]
    live = [(e, made[e["position"] - 1]) for e in board if not e["superseded"]]
    shares = []
    for key in c.keys:
        if key.index in absent:
            continue
        rows = key.partial_decrypt(c.K, [{"alpha": e["kem_point"]} for e, _ in live])
        shares.append({"official": key.index, "shares": rows})
    opened, unopenable, plaintexts = [], [], {}
    by_official = {s["official"]: s["shares"] for s in shares}
    for k, (entry, bid) in enumerate(live):
        point = tc.shared_point(
            manifest["threshold"],
            {j: bytes.fromhex(rows[k]["point"]) for j, rows in by_official.items()},
        )
        try:
            plaintexts[entry["position"]] = tc.bid_open(c.call_id, c.fp, c.K, bid, point)
            opened.append(entry["position"])
        except tc.BidUnopenable:
            unopenable.append(entry["position"])
    record = {
        "format": tc.RECORD_FORMAT,
        "manifest": manifest,
        "fingerprint": c.fp.hex(),
        "public_key": c.K.hex(),
        "officials": c.officials,
        "board": board,
        "checkpoints": checkpoints,
        "opening": {"shares": shares, "opened": opened, "unopenable": unopenable},
    }
    return Simulation(c, made, board, checkpoints, shares, record, plaintexts)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
