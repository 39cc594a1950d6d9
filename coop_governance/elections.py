"""Secret-ballot elections: the board creates one, its trustees make the election key
together, members cast encrypted ballots, and at closing the trustees shuffle the ranked
ballots and decrypt the tallies. Every write is here; docs/election-record.md is the
specification of every value, and the pure cryptography is coop_governance/election/.

The server checks every public value it is sent (proofs, keys recomputed from the
commitments, shuffles, partial decryptions) and keeps nothing secret: it never sees a
plaintext choice or a trustee's secret."""

import datetime
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from coop_governance.election import dkg, group, mixing, tally
from coop_governance.election.ballots import verify_ballot
from coop_governance.election.elgamal import to_json as ciphertext_json
from coop_governance.election.errors import InvalidValue, RecordInvalid
from coop_governance.election.hashing import fingerprint as manifest_fingerprint
from coop_governance.election.record import ElectionContext
from coop_governance.election_access import (
    access_election_manage,
    access_election_trustee,
    access_election_vote,
)
from coop_governance.errors import (
    AlreadyVotedInElection,
    BallotInvalid,
    BallotMalformed,
    BallotTooLarge,
    CiphertextReused,
    ElectionClosed,
    ElectionSetupRefused,
    ElectionStateRefused,
    TrusteeMessageInvalid,
)
from coop_governance.lock_objects import (
    election_lock,
    election_share_lock,
    member_lock,
    trustee_lock,
)
from coop_governance.models import (
    BallotAlpha,
    CastBallot,
    Election,
    ElectionQuestion,
    ElectionStatus,
    ElectionTrustee,
    Member,
    MemberStatus,
    MixShuffle,
    PartialDecryption,
    QuestionKind,
)
from coop_governance.selectors import active_members_count, bylaws_in_force
from core.jsonin import JsonInputError, json_parse
from identity.audit import audit_record

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = "uniqc-election/v1"
RECORD_FORMAT = "uniqc-election-record/v1"
# A ballot of the largest election we hold (a few questions of a few dozen answers) is some
# tens of kilobytes; anything far larger is refused before it is parsed.
MAX_BALLOT_BYTES = 256 * 1024
MAX_JSON_DEPTH = 8
MAX_QUESTIONS = 10
MAX_ANSWERS = 40
MAX_TRUSTEES = 9


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- The board: creating an election and starting its ceremony ---------------------------


@transaction.atomic
def election_create(
    *,
    title_fr: str,
    title_en: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    threshold: int,
    trustee_users: list[Any],
    questions: list[dict],
    acting_user: Any,
) -> Election:
    """A draft election with its questions and its trustees (in the order given: trustee 1
    first). Its re-voting and assurance rules are the by-laws' in force now. `questions`
    holds {kind, text_fr, text_en, answers: [{fr, en}], min, max} or {..., seats, ranks}."""
    access_election_manage(acting_user)
    bylaws = bylaws_in_force()
    users = list(trustee_users)
    if not users or len(users) > MAX_TRUSTEES or len({u.pk for u in users}) != len(users):
        raise ElectionSetupRefused()
    if not 1 <= threshold <= len(users):
        raise ElectionSetupRefused()
    if not questions or len(questions) > MAX_QUESTIONS or closes_at <= opens_at:
        raise ElectionSetupRefused()
    election = Election(
        title_fr=title_fr.strip(),
        title_en=title_en.strip() or title_fr.strip(),
        bylaws=bylaws,
        revote=bylaws.revote_replaces,
        assurance=bylaws.vote_assurance,
        opens_at=opens_at,
        closes_at=closes_at,
        trustee_count=len(users),
        threshold=threshold,
        created_by=acting_user,
    )
    election.full_clean()
    election.save()
    for position, spec in enumerate(questions):
        ElectionQuestion.objects.create(election=election, **_question_fields(position, spec))
    for index, user in enumerate(users, start=1):
        ElectionTrustee.objects.create(election=election, index=index, user=user)
    audit_record(
        acting_user=acting_user,
        action="election_create",
        target=election,
        detail={"trustees": len(users), "threshold": threshold, "questions": len(questions)},
    )
    return election


def _question_fields(position: int, spec: dict) -> dict:
    answers = [
        {"fr": str(a.get("fr", "")).strip(), "en": str(a.get("en") or a.get("fr", "")).strip()}
        for a in spec.get("answers", [])
    ]
    if not 1 <= len(answers) <= MAX_ANSWERS or not all(a["fr"] for a in answers):
        raise ElectionSetupRefused()
    fields = {
        "position": position,
        "qid": f"q{position + 1}",
        "kind": spec["kind"],
        "text_fr": str(spec.get("text_fr", "")).strip(),
        "text_en": str(spec.get("text_en") or spec.get("text_fr", "")).strip(),
        "answers": answers,
    }
    if not fields["text_fr"]:
        raise ElectionSetupRefused()
    if spec["kind"] == QuestionKind.CHOOSE:
        low, high = int(spec.get("min", 1)), int(spec.get("max", 1))
        if not 0 <= low <= high <= len(answers) or high < 1:
            raise ElectionSetupRefused()
        fields.update(min_choices=low, max_choices=high)
    elif spec["kind"] == QuestionKind.RANK:
        seats = int(spec.get("seats", 1))
        ranks = int(spec.get("ranks") or len(answers))
        if not 1 <= seats < len(answers) + 1 or not 1 <= ranks <= len(answers):
            raise ElectionSetupRefused()
        fields.update(seats=seats, ranks=ranks)
    else:
        raise ElectionSetupRefused()
    return fields


def manifest_build(election: Election) -> dict:
    """The election's manifest (docs/election-record.md, section 3)."""
    questions = []
    for question in election.questions.order_by("position"):
        entry: dict[str, Any] = {"id": question.qid, "kind": question.kind}
        if question.kind == QuestionKind.CHOOSE:
            entry.update(min=question.min_choices, max=question.max_choices)
        else:
            entry.update(seats=question.seats, ranks=question.ranks)
        entry["text"] = {"fr": question.text_fr, "en": question.text_en}
        entry["answers"] = [{"fr": a["fr"], "en": a["en"]} for a in question.answers]
        questions.append(entry)
    return {
        "format": MANIFEST_FORMAT,
        "election_id": str(election.public_id),
        "title": {"fr": election.title_fr, "en": election.title_en},
        "group": "ristretto255",
        "trustees": election.trustee_count,
        "threshold": election.threshold,
        "revote": election.revote,
        "assurance": election.assurance,
        "opens_at": _utc(election.opens_at),
        "closes_at": _utc(election.closes_at),
        "questions": questions,
    }


@transaction.atomic
def election_ceremony_start(*, election: Election, acting_user: Any) -> Election:
    """Freeze the manifest and its fingerprint, and let the trustees start the key ceremony."""
    access_election_manage(acting_user)
    election = election_lock(election.pk)
    if election.status != ElectionStatus.DRAFT:
        raise ElectionStateRefused()
    election.manifest = manifest_build(election)
    election.fingerprint = manifest_fingerprint(election.manifest).hex()
    election.status = ElectionStatus.CEREMONY
    election.ceremony_started_at = timezone.now()
    election.save(update_fields=["manifest", "fingerprint", "status", "ceremony_started_at"])
    audit_record(
        acting_user=acting_user,
        action="election_ceremony_start",
        target=election,
        detail={"fingerprint": election.fingerprint},
    )
    return election


@transaction.atomic
def election_ceremony_restart(*, election: Election, acting_user: Any) -> Election:
    """After a trustee's complaint (a share that does not match its commitments), start the
    ceremony over: every trustee's messages are cleared and a new key will be made. Nothing
    was encrypted under the old one (the election is not open)."""
    access_election_manage(acting_user)
    election = election_lock(election.pk)
    if election.status != ElectionStatus.CEREMONY:
        raise ElectionStateRefused()
    election.trustees.update(
        transport_key="",
        transport_proof=None,
        key_posted_at=None,
        commitments=None,
        shares=None,
        dealt_at=None,
        verification_key="",
        checked_at=None,
        complaint=None,
    )
    audit_record(acting_user=acting_user, action="election_ceremony_restart", target=election)
    return election


@transaction.atomic
def election_cancel(*, election: Election, acting_user: Any) -> Election:
    """The board cancels an election that has not opened yet."""
    access_election_manage(acting_user)
    election = election_lock(election.pk)
    if election.status not in (ElectionStatus.DRAFT, ElectionStatus.CEREMONY, ElectionStatus.READY):
        raise ElectionStateRefused()
    election.status = ElectionStatus.CANCELLED
    election.cancelled_at = timezone.now()
    election.save(update_fields=["status", "cancelled_at"])
    audit_record(acting_user=acting_user, action="election_cancel", target=election)
    return election


# --- The trustees' key ceremony -----------------------------------------------------------


def _fp(election: Election) -> bytes:
    return bytes.fromhex(election.fingerprint)


def _eid(election: Election) -> str:
    return str(election.public_id)


def _checked(check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a check of the pure module; its refusal becomes a coded 422."""
    try:
        return check(*args, **kwargs)
    except RecordInvalid as error:
        raise TrusteeMessageInvalid(error.path, error.reason) from error
    except (InvalidValue, ValueError, TypeError, KeyError) as error:
        raise TrusteeMessageInvalid("", str(error)) from error


def _trustee_for_message(election: Election, user: Any) -> tuple[Election, ElectionTrustee]:
    election = election_lock(election.pk)
    trustee = access_election_trustee(user, election)
    return election, trustee_lock(trustee.pk)


def _all(election: Election, field: str) -> bool:
    return not election.trustees.filter(**{f"{field}__isnull": True}).exists()


@transaction.atomic
def trustee_key_post(*, election: Election, key: Any, proof: Any, acting_user: Any) -> None:
    """A trustee's transport key, with its proof (section 6, step 1)."""
    election, trustee = _trustee_for_message(election, acting_user)
    if election.status != ElectionStatus.CEREMONY or trustee.key_posted_at is not None:
        raise ElectionStateRefused()
    _checked(dkg.verify_transport_key, _eid(election), _fp(election), trustee.index, key, proof)
    trustee.transport_key = key
    trustee.transport_proof = proof
    trustee.key_posted_at = timezone.now()
    _trustee_step_save(trustee, election, acting_user, "election_trustee_key")


def _trustee_step_save(trustee: Any, election: Election, acting_user: Any, action: str) -> None:
    """A trustee's ceremony step, stored once its fields are valid, and audited."""
    trustee.full_clean()
    trustee.save()
    audit_record(
        acting_user=acting_user, action=action, target=election, detail={"trustee": trustee.index}
    )


def _shares_checked(election: Election, shares: Any) -> list[dict]:
    """One boxed share for every trustee, each to its own index, points and boxes decoded."""
    if not isinstance(shares, list) or len(shares) != election.trustee_count:
        raise TrusteeMessageInvalid("shares", f"needs {election.trustee_count} shares")
    clean = []
    for n, share in enumerate(shares):
        where = f"shares[{n}]"
        if not isinstance(share, dict) or set(share) != {"to", "ephemeral", "box"}:
            raise TrusteeMessageInvalid(where, "needs exactly to, ephemeral and box")
        if share["to"] != n + 1 or isinstance(share["to"], bool):
            raise TrusteeMessageInvalid(f"{where}.to", f"must be {n + 1}")
        _checked(group.decode_point, share["ephemeral"])
        box = share["box"]
        if not isinstance(box, str) or len(box) != 64 or box.strip("0123456789abcdef"):
            raise TrusteeMessageInvalid(f"{where}.box", "must be 64 lowercase hex digits")
        clean.append({"to": n + 1, "ephemeral": share["ephemeral"], "box": box})
    return clean


@transaction.atomic
def trustee_deal_post(
    *, election: Election, commitments: Any, shares: Any, acting_user: Any
) -> None:
    """A trustee's coefficient commitments with their proofs and a share boxed for each
    trustee (section 6, step 2), once every transport key is in."""
    election, trustee = _trustee_for_message(election, acting_user)
    if (
        election.status != ElectionStatus.CEREMONY
        or trustee.dealt_at is not None
        or not _all(election, "key_posted_at")
    ):
        raise ElectionStateRefused()
    _checked(
        dkg.verify_commitments,
        _eid(election),
        _fp(election),
        trustee.index,
        election.threshold,
        commitments,
    )
    trustee.shares = _shares_checked(election, shares)
    trustee.commitments = commitments
    trustee.dealt_at = timezone.now()
    _trustee_step_save(trustee, election, acting_user, "election_trustee_deal")


def commitment_points(election: Election) -> dict[int, list[bytes]]:
    return {
        t.index: [group.decode_point(c["point"]) for c in t.commitments]
        for t in election.trustees.all()
        if t.commitments is not None
    }


@transaction.atomic
def trustee_check_post(
    *,
    election: Election,
    verification_key: Any = None,
    complaint: Any = None,
    acting_user: Any,
) -> None:
    """A trustee checked the shares she received: her verification key (which must be the
    one the commitments give), or a complaint naming the trustee whose share is wrong. When
    every trustee has checked, the election key is computed and the election is ready."""
    election, trustee = _trustee_for_message(election, acting_user)
    if (
        election.status != ElectionStatus.CEREMONY
        or trustee.checked_at is not None
        or not _all(election, "dealt_at")
    ):
        raise ElectionStateRefused()
    if complaint is not None:
        if not isinstance(complaint, dict) or not isinstance(complaint.get("from"), int):
            raise TrusteeMessageInvalid("complaint", 'needs {"from": <index>, "reason"}')
        trustee.complaint = {
            "from": complaint["from"],
            "reason": str(complaint.get("reason", ""))[:500],
        }
        trustee.save(update_fields=["complaint"])
        audit_record(
            acting_user=acting_user,
            action="election_trustee_complaint",
            target=election,
            detail={"trustee": trustee.index, **trustee.complaint},
        )
        return
    expected = dkg.verification_key(commitment_points(election), trustee.index).hex()
    if verification_key != expected:
        raise TrusteeMessageInvalid(
            "verification_key", "is not the key the trustees' commitments give"
        )
    trustee.verification_key = expected
    trustee.checked_at = timezone.now()
    _trustee_step_save(trustee, election, acting_user, "election_trustee_check")
    if _all(election, "checked_at") and not election.trustees.exclude(complaint=None).exists():
        key = dkg.election_key(commitment_points(election))
        if key == group.IDENTITY:
            raise TrusteeMessageInvalid("public_key", "the election key is the identity")
        election.public_key = key.hex()
        election.status = ElectionStatus.READY
        election.ready_at = timezone.now()
        election.save(update_fields=["public_key", "status", "ready_at"])
        audit_record(
            acting_user=acting_user,
            action="election_ready",
            target=election,
            detail={"public_key": election.public_key},
        )


# --- Opening and closing (coop_governance/election_tasks.py, every minute) ---------------


@transaction.atomic
def election_open(*, election_id: int, at: Any = None) -> bool:
    """Open a ready election once its opening time has come (before its closing time).
    Returns whether it opened; a repeat finds it open and does nothing."""
    now = at or timezone.now()
    election = election_lock(election_id)
    if election.status != ElectionStatus.READY or not election.opens_at <= now < election.closes_at:
        return False
    election.status = ElectionStatus.OPEN
    election.opened_at = now
    election.save(update_fields=["status", "opened_at"])
    audit_record(acting_user=None, action="election_open", target=election)
    return True


@transaction.atomic
def election_close(*, election_id: int, at: Any = None) -> bool:
    """Close an open election after its closing time and take the count's input: the
    encrypted tally of each choose question and the mix input of each rank question, from
    the counted ballots (each verified again). The election lock waits for every ballot
    being cast. Returns whether it closed; a repeat does nothing."""
    now = at or timezone.now()
    election = election_lock(election_id)
    if election.status != ElectionStatus.OPEN or now < election.closes_at:
        return False
    election.status = ElectionStatus.CLOSED
    election.closed_at = now
    election.eligible_count = active_members_count()
    election.save(update_fields=["status", "closed_at", "eligible_count"])
    audit_record(
        acting_user=None,
        action="election_close",
        target=election,
        detail={"eligible": election.eligible_count},
    )
    verified = counted_ballots_verified(election)
    manifest = election.manifest
    sums = tally.encrypted_tally(manifest, verified)
    election.encrypted_tally = {qid: [ciphertext_json(c) for c in row] for qid, row in sums.items()}
    election.mix_input = {
        q["id"]: _ballots_json(mixing.mix_input(q, verified))
        for q in manifest["questions"]
        if q["kind"] == QuestionKind.RANK
    }
    election.status = ElectionStatus.TALLYING
    election.save(update_fields=["encrypted_tally", "mix_input", "status"])
    return True


def _ballots_json(ballots: list) -> list[list[dict]]:
    return [[{"alpha": a.hex(), "beta": b.hex()} for a, b in ballot] for ballot in ballots]


def _ballots_points(ballots: list[list[dict]]) -> list[list[tuple[bytes, bytes]]]:
    return [
        [(bytes.fromhex(c["alpha"]), bytes.fromhex(c["beta"])) for c in ballot]
        for ballot in ballots
    ]


def counted_ballots_verified(election: Election) -> list:
    """Every counted ballot, verified (ballots.VerifiedBallot), in the order they were cast."""
    fp, key = _fp(election), bytes.fromhex(election.public_key)
    return [
        verify_ballot(election.manifest, fp, key, ballot)
        for ballot in CastBallot.objects.filter(election=election, replaced_at__isnull=True)
        .order_by("cast_at", "pk")
        .values_list("ballot", flat=True)
    ]


def elections_to_open(at: Any = None) -> list[int]:
    now = at or timezone.now()
    return list(
        Election.objects.filter(
            status=ElectionStatus.READY, opens_at__lte=now, closes_at__gt=now
        ).values_list("pk", flat=True)
    )


def elections_due(at: Any = None) -> list[int]:
    return list(
        Election.objects.filter(
            status=ElectionStatus.OPEN, closes_at__lte=at or timezone.now()
        ).values_list("pk", flat=True)
    )


def elections_sweep(at: Any = None) -> tuple[int, int]:
    """Open the elections whose time came and close those whose time passed, each in its
    own transaction (one that fails is logged and left for the next run)."""
    opened = closed = 0
    for pk in elections_to_open(at):
        try:
            opened += election_open(election_id=pk, at=at)
        except Exception:
            logger.exception("election %s could not be opened", pk)
    for pk in elections_due(at):
        try:
            closed += election_close(election_id=pk, at=at)
        except Exception:
            logger.exception("election %s could not be closed", pk)
    return opened, closed


# --- Casting a ballot ---------------------------------------------------------------------


def ballot_parse(body: bytes) -> dict:
    """The posted ballot as a JSON object: at most MAX_BALLOT_BYTES and MAX_JSON_DEPTH deep
    (core.jsonin, the one parser of JSON from outside)."""
    try:
        return json_parse(body, max_bytes=MAX_BALLOT_BYTES, max_depth=MAX_JSON_DEPTH)
    except JsonInputError as error:
        if error.code == "json_too_large":
            raise BallotTooLarge() from error
        raise BallotMalformed() from error


def ballot_accepts(election: Election, at: Any = None) -> bool:
    now = at or timezone.now()
    return election.status == ElectionStatus.OPEN and election.opens_at <= now < election.closes_at


@transaction.atomic
def ballot_cast(
    *, election: Election, ballot: dict, user: Any, acr: str | None
) -> tuple[CastBallot, bool]:
    """Cast `ballot` for the member `user` votes for. The ballot is verified (every value
    decodes, every proof holds) before any lock; then, with the election held in share mode
    and the member locked: the election is open, no alpha was cast before, and an earlier
    ballot is replaced (re-voting allowed) or the new one refused. Returns the ballot and
    whether it replaced one."""
    member = access_election_vote(user, election, acr)
    if not ballot_accepts(election):
        raise ElectionClosed()
    try:
        verified = verify_ballot(
            election.manifest, _fp(election), bytes.fromhex(election.public_key), ballot
        )
    except RecordInvalid as error:
        raise BallotInvalid(error.path, error.reason) from error
    alphas = sorted({a.hex() for a in verified.alphas})
    if len(alphas) != len(verified.alphas):
        raise CiphertextReused()
    election = election_share_lock(election.pk)
    member = member_lock(member.pk)
    if not ballot_accepts(election):
        raise ElectionClosed()
    if member.status != MemberStatus.ACTIVE:
        access_election_vote(user, election, acr)
    if BallotAlpha.objects.filter(election=election, alpha__in=alphas).exists():
        raise CiphertextReused()
    now = timezone.now()
    earlier = CastBallot.objects.filter(
        election=election, member=member, replaced_at__isnull=True
    ).first()
    if earlier is not None and not election.revote:
        raise AlreadyVotedInElection()
    cast = CastBallot(
        election=election,
        member=member,
        cast_by=user,
        acr=acr or "",
        tracker=verified.tracker,
        ballot=ballot,
        cast_at=now,
    )
    try:
        with transaction.atomic():
            if earlier is not None:
                # The partial unique index allows one counted ballot: the earlier one
                # steps aside first, then points to its replacement.
                CastBallot.objects.filter(pk=earlier.pk).update(replaced_at=now)
            cast.save()
            if earlier is not None:
                CastBallot.objects.filter(pk=earlier.pk).update(replaced_by=cast)
            BallotAlpha.objects.bulk_create(
                [BallotAlpha(election=election, ballot=cast, alpha=a) for a in alphas]
            )
    except IntegrityError as error:
        # Another ballot took one of these alphas or this tracker at the same moment.
        raise CiphertextReused() from error
    return cast, earlier is not None


# --- The count: shuffles and partial decryptions ------------------------------------------


def election_context(election: Election) -> ElectionContext:
    return ElectionContext(
        eid=_eid(election),
        fp=_fp(election),
        K=bytes.fromhex(election.public_key),
        threshold=election.threshold,
        verification_keys={
            t.index: bytes.fromhex(t.verification_key) for t in election.trustees.all()
        },
        transport_keys={
            t.index: bytes.fromhex(t.transport_key)
            for t in election.trustees.all()
            if t.transport_key
        },
    )


def rank_questions(election: Election) -> list[dict]:
    return [q for q in election.manifest["questions"] if q["kind"] == QuestionKind.RANK]


def mix_current(election: Election, qid: str) -> tuple[int, list[list[dict]]]:
    """The next shuffle's position and input for a rank question: the mix input, or the
    output of the last shuffle."""
    last = MixShuffle.objects.filter(election=election, qid=qid).order_by("-position").first()
    if last is None:
        return 0, election.mix_input[qid]
    return last.position + 1, last.output


def mixing_done(election: Election) -> bool:
    return all(
        MixShuffle.objects.filter(election=election, qid=q["id"]).count() >= election.threshold
        for q in rank_questions(election)
    )


def mix_task_for(election: Election, trustee: ElectionTrustee) -> dict | None:
    """The shuffle this trustee can do now: the first rank question she has not shuffled,
    that still needs shuffles."""
    if election.status != ElectionStatus.TALLYING:
        return None
    for question in rank_questions(election):
        qid = question["id"]
        done = MixShuffle.objects.filter(election=election, qid=qid)
        if done.count() >= election.threshold or done.filter(trustee=trustee).exists():
            continue
        position, current = mix_current(election, qid)
        return {"question_id": qid, "position": position, "input": current}
    return None


@transaction.atomic
def trustee_shuffle_post(
    *,
    election: Election,
    question_id: Any,
    position: Any,
    output: Any,
    proof: Any,
    signature: Any,
    acting_user: Any,
) -> None:
    """A trustee's shuffle of a rank question, checked against the previous output, and
    signed by the trustee under their transport key (docs/election-record.md, 9.3): the
    server cannot post a shuffle in a trustee's name."""
    election, trustee = _trustee_for_message(election, acting_user)
    if election.status != ElectionStatus.TALLYING:
        raise ElectionStateRefused()
    question = next((q for q in rank_questions(election) if q["id"] == question_id), None)
    if question is None:
        raise TrusteeMessageInvalid("question_id", "is not a ranked question of the election")
    done = MixShuffle.objects.filter(election=election, qid=question_id)
    if done.count() >= election.threshold or done.filter(trustee=trustee).exists():
        raise ElectionStateRefused()
    expected, current = mix_current(election, question_id)
    if position != expected or isinstance(position, bool):
        raise ElectionStateRefused(f"position {expected} is next")
    _checked(
        mixing.verify_shuffle_step,
        election_context(election),
        question_id,
        expected,
        _ballots_points(current),
        output,
        proof,
        signature,
        trustee.index,
    )
    MixShuffle.objects.create(
        election=election,
        qid=question_id,
        position=expected,
        trustee=trustee,
        output=output,
        proof=proof,
        signature=signature,
    )
    audit_record(
        acting_user=acting_user,
        action="election_trustee_shuffle",
        target=election,
        detail={"trustee": trustee.index, "question": question_id, "position": expected},
    )


def mixed_ballots(election: Election, qid: str) -> list[list[dict]]:
    return mix_current(election, qid)[1]


def decrypt_task(election: Election) -> dict:
    """What each trustee decrypts: the choose questions' tallies and the last shuffle's
    output of each rank question."""
    return {
        "tally": election.encrypted_tally,
        "mixed": {q["id"]: mixed_ballots(election, q["id"]) for q in rank_questions(election)},
    }


def _decryption_checked(election: Election, trustee: ElectionTrustee, payload: Any) -> dict:
    if not isinstance(payload, dict) or set(payload) != {"tally", "mixed"}:
        raise TrusteeMessageInvalid("", "needs exactly tally and mixed")
    context = election_context(election)
    task = decrypt_task(election)
    X_j = context.verification_keys[trustee.index]

    def check(ciphertexts: list[dict], shares: Any, path: str) -> None:
        if not isinstance(shares, list) or len(shares) != len(ciphertexts):
            raise TrusteeMessageInvalid(path, f"needs {len(ciphertexts)} shares")
        for n, (ciphertext, share) in enumerate(zip(ciphertexts, shares, strict=True)):
            _checked(
                tally.verify_partial_decryption,
                context.eid,
                context.fp,
                context.K,
                trustee.index,
                X_j,
                bytes.fromhex(ciphertext["alpha"]),
                share,
                path=f"{path}[{n}]",
            )

    for section in ("tally", "mixed"):
        if not isinstance(payload[section], dict) or set(payload[section]) != set(task[section]):
            raise TrusteeMessageInvalid(section, f"needs the questions {sorted(task[section])}")
    for qid, ciphertexts in task["tally"].items():
        check(ciphertexts, payload["tally"][qid], f"tally.{qid}")
    for qid, ballots in task["mixed"].items():
        rows = payload["mixed"][qid]
        if not isinstance(rows, list) or len(rows) != len(ballots):
            raise TrusteeMessageInvalid(f"mixed.{qid}", f"needs {len(ballots)} ballots")
        for i, ballot in enumerate(ballots):
            check(ballot, rows[i], f"mixed.{qid}[{i}]")
    return {"tally": payload["tally"], "mixed": payload["mixed"]}


@transaction.atomic
def trustee_decrypt_post(*, election: Election, tally: Any, mixed: Any, acting_user: Any) -> None:
    """A trustee's partial decryption of every tally and every mixed ballot, each share
    with its proof. Once `threshold` trustees have decrypted, the result and the record are
    written and the election is published (an absent trustee simply never posts)."""
    election, trustee = _trustee_for_message(election, acting_user)
    if election.status != ElectionStatus.TALLYING or not mixing_done(election):
        raise ElectionStateRefused()
    if PartialDecryption.objects.filter(election=election, trustee=trustee).exists():
        raise ElectionStateRefused()
    payload = _decryption_checked(election, trustee, {"tally": tally, "mixed": mixed})
    PartialDecryption.objects.create(election=election, trustee=trustee, payload=payload)
    audit_record(
        acting_user=acting_user,
        action="election_trustee_decrypt",
        target=election,
        detail={"trustee": trustee.index},
    )
    if PartialDecryption.objects.filter(election=election).count() >= election.threshold:
        _publish(election)


def _publish(election: Election) -> None:
    """Combine the partial decryptions, count the ranked questions by STV, and write the
    result and the whole record (section 10)."""
    context = election_context(election)
    decryptions = list(
        PartialDecryption.objects.filter(election=election)
        .select_related("trustee")
        .order_by("trustee__index")
    )
    counted = CastBallot.objects.filter(election=election, replaced_at__isnull=True).count()
    verified = counted_ballots_verified(election)
    record_tally: dict[str, Any] = {}
    result: dict[str, Any] = {}
    for qid, ciphertexts in (election.encrypted_tally or {}).items():
        shares = {
            d.trustee.index: [bytes.fromhex(s["point"]) for s in d.payload["tally"][qid]]
            for d in decryptions
        }
        pairs = [(bytes.fromhex(c["alpha"]), bytes.fromhex(c["beta"])) for c in ciphertexts]
        counts = tally.combine(election.threshold, shares, pairs, counted)
        record_tally[qid] = {
            "ciphertexts": ciphertexts,
            "decryptions": [
                {"trustee": d.trustee.index, "shares": d.payload["tally"][qid]} for d in decryptions
            ],
            "counts": counts,
        }
        result[qid] = {"counts": counts}
    record_mix: dict[str, Any] = {}
    for question in rank_questions(election):
        qid = question["id"]
        shuffles = [
            {
                "trustee": s.trustee.index,
                "position": s.position,
                "output": s.output,
                "proof": s.proof,
                "signature": s.signature,
            }
            for s in MixShuffle.objects.filter(election=election, qid=qid)
            .select_related("trustee")
            .order_by("position")
        ]
        mixed_decryptions = [
            {"trustee": d.trustee.index, "shares": d.payload["mixed"][qid]} for d in decryptions
        ]
        section = mixing.build_section(context, question, verified, shuffles, mixed_decryptions)
        record_mix[qid] = section
        result[qid] = section["result"]
    now = timezone.now()
    election.result = result
    election.record = record_build(election, record_tally, record_mix, result)
    election.status = ElectionStatus.PUBLISHED
    election.published_at = now
    election.full_clean()
    election.save(update_fields=["result", "record", "status", "published_at"])
    audit_record(acting_user=None, action="election_publish", target=election, detail=result)


def record_build(election: Election, record_tally: dict, record_mix: dict, result: dict) -> dict:
    """The election record (docs/election-record.md, section 10)."""
    trustees = [
        {
            "index": t.index,
            "name": t.user.get_full_name() or f"#{t.index}",
            "transport_key": {"key": t.transport_key, "proof": t.transport_proof},
            "commitments": t.commitments,
            "shares": t.shares,
            "verification_key": t.verification_key,
        }
        for t in election.trustees.select_related("user").order_by("index")
    ]
    ballots = [
        {
            "tracker": b.tracker,
            "cast_at": _utc(b.cast_at),
            "status": "counted" if b.replaced_at is None else "replaced",
            "ballot": b.ballot,
        }
        for b in CastBallot.objects.filter(election=election).order_by("cast_at", "pk")
    ]
    return {
        "format": RECORD_FORMAT,
        "manifest": election.manifest,
        "fingerprint": election.fingerprint,
        "public_key": election.public_key,
        "trustees": trustees,
        "ballots": ballots,
        "tally": record_tally,
        "mix": record_mix,
        "result": result,
    }


# --- Reads for the pages ------------------------------------------------------------------


def trustee_phase(election: Election, trustee: ElectionTrustee) -> str:
    """Where this trustee stands: transport, deal, check, mix, decrypt, wait or done."""
    status = election.status
    if status == ElectionStatus.PUBLISHED:
        return "done"
    if status == ElectionStatus.CEREMONY:
        if trustee.key_posted_at is None:
            return "transport"
        if not _all(election, "key_posted_at"):
            return "wait"
        if trustee.dealt_at is None:
            return "deal"
        if not _all(election, "dealt_at"):
            return "wait"
        if trustee.checked_at is None and trustee.complaint is None:
            return "check"
        return "wait"
    if status == ElectionStatus.TALLYING:
        if mix_task_for(election, trustee) is not None:
            return "mix"
        if mixing_done(election) and not trustee.decryptions.exists():
            return "decrypt"
    return "wait"


def shares_received(election: Election, trustee: ElectionTrustee) -> list[dict]:
    """The shares boxed for this trustee by every trustee, with the sender's commitments."""
    received = []
    for sender in election.trustees.order_by("index"):
        if sender.shares is None:
            continue
        share = sender.shares[trustee.index - 1]
        received.append(
            {
                "from": sender.index,
                "ephemeral": share["ephemeral"],
                "box": share["box"],
                "commitments": [c["point"] for c in sender.commitments],
            }
        )
    return received


def ballots_of(member: Member, election: Election) -> list[CastBallot]:
    return list(CastBallot.objects.filter(election=election, member=member).order_by("cast_at"))
