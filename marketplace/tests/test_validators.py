"""The NEQ and the GST and QST numbers: the documented formats, and nothing more."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from marketplace.validators import (
    gst_number_normalize,
    neq_normalize,
    qst_number_normalize,
    validate_gst_number,
    validate_neq,
    validate_qst_number,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@given(_digits(10))
def test_any_ten_digits_is_a_valid_neq(neq):
    """No check digit and no prefix rule is published: every 10-digit number passes."""
    validate_neq(neq)


@given(digits.filter(lambda value: len(value) != 10))
def test_a_neq_of_another_length_is_refused(neq):
    with pytest.raises(ValidationError):
        validate_neq(neq)


@given(
    st.text(max_size=12).filter(
        lambda value: not (len(value) == 10 and value.isascii() and value.isdigit())
    )
)
def test_anything_but_ten_ascii_digits_is_refused_as_a_neq(value):
    with pytest.raises(ValidationError):
        validate_neq(value)


@given(_digits(10), st.sampled_from([" ", "-", "  "]))
def test_a_neq_typed_in_groups_normalizes_to_a_valid_one(neq, separator):
    typed = separator.join([neq[:4], neq[4:7], neq[7:]])
    assert neq_normalize(typed) == neq
    validate_neq(neq_normalize(typed))


@given(_digits(9), _digits(4))
def test_business_number_rt_and_four_digits_is_a_valid_gst_number(bn, ref):
    validate_gst_number(f"{bn}RT{ref}")
    assert gst_number_normalize(f"{bn} rt {ref}") == f"{bn}RT{ref}"


@given(_digits(10), _digits(4))
def test_ten_digits_tq_and_four_digits_is_a_valid_qst_number(number, ref):
    validate_qst_number(f"{number}TQ{ref}")
    assert qst_number_normalize(f"{number}-tq-{ref}") == f"{number}TQ{ref}"


@given(_digits(9), _digits(4), st.sampled_from(["RC", "RP", "TQ", "RR", ""]))
def test_another_program_is_not_a_gst_number(bn, ref, program):
    with pytest.raises(ValidationError):
        validate_gst_number(f"{bn}{program}{ref}")


@given(_digits(10), _digits(4), st.sampled_from(["RT", "TP", "QC", ""]))
def test_another_file_type_is_not_a_qst_number(number, ref, file_type):
    with pytest.raises(ValidationError):
        validate_qst_number(f"{number}{file_type}{ref}")


@pytest.mark.parametrize(
    ("validate", "value"),
    [
        (validate_gst_number, "12345678RT0001"),  # 8-digit business number
        (validate_gst_number, "123456789RT001"),
        (validate_qst_number, "123456789TQ0001"),  # 9 digits
        (validate_qst_number, "1234567890TQ00011"),
        (validate_neq, "\uff11" * 10),  # full-width digits are not digits here
        (validate_neq, "1234567890\n"),  # Python's $ would let a final newline through
    ],
)
def test_near_misses_are_refused(validate, value):
    with pytest.raises(ValidationError):
        validate(value)
