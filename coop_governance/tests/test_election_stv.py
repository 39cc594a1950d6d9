"""The STV count behind our interface (pyrankvote 2.0.6, with a deterministic last tie-break)."""

from __future__ import annotations

import json

import pytest

from coop_governance.election import stv

A, B, C, D = range(4)
NAMES = ["Ana", "Bo", "Chloe", "Dev"]


def test_a_hand_checked_count_with_a_surplus_transfer_and_an_exclusion():
    """Two seats, thirteen ballots.

    8 x (Ana, Chloe), 3 x (Bo), 2 x (Dev, Bo). Quota = 13 / (2 + 1) = 4.333333; a candidate
    is elected with more votes than the quota.

    Round 1: Ana 8, Bo 3, Chloe 0, Dev 2. Ana exceeds the quota and is elected. Her surplus,
    8 - 4.333333 = 3.666667, is shared equally by her 8 ballots (0.458333 each), all of which
    go on to Chloe: Ana 4.333333, Chloe 3.666667.
    Round 2: Bo 3, Chloe 3.666667, Dev 2; nobody exceeds the quota. One seat is left; Dev is
    excluded (Dev's 2 cannot overtake Bo's 3) and Dev's two ballots go to Bo: Bo 5.
    Round 3: Bo 5 exceeds the quota and is elected; no seat is left, Chloe is excluded.
    Without Dev's transfer Chloe (3.67) would have led Bo (3): the exclusion decided the seat.
    """
    rankings = [[A, C]] * 8 + [[B]] * 3 + [[D, B]] * 2
    result = stv.count_stv(NAMES, 2, rankings)

    assert result.elected == [A, B]
    assert result.quota == "4.333333"
    first, second, third = result.rounds
    assert first["votes"] == ["8", "3", "0", "2"]
    assert first["elected"] == [A] and first["excluded"] == []
    assert first["transfers"]["votes"] == ["-3.666667", "0", "3.666667", "0"]
    assert second["votes"] == ["4.333333", "3", "3.666667", "2"]
    assert second["elected"] == [] and second["excluded"] == [D]
    assert second["transfers"]["votes"] == ["0", "2", "0", "-2"]
    assert third["votes"] == ["4.333333", "5", "3.666667", "0"]
    assert third["elected"] == [B] and third["excluded"] == [C]
    assert third["transfers"] is None
    json.dumps(result.to_json())  # JSON-safe: strings and integers only


def test_exhausted_ballots_and_empty_ballots_are_reported():
    # Chloe's ballots have no further preference: excluding Chloe exhausts them.
    rankings = [[A]] * 5 + [[B]] * 4 + [[C]] * 2 + [[]] * 3
    result = stv.count_stv(NAMES[:3], 1, rankings)
    assert result.ballots == 14 and result.empty == 3
    assert result.quota == "5.5"  # 11 non-empty ballots / 2
    assert result.rounds[0]["excluded"] == [C]
    assert result.rounds[0]["transfers"]["exhausted"] == "2"
    assert result.elected == [A]


def test_a_tie_that_no_preference_breaks_goes_to_the_candidate_listed_first():
    # Ana and Bo: one first preference each and no other preference: a complete tie.
    for _ in range(20):
        result = stv.count_stv(["Ana", "Bo"], 1, [[A], [B]])
        assert result.elected == [A]
        assert result.rounds[0]["excluded"] == [B]
    result = stv.count_stv(["Bo", "Ana"], 1, [[B], [A]])
    assert result.elected == [0]


def test_a_tie_is_first_broken_by_later_preferences():
    # Ana and Bo have 2 first preferences each, the lowest; the one ranked second more often
    # stays. (Quota 10 / 2 = 5: nobody is elected in the first round.)
    rankings = [[A]] * 2 + [[B]] * 2 + [[C, B]] * 3 + [[D, B]] * 3
    assert stv.count_stv(NAMES, 1, rankings).rounds[0]["excluded"] == [A]
    rankings = [[A]] * 2 + [[B]] * 2 + [[C, A]] * 3 + [[D, A]] * 3
    assert stv.count_stv(NAMES, 1, rankings).rounds[0]["excluded"] == [B]


def test_candidates_with_no_vote_are_ordered_deterministically():
    rankings = [[C, A]] * 3 + [[D]] * 2
    results = {json.dumps(stv.count_stv(NAMES, 2, rankings).to_json()) for _ in range(10)}
    assert len(results) == 1


def test_no_more_candidates_than_seats_elects_them_all():
    result = stv.count_stv(["Ana", "Bo"], 2, [[A], [A], [B, A]])
    assert result.elected == [A, B]
    assert result.rounds[0]["votes"] == ["2", "1"]


def test_two_candidates_with_the_same_name_stay_two():
    result = stv.count_stv(["Ana", "Ana"], 1, [[1], [1], [0]])
    assert result.elected == [1]


@pytest.mark.parametrize(
    ("candidates", "seats", "rankings"),
    [
        ([], 1, []),
        (NAMES, 0, []),
        (NAMES, 1, [[A, A]]),
        (NAMES, 1, [[4]]),
        (NAMES, 1, [[-1]]),
    ],
)
def test_invalid_counts_are_refused(candidates, seats, rankings):
    with pytest.raises(ValueError):
        stv.count_stv(candidates, seats, rankings)
