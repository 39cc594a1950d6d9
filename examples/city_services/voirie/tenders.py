"""Uniqc's calls for tenders, as anyone may read them (Uniqc's docs/tender-record.md): each
call's public parameters and, once its bids are opened, its opening record, summarised.
HTTP only: no Uniqc code is imported, and nothing here checks the record's cryptography —
`python -m civic.verify_tender` in a Uniqc checkout does (the page and the README say so)."""

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import requests
from django.conf import settings

TIMEOUT = 10
# The record of a large call is a few megabytes; more than this is not read.
RECORD_MAX_BYTES = 20 * 1024 * 1024
OPENED = "opened"


class TenderUnavailable(Exception):
    """Uniqc did not give the call or its record (unreachable, not published, too large)."""


def _base(call_id: UUID) -> str:
    return f"{settings.UNIQC_ISSUER}/ville/appels-d-offres/{call_id}/"


def call_url(call_id: UUID) -> str:
    """The call's public page on Uniqc."""
    return _base(call_id)


def record_url(call_id: UUID) -> str:
    """The opening record, public once the bids are opened (section 8 of the spec)."""
    return _base(call_id) + "dossier.json"


def _get_json(url: str) -> dict[str, Any]:
    try:
        with requests.get(url, timeout=TIMEOUT, stream=True) as response:
            if response.status_code != 200:
                raise TenderUnavailable(f"{response.status_code} {url}")
            body = response.raw.read(RECORD_MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise TenderUnavailable(str(error)) from error
    if len(body) > RECORD_MAX_BYTES:
        raise TenderUnavailable(f"more than {RECORD_MAX_BYTES} bytes at {url}")
    try:
        document = json.loads(body)
    except ValueError as error:
        raise TenderUnavailable(f"not JSON at {url}") from error
    if not isinstance(document, dict):
        raise TenderUnavailable(f"not a JSON object at {url}")
    return document


def call_fetch(call_id: UUID) -> dict[str, Any]:
    """The call's manifest, fingerprint, key and status (public once its key is made)."""
    return _get_json(_base(call_id) + "parametres.json")


def record_fetch(call_id: UUID) -> dict[str, Any]:
    return _get_json(record_url(call_id))


@dataclass(frozen=True)
class Checkpoint:
    position: int
    head: str
    timestamped: bool
    final: bool


@dataclass(frozen=True)
class RecordSummary:
    """What the record says, read as it is: counts and the timestamped heads."""

    fingerprint: str
    officials: int
    threshold: int
    officials_opening: int
    bids: int
    live: int
    opened: list[int]
    unopenable: list[int]
    checkpoints: list[Checkpoint]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def record_summarise(record: dict[str, Any]) -> RecordSummary:
    """Count what the record holds; a value of the wrong type counts as absent."""
    manifest = _dict(record.get("manifest"))
    board = [bid for bid in _list(record.get("board")) if isinstance(bid, dict)]
    opening = _dict(record.get("opening"))
    checkpoints = [
        Checkpoint(
            position=point["position"] if isinstance(point.get("position"), int) else 0,
            head=str(point.get("head", "")),
            timestamped=bool(point.get("tst")),
            final=point.get("final") is True,
        )
        for point in _list(record.get("checkpoints"))
        if isinstance(point, dict)
    ]
    return RecordSummary(
        fingerprint=str(record.get("fingerprint", "")),
        officials=len(_list(record.get("officials"))),
        threshold=manifest.get("threshold", 0) if isinstance(manifest.get("threshold"), int) else 0,
        officials_opening=len(_list(opening.get("shares"))),
        bids=len(board),
        live=sum(1 for bid in board if bid.get("superseded") is False),
        opened=[p for p in _list(opening.get("opened")) if isinstance(p, int)],
        unopenable=[p for p in _list(opening.get("unopenable")) if isinstance(p, int)],
        checkpoints=checkpoints,
    )


@dataclass(frozen=True)
class Call:
    call_id: UUID
    reference: str
    title: str
    deadline: str
    status: str
    url: str
    problem: str = ""

    @property
    def opened(self) -> bool:
        return self.status == OPENED


def calls_list() -> list[Call]:
    """The calls this city follows (CITY_TENDER_CALLS), as Uniqc publishes them now."""
    calls = []
    for call_id in settings.CITY_TENDER_CALLS:
        try:
            found = call_fetch(call_id)
        except TenderUnavailable as error:
            calls.append(Call(call_id, "", "", "", "", call_url(call_id), problem=str(error)))
            continue
        manifest = _dict(found.get("manifest"))
        calls.append(
            Call(
                call_id=call_id,
                reference=str(manifest.get("reference", "")),
                title=str(manifest.get("title", "")),
                deadline=str(manifest.get("deadline", "")),
                status=str(found.get("status", "")),
                url=call_url(call_id),
            )
        )
    return calls
