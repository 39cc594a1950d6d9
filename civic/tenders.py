"""Sealed tenders: a city official creates a call, its officials make the call's key
together (the secret ballot's ceremony), approved representatives of suppliers submit bids
encrypted in their browser, the board chains a receipt to each, the call closes at its
deadline, and t officials open the bids. Every write is here; docs/tender-record.md is the
specification of every value, and the pure cryptography is civic/tender_crypto.py.

The server checks every public value it is sent and keeps nothing it could open alone: a
bid is encrypted to the call's key before it leaves the supplier's computer, and no
official's key share ever reaches the server."""

import base64
import datetime
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import tender_crypto as tc
from civic.models import (
    Bid,
    BoardCheckpoint,
    OpeningShare,
    Supplier,
    SupplierRepresentative,
    TenderCall,
    TenderDocument,
    TenderOfficial,
    TenderRecord,
    TenderStatus,
)
from civic.tender_access import (
    access_supplier_approve,
    access_tender_administer,
    access_tender_bid,
    access_tender_official,
    access_tender_opened_bids,
)
from civic.tender_errors import (
    BidInvalid,
    BidKemReused,
    BidMalformed,
    BidTooLarge,
    CardMissing,
    OfficialMessageInvalid,
    OpeningTooEarly,
    TenderClosed,
    TenderSetupRefused,
    TenderStateRefused,
)
from civic.tender_files import bid_file_erase, bid_file_read, bid_file_write
from civic.tender_locks import tender_call_lock, tender_official_lock
from coop_governance.election import dkg, group, tally
from coop_governance.election.errors import InvalidValue, RecordInvalid
from coop_governance.election.hashing import fingerprint as manifest_fingerprint
from core.jsonin import JsonInputError, json_parse
from identity.audit import audit_record
from identity.models import Card, CardStatus
from identity.signing import tsa

logger = logging.getLogger(__name__)

MAX_OFFICIALS = 9
MAX_DOCUMENTS = 20
MAX_BID_JSON_BYTES = 4 * 1024
MAX_JSON_DEPTH = 8
# The trustee page's decrypt phase is given the bids in this section of "tally".
OPENING_SECTION = "bids"


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


# --- Calls ----------------------------------------------------------------------------------


@transaction.atomic
def tender_call_create(
    *,
    reference: str,
    title: str,
    description: str,
    deadline: datetime.datetime,
    threshold: int,
    officials: list[Any],
    documents: Iterable[tuple[str, Any]] = (),
    acting_user: Any,
) -> TenderCall:
    """A draft call with its documents (each with its SHA-256) and its n officials, numbered
    in the order given; t of them will be needed to open the bids."""
    access_tender_administer(acting_user)
    officials = list(officials)
    if not 1 <= len(officials) <= MAX_OFFICIALS:
        raise TenderSetupRefused(_("A call needs between 1 and 9 officials."))
    if len({o.pk for o in officials}) != len(officials):
        raise TenderSetupRefused(_("Each official can hold only one share of the key."))
    if not 1 <= threshold <= len(officials):
        raise TenderSetupRefused(_("The number of officials needed is between 1 and n."))
    if deadline <= timezone.now():
        raise TenderSetupRefused(_("The deadline must be in the future."))
    for person in officials:
        if not person.is_active or not person.has_perm("civic.add_tendercall"):
            raise TenderSetupRefused(_("Every official must be one of the city’s officials."))
    call = TenderCall(
        reference=reference,
        title=title,
        description=description,
        deadline=deadline.replace(microsecond=0),
        threshold=threshold,
        created_by=acting_user,
    )
    call.full_clean()
    call.save()
    for index, person in enumerate(officials, start=1):
        TenderOfficial.objects.create(call=call, person=person, index=index)
    for n, (doc_title, upload) in enumerate(documents):
        if n >= MAX_DOCUMENTS:
            raise TenderSetupRefused(_("A call has at most 20 documents."))
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        document = TenderDocument(call=call, title=doc_title, sha256=digest.hexdigest())
        document.file.save(upload.name, upload, save=False)
        document.save()
    audit_record(
        acting_user=acting_user,
        action="tender_call_create",
        target=call,
        detail={"reference": reference, "officials": len(officials), "threshold": threshold},
    )
    return call


def tender_manifest_build(call: TenderCall) -> dict:
    """The call's manifest (docs/tender-record.md, section 2)."""
    return {
        "format": tc.MANIFEST_FORMAT,
        "call_id": str(call.public_id),
        "reference": call.reference,
        "title": call.title,
        "description": call.description,
        "documents": [
            {"title": d.title, "sha256": d.sha256} for d in call.documents.order_by("id")
        ],
        "deadline": _utc(call.deadline),
        "group": "ristretto255",
        "officials": call.officials.count(),
        "threshold": call.threshold,
    }


@transaction.atomic
def tender_ceremony_start(*, call: TenderCall, acting_user: Any) -> TenderCall:
    """Freeze the manifest and its fingerprint; the officials may start the key ceremony."""
    access_tender_administer(acting_user)
    call = tender_call_lock(call.pk)
    if call.status != TenderStatus.DRAFT:
        raise TenderStateRefused()
    call.manifest = tender_manifest_build(call)
    tc.manifest_check(call.manifest)
    call.fingerprint = manifest_fingerprint(call.manifest).hex()
    call.status = TenderStatus.KEYGEN
    call.save(update_fields=["manifest", "fingerprint", "status"])
    audit_record(
        acting_user=acting_user,
        action="tender_ceremony_start",
        target=call,
        detail={"fingerprint": call.fingerprint},
    )
    return call


# --- The officials' key ceremony (the ballot's, docs/election-record.md section 6) ----------


def _fp(call: TenderCall) -> bytes:
    return bytes.fromhex(call.fingerprint)


def _checked(check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a check of the pure modules; its refusal becomes a coded 422."""
    try:
        return check(*args, **kwargs)
    except RecordInvalid as error:
        raise OfficialMessageInvalid(error.path, error.reason) from error
    except (InvalidValue, ValueError, TypeError, KeyError) as error:
        raise OfficialMessageInvalid("", str(error)) from error


def _official_for_message(call: TenderCall, user: Any) -> tuple[TenderCall, TenderOfficial]:
    call = tender_call_lock(call.pk)
    official = access_tender_official(user, call)
    return call, tender_official_lock(official.pk)


def _all(call: TenderCall, field: str) -> bool:
    return not call.officials.filter(**{f"{field}__isnull": True}).exists()


def _official_step_save(
    official: TenderOfficial, call: TenderCall, acting_user: Any, action: str
) -> None:
    official.full_clean()
    official.save()
    audit_record(
        acting_user=acting_user, action=action, target=call, detail={"official": official.index}
    )


@transaction.atomic
def official_key_post(*, call: TenderCall, key: Any, proof: Any, acting_user: Any) -> None:
    """An official's transport key, with its proof."""
    call, official = _official_for_message(call, acting_user)
    if call.status != TenderStatus.KEYGEN or official.key_posted_at is not None:
        raise TenderStateRefused()
    _checked(dkg.verify_transport_key, call.eid, _fp(call), official.index, key, proof)
    official.transport_key = key
    official.transport_proof = proof
    official.key_posted_at = timezone.now()
    _official_step_save(official, call, acting_user, "tender_official_key")


def _shares_checked(n: int, shares: Any) -> list[dict]:
    """One boxed share for every official, each to its own index, points and boxes decoded."""
    if not isinstance(shares, list) or len(shares) != n:
        raise OfficialMessageInvalid("shares", f"needs {n} shares")
    clean = []
    for k, share in enumerate(shares):
        where = f"shares[{k}]"
        if not isinstance(share, dict) or set(share) != {"to", "ephemeral", "box"}:
            raise OfficialMessageInvalid(where, "needs exactly to, ephemeral and box")
        if share["to"] != k + 1 or isinstance(share["to"], bool):
            raise OfficialMessageInvalid(f"{where}.to", f"must be {k + 1}")
        _checked(group.decode_point, share["ephemeral"])
        box = share["box"]
        if not isinstance(box, str) or len(box) != 64 or box.strip("0123456789abcdef"):
            raise OfficialMessageInvalid(f"{where}.box", "must be 64 lowercase hex digits")
        clean.append({"to": k + 1, "ephemeral": share["ephemeral"], "box": box})
    return clean


@transaction.atomic
def official_deal_post(*, call: TenderCall, commitments: Any, shares: Any, acting_user: Any):
    """An official's commitments with their proofs and a share boxed for each official,
    once every transport key is in."""
    call, official = _official_for_message(call, acting_user)
    if (
        call.status != TenderStatus.KEYGEN
        or official.dealt_at is not None
        or not _all(call, "key_posted_at")
    ):
        raise TenderStateRefused()
    _checked(
        dkg.verify_commitments, call.eid, _fp(call), official.index, call.threshold, commitments
    )
    official.shares = _shares_checked(call.officials.count(), shares)
    official.commitments = commitments
    official.dealt_at = timezone.now()
    _official_step_save(official, call, acting_user, "tender_official_deal")


def commitment_points(call: TenderCall) -> dict[int, list[bytes]]:
    return {
        o.index: [group.decode_point(c["point"]) for c in o.commitments]
        for o in call.officials.all()
        if o.commitments is not None
    }


@transaction.atomic
def official_check_post(
    *, call: TenderCall, verification_key: Any = None, complaint: Any = None, acting_user: Any
) -> None:
    """An official checked the shares she received: her verification key, or a complaint.
    When every official has checked, the call's key is computed and the call opens."""
    call, official = _official_for_message(call, acting_user)
    if (
        call.status != TenderStatus.KEYGEN
        or official.checked_at is not None
        or not _all(call, "dealt_at")
    ):
        raise TenderStateRefused()
    if complaint is not None:
        if not isinstance(complaint, dict) or not isinstance(complaint.get("from"), int):
            raise OfficialMessageInvalid("complaint", 'needs {"from": <index>, "reason"}')
        official.complaint = {
            "from": complaint["from"],
            "reason": str(complaint.get("reason", ""))[:500],
        }
        official.save(update_fields=["complaint"])
        audit_record(
            acting_user=acting_user,
            action="tender_official_complaint",
            target=call,
            detail={"official": official.index, **official.complaint},
        )
        return
    expected = dkg.verification_key(commitment_points(call), official.index).hex()
    if verification_key != expected:
        raise OfficialMessageInvalid(
            "verification_key", "is not the key the officials' commitments give"
        )
    official.verification_key = expected
    official.checked_at = timezone.now()
    _official_step_save(official, call, acting_user, "tender_official_check")
    if _all(call, "checked_at") and not call.officials.exclude(complaint=None).exists():
        key = dkg.election_key(commitment_points(call))
        if key == group.IDENTITY:
            raise OfficialMessageInvalid("public_key", "the call's key is the identity")
        call.public_key = key.hex()
        call.status = TenderStatus.OPEN
        call.opened_at = timezone.now()
        call.save(update_fields=["public_key", "status", "opened_at"])
        audit_record(
            acting_user=acting_user,
            action="tender_call_open",
            target=call,
            detail={"public_key": call.public_key},
        )


def official_phase(call: TenderCall, official: TenderOfficial) -> str:
    """Where this official stands, in the trustee page's words: transport, deal, check,
    decrypt, wait or done."""
    status = call.status
    if status == TenderStatus.OPENED:
        return "done"
    if status == TenderStatus.KEYGEN:
        if official.key_posted_at is None:
            return "transport"
        if not _all(call, "key_posted_at"):
            return "wait"
        if official.dealt_at is None:
            return "deal"
        if not _all(call, "dealt_at"):
            return "wait"
        if official.checked_at is None and official.complaint is None:
            return "check"
        return "wait"
    if (
        status in (TenderStatus.CLOSED, TenderStatus.OPENING)
        and not OpeningShare.objects.filter(call=call, official=official).exists()
    ):
        return "decrypt"
    return "wait"


def shares_received(call: TenderCall, official: TenderOfficial) -> list[dict]:
    """The shares boxed for this official by every official, with the sender's commitments."""
    received = []
    for sender in call.officials.order_by("index"):
        if sender.shares is None:
            continue
        share = sender.shares[official.index - 1]
        received.append(
            {
                "from": sender.index,
                "ephemeral": share["ephemeral"],
                "box": share["box"],
                "commitments": [c["point"] for c in sender.commitments],
            }
        )
    return received


# --- Suppliers and their representatives ----------------------------------------------------


@transaction.atomic
def supplier_representative_approve(
    *, neq: str, legal_name: str, person: Any, acting_user: Any
) -> SupplierRepresentative:
    """A city official approves `person` to bid for the supplier `neq` (on a mandate
    document the official checked); the supplier is recorded on its first mandate."""
    access_supplier_approve(acting_user)
    supplier = Supplier.objects.filter(neq=neq).first()
    if supplier is None:
        supplier = Supplier(neq=neq, legal_name=legal_name)
        supplier.full_clean()
        supplier.save()
    if SupplierRepresentative.objects.filter(
        supplier=supplier, person=person, revoked_at__isnull=True
    ).exists():
        raise TenderSetupRefused(_("This person already represents this supplier."))
    mandate = SupplierRepresentative.objects.create(
        supplier=supplier, person=person, approved_by=acting_user
    )
    audit_record(
        acting_user=acting_user,
        action="tender_representative_approve",
        target=mandate,
        subject_user=person,
        detail={"neq": neq},
    )
    return mandate


@transaction.atomic
def supplier_representative_revoke(*, mandate: SupplierRepresentative, acting_user: Any) -> None:
    """End a mandate: its holder can no longer bid for the supplier (their bids stay)."""
    access_supplier_approve(acting_user)
    updated = SupplierRepresentative.objects.filter(pk=mandate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(
            acting_user=acting_user,
            action="tender_representative_revoke",
            target=mandate,
            subject_user=mandate.person,
        )


# --- Bids -------------------------------------------------------------------------------------


def head_timestamp(head: bytes) -> bytes:
    """An RFC 3161 token (DER) over the board's head, from the coop's TSA, in-process: the
    token's message imprint is the head's 32 bytes (docs/tender-record.md, section 5)."""
    return tsa.timestamp_token(digest=head)


def bid_parse(body: bytes) -> dict:
    """The bid's JSON (docs/tender-record.md, section 4), read with core.jsonin's limits."""
    try:
        return json_parse(body, max_bytes=MAX_BID_JSON_BYTES, max_depth=MAX_JSON_DEPTH)
    except JsonInputError as error:
        raise BidMalformed() from error


def _board_head(call: TenderCall) -> tuple[int, bytes]:
    last = call.bids.order_by("-position").only("position", "receipt_hash").first()
    if last is None:
        return 0, tc.board_genesis(call.eid, _fp(call))
    return last.position, bytes.fromhex(last.receipt_hash)


def tender_accepts_bids(call: TenderCall) -> bool:
    """Open, and its deadline not reached by the database's clock (the one clock every web
    process shares)."""
    return TenderCall.objects.filter(
        pk=call.pk, status=TenderStatus.OPEN, deadline__gt=Now()
    ).exists()


def bid_submit(
    *,
    call: TenderCall,
    bid: Any,
    ciphertext: bytes,
    user: Any,
    acr: str | None,
    card_id: int | None,
    idempotency_key: str = "",
) -> Bid:
    """Put a sealed bid on the call's board and answer it (its receipt).

    The bid's values are checked and its file sealed and written before any lock; then, with
    the call locked, the deadline is checked against the database's clock, the bid takes the
    next position with its receipt chained to the head, the head is timestamped, and the
    supplier's earlier bid, if any, is marked superseded. A retry with the same idempotency
    key answers the bid it made."""
    if not isinstance(bid, dict) or not isinstance(bid.get("neq"), str):
        raise BidInvalid("neq", "is missing")
    mandate = access_tender_bid(user, bid["neq"], acr)
    card = Card.objects.filter(pk=card_id, user=user, status=CardStatus.ACTIVE).first()
    if card is None:
        raise CardMissing()
    if len(ciphertext) > settings.TENDER_BID_MAX_BYTES:
        raise BidTooLarge()
    if call.status != TenderStatus.OPEN or not call.public_key:
        raise TenderClosed()
    idempotency_key = (idempotency_key or "")[:100]
    if idempotency_key:
        done = Bid.objects.filter(
            call=call, representative=mandate, idempotency_key=idempotency_key
        ).first()
        if done is not None:
            return done
    K = bytes.fromhex(call.public_key)
    try:
        checked = tc.bid_check(
            call.eid, _fp(call), K, mandate.supplier.neq, {**bid, "ciphertext": ciphertext}
        )
    except RecordInvalid as error:
        raise BidInvalid(error.path, error.reason) from error
    if len(ciphertext) < tc.NONCE_BYTES + tc.TAG_BYTES:
        raise BidInvalid("ciphertext", "is shorter than a nonce and a tag")
    name = bid_file_write(call_public_id=str(call.public_id), ciphertext=ciphertext)
    try:
        return _bid_record(
            call=call,
            mandate=mandate,
            card=card,
            checked=checked,
            size=len(ciphertext),
            name=name,
            idempotency_key=idempotency_key,
            user=user,
        )
    except BaseException:
        bid_file_erase(name)
        raise


@transaction.atomic
def _bid_record(
    *,
    call: TenderCall,
    mandate: SupplierRepresentative,
    card: Card,
    checked: tc.CheckedBid,
    size: int,
    name: str,
    idempotency_key: str,
    user: Any,
) -> Bid:
    call = tender_call_lock(call.pk)
    if idempotency_key:
        done = Bid.objects.filter(
            call=call, representative=mandate, idempotency_key=idempotency_key
        ).first()
        if done is not None:
            bid_file_erase(name)
            return done
    if not tender_accepts_bids(call):
        raise TenderClosed()
    R = checked.R.hex()
    if Bid.objects.filter(call=call, kem_point=R).exists():
        raise BidKemReused()
    position, previous = _board_head(call)
    position += 1
    receipt = tc.receipt_hash(call.eid, position, checked.ciphertext_sha256, previous)
    earlier = (
        Bid.objects.select_for_update()
        .filter(call=call, supplier=mandate.supplier, superseded_by__isnull=True)
        .first()
    )
    if earlier is not None:
        # The one-live-bid constraint is checked row by row: the earlier bid points at itself
        # for the moment the new one is inserted, then at the new one.
        Bid.objects.filter(pk=earlier.pk).update(superseded_by=earlier.pk)
    tst = head_timestamp(receipt)
    try:
        with transaction.atomic():
            new = Bid.objects.create(
                call=call,
                supplier=mandate.supplier,
                representative=mandate,
                card=card,
                position=position,
                kem_point=R,
                kem_proof={
                    "c": group.scalar_hex(checked.proof[0]),
                    "z": group.scalar_hex(checked.proof[1]),
                },
                blob_name=name,
                ciphertext_sha256=checked.ciphertext_sha256.hex(),
                size=size,
                signature_cms=b"",
                receipt_hash=receipt.hex(),
                previous_hash=previous.hex(),
                received_at=timezone.now(),
                tst=tst,
                idempotency_key=idempotency_key,
            )
    except IntegrityError as error:
        raise BidKemReused() from error
    if earlier is not None:
        Bid.objects.filter(pk=earlier.pk).update(superseded_by=new.pk)
    BoardCheckpoint.objects.create(call=call, position=position, head=receipt.hex(), tst=tst)
    audit_record(
        acting_user=user,
        action="tender_bid_submit",
        target=call,
        detail={
            "position": position,
            "neq": mandate.supplier.neq,
            "supersedes": earlier.position if earlier else None,
        },
    )
    return new


def bid_receipt(bid: Bid) -> dict:
    """What the supplier keeps: the bid's place on the board and its receipt."""
    earlier = Bid.objects.filter(superseded_by=bid).values_list("position", flat=True).first()
    return {
        "call_id": bid.call.eid,
        "position": bid.position,
        "ciphertext_sha256": bid.ciphertext_sha256,
        "previous_hash": bid.previous_hash,
        "receipt_hash": bid.receipt_hash,
        "received_at": _utc(bid.received_at),
        "tst": _b64(bid.tst),
        "supersedes": earlier,
    }


# --- Closing and opening ----------------------------------------------------------------------


def tender_calls_due() -> list[int]:
    """Open calls whose deadline has passed, by the database's clock."""
    return list(
        TenderCall.objects.filter(status=TenderStatus.OPEN, deadline__lte=Now()).values_list(
            "pk", flat=True
        )
    )


def _deadline_passed(call: TenderCall, at: datetime.datetime | None) -> bool:
    """By the database's clock (the one bids are refused by), or at `at` (demo data, which
    moves the clock forward as the election demo does)."""
    if at is not None:
        return call.deadline <= at
    return TenderCall.objects.filter(pk=call.pk, deadline__lte=Now()).exists()


@transaction.atomic
def tender_call_close(*, call_id: int, at: datetime.datetime | None = None) -> bool:
    """Close a call whose deadline passed and timestamp the board's final head. Idempotent."""
    call = tender_call_lock(call_id)
    if call.status != TenderStatus.OPEN:
        return False
    if not _deadline_passed(call, at):
        return False
    position, head = _board_head(call)
    BoardCheckpoint.objects.create(
        call=call, position=position, head=head.hex(), tst=head_timestamp(head), is_final=True
    )
    call.status = TenderStatus.CLOSED
    call.closed_at = timezone.now()
    call.save(update_fields=["status", "closed_at"])
    audit_record(
        acting_user=None, action="tender_call_close", target=call, detail={"bids": position}
    )
    return True


def tender_calls_sweep() -> int:
    """Close every call whose deadline passed (the beat task, every minute)."""
    return sum(tender_call_close(call_id=pk) for pk in tender_calls_due())


def live_bids(call: TenderCall) -> list[Bid]:
    """The bids that count (each supplier's last), in board order."""
    return list(call.bids.filter(superseded_by__isnull=True).order_by("position"))


def opening_task(call: TenderCall) -> dict:
    """The trustee page's decrypt phase: the live bids' R as ciphertexts (R, identity)."""
    identity = group.IDENTITY.hex()
    return {
        "tally": {
            OPENING_SECTION: [{"alpha": b.kem_point, "beta": identity} for b in live_bids(call)]
        },
        "mixed": {},
    }


def _verification_key(call: TenderCall, official: TenderOfficial) -> bytes:
    return bytes.fromhex(official.verification_key)


def _opening_checked(call: TenderCall, official: TenderOfficial, tally_in: Any, mixed: Any):
    if not isinstance(tally_in, dict) or set(tally_in) != {OPENING_SECTION} or mixed != {}:
        raise OfficialMessageInvalid("", f'needs exactly {{"tally": {{"{OPENING_SECTION}"}}}}')
    bids = live_bids(call)
    shares = tally_in[OPENING_SECTION]
    if not isinstance(shares, list) or len(shares) != len(bids):
        raise OfficialMessageInvalid(f"tally.{OPENING_SECTION}", f"needs {len(bids)} shares")
    K = bytes.fromhex(call.public_key)
    X_j = _verification_key(call, official)
    clean = []
    for n, (bid, share) in enumerate(zip(bids, shares, strict=True)):
        _checked(
            tally.verify_partial_decryption,
            call.eid,
            _fp(call),
            K,
            official.index,
            X_j,
            bytes.fromhex(bid.kem_point),
            share,
            path=f"tally.{OPENING_SECTION}[{n}]",
        )
        clean.append({"point": share["point"], "proof": share["proof"]})
    return clean


@transaction.atomic
def official_opening_post(
    *,
    call: TenderCall,
    tally: Any,
    mixed: Any,
    acting_user: Any,
    at: datetime.datetime | None = None,
) -> None:
    """An official's shares D_j = x_j·R of every live bid, each with its proof, kept once
    verified. Refused before the deadline (by the database's clock; `at` for demo data) and
    before the call is closed. With t officials' shares, the bids are opened and the record
    published."""
    call, official = _official_for_message(call, acting_user)
    if not _deadline_passed(call, at):
        raise OpeningTooEarly()
    if call.status not in (TenderStatus.CLOSED, TenderStatus.OPENING):
        raise TenderStateRefused()
    if OpeningShare.objects.filter(call=call, official=official).exists():
        raise TenderStateRefused()
    shares = _opening_checked(call, official, tally, mixed)
    OpeningShare.objects.create(call=call, official=official, shares=shares)
    if call.status == TenderStatus.CLOSED:
        call.status = TenderStatus.OPENING
        call.save(update_fields=["status"])
    audit_record(
        acting_user=acting_user,
        action="tender_official_opening",
        target=call,
        detail={"official": official.index},
    )
    if OpeningShare.objects.filter(call=call).count() >= call.threshold:
        _open(call)


def _shared_points(call: TenderCall) -> list[bytes]:
    """x·R for each live bid, from the first t officials' shares."""
    rows = {
        s.official.index: [bytes.fromhex(d["point"]) for d in s.shares]
        for s in OpeningShare.objects.filter(call=call).select_related("official")
    }
    return [
        tc.shared_point(call.threshold, {j: points[k] for j, points in rows.items()})
        for k in range(len(live_bids(call)))
    ]


def _bid_opened(call: TenderCall, bid: Bid, shared: bytes) -> bytes:
    ciphertext = bid_file_read(call_public_id=str(call.public_id), name=bid.blob_name)
    return tc.bid_open(
        call.eid,
        _fp(call),
        bytes.fromhex(call.public_key),
        {"neq": bid.supplier.neq, "kem_point": bid.kem_point, "ciphertext": ciphertext},
        shared,
    )


def _open(call: TenderCall) -> None:
    """Open every live bid with the interpolated points, note those that do not open, and
    publish the record (docs/tender-record.md, section 8)."""
    opened, unopenable = [], []
    bids = live_bids(call)
    for bid, shared in zip(bids, _shared_points(call), strict=True):
        try:
            _bid_opened(call, bid, shared)
            opened.append(bid.position)
        except tc.BidUnopenable:
            unopenable.append(bid.position)
    record = tender_record_build(call, opened=opened, unopenable=unopenable)
    TenderRecord.objects.create(call=call, record=record)
    call.status = TenderStatus.OPENED
    call.save(update_fields=["status"])
    audit_record(
        acting_user=None,
        action="tender_call_opened",
        target=call,
        detail={"opened": opened, "unopenable": unopenable},
    )


def tender_record_build(call: TenderCall, *, opened: list[int], unopenable: list[int]) -> dict:
    officials = call.officials.select_related("person").order_by("index")
    bids = call.bids.select_related("supplier").order_by("position")
    return {
        "format": tc.RECORD_FORMAT,
        "manifest": call.manifest,
        "fingerprint": call.fingerprint,
        "public_key": call.public_key,
        "officials": [
            {
                "index": o.index,
                "name": o.person.get_full_name() or f"{o.index}",
                "transport_key": {"key": o.transport_key, "proof": o.transport_proof},
                "commitments": o.commitments,
                "shares": o.shares,
                "verification_key": o.verification_key,
            }
            for o in officials
        ],
        "board": [
            {
                "position": b.position,
                "received_at": _utc(b.received_at),
                "neq": b.supplier.neq,
                "kem_point": b.kem_point,
                "kem_proof": b.kem_proof,
                "ciphertext_sha256": b.ciphertext_sha256,
                "size": b.size,
                "previous_hash": b.previous_hash,
                "receipt_hash": b.receipt_hash,
                "tst": _b64(b.tst),
                "signature_cms": _b64(b.signature_cms),
                "superseded": b.superseded_by_id is not None,
            }
            for b in bids
        ],
        "checkpoints": [
            {"position": c.position, "head": c.head, "tst": _b64(c.tst), "final": c.is_final}
            for c in call.checkpoints.order_by("position", "id")
        ],
        "opening": {
            "shares": [
                {"official": s.official.index, "shares": s.shares}
                for s in OpeningShare.objects.filter(call=call)
                .select_related("official")
                .order_by("official__index")
            ],
            "opened": opened,
            "unopenable": unopenable,
        },
    }


def bid_contents(*, call: TenderCall, bid: Bid, acting_user: Any) -> bytes:
    """An opened bid's file, for the call's officials; every reading is audited."""
    access_tender_opened_bids(acting_user, call)
    if bid.call_id != call.pk or bid.superseded_by_id is not None:
        raise TenderStateRefused()
    bids = live_bids(call)
    index = [b.pk for b in bids].index(bid.pk)
    contents = _bid_opened(call, bid, _shared_points(call)[index])
    with transaction.atomic():
        audit_record(
            acting_user=acting_user,
            action="tender_bid_read",
            target=call,
            detail={"position": bid.position},
        )
    return contents
