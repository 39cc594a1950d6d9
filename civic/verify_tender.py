# ruff: noqa: T201 - a command-line tool: what it prints is its answer
"""Check a call's opening record: ``python -m civic.verify_tender RECORD.json``.

Needs only the record, libsodium and the ``cryptography`` and ``asn1crypto`` packages: no
database, no Django. ``--ciphertexts DIR`` (files named ``<position>.bin``, the bids'
ciphertexts, which the record does not hold) also opens every live bid again. Exit status: 0
when the record verifies, 1 when a check fails, 2 when the file cannot be read (the same
limits as the election verifier). docs/tender-record.md says what is checked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from civic.tender_crypto import CHECKS, verify_tender_record
from coop_governance.verify import Unreadable, load_record


def ciphertexts_read(directory: str) -> dict[int, bytes]:
    """The bids' ciphertexts by board position, from ``<position>.bin`` files."""
    out = {}
    for path in Path(directory).glob("*.bin"):
        if path.stem.isdigit():
            out[int(path.stem)] = path.read_bytes()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m civic.verify_tender",
        description="Check every hash, proof and share of a call for tenders' opening record.",
    )
    parser.add_argument("record", help="the opening record (dossier.json)")
    parser.add_argument("--ciphertexts", help="a folder of <position>.bin ciphertexts")
    arguments = parser.parse_args(argv)
    name = arguments.record
    try:
        record = load_record(name)
        ciphertexts = ciphertexts_read(arguments.ciphertexts) if arguments.ciphertexts else None
    except Unreadable as error:
        print(f"{name}: unreadable: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{arguments.ciphertexts}: unreadable: {error.strerror}", file=sys.stderr)
        return 2
    report = verify_tender_record(record, ciphertexts=ciphertexts)
    for kind, failure in zip(report.kinds, report.failures, strict=True):
        more = report.more.get(kind)
        extra = f" (and {more} more failure{'s' if more > 1 else ''} of this kind)" if more else ""
        print(f"FAIL [{CHECKS[kind]}] {failure.path or '(the record)'}: {failure.reason}{extra}")
    if report.ok:
        print(f"{name}: VERIFIED: every check passed")
    else:
        print(f"{name}: NOT VERIFIED: {len(report.failures)} kind(s) of check failed")
    print(
        f"{report.bids} bids on the board, {report.live} live; "
        f"{report.officials_opening} officials gave shares"
    )
    if report.ok:
        print(f"opened: {report.opened or 'none'}; did not open: {report.unopenable or 'none'}")
        if ciphertexts is None:
            print("(the ciphertexts were not given: the openings were not recomputed)")
    if report.untimestamped:
        print(f"{report.untimestamped} hashes carry no timestamp token")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
