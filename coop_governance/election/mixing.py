"""The record's "mix" section of a ranked question: shuffles, decryption, rankings, STV result.

docs/election-record.md, section 9, is the specification. The input of the mix is the list
of the counted ballots' rank ciphertexts, in the order of their trackers; at least
``threshold`` trustees, each once, shuffle it in turn (each shuffle's input is the previous
output); at least ``threshold`` trustees decrypt the last output with proofs; the decrypted
values are decoded into rankings and counted by STV.

``ctx`` is the election's context (``record.ElectionContext``: ``eid``, ``fp``, ``K``,
``threshold``, ``verification_keys``, ``transport_keys``); this module only reads those
attributes. Each shuffle must carry its trustee's signature under the trustee's transport
key (section 9.3): the record says who made each shuffle, and the verifier checks it.
"""

from __future__ import annotations

from . import group, shuffle, stv, tally
from .errors import RecordInvalid

STEP_KEYS = {"trustee", "position", "output", "proof", "signature"}


def mix_input(question: dict, verified_ballots) -> list[shuffle.Ballot]:
    """The ranked question's ciphertexts of the counted ballots, sorted by tracker."""
    ordered = sorted(verified_ballots, key=lambda ballot: ballot.tracker)
    return [list(ballot.ranks[question["id"]]) for ballot in ordered]


def verify_shuffle_step(
    ctx,
    qid: str,
    position: int,
    inputs: list[shuffle.Ballot],
    output_json,
    proof_json,
    signature_json,
    trustee: int,
) -> list[shuffle.Ballot]:
    """Check one trustee's shuffle as posted, its signature by ``trustee`` included; return
    its decoded output (the next input).

    Raises :class:`RecordInvalid` with paths ``output[i][k].alpha``, ``proof.<field>`` or
    ``signature``.
    """
    width = len(inputs[0]) if inputs else 0
    outputs = shuffle.decode_ballots(output_json, width, "output")
    shuffle.verify_shuffle(ctx, qid, position, inputs, outputs, proof_json)
    shuffle.verify_signature(
        ctx, qid, position, trustee, inputs, outputs, proof_json, signature_json
    )
    return outputs


def decode_ranking(values: list[int], n: int) -> list[int]:
    """The ranking (0-based candidate indexes) that decrypted rank values encode.

    Values are candidate numbers (index + 1) or 0. The ranks are read in order; the first 0
    ends the ranking, and so does a candidate already ranked (a repetition ends the ballot).
    """
    ranking = []
    for value in values:
        if not isinstance(value, int) or not 0 <= value <= n:
            raise ValueError(f"a rank value is between 0 and {n}")
        if value == 0 or value - 1 in ranking:
            break
        ranking.append(value - 1)
    return ranking


def build_section(ctx, question: dict, counted_ballots, shuffles: list, decryptions: list) -> dict:
    """The mix section, from the trustees' shuffles and decryptions as they posted them.

    Every shuffle and every decryption share is checked; the rankings and the STV result are
    computed from the last output.
    """
    section = {
        "input": shuffle.encode_ballots(mix_input(question, counted_ballots)),
        "shuffles": [dict(step) for step in shuffles],
        "decryptions": [dict(entry) for entry in decryptions],
        "rankings": [],
        "result": None,
    }
    last = _verify_shuffles(ctx, question, counted_ballots, section, "")
    values = _decrypt(ctx, question, last, section["decryptions"], "decryptions")
    n = len(question["answers"])
    rankings = [decode_ranking(row, n) for row in values]
    section["rankings"] = [[index + 1 for index in ranking] for ranking in rankings]
    section["result"] = _count(question, rankings).to_json()
    return section


def verify_question(ctx, question: dict, counted_ballots, section) -> dict:
    """Check a ranked question's mix section; return its result (the STV count's JSON).

    Raises :class:`RecordInvalid` naming the first value that fails, under ``mix.<qid>``.
    """
    prefix = f"mix.{question['id']}"
    if not isinstance(section, dict) or set(section) != {
        "input",
        "shuffles",
        "decryptions",
        "rankings",
        "result",
    }:
        raise RecordInvalid(
            prefix, "must have exactly input, shuffles, decryptions, rankings and result"
        )
    last = _verify_shuffles(ctx, question, counted_ballots, section, f"{prefix}.")
    values = _decrypt(ctx, question, last, section["decryptions"], f"{prefix}.decryptions")
    n = len(question["answers"])
    rankings = [decode_ranking(row, n) for row in values]
    if section["rankings"] != [[index + 1 for index in ranking] for ranking in rankings]:
        raise RecordInvalid(f"{prefix}.rankings", "are not the decrypted rankings")
    result = _count(question, rankings).to_json()
    if section["result"] != result:
        raise RecordInvalid(f"{prefix}.result", "is not the STV count of the rankings")
    return result


def _verify_shuffles(ctx, question, counted_ballots, section, prefix) -> list[shuffle.Ballot]:
    qid = question["id"]
    width = question["ranks"]
    current = mix_input(question, counted_ballots)
    if section["input"] != shuffle.encode_ballots(current):
        raise RecordInvalid(
            f"{prefix}input", "is not the counted ballots' rank ciphertexts by tracker"
        )
    steps = section["shuffles"]
    if not isinstance(steps, list):
        raise RecordInvalid(f"{prefix}shuffles", "must be a list")
    seen = set()
    for position, step in enumerate(steps):
        where = f"{prefix}shuffles[{position}]"
        if not isinstance(step, dict) or set(step) != STEP_KEYS:
            raise RecordInvalid(
                where, "must have exactly trustee, position, output, proof and signature"
            )
        trustee = step["trustee"]
        if type(trustee) is not int or trustee not in ctx.verification_keys:
            raise RecordInvalid(f"{where}.trustee", "is not a trustee of the election")
        if trustee in seen:
            raise RecordInvalid(f"{where}.trustee", "has already shuffled this question")
        seen.add(trustee)
        if step["position"] != position or isinstance(step["position"], bool):
            raise RecordInvalid(f"{where}.position", f"must be {position}")
        outputs = shuffle.decode_ballots(step["output"], width, f"{where}.output")
        shuffle.verify_shuffle(ctx, qid, position, current, outputs, step["proof"], path=where)
        shuffle.verify_signature(
            ctx,
            qid,
            position,
            trustee,
            current,
            outputs,
            step["proof"],
            step["signature"],
            path=where,
        )
        current = outputs
    if len(steps) < ctx.threshold:
        raise RecordInvalid(
            f"{prefix}shuffles", f"{len(steps)} shuffles where {ctx.threshold} are needed"
        )
    return current


def _decrypt(ctx, question, ballots, decryptions, path) -> list[list[int]]:
    """Every share checked; the values combined from the first ``threshold`` trustees."""
    if not isinstance(decryptions, list):
        raise RecordInvalid(path, "must be a list")
    width = question["ranks"]
    shares_by_trustee = {}
    for d, entry in enumerate(decryptions):
        where = f"{path}[{d}]"
        if not isinstance(entry, dict) or set(entry) != {"trustee", "shares"}:
            raise RecordInvalid(where, "must have exactly trustee and shares")
        trustee = entry["trustee"]
        if trustee not in ctx.verification_keys or isinstance(trustee, bool):
            raise RecordInvalid(f"{where}.trustee", "is not a trustee of the election")
        if trustee in shares_by_trustee:
            raise RecordInvalid(f"{where}.trustee", "has already decrypted this question")
        rows = entry["shares"]
        if not isinstance(rows, list) or len(rows) != len(ballots):
            raise RecordInvalid(f"{where}.shares", f"must be a list of {len(ballots)} ballots")
        points = []
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != width:
                raise RecordInvalid(f"{where}.shares[{i}]", f"must be a list of {width} shares")
            points.append(
                [
                    tally.verify_partial_decryption(
                        ctx.eid,
                        ctx.fp,
                        ctx.K,
                        trustee,
                        ctx.verification_keys[trustee],
                        ballots[i][k][0],
                        share,
                        path=f"{where}.shares[{i}][{k}]",
                    )
                    for k, share in enumerate(row)
                ]
            )
        shares_by_trustee[trustee] = points
    if len(shares_by_trustee) < ctx.threshold:
        raise RecordInvalid(
            path, f"{len(shares_by_trustee)} trustees decrypted where {ctx.threshold} are needed"
        )
    chosen = sorted(shares_by_trustee)[: ctx.threshold]
    lambdas = tally.lagrange_at_zero(chosen)
    n = len(question["answers"])
    table = {group.small_multiple(m): m for m in range(n + 1)}
    values = []
    for i, ballot in enumerate(ballots):
        row = []
        for k, (_, beta) in enumerate(ballot):
            point = beta
            for j in chosen:
                point = group.sub(point, group.mul(lambdas[j], shares_by_trustee[j][i][k]))
            if point not in table:
                raise RecordInvalid(
                    f"{path}", f"ballot {i}, rank {k} does not decrypt to a number from 0 to {n}"
                )
            row.append(table[point])
        values.append(row)
    return values


def _count(question: dict, rankings: list[list[int]]) -> stv.StvResult:
    names = [_answer_name(answer) for answer in question["answers"]]
    return stv.count_stv(names, question["seats"], rankings)


def _answer_name(answer) -> str:
    if isinstance(answer, dict):
        return str(answer.get("fr") or answer.get("en") or "")
    return str(answer)
