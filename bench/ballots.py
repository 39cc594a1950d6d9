"""Verifying ballots and tallying an election, beside one bare ristretto255 scalar
multiplication measured in the same run. One core; no database, no Django.

Printed:
- the baseline: group.mul (one scalar multiplication through libsodium), and for
  reference group.mul_base and group.add;
- verify_ballot for a question "choose 1 of 2" and one "choose 1 of 5" (the ballot's every
  value decoded, every proof checked, its tracker computed): the median time per ballot
  over BENCH_BALLOTS_SAMPLE ballots, and the same in scalar multiplications;
- a full tally of --ballots N two-answer ballots (default 100,000): the record's
  verify_record, which verifies every ballot, its tracker, that no ciphertext is cast
  twice, sums the tally, checks the trustees' keys and the partial decryptions, and finds
  the counts. The ballots are made beforehand (not timed) by BENCH_WORKERS processes.

Goals (issue 14): <= 2 ms per 2-answer ballot, <= 5 ms per 5-answer ballot, 100,000 ballots
verified and tallied in under 5 minutes. Never fails on speed.

    python -m bench.ballots [--ballots N]
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.timing import rate  # noqa: E402
from coop_governance.election import ballots, elgamal, group, tally, testing  # noqa: E402
from coop_governance.election.hashing import fingerprint  # noqa: E402
from coop_governance.election.record import verify_record  # noqa: E402

SAMPLE = int(os.environ.get("BENCH_BALLOTS_SAMPLE", "300"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def election(answers: int):
    manifest = testing.manifest_for(
        [testing.choose("q", [f"Answer {i + 1}" for i in range(answers)])]
    )
    fp = fingerprint(manifest)
    trustees, messages, K = testing.run_ceremony(manifest, fp)
    return manifest, fp, trustees, messages, K


def per_ballot(answers: int) -> float:
    """Median seconds of verify_ballot over SAMPLE ballots of one 'choose 1 of n' question."""
    manifest, fp, _, _, K = election(answers)
    cast = [ballots.encrypt_ballot(manifest, fp, K, [[v % answers]])[0] for v in range(SAMPLE)]
    times = []
    for ballot in cast:
        start = time.perf_counter()
        ballots.verify_ballot(manifest, fp, K, ballot)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _encrypt_chunk(arguments):
    manifest, fp, K, start, stop = arguments
    return [ballots.encrypt_ballot(manifest, fp, K, [[v % 2]])[0] for v in range(start, stop)]


def full_record(count: int) -> dict:
    """A record of ``count`` two-answer ballots, with the trustees' decryptions."""
    manifest, fp, trustees, messages, K = election(2)
    chunks = [(manifest, fp, K, s, min(s + 2000, count)) for s in range(0, count, 2000)]
    with multiprocessing.Pool(WORKERS) as pool:
        cast = [b for chunk in pool.imap(_encrypt_chunk, chunks) for b in chunk]
    entries, sums = [], [elgamal.ZERO, elgamal.ZERO]
    for n, ballot in enumerate(cast):
        entries.append(
            {
                "tracker": ballots.tracker(manifest, fp, ballot),
                "cast_at": f"2027-03-02T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
                "status": "counted",
                "ballot": ballot,
            }
        )
        for i, selection in enumerate(ballot["answers"][0]["selections"]):
            ciphertext = (bytes.fromhex(selection["alpha"]), bytes.fromhex(selection["beta"]))
            sums[i] = elgamal.add(sums[i], ciphertext)
    decryptions = [
        {"trustee": keys.index, "shares": keys.partial_decrypt(K, sums)} for keys in trustees[:2]
    ]
    shares = {d["trustee"]: [bytes.fromhex(s["point"]) for s in d["shares"]] for d in decryptions}
    counts = tally.combine(2, shares, sums, count)
    return {
        "format": "uniqc-election-record/v1",
        "manifest": manifest,
        "fingerprint": fp.hex(),
        "public_key": K.hex(),
        "trustees": [
            {
                "index": keys.index,
                "name": f"Trustee {keys.index}",
                "transport_key": messages["transport"][keys.index],
                "commitments": messages["deals"][keys.index]["commitments"],
                "shares": messages["deals"][keys.index]["shares"],
                "verification_key": messages["verification"][keys.index],
            }
            for keys in trustees
        ],
        "ballots": entries,
        "tally": {
            "q": {
                "ciphertexts": [elgamal.to_json(c) for c in sums],
                "decryptions": decryptions,
                "counts": counts,
            }
        },
        "mix": {},
        "result": {"q": {"counts": counts}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    arguments = parser.parse_args()

    point, s = group.mul_base(12345), group.random_scalar()
    mul_us = 1e6 / rate(lambda: group.mul(s, point))
    print(f"baseline  group.mul (one scalar multiplication): {mul_us:7.1f} us")
    base_us = 1e6 / rate(lambda: group.mul_base(s))
    add_us = 1e6 / rate(lambda: group.add(point, point))
    print(f"          group.mul_base:                         {base_us:7.1f} us")
    print(f"          group.add:                              {add_us:7.1f} us")
    for answers, goal in ((2, 2.0), (5, 5.0)):
        seconds = per_ballot(answers)
        print(
            f"verify_ballot, choose 1 of {answers}: {seconds * 1e3:6.2f} ms per ballot "
            f"(= {seconds * 1e6 / mul_us:5.1f} x group.mul; goal <= {goal:.0f} ms; "
            f"median of {SAMPLE})"
        )

    start = time.perf_counter()
    record = full_record(arguments.ballots)
    made = time.perf_counter() - start
    print(
        f"made {arguments.ballots} ballots and their record in {made:.0f} s "
        f"({WORKERS} processes; not part of the time below)"
    )
    start = time.perf_counter()
    report = verify_record(record)
    seconds = time.perf_counter() - start
    print(
        f"verify_record, {arguments.ballots} two-answer ballots verified and tallied: "
        f"{seconds:.1f} s ({seconds / arguments.ballots * 1e3:.2f} ms per ballot; goal < 300 s); "
        f"ok={report.ok}, counts={report.result.get('q', {}).get('counts')}"
    )
    if not report.ok:
        for failure in report.failures:
            print(f"  FAIL {failure}")


if __name__ == "__main__":
    main()
