"""The single transferable vote, counted by pyrankvote behind our own interface.

pyrankvote 2.0.6 (MIT) does the count: its quota, its surplus transfers and its exclusions
are described in docs/election-record.md, section 9.6. We add two things around it, and
nothing to its arithmetic:

- a deterministic last tie-break. pyrankvote orders candidates with equal votes by how many
  ballots rank each one second among those still in the race, then third, and so on; when
  every level is equal it draws at random. We replace only that draw: the candidate listed
  earlier in the manifest goes first (is elected earlier, excluded later). The count is then
  a function of the rankings alone, so anyone can recount it.
- the case of no more candidates than seats (pyrankvote stops with "Illegal state"): every
  candidate is elected, and the one round shown is the first preferences.

Candidates are named by their index inside pyrankvote, so two candidates with the same name
stay two candidates.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from unittest import mock

from pyrankvote import Ballot, Candidate
from pyrankvote import multiple_seat_ranking_methods as pyrankvote_methods
from pyrankvote.helpers import CandidateStatus, ElectionManager

#: The version whose rules docs/election-record.md describes; a recount must use the same.
PYRANKVOTE_VERSION = "2.0.6"

_count_lock = threading.Lock()


@dataclass
class StvResult:
    """The outcome of a count: who is elected, in order, and the round-by-round table."""

    candidates: list[str]
    seats: int
    ballots: int
    empty: int
    quota: str
    elected: list[int]
    rounds: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "method": f"stv/pyrankvote-{PYRANKVOTE_VERSION}",
            "seats": self.seats,
            "ballots": self.ballots,
            "empty": self.empty,
            "quota": self.quota,
            "elected": list(self.elected),
            "rounds": [dict(r) for r in self.rounds],
        }


def count_stv(candidates: list[str], seats: int, rankings: list[list[int]]) -> StvResult:
    """Count ``rankings`` (0-based candidate indexes, most preferred first) for ``seats``."""
    _check(candidates, seats, rankings)
    empty = sum(1 for ranking in rankings if not ranking)
    quota_value = (len(rankings) - empty) / float(seats + 1)
    people = [_Candidate(i) for i in range(len(candidates))]
    ballots = [Ballot([people[i] for i in ranking]) for ranking in rankings]
    result = StvResult(
        candidates=list(candidates),
        seats=seats,
        ballots=len(rankings),
        empty=empty,
        quota=_amount(quota_value),
        elected=[],
    )
    if seats >= len(candidates):
        firsts = [0] * len(candidates)
        for ranking in rankings:
            if ranking:
                firsts[ranking[0]] += 1
        result.elected = list(range(len(candidates)))
        result.rounds = [
            {
                "round": 1,
                "votes": [str(v) for v in firsts],
                "exhausted": "0",
                "elected": list(range(len(candidates))),
                "excluded": [],
                "transfers": None,
            }
        ]
        return result

    with _count_lock, mock.patch.object(pyrankvote_methods, "ElectionManager", _Manager):
        outcome = pyrankvote_methods.single_transferable_vote(people, ballots, seats)

    tables = []
    for round_ in outcome.rounds:
        votes = [0.0] * len(candidates)
        status = [CandidateStatus.Hopeful] * len(candidates)
        order = []
        for candidate, number, state in round_.candidate_results:
            votes[candidate.index] = number
            status[candidate.index] = state
            if state == CandidateStatus.Elected:
                order.append(candidate.index)
        tables.append((votes, status, order, round_.number_of_blank_votes - empty))
    previous_status = [CandidateStatus.Hopeful] * len(candidates)
    for number, (votes, status, order, exhausted) in enumerate(tables):
        entry = {
            "round": number + 1,
            "votes": [_amount(v) for v in votes],
            "exhausted": _amount(exhausted),
            "elected": [i for i in order if previous_status[i] != CandidateStatus.Elected],
            "excluded": [
                i
                for i in range(len(candidates))
                if status[i] == CandidateStatus.Rejected
                and previous_status[i] != CandidateStatus.Rejected
            ],
            "transfers": None,
        }
        if number + 1 < len(tables):
            after, _, _, exhausted_after = tables[number + 1]
            entry["transfers"] = {
                "votes": [_amount(after[i] - votes[i]) for i in range(len(candidates))],
                "exhausted": _amount(exhausted_after - exhausted),
            }
        result.rounds.append(entry)
        previous_status = status
    result.elected = tables[-1][2]
    return result


class _Candidate(Candidate):
    def __init__(self, index: int):
        super().__init__(str(index))
        self.index = index


class _Manager(ElectionManager):
    """pyrankvote's manager, with the final random tie-break replaced by the manifest order."""

    def _candidate1_has_most_second_choices(self, candidate1_vc, candidate2_vc, x: int) -> bool:
        if x >= self._number_of_candidates:
            return candidate1_vc.candidate.index < candidate2_vc.candidate.index
        return super()._candidate1_has_most_second_choices(candidate1_vc, candidate2_vc, x)


def _check(candidates: list[str], seats: int, rankings: list[list[int]]) -> None:
    if not candidates:
        raise ValueError("an STV count needs at least one candidate")
    if not isinstance(seats, int) or seats < 1:
        raise ValueError("an STV count fills at least one seat")
    for ranking in rankings:
        if len(set(ranking)) != len(ranking):
            raise ValueError("a ranking names each candidate at most once")
        for index in ranking:
            if not isinstance(index, int) or not 0 <= index < len(candidates):
                raise ValueError("a ranking names candidates by their index")


def _amount(value: float) -> str:
    """A number of votes as a decimal string, rounded to 6 places, trailing zeros dropped."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
