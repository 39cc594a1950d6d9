import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.jsonin import JSON_MAX_DEPTH, JsonInputError, json_depth, json_parse


def refused(data, **kwargs) -> str:
    with pytest.raises(JsonInputError) as caught:
        json_parse(data, max_bytes=kwargs.pop("max_bytes", 1_000_000), **kwargs)
    return caught.value.code


def test_an_object_within_the_limits_is_parsed():
    assert json_parse(b'{"a": [1, {"b": "[[["}]}', max_bytes=100) == {"a": [1, {"b": "[[["}]}


def test_deep_nesting_is_refused_before_parsing():
    # What crashed the endpoints with a RecursionError (a 500).
    assert refused(b"[" * 15_000) == "json_too_deep"
    assert refused("{" + '"a":{' * 40 + "}" * 41) == "json_too_deep"


def test_nesting_at_the_limit_is_accepted():
    text = "[" * (JSON_MAX_DEPTH - 1) + "{}" + "]" * (JSON_MAX_DEPTH - 1)
    assert json_parse(text, max_bytes=10_000, object_only=False)


def test_brackets_inside_strings_are_not_nesting():
    assert json_depth('{"a": "[[[[\\"[[[["}') == 1


def test_size_is_counted_in_bytes():
    assert refused("{" + '"é": 1' + "}", max_bytes=8) == "json_too_large"


def test_not_json_not_utf8_constants_and_non_objects_are_refused():
    assert refused(b"{") == "json_invalid"
    assert refused(b'{"a": \xff}') == "json_invalid"
    assert refused(b'{"a": NaN}') == "json_invalid"
    assert refused(b"[1]") == "json_not_object"
    assert json_parse(b"[1]", max_bytes=10, object_only=False) == [1]


# Any text but NUL, which json_parse refuses (PostgreSQL cannot store it).
json_text = st.text(alphabet=st.characters(blacklist_characters="\x00"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | json_text,
    lambda children: st.lists(children) | st.dictionaries(json_text, children),
    max_leaves=20,
)


@given(json_values)
def test_any_json_within_the_limits_round_trips(value):
    text = json.dumps(value)
    if json_depth(text) <= JSON_MAX_DEPTH:
        assert json_parse(text, max_bytes=len(text.encode()), object_only=False) == value


@given(st.binary(max_size=200) | st.text(alphabet='[]{}"\\,:01 ', max_size=200))
def test_any_input_is_parsed_or_refused_with_a_code(data):
    try:
        json_parse(data, max_bytes=150, max_depth=8, object_only=False)
    except JsonInputError as error:
        assert error.code in {"json_too_large", "json_too_deep", "json_invalid"}


def test_an_unterminated_string_costs_linear_time():
    # A quote then escaped quotes, never closed: the string pattern used to restart at each
    # quote and scan to the end, 64 kB (a passkey body) cost about 14 s of CPU.
    text = '"' + '\\"' * 32_000
    started = time.monotonic()
    assert refused(text) == "json_invalid"
    assert time.monotonic() - started < 2


def test_brackets_after_an_unterminated_string_are_inside_it():
    assert json_depth('{"a": "[[[[') == 1
    assert refused('{"a": "' + "[" * 15_000) == "json_invalid"
