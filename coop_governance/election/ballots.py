"""Ballots: the manifest's questions, encryption in the booth's way, verification, trackers.

docs/election-record.md, sections 3 (the manifest), 5.1 (the proofs) and 7 (ballots and
trackers). :func:`verify_ballot` is what the server runs on every ballot it receives and
what the record's verifier runs on every ballot it publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import elgamal, group, proofs, shapes
from .errors import RecordInvalid
from .hashing import digest, fingerprint

MANIFEST_KEYS = (
    "format",
    "election_id",
    "title",
    "group",
    "trustees",
    "threshold",
    "revote",
    "assurance",
    "opens_at",
    "closes_at",
    "questions",
)


def check_manifest(manifest, path: str = "manifest") -> dict:
    """The manifest's shape and bounds (section 3); RecordInvalid naming what is wrong.

    Keys beyond those of the specification are allowed (the fingerprint covers them).
    """
    if not isinstance(manifest, dict):
        raise RecordInvalid(path, "must be an object")
    for name in MANIFEST_KEYS:
        if name not in manifest:
            raise RecordInvalid(shapes.key(path, name), "is missing")
    if manifest["format"] != "uniqc-election/v1":
        raise RecordInvalid(shapes.key(path, "format"), 'must be "uniqc-election/v1"')
    if manifest["group"] != "ristretto255":
        raise RecordInvalid(shapes.key(path, "group"), 'must be "ristretto255"')
    if not shapes.string(manifest["election_id"], shapes.key(path, "election_id")):
        raise RecordInvalid(shapes.key(path, "election_id"), "must not be empty")
    trustees = shapes.integer(manifest["trustees"], shapes.key(path, "trustees"), 1, 1000)
    shapes.integer(manifest["threshold"], shapes.key(path, "threshold"), 1, trustees)
    shapes.boolean(manifest["revote"], shapes.key(path, "revote"))
    for name in ("assurance", "opens_at", "closes_at"):
        shapes.string(manifest[name], shapes.key(path, name))
    questions = shapes.array(manifest["questions"], shapes.key(path, "questions"), minimum=1)
    seen = set()
    for n, question in enumerate(questions):
        where = shapes.item(shapes.key(path, "questions"), n)
        _check_question(question, where)
        if question["id"] in seen:
            raise RecordInvalid(shapes.key(where, "id"), "is the id of an earlier question")
        seen.add(question["id"])
    try:
        fingerprint(manifest)
    except ValueError as error:
        raise RecordInvalid(path, str(error)) from None
    return manifest


def _check_question(question, where: str) -> None:
    if not isinstance(question, dict):
        raise RecordInvalid(where, "must be an object")
    for name in ("id", "kind", "text", "answers"):
        if name not in question:
            raise RecordInvalid(shapes.key(where, name), "is missing")
    qid = shapes.string(question["id"], shapes.key(where, "id"))
    if not (1 <= len(qid) <= 32 and qid.isascii()):
        raise RecordInvalid(shapes.key(where, "id"), "must be 1 to 32 ASCII characters")
    answers = len(shapes.array(question["answers"], shapes.key(where, "answers"), minimum=1))
    kind = question["kind"]
    if kind == "choose":
        for name in ("min", "max"):
            if name not in question:
                raise RecordInvalid(shapes.key(where, name), "is missing")
        low = shapes.integer(question["min"], shapes.key(where, "min"), 0, answers)
        shapes.integer(question["max"], shapes.key(where, "max"), low, answers)
    elif kind == "rank":
        for name in ("seats", "ranks"):
            if name not in question:
                raise RecordInvalid(shapes.key(where, name), "is missing")
        shapes.integer(question["seats"], shapes.key(where, "seats"), 1, answers)
        shapes.integer(question["ranks"], shapes.key(where, "ranks"), 1, answers)
    else:
        raise RecordInvalid(shapes.key(where, "kind"), 'must be "choose" or "rank"')


@dataclass
class VerifiedBallot:
    """A ballot whose every value decoded and every proof verified."""

    tracker: str
    alphas: list[bytes] = field(default_factory=list)
    choose: dict[str, list[elgamal.Ciphertext]] = field(default_factory=dict)
    ranks: dict[str, list[elgamal.Ciphertext]] = field(default_factory=dict)


@dataclass
class _Entry:
    """One ciphertext of a ballot with its proof, decoded, and where it is."""

    path: str
    alpha: bytes
    beta: bytes
    proof: list[proofs.Branch]


def _parse(manifest: dict, fp: bytes, ballot, path: str):
    """Shape-check and decode a ballot: [(question, entries, count_proof, answer path)]."""
    eid = manifest["election_id"]
    questions = manifest["questions"]
    ballot = shapes.obj(ballot, path, ("election_id", "fingerprint", "answers"))
    if ballot["election_id"] != eid:
        raise RecordInvalid(shapes.key(path, "election_id"), "is not this election's id")
    if shapes.hex32(ballot["fingerprint"], shapes.key(path, "fingerprint")) != fp:
        raise RecordInvalid(shapes.key(path, "fingerprint"), "is not this election's fingerprint")
    answers = shapes.array(ballot["answers"], shapes.key(path, "answers"), len(questions))
    parsed = []
    for n, (question, answer) in enumerate(zip(questions, answers, strict=True)):
        where = shapes.item(shapes.key(path, "answers"), n)
        count_proof = None
        if question["kind"] == "choose":
            answer = shapes.obj(answer, where, ("question_id", "selections", "count_proof"))
            name, size, branches = "selections", len(question["answers"]), 2
        else:
            answer = shapes.obj(answer, where, ("question_id", "ranks"))
            name, size, branches = "ranks", question["ranks"], len(question["answers"]) + 1
        if answer["question_id"] != question["id"]:
            raise RecordInvalid(shapes.key(where, "question_id"), f"must be {question['id']!r}")
        entries = []
        listed = shapes.array(answer[name], shapes.key(where, name), size)
        for k, value in enumerate(listed):
            at = shapes.item(shapes.key(where, name), k)
            alpha, beta = shapes.ciphertext(value, at, ("proof",))
            proof = shapes.branches(value["proof"], shapes.key(at, "proof"), branches)
            entries.append(_Entry(at, alpha, beta, proof))
        if count_proof is None and question["kind"] == "choose":
            width = question["max"] - question["min"] + 1
            count_proof = shapes.branches(
                answer["count_proof"], shapes.key(where, "count_proof"), width
            )
        parsed.append((question, entries, count_proof, where))
    return parsed


def _tracker(eid: str, fp: bytes, parsed) -> str:
    items: list = [eid, fp]
    sb = group.scalar_bytes
    for question, entries, count_proof, _ in parsed:
        items.append(question["id"])
        for entry in entries:
            items += (entry.alpha, entry.beta)
            for c, z in entry.proof:
                items += (sb(c), sb(z))
        for c, z in count_proof or ():
            items += (sb(c), sb(z))
    return digest("tracker", *items).hex()


def tracker(manifest: dict, fp: bytes, ballot) -> str:
    """The ballot's tracker (section 7), from its decoded values; its proofs are not checked."""
    return _tracker(manifest["election_id"], fp, _parse(manifest, fp, ballot, ""))


def verify_ballot(manifest: dict, fp: bytes, K: bytes, ballot, *, path: str = "") -> VerifiedBallot:
    """Decode every value and verify every proof; RecordInvalid(path, reason) at the first fault.

    ``manifest`` is trusted to be valid (see :func:`check_manifest`). The ballot's alphas
    must be distinct; whether they were cast before is for the caller to check.
    """
    eid = manifest["election_id"]
    parsed = _parse(manifest, fp, ballot, path)
    verified = VerifiedBallot(tracker=_tracker(eid, fp, parsed))
    seen = set()
    for question, entries, count_proof, where in parsed:
        qid = question["id"]
        if question["kind"] == "choose":
            for i, entry in enumerate(entries):
                if not proofs.verify_one_of(
                    "selection",
                    (eid, fp, K, qid, i),
                    K,
                    entry.alpha,
                    entry.beta,
                    (0, 1),
                    entry.proof,
                ):
                    raise RecordInvalid(
                        shapes.key(entry.path, "proof"), "does not prove a selection of 0 or 1"
                    )
            alpha, beta = elgamal.total((e.alpha, e.beta) for e in entries)
            values = range(question["min"], question["max"] + 1)
            if not proofs.verify_one_of(
                "selection-count", (eid, fp, K, qid), K, alpha, beta, values, count_proof
            ):
                raise RecordInvalid(
                    shapes.key(where, "count_proof"),
                    f"does not prove between {question['min']} and {question['max']} selections",
                )
            verified.choose[qid] = [(e.alpha, e.beta) for e in entries]
        else:
            values = range(len(question["answers"]) + 1)
            for k, entry in enumerate(entries):
                if not proofs.verify_one_of(
                    "rank", (eid, fp, K, qid, k), K, entry.alpha, entry.beta, values, entry.proof
                ):
                    raise RecordInvalid(
                        shapes.key(entry.path, "proof"),
                        f"does not prove a candidate number between 0 and {len(values) - 1}",
                    )
            verified.ranks[qid] = [(e.alpha, e.beta) for e in entries]
        for entry in entries:
            if entry.alpha in seen:
                raise RecordInvalid(shapes.key(entry.path, "alpha"), "appears twice in the ballot")
            seen.add(entry.alpha)
            verified.alphas.append(entry.alpha)
    return verified


def _check_choices(question: dict, chosen: Sequence[int]) -> list[int]:
    chosen = list(chosen)
    n = len(question["answers"])
    if len(set(chosen)) != len(chosen) or not all(
        isinstance(i, int) and 0 <= i < n for i in chosen
    ):
        raise ValueError(f"{question['id']}: answers are distinct indexes below {n}")
    if question["kind"] == "choose":
        if not question["min"] <= len(chosen) <= question["max"]:
            raise ValueError(
                f"{question['id']}: between {question['min']} and {question['max']} answers"
            )
    elif len(chosen) > question["ranks"]:
        raise ValueError(f"{question['id']}: at most {question['ranks']} ranks")
    return chosen


def encrypt_ballot(
    manifest: dict,
    fp: bytes,
    K: bytes,
    choices: Sequence[Sequence[int]],
    *,
    rng: Callable[[], int] = group.random_scalar,
) -> tuple[dict, dict]:
    """A ballot for ``choices`` (per question: the chosen answers, or the ranking, best
    first) and its secrets (the values and randomness, for a Benaloh audit).

    ``rng`` draws every random scalar (a fixed sequence gives the test vectors).
    """
    eid = manifest["election_id"]
    if len(choices) != len(manifest["questions"]):
        raise ValueError("one list of choices per question")
    answers, secrets = [], []
    for question, chosen in zip(manifest["questions"], choices, strict=True):
        qid = question["id"]
        chosen = _check_choices(question, chosen)
        n = len(question["answers"])
        if question["kind"] == "choose":
            values = [1 if i in chosen else 0 for i in range(n)]
            label, allowed = "selection", (0, 1)
        else:
            values = [chosen[k] + 1 if k < len(chosen) else 0 for k in range(question["ranks"])]
            label, allowed = "rank", tuple(range(n + 1))
        entries, randomness = [], []
        for k, value in enumerate(values):
            r = rng()
            alpha, beta = elgamal.encrypt(K, value, r)
            proof = _prove(label, (eid, fp, K, qid, k), K, alpha, beta, allowed, value, r, rng)
            entries.append(
                {
                    "alpha": alpha.hex(),
                    "beta": beta.hex(),
                    "proof": [proofs.branch_json(b) for b in proof],
                }
            )
            randomness.append(r)
        if question["kind"] == "choose":
            alpha, beta = elgamal.total(
                (bytes.fromhex(e["alpha"]), bytes.fromhex(e["beta"])) for e in entries
            )
            allowed = tuple(range(question["min"], question["max"] + 1))
            proof = _prove(
                "selection-count",
                (eid, fp, K, qid),
                K,
                alpha,
                beta,
                allowed,
                sum(values),
                sum(randomness) % group.L,
                rng,
            )
            answers.append(
                {
                    "question_id": qid,
                    "selections": entries,
                    "count_proof": [proofs.branch_json(b) for b in proof],
                }
            )
        else:
            answers.append({"question_id": qid, "ranks": entries})
        secrets.append(
            {
                "question_id": qid,
                "values": values,
                "randomness": [group.scalar_hex(r) for r in randomness],
            }
        )
    ballot = {"election_id": eid, "fingerprint": fp.hex(), "answers": answers}
    return ballot, {"answers": secrets}


def _prove(label, prefix, K, alpha, beta, allowed, value, r, rng) -> list[proofs.Branch]:
    index = allowed.index(value)
    u = rng()
    fakes = [(rng(), rng()) for _ in allowed[1:]]
    return proofs.prove_one_of(label, prefix, K, alpha, beta, allowed, index, r, u=u, fakes=fakes)
