# ruff: noqa: T201 - a command-line tool: what it prints is its answer
"""Check an election record: ``python -m coop_governance.verify RECORD.json``.

Needs only the record and libsodium: no database, no Django (nothing here imports it).
Prints one line per failing check, with the path of the value in the record and the
reason, then a summary and the recomputed result. Exit status: 0 when the record
verifies, 1 when a check fails, 2 when the file cannot be read as JSON (missing, larger
than 200 MB, nested deeper than 32 levels, not UTF-8, not JSON, a key repeated).
docs/election-record.md says what is checked.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from coop_governance.election.record import CHECKS, Report, verify_record

MAX_BYTES = 200 * 1024 * 1024
MAX_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"[\[{][\]}]")


class Unreadable(Exception):
    """The file is not a JSON document this verifier agrees to read."""


def nesting_within(text: str, limit: int) -> bool:
    """True when no array or object of ``text`` is nested deeper than ``limit`` levels.

    Strings and everything but brackets are removed, then the innermost pairs of brackets,
    ``limit`` times: a pair still there was nested deeper. (Unmatched or mismatched
    brackets are left to the JSON parser.) Each pass runs in C.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return True
        brackets = _INNERMOST.sub("", brackets)
    return _INNERMOST.search(brackets) is None


def _unique_keys(pairs):
    out = {}
    for name, value in pairs:
        if name in out:
            raise Unreadable(f"the key {name!r} appears twice in one object")
        out[name] = value
    return out


def _constant(name):
    raise Unreadable(f"{name} is not a JSON number")


def load_record(path: str | Path):
    """The record's JSON, read with limits; :class:`Unreadable` says why not."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise Unreadable(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read the file ({error.strerror})") from None
    if len(data) > MAX_BYTES:
        raise Unreadable(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("the file is not UTF-8 text") from None
    if not nesting_within(text, MAX_DEPTH):
        raise Unreadable(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_constant)
    except (ValueError, RecursionError) as error:
        raise Unreadable(f"the file is not JSON ({error})") from None


def _answer_name(answer) -> str:
    if isinstance(answer, dict):
        for language in ("en", "fr"):
            if isinstance(answer.get(language), str):
                return answer[language]
    return str(answer)


def summary(record: dict, report: Report) -> list[str]:
    """The lines after the verdict: what was counted and the recomputed result."""
    manifest = record["manifest"]
    lines = [
        f"election {manifest['election_id']}: {report.counted} counted ballots, "
        f"{report.replaced} replaced; {manifest['trustees']} trustees, "
        f"{manifest['threshold']} needed to decrypt"
    ]
    for question in manifest["questions"]:
        result = report.result.get(question["id"])
        if result is None:
            continue
        if question["kind"] == "choose":
            counts = ", ".join(
                f"{_answer_name(answer)}: {count}"
                for answer, count in zip(question["answers"], result["counts"], strict=True)
            )
            lines.append(f"  {question['id']}: {counts}")
        else:
            lines.append(f"  {question['id']}: {json.dumps(result, ensure_ascii=False)[:2000]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coop_governance.verify",
        description="Check every proof of an election record and recompute its result.",
    )
    parser.add_argument("record", help="the election record (dossier.json)")
    arguments = parser.parse_args(argv)
    name = arguments.record
    try:
        record = load_record(name)
    except Unreadable as error:
        print(f"{name}: unreadable: {error}", file=sys.stderr)
        return 2
    report = verify_record(record)
    for kind, failure in zip(report.kinds, report.failures, strict=True):
        more = report.more.get(kind)
        extra = f" (and {more} more failure{'s' if more > 1 else ''} of this kind)" if more else ""
        where = failure.path or "(the record)"
        print(f"FAIL [{CHECKS[kind]}] {where}: {failure.reason}{extra}")
    if report.ok:
        print(f"{name}: VERIFIED: every check passed")
    else:
        print(f"{name}: NOT VERIFIED: {len(report.failures)} kind(s) of check failed")
    if report.ok or report.result:
        for line in summary(record, report):
            print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
