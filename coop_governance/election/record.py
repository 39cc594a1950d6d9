"""The election record (docs/election-record.md, sections 10 and 11) and its verification.

:func:`verify_record` needs nothing but the record: it checks every value and proof and
recomputes the result. It does not stop at the first fault: it reports the first failure
of each kind of check (section 11), and how many more of that kind it found.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from . import ballots, dkg, group, shapes, tally
from .errors import RecordInvalid
from .hashing import fingerprint

RECORD_FORMAT = "uniqc-election-record/v1"
RECORD_KEYS = (
    "format",
    "manifest",
    "fingerprint",
    "public_key",
    "trustees",
    "ballots",
    "tally",
    "mix",
    "result",
)
TRUSTEE_KEYS = ("index", "name", "transport_key", "commitments", "shares", "verification_key")
BALLOT_STATUSES = ("counted", "replaced")


@dataclass(frozen=True)
class ElectionContext:
    """The public values every proof of an election is bound to.

    ``eid`` is the election id, ``fp`` the manifest's fingerprint (32 raw bytes), ``K`` the
    election key (a point), ``threshold`` the number of trustees needed to decrypt,
    ``verification_keys`` each trustee's ``X_j`` by index, and ``transport_keys`` each
    trustee's transport key ``Y_j`` by index (what a shuffle's signature is checked with).
    """

    eid: str
    fp: bytes
    K: bytes
    threshold: int
    verification_keys: dict[int, bytes] = field(default_factory=dict)
    transport_keys: dict[int, bytes] = field(default_factory=dict)


#: The kinds of check, in the order they run (section 11).
CHECKS = {
    "record": "the record's shape",
    "manifest": "the manifest",
    "fingerprint": "the fingerprint",
    "trustees": "the trustees' keys and proofs",
    "keys": "the election key and the verification keys",
    "ballots": "the ballots",
    "duplicates": "no ciphertext cast twice",
    "tally": "the encrypted tallies",
    "decryptions": "the partial decryptions",
    "counts": "the counts",
    "mix": "the ranked questions",
    "result": "the published result",
}


@dataclass
class Report:
    """What :func:`verify_record` found: ``ok``, the first failure of each kind of check
    (``failures``), how many more of each kind (``more``), and the recomputed ``result``."""

    ok: bool = True
    failures: list[RecordInvalid] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    counted: int = 0
    replaced: int = 0

    def fail(self, kind: str, error: RecordInvalid) -> None:
        self.ok = False
        if kind in self.kinds:
            self.more[kind] = self.more.get(kind, 0) + 1
        else:
            self.kinds.append(kind)
            self.failures.append(error)


def _mixing():
    """The mixnet module (coop_governance.election.mixing), imported when needed."""
    return importlib.import_module(f"{__package__}.mixing")


class _Verifier:
    def __init__(self, record):
        self.record = record
        self.report = Report()

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
            self.manifest = ballots.check_manifest(record["manifest"])
        except RecordInvalid as error:
            self.fail("manifest", error)
            return self.report
        manifest = self.manifest
        self.eid = manifest["election_id"]
        self.n = manifest["trustees"]
        self.t = manifest["threshold"]
        self.questions = manifest["questions"]
        self.fp = fingerprint(manifest)
        try:
            if shapes.hex32(record["fingerprint"], "fingerprint") != self.fp:
                raise RecordInvalid("fingerprint", "is not the manifest's fingerprint")
        except RecordInvalid as error:
            self.fail("fingerprint", error)

        self.check_trustees(record["trustees"])
        self.check_keys(record)
        if self.K is None:
            return self.report
        counted = self.check_ballots(record["ballots"])
        context = ElectionContext(
            self.eid, self.fp, self.K, self.t, dict(self.X), dict(self.transport_keys)
        )
        self.check_tally(record["tally"], counted)
        self.check_mix(record["mix"], counted, context)
        self.check_result(record["result"])
        return self.report

    # -- trustees and keys (section 11, items 2 and 3)

    def check_trustees(self, trustees) -> None:
        self.commitments: dict[int, list[bytes]] = {}
        self.published_X: dict[int, bytes] = {}
        self.transport_keys: dict[int, bytes] = {}
        try:
            trustees = shapes.array(trustees, "trustees", self.n)
        except RecordInvalid as error:
            self.fail("trustees", error)
            return
        for n, entry in enumerate(trustees):
            where = shapes.item("trustees", n)
            try:
                entry = shapes.obj(entry, where, TRUSTEE_KEYS)
                index = shapes.integer(entry["index"], shapes.key(where, "index"))
                if index != n + 1:
                    raise RecordInvalid(shapes.key(where, "index"), f"must be {n + 1}")
                shapes.string(entry["name"], shapes.key(where, "name"))
                transport = shapes.obj(
                    entry["transport_key"], shapes.key(where, "transport_key"), ("key", "proof")
                )
                self.transport_keys[index] = dkg.verify_transport_key(
                    self.eid,
                    self.fp,
                    index,
                    transport["key"],
                    transport["proof"],
                    path=shapes.key(where, "transport_key"),
                )
                self.commitments[index] = dkg.verify_commitments(
                    self.eid,
                    self.fp,
                    index,
                    self.t,
                    entry["commitments"],
                    path=shapes.key(where, "commitments"),
                )
                self.check_shares(entry["shares"], shapes.key(where, "shares"))
                try:
                    self.published_X[index] = shapes.point(
                        entry["verification_key"],
                        shapes.key(where, "verification_key"),
                        allow_identity=False,
                    )
                except RecordInvalid as error:
                    self.fail("keys", error)
            except RecordInvalid as error:
                self.fail("trustees", error)

    def check_shares(self, shares, path: str) -> None:
        """Shape only: a box can be opened by its recipient alone (section 11)."""
        for j, share in enumerate(shapes.array(shares, path, self.n), start=1):
            where = shapes.item(path, j - 1)
            share = shapes.obj(share, where, ("to", "ephemeral", "box"))
            if shapes.integer(share["to"], shapes.key(where, "to")) != j:
                raise RecordInvalid(shapes.key(where, "to"), f"must be {j}")
            shapes.point(share["ephemeral"], shapes.key(where, "ephemeral"))
            shapes.hex32(share["box"], shapes.key(where, "box"))

    def check_keys(self, record) -> None:
        """K and every X_j, recomputed from the commitments when they all verified."""
        complete = len(self.commitments) == self.n
        K = dkg.election_key(self.commitments) if complete else None
        published = None
        try:
            published = shapes.point(record["public_key"], "public_key", allow_identity=False)
            if K is not None and published != K:
                raise RecordInvalid("public_key", "is not the sum of the trustees' C_i,0")
        except RecordInvalid as error:
            self.fail("keys", error)
        if K == group.IDENTITY:
            self.fail(
                "keys", RecordInvalid("public_key", "the trustees' keys add up to the identity")
            )
        self.K = K if K is not None else published
        self.X: dict[int, bytes] = dict(self.published_X)
        if complete:
            for j in range(1, self.n + 1):
                X_j = dkg.verification_key(self.commitments, j)
                if j in self.published_X and self.published_X[j] != X_j:
                    self.fail(
                        "keys",
                        RecordInvalid(
                            shapes.key(shapes.item("trustees", j - 1), "verification_key"),
                            "is not recomputed from the commitments",
                        ),
                    )
                self.X[j] = X_j

    # -- ballots (item 4)

    def check_ballots(self, entries) -> list[ballots.VerifiedBallot] | None:
        """Every cast ballot verified; the counted ones, or None when one of them fails."""
        try:
            entries = shapes.array(entries, "ballots")
        except RecordInvalid as error:
            self.fail("ballots", error)
            return None
        counted: list[ballots.VerifiedBallot] | None = []
        owner: dict[bytes, int] = {}
        for n, entry in enumerate(entries):
            where = shapes.item("ballots", n)
            try:
                entry = shapes.obj(entry, where, ("tracker", "cast_at", "status", "ballot"))
                shapes.string(entry["cast_at"], shapes.key(where, "cast_at"))
                status = entry["status"]
                if status not in BALLOT_STATUSES:
                    raise RecordInvalid(
                        shapes.key(where, "status"), 'must be "counted" or "replaced"'
                    )
                if status == "counted":
                    self.report.counted += 1
                else:
                    self.report.replaced += 1
                published = shapes.hex32(entry["tracker"], shapes.key(where, "tracker")).hex()
                verified = ballots.verify_ballot(
                    self.manifest,
                    self.fp,
                    self.K,
                    entry["ballot"],
                    path=shapes.key(where, "ballot"),
                )
                if verified.tracker != published:
                    raise RecordInvalid(shapes.key(where, "tracker"), "is not the ballot's tracker")
            except RecordInvalid as error:
                self.fail("ballots", error)
                counted = None
                continue
            for alpha in verified.alphas:
                if alpha in owner:
                    self.fail(
                        "duplicates",
                        RecordInvalid(
                            shapes.key(where, "ballot"),
                            f"casts a ciphertext (alpha {alpha.hex()[:16]}...) already cast by "
                            f"ballots[{owner[alpha]}]",
                        ),
                    )
                    break
                owner[alpha] = n
            if status == "counted" and counted is not None:
                counted.append(verified)
        return counted

    # -- tally, decryptions and counts (items 5 and 6)

    def check_tally(self, section, counted) -> None:
        questions = [q for q in self.questions if q["kind"] == "choose"]
        try:
            section = shapes.obj(section, "tally", tuple(q["id"] for q in questions))
        except RecordInvalid as error:
            self.fail("tally", error)
            return
        sums = tally.encrypted_tally(self.manifest, counted) if counted is not None else None
        for question in questions:
            qid = question["id"]
            where = shapes.key("tally", qid)
            try:
                entry = shapes.obj(section[qid], where, ("ciphertexts", "decryptions", "counts"))
                listed = shapes.array(
                    entry["ciphertexts"], shapes.key(where, "ciphertexts"), len(question["answers"])
                )
                ciphertexts = [
                    shapes.ciphertext(c, shapes.item(shapes.key(where, "ciphertexts"), i))
                    for i, c in enumerate(listed)
                ]
            except RecordInvalid as error:
                self.fail("tally", error)
                continue
            if sums is not None:
                for i, ciphertext in enumerate(ciphertexts):
                    if ciphertext != sums[qid][i]:
                        self.fail(
                            "tally",
                            RecordInvalid(
                                shapes.item(shapes.key(where, "ciphertexts"), i),
                                "is not the sum of the counted ballots' selections",
                            ),
                        )
                        break
            counts = self.check_decryptions(entry["decryptions"], ciphertexts, where)
            if counts is None:
                continue
            self.report.result[qid] = {"counts": counts}
            try:
                published = shapes.array(
                    entry["counts"], shapes.key(where, "counts"), len(question["answers"])
                )
                for i, value in enumerate(published):
                    shapes.integer(value, shapes.item(shapes.key(where, "counts"), i))
                if published != counts:
                    raise RecordInvalid(
                        shapes.key(where, "counts"), f"are not the decrypted counts {counts}"
                    )
            except RecordInvalid as error:
                self.fail("counts", error)

    def check_decryptions(self, decryptions, ciphertexts, where: str) -> list[int] | None:
        """Every published partial decryption verifies; the counts from the first t."""
        path = shapes.key(where, "decryptions")
        shares_by_trustee: dict[int, list[bytes]] = {}
        try:
            listed = shapes.array(decryptions, path, minimum=self.t)
        except RecordInvalid as error:
            self.fail("decryptions", error)
            return None
        for n, entry in enumerate(listed):
            at = shapes.item(path, n)
            try:
                entry = shapes.obj(entry, at, ("trustee", "shares"))
                j = shapes.integer(entry["trustee"], shapes.key(at, "trustee"), 1, self.n)
                if j in shares_by_trustee:
                    raise RecordInvalid(shapes.key(at, "trustee"), "decrypts twice")
                if j not in self.X:
                    raise RecordInvalid(shapes.key(at, "trustee"), "has no verification key")
                shares = shapes.array(entry["shares"], shapes.key(at, "shares"), len(ciphertexts))
                shares_by_trustee[j] = [
                    tally.verify_partial_decryption(
                        self.eid,
                        self.fp,
                        self.K,
                        j,
                        self.X[j],
                        alpha,
                        share,
                        path=shapes.item(shapes.key(at, "shares"), i),
                    )
                    for i, ((alpha, _), share) in enumerate(zip(ciphertexts, shares, strict=True))
                ]
            except RecordInvalid as error:
                self.fail("decryptions", error)
        try:
            return tally.combine(self.t, shares_by_trustee, ciphertexts, self.report.counted)
        except ValueError as error:
            self.fail("decryptions", RecordInvalid(path, str(error)))
            return None

    # -- ranked questions (item 7) and the result

    def check_mix(self, section, counted, context: ElectionContext) -> None:
        questions = [q for q in self.questions if q["kind"] == "rank"]
        try:
            section = shapes.obj(section, "mix", tuple(q["id"] for q in questions))
        except RecordInvalid as error:
            self.fail("mix", error)
            return
        if not questions:
            return
        try:
            mixing = _mixing()
        except ImportError:
            self.fail("mix", RecordInvalid("mix", "this verifier cannot check ranked questions"))
            return
        if counted is None:
            return
        for question in questions:
            qid = question["id"]
            try:
                self.report.result[qid] = mixing.verify_question(
                    context, question, counted, section[qid]
                )
            except RecordInvalid as error:
                if not error.path.startswith("mix"):
                    error = RecordInvalid(
                        shapes.key(shapes.key("mix", qid), error.path), error.reason
                    )
                self.fail("mix", error)

    def check_result(self, result) -> None:
        try:
            result = shapes.obj(result, "result", tuple(q["id"] for q in self.questions))
        except RecordInvalid as error:
            self.fail("result", error)
            return
        for question in self.questions:
            qid = question["id"]
            if qid in self.report.result and result[qid] != self.report.result[qid]:
                self.fail(
                    "result",
                    RecordInvalid(shapes.key("result", qid), "is not the recomputed result"),
                )


def verify_record(record) -> Report:
    """Check everything section 11 lists; ``Report.ok`` is True only when all of it holds."""
    return _Verifier(record).run()
