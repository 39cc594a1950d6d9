"""The cryptography of sealed tenders (docs/tender-record.md): pure, no Django.

A call for tenders reuses the secret ballot's threshold key (coop_governance.election: the
group, the hashes, the key ceremony, the partial decryptions). What is new here:

- the bid's key encapsulation: R = r·G and k = W("tender-bid-key", call_id, fp, K, R, r·K)
  (first 32 bytes), the bid encrypted with AES-256-GCM under k, its associated data
  D("tender-bid", call_id, fp, neq, R), and a Schnorr proof of r bound to the call and the
  supplier's NEQ, so a copy of a competitor's R under another NEQ is refused;
- the opening: with t officials' shares D_j = x_j·R, the interpolated point
  Σ λ_j·D_j = x·R = r·K (a point, never a discrete logarithm) gives the key back;
- the board's receipt chain and the record's verification.

``call_id`` is always the call's id in the threshold cryptography, ``"tender:" + uuid``
(never an election's id, so no share or proof moves between a call and an election).
``fp`` is the call manifest's fingerprint (32 raw bytes) and ``K`` the call's key (a point).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coop_governance.election import dkg, group, proofs, shapes, tally
from coop_governance.election.errors import RecordInvalid
from coop_governance.election.hashing import digest, fingerprint, wide_digest

MANIFEST_FORMAT = "uniqc-tender/v1"
RECORD_FORMAT = "uniqc-tender-record/v1"
CALL_PREFIX = "tender:"
NONCE_BYTES = 12
TAG_BYTES = 16
KEM_LABEL = "tender-bid-kem"

_NEQ = re.compile(r"^[0-9]{10}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INSTANT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")

MANIFEST_KEYS = (
    "format",
    "call_id",
    "reference",
    "title",
    "description",
    "documents",
    "deadline",
    "group",
    "officials",
    "threshold",
)
BID_KEYS = ("neq", "kem_point", "kem_proof", "ciphertext_sha256")


class BidUnopenable(ValueError):
    """The bid's ciphertext does not open under the key its R gives: the bidder's fault,
    provable from the public shares (or the ciphertext was changed, which its hash shows)."""


@dataclass(frozen=True)
class CheckedBid:
    """A bid whose values decode and whose proof of R verifies."""

    neq: str
    R: bytes
    proof: tuple[int, int]
    ciphertext_sha256: bytes


def call_id_of(public_id: str) -> str:
    """The id of a call in the threshold cryptography: ``"tender:" + uuid``."""
    return CALL_PREFIX + str(public_id)


# -- the bid (sections 3 and 4 of docs/tender-record.md)


def bid_key(call_id: str, fp: bytes, K: bytes, R: bytes, shared: bytes) -> bytes:
    """The bid's AES-256 key: the first 32 bytes of W("tender-bid-key", call_id, fp, K, R,
    shared), where shared = r·K (the bidder) = x·R (the officials, together)."""
    return wide_digest("tender-bid-key", call_id, fp, K, R, shared)[:32]


def bid_associated_data(call_id: str, fp: bytes, neq: str, R: bytes) -> bytes:
    """The AES-GCM associated data: D("tender-bid", call_id, fp, neq, R)."""
    return digest("tender-bid", call_id, fp, neq, R)


def bid_encrypt(
    call_id: str,
    fp: bytes,
    K: bytes,
    neq: str,
    plaintext: bytes,
    *,
    r: int | None = None,
    nonce: bytes | None = None,
    u: int | None = None,
) -> tuple[dict, int]:
    """Encrypt a bid for the call, as the supplier's browser does (frontend/src/tender.js).

    Answers ``(bid, r)``: ``bid`` is the JSON the browser sends (``neq``, ``kem_point``,
    ``kem_proof``, ``ciphertext_sha256``) plus ``ciphertext`` (bytes: the 12-byte nonce,
    then AES-GCM's output with its 16-byte tag). ``r``, ``nonce`` and the proof's nonce
    ``u`` are given for test vectors only.
    """
    _neq_check(neq, "neq")
    if r is None:
        r = group.random_scalar()
    if not 0 < r < group.L:
        raise ValueError("r must be a non-zero scalar below L")
    if nonce is None:
        nonce = secrets.token_bytes(NONCE_BYTES)
    if len(nonce) != NONCE_BYTES:
        raise ValueError("the nonce is 12 bytes")
    R = group.mul_base(r)
    key = bid_key(call_id, fp, K, R, group.mul(r, K))
    sealed = AESGCM(key).encrypt(nonce, plaintext, bid_associated_data(call_id, fp, neq, R))
    ciphertext = nonce + sealed
    proof = proofs.prove_schnorr(KEM_LABEL, (call_id, fp, K, neq), r, u=u)
    bid = {
        "neq": neq,
        "kem_point": R.hex(),
        "kem_proof": proofs.branch_json(proof),
        "ciphertext_sha256": hashlib.sha256(ciphertext).hexdigest(),
        "ciphertext": ciphertext,
    }
    return bid, r


def bid_check(call_id: str, fp: bytes, K: bytes, neq: str, bid, *, path: str = "") -> CheckedBid:
    """The bid's values decode, it names ``neq`` (the NEQ the server knows the bidder by),
    R is not the identity and its proof verifies for this call and NEQ.

    Raises RecordInvalid(path, reason). ``bid`` may carry ``ciphertext`` (bytes) beside the
    JSON keys, whose SHA-256 must then be ``ciphertext_sha256``.
    """
    bid = shapes.obj(bid, path, BID_KEYS, ("ciphertext",))
    named = shapes.string(bid["neq"], shapes.key(path, "neq"))
    _neq_check(named, shapes.key(path, "neq"))
    if named != neq:
        raise RecordInvalid(shapes.key(path, "neq"), "is not the bidder's NEQ")
    R = shapes.point(bid["kem_point"], shapes.key(path, "kem_point"), allow_identity=False)
    branch = shapes.branch(bid["kem_proof"], shapes.key(path, "kem_proof"))
    if not proofs.verify_schnorr(KEM_LABEL, (call_id, fp, K, neq), R, branch):
        raise RecordInvalid(
            shapes.key(path, "kem_proof"), "the proof of R does not verify for this call and NEQ"
        )
    sha = shapes.hex32(bid["ciphertext_sha256"], shapes.key(path, "ciphertext_sha256"))
    if "ciphertext" in bid:
        ciphertext = bid["ciphertext"]
        if not isinstance(ciphertext, bytes) or hashlib.sha256(ciphertext).digest() != sha:
            raise RecordInvalid(
                shapes.key(path, "ciphertext"), "its SHA-256 is not ciphertext_sha256"
            )
    return CheckedBid(neq=neq, R=R, proof=branch, ciphertext_sha256=sha)


def shared_point(threshold: int, shares: Mapping[int, bytes]) -> bytes:
    """x·R from the shares D_j = x_j·R of the first ``threshold`` officials (by index):
    Σ λ_j·D_j with the Lagrange coefficients at zero. ValueError with fewer shares."""
    chosen = sorted(shares)[:threshold]
    if len(chosen) < threshold:
        raise ValueError(f"{threshold} officials must give a share, not {len(chosen)}")
    coefficients = tally.lagrange_at_zero(chosen)
    point = group.IDENTITY
    for j in chosen:
        point = group.add(point, group.mul(coefficients[j], shares[j]))
    return point


def bid_open(call_id: str, fp: bytes, K: bytes, bid: Mapping, shared: bytes) -> bytes:
    """The bid's plaintext, from ``shared`` = x·R; BidUnopenable when it does not open.

    ``bid`` needs ``neq``, ``kem_point`` and ``ciphertext`` (bytes: nonce, then AES-GCM's
    output)."""
    R = group.decode_point(bid["kem_point"], what="kem_point", allow_identity=False)
    ciphertext = bid["ciphertext"]
    if len(ciphertext) < NONCE_BYTES + TAG_BYTES:
        raise BidUnopenable("the ciphertext is shorter than a nonce and a tag")
    key = bid_key(call_id, fp, K, R, shared)
    associated = bid_associated_data(call_id, fp, bid["neq"], R)
    try:
        return AESGCM(key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], associated)
    except InvalidTag:
        raise BidUnopenable("the ciphertext does not open under its key") from None


# -- the board (section 5)


def board_genesis(call_id: str, fp: bytes) -> bytes:
    """The previous hash of the board's first receipt: D("tender-board", call_id, fp)."""
    return digest("tender-board", call_id, fp)


def receipt_hash(
    call_id: str, position: int, ciphertext_sha256: bytes, previous_hash: bytes
) -> bytes:
    """D("tender-receipt", call_id, position, ciphertext_sha256, previous_hash)."""
    return digest("tender-receipt", call_id, position, ciphertext_sha256, previous_hash)


def tst_imprint(token: bytes) -> tuple[bytes, str]:
    """The hashed message and the time (ISO 8601, UTC) of an RFC 3161 TimeStampToken (DER);
    RecordInvalid("", reason) when it is not one."""
    try:
        from asn1crypto import cms, tsp

        info = cms.ContentInfo.load(token)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        content = info["content"]["encap_content_info"]
        if content["content_type"].native != "tst_info":
            raise ValueError("not a TSTInfo")
        tst_info = content["content"].parsed
        if not isinstance(tst_info, tsp.TSTInfo):
            tst_info = tsp.TSTInfo.load(content["content"].native)
        imprint = tst_info["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            raise ValueError("the imprint is not SHA-256")
        when = tst_info["gen_time"].native
        return imprint["hashed_message"].native, when.strftime("%Y-%m-%dT%H:%M:%SZ")
    except Exception as error:  # any parse failure means "not a token"
        raise RecordInvalid("", f"is not an RFC 3161 timestamp token ({error})") from None


# -- the manifest (section 2)


def manifest_check(manifest, path: str = "manifest") -> dict:
    """The call's manifest has exactly its keys, each of its type; answers it."""
    manifest = shapes.obj(manifest, path, MANIFEST_KEYS)
    if manifest["format"] != MANIFEST_FORMAT:
        raise RecordInvalid(shapes.key(path, "format"), f"must be {MANIFEST_FORMAT!r}")
    call_id = shapes.string(manifest["call_id"], shapes.key(path, "call_id"))
    if not _UUID.match(call_id):
        raise RecordInvalid(shapes.key(path, "call_id"), "must be a lowercase UUID")
    for name in ("reference", "title", "description"):
        shapes.string(manifest[name], shapes.key(path, name))
    where = shapes.key(path, "documents")
    for n, document in enumerate(shapes.array(manifest["documents"], where)):
        document = shapes.obj(document, shapes.item(where, n), ("title", "sha256"))
        shapes.string(document["title"], shapes.key(shapes.item(where, n), "title"))
        shapes.hex32(document["sha256"], shapes.key(shapes.item(where, n), "sha256"))
    deadline = shapes.string(manifest["deadline"], shapes.key(path, "deadline"))
    if not _INSTANT.match(deadline):
        raise RecordInvalid(shapes.key(path, "deadline"), "must be YYYY-MM-DDTHH:MM:SSZ")
    if manifest["group"] != "ristretto255":
        raise RecordInvalid(shapes.key(path, "group"), "must be 'ristretto255'")
    n = shapes.integer(manifest["officials"], shapes.key(path, "officials"), 1, 100)
    shapes.integer(manifest["threshold"], shapes.key(path, "threshold"), 1, n)
    return manifest


# -- the record (sections 6 and 7)

RECORD_KEYS = (
    "format",
    "manifest",
    "fingerprint",
    "public_key",
    "officials",
    "board",
    "checkpoints",
    "opening",
)
OFFICIAL_KEYS = ("index", "name", "transport_key", "commitments", "shares", "verification_key")
BOARD_KEYS = (
    "position",
    "received_at",
    "neq",
    "kem_point",
    "kem_proof",
    "ciphertext_sha256",
    "size",
    "previous_hash",
    "receipt_hash",
    "tst",
    "signature_cms",
    "superseded",
)
CHECKPOINT_KEYS = ("position", "head", "tst", "final")
OPENING_KEYS = ("shares", "opened", "unopenable")

#: The kinds of check, in the order they run (docs/tender-record.md, section 8).
CHECKS = {
    "record": "the record's shape",
    "manifest": "the manifest",
    "fingerprint": "the fingerprint",
    "officials": "the officials' keys and proofs",
    "keys": "the call's key and the verification keys",
    "bids": "the bids' proofs of R",
    "duplicates": "no R on the board twice",
    "chain": "the board's receipt chain",
    "superseded": "the replaced bids",
    "checkpoints": "the board's timestamped checkpoints",
    "shares": "the officials' decryption shares",
    "opened": "the bids opened",
}


@dataclass
class Report:
    """What :func:`verify_tender_record` found: ``ok``, the first failure of each kind of
    check, how many more of each kind, and counts for the summary."""

    ok: bool = True
    failures: list[RecordInvalid] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)
    bids: int = 0
    live: int = 0
    officials_opening: int = 0
    untimestamped: int = 0
    opened: list[int] = field(default_factory=list)
    unopenable: list[int] = field(default_factory=list)

    def fail(self, kind: str, error: RecordInvalid) -> None:
        self.ok = False
        if kind in self.kinds:
            self.more[kind] = self.more.get(kind, 0) + 1
        else:
            self.kinds.append(kind)
            self.failures.append(error)


def verify_tender_record(record, *, ciphertexts: Mapping[int, bytes] | None = None) -> Report:
    """Check every value and proof of a call's opening record (docs/tender-record.md).

    With ``ciphertexts`` (the bids' files by board position, which the record does not
    hold), also open every live bid again and compare with ``opened`` and ``unopenable``.
    """
    return _Verifier(record, ciphertexts).run()


class _Verifier:
    def __init__(self, record, ciphertexts):
        self.record = record
        self.ciphertexts = ciphertexts
        self.report = Report()
        self.K: bytes | None = None

    def fail(self, kind: str, error: RecordInvalid) -> None:
        self.report.fail(kind, error)

    def run(self) -> Report:
        try:
            record = shapes.obj(self.record, "", RECORD_KEYS)
            if record["format"] != RECORD_FORMAT:
                raise RecordInvalid("format", f"must be {RECORD_FORMAT!r}")
        except RecordInvalid as error:
            self.fail("record", error)
            return self.report
        try:
            manifest = manifest_check(record["manifest"])
        except RecordInvalid as error:
            self.fail("manifest", error)
            return self.report
        self.call_id = call_id_of(manifest["call_id"])
        self.n = manifest["officials"]
        self.t = manifest["threshold"]
        self.fp = fingerprint(manifest)
        try:
            if shapes.hex32(record["fingerprint"], "fingerprint") != self.fp:
                raise RecordInvalid("fingerprint", "is not the manifest's fingerprint")
        except RecordInvalid as error:
            self.fail("fingerprint", error)
        self.check_officials(record["officials"])
        self.check_keys(record)
        if self.K is None:
            return self.report
        board = self.check_board(record["board"])
        if board is None:
            return self.report
        self.check_checkpoints(record["checkpoints"], board)
        self.check_opening(record["opening"], board)
        return self.report

    # -- officials and keys

    def check_officials(self, officials) -> None:
        self.commitments: dict[int, list[bytes]] = {}
        self.published_X: dict[int, bytes] = {}
        try:
            officials = shapes.array(officials, "officials", self.n)
        except RecordInvalid as error:
            self.fail("officials", error)
            return
        for n, entry in enumerate(officials):
            where = shapes.item("officials", n)
            try:
                entry = shapes.obj(entry, where, OFFICIAL_KEYS)
                index = shapes.integer(entry["index"], shapes.key(where, "index"))
                if index != n + 1:
                    raise RecordInvalid(shapes.key(where, "index"), f"must be {n + 1}")
                shapes.string(entry["name"], shapes.key(where, "name"))
                transport_path = shapes.key(where, "transport_key")
                transport = shapes.obj(entry["transport_key"], transport_path, ("key", "proof"))
                dkg.verify_transport_key(
                    self.call_id,
                    self.fp,
                    index,
                    transport["key"],
                    transport["proof"],
                    path=transport_path,
                )
                self.commitments[index] = dkg.verify_commitments(
                    self.call_id,
                    self.fp,
                    index,
                    self.t,
                    entry["commitments"],
                    path=shapes.key(where, "commitments"),
                )
                self.check_boxes(entry["shares"], shapes.key(where, "shares"))
                self.published_X[index] = shapes.point(
                    entry["verification_key"],
                    shapes.key(where, "verification_key"),
                    allow_identity=False,
                )
            except RecordInvalid as error:
                self.fail("officials", error)

    def check_boxes(self, shares, path: str) -> None:
        """Shape only: a box opens for its recipient alone (as in the election record)."""
        for j, share in enumerate(shapes.array(shares, path, self.n), start=1):
            where = shapes.item(path, j - 1)
            share = shapes.obj(share, where, ("to", "ephemeral", "box"))
            if shapes.integer(share["to"], shapes.key(where, "to")) != j:
                raise RecordInvalid(shapes.key(where, "to"), f"must be {j}")
            shapes.point(share["ephemeral"], shapes.key(where, "ephemeral"))
            shapes.hex32(share["box"], shapes.key(where, "box"))

    def check_keys(self, record) -> None:
        if len(self.commitments) != self.n:
            return
        self.X: dict[int, bytes] = {}
        try:
            K = dkg.election_key(self.commitments)
            if K == group.IDENTITY:
                raise RecordInvalid("public_key", "the key is the identity")
            if shapes.point(record["public_key"], "public_key") != K:
                raise RecordInvalid("public_key", "is not the sum of the officials' C_i,0")
            self.K = K
        except RecordInvalid as error:
            self.fail("keys", error)
            return
        for j in range(1, self.n + 1):
            X_j = dkg.verification_key(self.commitments, j)
            self.X[j] = X_j
            where = shapes.key(shapes.item("officials", j - 1), "verification_key")
            if X_j == group.IDENTITY:
                self.fail("keys", RecordInvalid(where, "is the identity"))
            elif self.published_X.get(j) != X_j:
                self.fail("keys", RecordInvalid(where, "is not recomputed from the commitments"))

    # -- the board

    def check_board(self, board) -> list[dict] | None:
        try:
            board = shapes.array(board, "board")
        except RecordInvalid as error:
            self.fail("record", error)
            return None
        entries: list[dict] = []
        previous = board_genesis(self.call_id, self.fp)
        seen_R: set[bytes] = set()
        for n, entry in enumerate(board):
            where = shapes.item("board", n)
            try:
                entry = shapes.obj(entry, where, BOARD_KEYS)
                position = shapes.integer(entry["position"], shapes.key(where, "position"))
                shapes.string(entry["received_at"], shapes.key(where, "received_at"))
                shapes.integer(entry["size"], shapes.key(where, "size"), NONCE_BYTES + TAG_BYTES)
                superseded = shapes.boolean(entry["superseded"], shapes.key(where, "superseded"))
                signature = _base64(entry["signature_cms"], shapes.key(where, "signature_cms"))
                tst = _base64(entry["tst"], shapes.key(where, "tst"))
                neq = shapes.string(entry["neq"], shapes.key(where, "neq"))
                sha = shapes.hex32(
                    entry["ciphertext_sha256"], shapes.key(where, "ciphertext_sha256")
                )
                stated_previous = shapes.hex32(
                    entry["previous_hash"], shapes.key(where, "previous_hash")
                )
                stated_receipt = shapes.hex32(
                    entry["receipt_hash"], shapes.key(where, "receipt_hash")
                )
            except RecordInvalid as error:
                self.fail("record", error)
                return None
            try:
                checked = bid_check(
                    self.call_id,
                    self.fp,
                    self.K,
                    neq,
                    {key: entry[key] for key in BID_KEYS},
                    path=where,
                )
            except RecordInvalid as error:
                self.fail("bids", error)
                checked = None
            if checked is not None:
                if checked.R in seen_R:
                    self.fail(
                        "duplicates",
                        RecordInvalid(shapes.key(where, "kem_point"), "appears twice on the board"),
                    )
                seen_R.add(checked.R)
            try:
                if position != n + 1:
                    raise RecordInvalid(shapes.key(where, "position"), f"must be {n + 1}")
                if stated_previous != previous:
                    raise RecordInvalid(
                        shapes.key(where, "previous_hash"), "is not the receipt before it"
                    )
                if receipt_hash(self.call_id, position, sha, stated_previous) != stated_receipt:
                    raise RecordInvalid(shapes.key(where, "receipt_hash"), "is not recomputed")
                self._check_tst(tst, stated_receipt, shapes.key(where, "tst"), "chain")
            except RecordInvalid as error:
                self.fail("chain", error)
            previous = stated_receipt
            entries.append(
                {
                    "position": n + 1,
                    "neq": neq,
                    "R": checked.R if checked else None,
                    "superseded": superseded,
                    "signature": signature,
                    "receipt": stated_receipt,
                    "path": where,
                }
            )
        self.head = previous
        last_for: dict[str, int] = {}
        for entry in entries:
            last_for[entry["neq"]] = entry["position"]
        for entry in entries:
            should = last_for[entry["neq"]] != entry["position"]
            if entry["superseded"] != should:
                reason = (
                    "is a later bid of the same NEQ's: it must be marked superseded"
                    if should
                    else "is the NEQ's last bid: it cannot be superseded"
                )
                self.fail(
                    "superseded", RecordInvalid(shapes.key(entry["path"], "superseded"), reason)
                )
        self.report.bids = len(entries)
        self.report.live = sum(1 for e in entries if last_for[e["neq"]] == e["position"])
        return entries

    def _check_tst(self, tst: bytes, head: bytes, path: str, kind: str) -> None:
        if not tst:
            self.report.untimestamped += 1
            return
        try:
            hashed, _ = tst_imprint(tst)
        except RecordInvalid as error:
            raise RecordInvalid(path, error.reason) from None
        if hashed != head:
            raise RecordInvalid(path, "does not timestamp this hash")

    def check_checkpoints(self, checkpoints, board: list[dict]) -> None:
        heads = {0: board_genesis(self.call_id, self.fp)}
        for entry in board:
            heads[entry["position"]] = entry["receipt"]
        finals = 0
        try:
            checkpoints = shapes.array(checkpoints, "checkpoints", minimum=1)
        except RecordInvalid as error:
            self.fail("checkpoints", error)
            return
        for n, entry in enumerate(checkpoints):
            where = shapes.item("checkpoints", n)
            try:
                entry = shapes.obj(entry, where, CHECKPOINT_KEYS)
                position = shapes.integer(
                    entry["position"], shapes.key(where, "position"), 0, len(board)
                )
                head = shapes.hex32(entry["head"], shapes.key(where, "head"))
                final = shapes.boolean(entry["final"], shapes.key(where, "final"))
                tst = _base64(entry["tst"], shapes.key(where, "tst"))
                if head != heads[position]:
                    raise RecordInvalid(
                        shapes.key(where, "head"), f"is not the board's head at {position}"
                    )
                if final:
                    finals += 1
                    if position != len(board):
                        raise RecordInvalid(
                            shapes.key(where, "position"), "the final head is the board's last"
                        )
                self._check_tst(tst, head, shapes.key(where, "tst"), "checkpoints")
            except RecordInvalid as error:
                self.fail("checkpoints", error)
        if finals != 1:
            self.fail(
                "checkpoints", RecordInvalid("checkpoints", "must hold exactly one final head")
            )

    # -- the opening

    def check_opening(self, opening, board: list[dict]) -> None:
        try:
            opening = shapes.obj(opening, "opening", OPENING_KEYS)
            published = shapes.array(opening["shares"], "opening.shares")
            opened = [
                shapes.integer(p, shapes.item("opening.opened", n), 1)
                for n, p in enumerate(shapes.array(opening["opened"], "opening.opened"))
            ]
            unopenable = [
                shapes.integer(p, shapes.item("opening.unopenable", n), 1)
                for n, p in enumerate(shapes.array(opening["unopenable"], "opening.unopenable"))
            ]
        except RecordInvalid as error:
            self.fail("record", error)
            return
        live = [entry for entry in board if not entry["superseded"]]
        shares: dict[int, list[bytes]] = {}
        for n, entry in enumerate(published):
            where = shapes.item("opening.shares", n)
            try:
                entry = shapes.obj(entry, where, ("official", "shares"))
                j = shapes.integer(entry["official"], shapes.key(where, "official"), 1, self.n)
                if j in shares:
                    raise RecordInvalid(shapes.key(where, "official"), "appears twice")
                points = []
                rows = shapes.array(entry["shares"], shapes.key(where, "shares"), len(live))
                for k, (share, bid) in enumerate(zip(rows, live, strict=True)):
                    if bid["R"] is None:
                        raise RecordInvalid(shapes.item(shapes.key(where, "shares"), k), "no R")
                    points.append(
                        tally.verify_partial_decryption(
                            self.call_id,
                            self.fp,
                            self.K,
                            j,
                            self.X[j],
                            bid["R"],
                            share,
                            path=shapes.item(shapes.key(where, "shares"), k),
                        )
                    )
                shares[j] = points
            except RecordInvalid as error:
                self.fail("shares", error)
        self.report.officials_opening = len(shares)
        if len(shares) < self.t:
            self.fail(
                "shares",
                RecordInvalid(
                    "opening.shares",
                    f"{self.t} officials must give valid shares, not {len(shares)}",
                ),
            )
            return
        positions = [entry["position"] for entry in live]
        try:
            if sorted(opened + unopenable) != positions or set(opened) & set(unopenable):
                raise RecordInvalid(
                    "opening", "opened and unopenable must list each live bid's position once"
                )
        except RecordInvalid as error:
            self.fail("opened", error)
            return
        self.report.opened = opened
        self.report.unopenable = unopenable
        if self.ciphertexts is None:
            return
        for k, entry in enumerate(live):
            where = shapes.item("board", entry["position"] - 1)
            ciphertext = self.ciphertexts.get(entry["position"])
            if ciphertext is None:
                continue
            shared = shared_point(self.t, {j: points[k] for j, points in shares.items()})
            bid = {"neq": entry["neq"], "kem_point": entry["R"].hex(), "ciphertext": ciphertext}
            try:
                if hashlib.sha256(ciphertext).digest() != self._sha(entry):
                    raise RecordInvalid(where, "the file given is not this bid's ciphertext")
                try:
                    bid_open(self.call_id, self.fp, self.K, bid, shared)
                    opens = True
                except BidUnopenable:
                    opens = False
                if opens != (entry["position"] in opened):
                    raise RecordInvalid(
                        where, "opens" if opens else "does not open, yet is listed as opened"
                    )
            except RecordInvalid as error:
                self.fail("opened", error)

    def _sha(self, entry: dict) -> bytes:
        return bytes.fromhex(self.record["board"][entry["position"] - 1]["ciphertext_sha256"])


def _base64(value, path: str) -> bytes:
    """Standard base64 with padding (empty for an absent signature or token)."""
    if not isinstance(value, str):
        raise RecordInvalid(path, "must be a base64 string")
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise RecordInvalid(path, "must be standard base64") from None
    if base64.b64encode(data).decode("ascii") != value:
        raise RecordInvalid(path, "must be canonical base64")
    return data


def _neq_check(neq, path: str) -> None:
    if not isinstance(neq, str) or not _NEQ.match(neq):
        raise RecordInvalid(path, "must be ten digits (a NEQ)")
