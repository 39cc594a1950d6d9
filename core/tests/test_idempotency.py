"""The one Idempotency-Key rule of our APIs (core/idempotency.py)."""

import pytest

from core.idempotency import idempotency_header_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("3f2b8c1e-0d4a-4b8e-9a57-0c6c2f1d9e44", "3f2b8c1e-0d4a-4b8e-9a57-0c6c2f1d9e44"),
        ('"permis-2026-0042"', "permis-2026-0042"),
        ("  key with inner space  ", "key with inner space"),
        ("x" * 255, "x" * 255),
    ],
)
def test_a_key_by_the_rule_is_read(raw, key):
    assert idempotency_header_key(raw) == key


@pytest.mark.parametrize(
    "raw",
    ["", "   ", '""', "x" * 256, "clé", "a\tb", 'a"b', "a\\b", '"unclosed'],
)
def test_a_key_against_the_rule_is_refused(raw):
    assert idempotency_header_key(raw) is None
