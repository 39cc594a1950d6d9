"""A whole simulated election and its record: the tally matches the votes, the record
verifies, and altering any single published value makes it fail (section 11 of
docs/election-record.md), except the values that section names as informational.
"""

import copy
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop_governance.election import group, testing
from coop_governance.election.record import verify_record

#: Values the record publishes for people, not for the proof (section 11): changing them
#: cannot make the record fail. The share boxes can be opened only by their recipient.
INFORMATIONAL = {
    ("trustees", "*", "name"),
    ("ballots", "*", "cast_at"),
    ("trustees", "*", "shares", "*", "ephemeral"),
    ("trustees", "*", "shares", "*", "box"),
}


def _questions():
    return [
        testing.choose("q1", ["Pour", "Contre"]),
        testing.choose("q2", ["Ana", "Bo", "Chloé"], 0, 2, text="Comité"),
    ]


def _votes(count, seed):
    rnd = random.Random(seed)
    return [
        [[rnd.randrange(2)], sorted(rnd.sample(range(3), rnd.randrange(3)))] for _ in range(count)
    ]


@pytest.fixture(scope="module")
def election():
    """3 trustees, 2 needed, trustee 3 absent at the decryption; 50 voters, 4 re-voting."""
    manifest = testing.manifest_for(_questions())
    votes = _votes(50, seed=14)
    revoters = {3: [[0], [1]], 10: [[1], []], 27: [[0], [0, 2]], 49: [[1], [2]]}
    simulation = testing.simulate_election(manifest, 3, 2, votes, absent={3}, revoters=revoters)
    return simulation, votes


@pytest.fixture(scope="module")
def small():
    """The same election with 5 voters, 2 of them re-voting: for the loop over every value."""
    manifest = testing.manifest_for(_questions())
    simulation = testing.simulate_election(
        manifest, 3, 2, _votes(5, seed=1), absent={3}, revoters={0: [[1], [2]], 3: [[0], []]}
    )
    return simulation.record


@pytest.fixture(scope="module")
def small_ranked():
    """A ranked question (3 candidates, 1 seat, 2 ranks), 4 voters, one re-voting: two
    shuffles, their signatures, the decryptions, the rankings and the STV count."""
    manifest = testing.manifest_for([testing.rank("q3", ["Ana", "Bo", "Chloé"], seats=1, ranks=2)])
    votes = [[[0, 1]], [[1]], [[2, 0]], [[1, 2]]]
    simulation = testing.simulate_election(manifest, 3, 2, votes, absent={3}, revoters={1: [[0]]})
    return simulation.record


def _leaves(value, path=()):
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, (*path, name))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _leaves(item, (*path, n))
    else:
        yield path, value


def _altered(value, rnd):
    """Another value of the same type: another valid point, scalar or hex, string, number."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        if group.is_point(bytes.fromhex(value)):
            return group.mul_base(group.random_scalar()).hex()
        return group.scalar_hex(group.random_scalar())
    return value + rnd.choice(["x", " ", "é"])


def _informational(path):
    pattern = tuple("*" if isinstance(step, int) else step for step in path)
    return pattern in INFORMATIONAL


def _with(record, path, value):
    changed = copy.deepcopy(record)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def test_the_tally_matches_the_votes_and_the_record_verifies(election):
    simulation, votes = election
    record = simulation.record
    assert simulation.expected == {
        "q1": [sum(v[0] == [i] for v in votes) for i in range(2)],
        "q2": [sum(i in v[1] for v in votes) for i in range(3)],
    }
    assert record["tally"]["q1"]["counts"] == simulation.expected["q1"]
    assert record["tally"]["q2"]["counts"] == simulation.expected["q2"]
    assert [d["trustee"] for d in record["tally"]["q1"]["decryptions"]] == [1, 2]
    statuses = [entry["status"] for entry in record["ballots"]]
    assert statuses.count("replaced") == 4
    assert statuses.count("counted") == 50

    report = verify_record(record)

    assert report.ok, report.failures
    assert report.result == {
        "q1": {"counts": simulation.expected["q1"]},
        "q2": {"counts": simulation.expected["q2"]},
    }
    assert (report.counted, report.replaced) == (50, 4)


def test_the_result_from_trustees_1_and_3_is_the_same(election):
    simulation, _ = election
    manifest = simulation.manifest
    votes = _votes(8, seed=3)
    other = testing.simulate_election(manifest, 3, 2, votes, absent={2})
    report = verify_record(other.record)
    assert report.ok, report.failures
    assert report.result["q1"]["counts"] == other.expected["q1"]


def test_a_dropped_counted_ballot_is_found(election):
    simulation, _ = election
    record = copy.deepcopy(simulation.record)
    del record["ballots"][10]
    report = verify_record(record)
    assert not report.ok
    assert report.kinds[0] == "tally"
    assert report.failures[0].path == "tally.q1.ciphertexts[0]" or report.failures[
        0
    ].path.startswith("tally.q1.ciphertexts")


def test_a_ballot_cast_twice_is_found(election):
    simulation, _ = election
    record = copy.deepcopy(simulation.record)
    record["ballots"].append(copy.deepcopy(record["ballots"][7]))
    report = verify_record(record)
    assert "duplicates" in report.kinds
    failure = report.failures[report.kinds.index("duplicates")]
    assert failure.path == f"ballots[{len(record['ballots']) - 1}].ballot"
    assert "already cast by ballots[7]" in failure.reason


def test_a_replaced_ballot_counted_is_found(election):
    simulation, _ = election
    record = copy.deepcopy(simulation.record)
    replaced = next(n for n, b in enumerate(record["ballots"]) if b["status"] == "replaced")
    record["ballots"][replaced]["status"] = "counted"
    report = verify_record(record)
    assert report.kinds[0] == "tally"


def test_fewer_decryptions_than_the_threshold_fail(election):
    simulation, _ = election
    record = copy.deepcopy(simulation.record)
    del record["tally"]["q2"]["decryptions"][1]
    report = verify_record(record)
    assert report.kinds == ["decryptions"]
    assert report.failures[0].path == "tally.q2.decryptions"
    assert report.result["q1"] == {"counts": simulation.expected["q1"]}


def test_every_kind_of_failure_is_reported_once_with_a_count_of_the_others(election):
    simulation, _ = election
    record = copy.deepcopy(simulation.record)
    for n in (4, 9, 30):
        selection = record["ballots"][n]["ballot"]["answers"][1]["selections"][0]
        selection["proof"][0]["z"] = group.scalar_hex(group.random_scalar())
    record["result"]["q2"]["counts"][0] += 1
    report = verify_record(record)
    assert report.kinds == ["ballots", "result"]
    assert report.failures[0].path == "ballots[4].ballot.answers[1].selections[0].proof"
    assert report.more == {"ballots": 2}
    assert report.failures[1].path == "result.q2"


def test_every_published_value_altered_alone_makes_the_record_fail(small):
    """The loop over every value: each leaf of the record changed to another value of the
    same type (another valid point, scalar, string, number). A 5-voter record keeps the
    loop to a few hundred verifications; the checks are the same for 50."""
    assert verify_record(small).ok
    rnd = random.Random(5)
    leaves = list(_leaves(small))
    checked = informational = 0
    for path, value in leaves:
        report = verify_record(_with(small, path, _altered(value, rnd)))
        if _informational(path):
            assert report.ok, (path, report.failures)
            informational += 1
        else:
            assert not report.ok, f"altering {path} went unnoticed"
            checked += 1
    assert checked > 300
    assert informational == 3 + 7 + 2 * 9


def test_every_published_value_of_a_ranked_question_altered_alone_makes_the_record_fail(
    small_ranked,
):
    """The same loop on a ranked question: the mix input's ballots, each shuffle's output,
    proof and signature, every decryption share, the rankings and the STV rounds."""
    assert verify_record(small_ranked).ok
    assert len(small_ranked["mix"]["q3"]["shuffles"]) == 2
    rnd = random.Random(7)
    checked = 0
    for path, value in _leaves(small_ranked):
        report = verify_record(_with(small_ranked, path, _altered(value, rnd)))
        if _informational(path):
            assert report.ok, (path, report.failures)
        else:
            assert not report.ok, f"altering {path} went unnoticed"
            checked += 1
    assert checked > 300


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_record_of_the_wrong_shape_fails_with_a_path_never_a_crash(small, data):
    nodes = [path for path, _ in _nodes(small) if path]
    path = data.draw(st.sampled_from(nodes))
    value = data.draw(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
            lambda c: st.lists(c, max_size=2) | st.dictionaries(st.text(max_size=4), c, max_size=2),
            max_leaves=4,
        )
    )
    report = verify_record(_with(small, path, value))
    if not _informational(path) and value != dict(_nodes(small))[path]:
        assert not report.ok
    assert all(isinstance(f.path, str) and f.reason for f in report.failures)


def _nodes(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _nodes(item, (*path, name))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _nodes(item, (*path, n))


@pytest.mark.parametrize("record", [None, [], "record", {"format": "uniqc-election-record/v1"}])
def test_something_that_is_not_a_record_fails(record):
    report = verify_record(record)
    assert not report.ok
    assert report.kinds == ["record"]


def test_a_ranked_question_is_mixed_counted_and_verified():
    manifest = testing.manifest_for(
        [
            testing.choose("q1", ["Pour", "Contre"]),
            testing.rank("q3", ["Ana", "Bo", "Chloé", "Dev"], seats=2, ranks=3),
        ]
    )
    rnd = random.Random(9)
    votes = [[[rnd.randrange(2)], rnd.sample(range(4), rnd.randrange(4))] for _ in range(10)]
    simulation = testing.simulate_election(
        manifest, 3, 2, votes, absent={3}, revoters={2: [[1], [0]]}
    )
    record = simulation.record
    report = verify_record(record)
    assert report.ok, report.failures
    assert report.result["q3"] == record["result"]["q3"] == record["mix"]["q3"]["result"]
    altered = copy.deepcopy(record)
    step = altered["mix"]["q3"]["shuffles"][1]
    step["output"][0][0]["beta"] = step["output"][1][0]["beta"]
    report = verify_record(altered)
    assert report.kinds == ["mix"]
    assert report.failures[0].path.startswith("mix.q3.shuffles[1]")
