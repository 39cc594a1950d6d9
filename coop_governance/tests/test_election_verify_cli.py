"""`python -m coop_governance.verify RECORD.json`, run as a program: its exit status, its
messages, its limits, and that it imports nothing from Django."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coop_governance import verify
from coop_governance.election import group, testing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def record():
    manifest = testing.manifest_for([testing.choose("q1", ["Pour", "Contre"])])
    votes = [[[0]], [[1]], [[0]], [[0]]]
    return testing.simulate_election(manifest, 3, 2, votes, absent={3}, revoters={1: [[0]]}).record


def _run(path, *options):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, *options, "-m", "coop_governance.verify", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )


def test_a_valid_record_verifies(record, tmp_path):
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    done = _run(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{path}: VERIFIED" in done.stdout
    assert "4 counted ballots, 1 replaced" in done.stdout
    assert "q1: Pour: 3, Contre: 1" in done.stdout


def test_an_altered_record_fails_with_the_path_and_the_reason(record, tmp_path):
    altered = copy.deepcopy(record)
    altered["ballots"][2]["ballot"]["answers"][0]["selections"][1]["beta"] = group.mul_base(
        group.random_scalar()
    ).hex()
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(altered), encoding="utf-8")
    done = _run(path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "FAIL [the ballots] ballots[2].ballot.answers[0].selections[1].proof: "
        "does not prove a selection of 0 or 1"
    )
    assert f"{path}: NOT VERIFIED" in done.stdout


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not JSON"),
        (b'{"a": [1, 2}', "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 40 + b"]" * 40, "nested deeper than 32"),
        (b'{"a": 1, "a": 2}', "appears twice"),
        (b'{"a": NaN}', "not a JSON number"),
    ],
)
def test_a_file_that_is_not_a_json_record_is_unreadable(tmp_path, content, reason):
    path = tmp_path / "dossier.json"
    path.write_bytes(content)
    done = _run(path)
    assert done.returncode == 2
    assert reason in done.stderr


def test_a_missing_file_is_unreadable(tmp_path):
    done = _run(tmp_path / "absent.json")
    assert done.returncode == 2
    assert "cannot read the file" in done.stderr


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "dossier.json"
    path.write_text("{}" + " " * 100)
    monkeypatch.setattr(verify, "MAX_BYTES", 50)
    with pytest.raises(verify.Unreadable, match="larger than"):
        verify.load_record(path)


def test_nesting_is_measured_outside_strings():
    assert verify.nesting_within('{"a": "[[[[[[[[[["}', 2)
    assert verify.nesting_within("[[[]]]", 3)
    assert not verify.nesting_within("[[[[]]]]", 3)
    assert verify.nesting_within("[}", 3)  # left to the parser, which refuses it
    assert verify.nesting_within("{[", 1)


def test_the_verifier_imports_nothing_from_django(record, tmp_path):
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    done = _run(path, "-X", "importtime")
    assert done.returncode == 0
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "coop_governance.election.record" in imported
    assert not [name for name in imported if name.split(".")[0] == "django"]
