"""A simulated election, whole: manifests, trustees, voters, the record. For tests and demo
data; everything here runs the real code of the package (nothing is faked).

    manifest = manifest_for([choose("q1", ["For", "Against"])])
    simulation = simulate_election(manifest, 3, 2, [[[0]], [[1]], [[0]]], absent={3})
    simulation.record  # the complete record, which record.verify_record accepts
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from . import ballots, dkg, elgamal, group, tally
from .hashing import challenge, fingerprint
from .record import RECORD_FORMAT, ElectionContext

DEFAULT_ELECTION_ID = "0b5cf0b6-2c1f-4d55-9d5e-3c3f4f6f1f10"


def _text(value) -> dict:
    return value if isinstance(value, dict) else {"fr": str(value), "en": str(value)}


def choose(qid: str, answers: Sequence, low: int = 1, high: int = 1, text="Question") -> dict:
    """A ``choose`` question: between ``low`` and ``high`` of ``answers``."""
    return {
        "id": qid,
        "kind": "choose",
        "min": low,
        "max": high,
        "text": _text(text),
        "answers": [_text(a) for a in answers],
    }


def rank(qid: str, candidates: Sequence, seats: int, ranks: int | None = None, text="Board"):
    """A ``rank`` question: up to ``ranks`` of ``candidates`` in order, for ``seats`` seats."""
    return {
        "id": qid,
        "kind": "rank",
        "seats": seats,
        "ranks": len(candidates) if ranks is None else ranks,
        "text": _text(text),
        "answers": [_text(c) for c in candidates],
    }


def manifest_for(
    questions: Sequence[dict],
    *,
    election_id: str = DEFAULT_ELECTION_ID,
    trustees: int = 3,
    threshold: int = 2,
    revote: bool = True,
    assurance: str = "high",
    title="Scrutin d'essai",
    opens_at: str = "2027-03-01T14:00:00Z",
    closes_at: str = "2027-03-08T14:00:00Z",
) -> dict:
    """A manifest (section 3) for ``questions`` (see :func:`choose` and :func:`rank`)."""
    manifest = {
        "format": "uniqc-election/v1",
        "election_id": election_id,
        "title": _text(title),
        "group": "ristretto255",
        "trustees": trustees,
        "threshold": threshold,
        "revote": revote,
        "assurance": assurance,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "questions": list(questions),
    }
    return ballots.check_manifest(manifest)


@dataclass
class Simulation:
    """Everything a simulated election produced, the record included."""

    manifest: dict
    fp: bytes
    K: bytes
    trustees: list[dkg.TrusteeKeys]
    messages: dict = field(default_factory=dict)
    record: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)


def run_ceremony(
    manifest: dict, fp: bytes, rng: Callable[[], int] = group.random_scalar
) -> tuple[list[dkg.TrusteeKeys], dict, bytes]:
    """The key generation, with every trustee honest: (trustees, messages, K)."""
    eid, n, t = manifest["election_id"], manifest["trustees"], manifest["threshold"]
    trustees = [dkg.TrusteeKeys(eid, fp, i, n, t, rng=rng) for i in range(1, n + 1)]
    transport = {keys.index: keys.transport_key() for keys in trustees}
    keys_hex = {i: message["key"] for i, message in transport.items()}
    deals = {keys.index: keys.deal(keys_hex) for keys in trustees}
    verification = {}
    for keys in trustees:
        received = [
            {
                "from": i,
                "ephemeral": deal["shares"][keys.index - 1]["ephemeral"],
                "box": deal["shares"][keys.index - 1]["box"],
                "commitments": [c["point"] for c in deal["commitments"]],
            }
            for i, deal in sorted(deals.items())
        ]
        verification[keys.index] = keys.check(received)
    commitments = {
        i: [bytes.fromhex(c["point"]) for c in deal["commitments"]] for i, deal in deals.items()
    }
    K = dkg.election_key(commitments)
    messages = {"transport": transport, "deals": deals, "verification": verification}
    return trustees, messages, K


def simulate_election(
    manifest: dict,
    n: int | None = None,
    t: int | None = None,
    votes: Sequence[Sequence[Sequence[int]]] = (),
    *,
    absent: Collection[int] = frozenset(),
    revoters: Mapping[int, Sequence[Sequence[int]]] | None = None,
    names: Sequence[str] | None = None,
    rng: Callable[[], int] = group.random_scalar,
) -> Simulation:
    """A whole election: the ceremony, the ballots (``votes[v]`` is voter v's last choices;
    ``revoters[v]`` an earlier ballot of voter v, cast first and then replaced), the tally
    decrypted by the trustees not ``absent``, and the record.
    """
    if (n is not None and n != manifest["trustees"]) or (
        t is not None and t != manifest["threshold"]
    ):
        raise ValueError("n and t are the manifest's trustees and threshold")
    n, t = manifest["trustees"], manifest["threshold"]
    eid = manifest["election_id"]
    fp = fingerprint(manifest)
    trustees, messages, K = run_ceremony(manifest, fp, rng)
    present = [keys for keys in trustees if keys.index not in absent]
    if len(present) < t:
        raise ValueError("fewer trustees present than the threshold")

    revoters = dict(revoters or {})
    opens = datetime.datetime.fromisoformat(manifest["opens_at"].replace("Z", "+00:00"))
    cast = [(v, revoters[v], "replaced") for v in sorted(revoters)]
    cast += [(v, choices, "counted") for v, choices in enumerate(votes)]
    entries, counted = [], []
    for n_cast, (_voter, choices, status) in enumerate(cast):
        ballot, _ = ballots.encrypt_ballot(manifest, fp, K, choices, rng=rng)
        verified = ballots.verify_ballot(manifest, fp, K, ballot)
        moment = opens + datetime.timedelta(minutes=7 * n_cast + 1)
        entries.append(
            {
                "tracker": verified.tracker,
                "cast_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "status": status,
                "ballot": ballot,
            }
        )
        if status == "counted":
            counted.append(verified)

    sums = tally.encrypted_tally(manifest, counted)
    tally_section, result, expected = {}, {}, {}
    for question in manifest["questions"]:
        if question["kind"] != "choose":
            continue
        qid = question["id"]
        ciphertexts = sums[qid]
        decryptions = [
            {"trustee": keys.index, "shares": keys.partial_decrypt(K, ciphertexts)}
            for keys in present
        ]
        shares = {
            d["trustee"]: [bytes.fromhex(s["point"]) for s in d["shares"]] for d in decryptions
        }
        counts = tally.combine(t, shares, ciphertexts, len(counted))
        tally_section[qid] = {
            "ciphertexts": [elgamal.to_json(c) for c in ciphertexts],
            "decryptions": decryptions,
            "counts": counts,
        }
        result[qid] = {"counts": list(counts)}
        expected[qid] = [
            sum(1 for choices in votes if i in choices[manifest["questions"].index(question)])
            for i in range(len(question["answers"]))
        ]

    verification_keys = {j: bytes.fromhex(x) for j, x in messages["verification"].items()}
    transport_keys = {j: bytes.fromhex(m["key"]) for j, m in messages["transport"].items()}
    context = ElectionContext(eid, fp, K, t, verification_keys, transport_keys)
    mix_section = {}
    for question in manifest["questions"]:
        if question["kind"] == "rank":
            section = mix_ranked_question(context, question, counted, present)
            mix_section[question["id"]] = section
            result[question["id"]] = section["result"]

    names = list(names or [f"Fiduciaire {i}" for i in range(1, n + 1)])
    record = {
        "format": RECORD_FORMAT,
        "manifest": manifest,
        "fingerprint": fp.hex(),
        "public_key": K.hex(),
        "trustees": [
            {
                "index": keys.index,
                "name": names[keys.index - 1],
                "transport_key": messages["transport"][keys.index],
                "commitments": messages["deals"][keys.index]["commitments"],
                "shares": messages["deals"][keys.index]["shares"],
                "verification_key": messages["verification"][keys.index],
            }
            for keys in trustees
        ],
        "ballots": entries,
        "tally": tally_section,
        "mix": mix_section,
        "result": result,
    }
    return Simulation(manifest, fp, K, trustees, messages, record, expected)


def mix_ranked_question(
    context: ElectionContext,
    question: dict,
    counted: Sequence[ballots.VerifiedBallot],
    present: Sequence[dkg.TrusteeKeys],
) -> dict:
    """The ``mix`` section of a ranked question (section 9): each present trustee in turn
    shuffles the previous list and signs the shuffle with its transport secret (the
    mixnet's shuffle and mixing modules), then each decrypts the last list with proofs."""
    mixing = importlib.import_module(f"{__package__}.mixing")
    shuffle = importlib.import_module(f"{__package__}.shuffle")
    current = mixing.mix_input(question, counted)
    width = question["ranks"]
    steps = []
    for position, keys in enumerate(present):
        step = shuffle.shuffle_step(
            context,
            question["id"],
            position,
            current,
            trustee=keys.index,
            transport_secret=keys.transport_secret,
        )
        steps.append(step)
        current = shuffle.decode_ballots(step["output"], width, "output")
    decryptions = [
        {"trustee": keys.index, "shares": [keys.partial_decrypt(context.K, row) for row in current]}
        for keys in present
    ]
    return mixing.build_section(context, question, counted, steps, decryptions)


def deterministic_scalars(seed: str) -> Callable[[], int]:
    """A fixed sequence of non-zero scalars drawn from ``seed`` (test vectors, demo data)."""
    counter = 0

    def draw() -> int:
        nonlocal counter
        while True:
            counter += 1
            value = challenge("test-scalar", seed, counter)
            if value:
                return value

    return draw
