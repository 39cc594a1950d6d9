"""Signed labels: what is signed, what is refused, and never another exception."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockers.label_keys import (
    LabelPrivateKey,
    LabelPublicKey,
    b64url_decode,
    b64url_encode,
    label_kid,
    label_private_key_from_bytes,
)
from lockers.labels import (
    LabelForged,
    label_payload,
    label_sign,
    label_store_name_short,
    label_verify,
)

KEY = label_private_key_from_bytes(bytes(range(32)))
OTHER = label_private_key_from_bytes(bytes(range(1, 33)))
ISSUED = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(hours=1)


def public(key: LabelPrivateKey, **moments) -> LabelPublicKey:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = key.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return LabelPublicKey(kid=key.kid, public_bytes=raw, **moments)


KEYS = {KEY.kid: public(KEY)}
FIELDS = {
    "parcel_code": "7K3M9Q2ZB4XW",
    "site_slug": "caisse-saint-roch",
    "size_class": "M",
    "window_hours": 4,
    "issued_at": ISSUED,
    "store_name": "Librairie Pantoute",
}
GOOD = label_sign(**FIELDS, key=KEY)


def refused(text, keys=KEYS, now=NOW) -> str:
    with pytest.raises(LabelForged) as caught:
        label_verify(text, keys=keys, now=now)
    return caught.value.reason


def test_a_good_label_gives_back_its_claims():
    claims = label_verify(GOOD, keys=KEYS, now=NOW)
    assert claims.parcel_code == "7K3M9Q2ZB4XW"
    assert claims.site_slug == "caisse-saint-roch"
    assert claims.size_class == "M"
    assert claims.window_hours == 4
    assert claims.issued_at == ISSUED
    assert claims.store_name == "Librairie Pantoute"
    assert claims.kid == KEY.kid
    assert GOOD.startswith(f"UQL1.{KEY.kid}.")
    assert len(GOOD) < 260


def test_the_signature_covers_version_kid_and_payload_text():
    signing_input, _dot, signature = GOOD.rpartition(".")
    KEY.private.public_key().verify(b64url_decode(signature), signing_input.encode())


def test_the_payload_is_the_documented_lines():
    payload = label_payload(**FIELDS)
    assert payload == b"7K3M9Q2ZB4XW\ncaisse-saint-roch\nM\n4\n1796047200\nLibrairie Pantoute"


def test_store_names_are_shortened_and_normalized_before_signing():
    text = label_sign(**{**FIELDS, "store_name": "  Café\n\tdu  Monde " + "x" * 60}, key=KEY)
    assert label_verify(text, keys=KEYS, now=NOW).store_name == ("Café du Monde " + "x" * 60)[:40]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("parcel_code", "7k3m9q2zb4xw"),
        ("parcel_code", "7K3M9Q2ZB4XI"),
        ("parcel_code", "7K3M9Q2ZB4X"),
        ("site_slug", "saint roch"),
        ("size_class", "XL"),
        ("window_hours", 48),
        ("issued_at", datetime(2026, 11, 30, 14, 0)),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_values_outside_the_format_are_not_signed(field, value):
    with pytest.raises(ValueError):
        label_sign(**{**FIELDS, field: value}, key=KEY)


def test_a_label_signed_by_another_key_under_our_kid_is_refused():
    forged = label_sign(**FIELDS, key=LabelPrivateKey(kid=KEY.kid, private=OTHER.private))
    assert refused(forged) == LabelForged.BAD_SIGNATURE


def test_a_label_under_an_unknown_kid_is_refused():
    assert refused(label_sign(**FIELDS, key=OTHER)) == LabelForged.UNKNOWN_KEY


def test_an_altered_payload_is_refused():
    version, kid, payload, signature = GOOD.split(".")
    altered = b64url_decode(payload).replace(b"caisse-saint-roch", b"caisse-limoilou")
    assert refused(f"{version}.{kid}.{b64url_encode(altered)}.{signature}") == (
        LabelForged.BAD_SIGNATURE
    )


def test_a_label_issued_after_its_key_retired_is_refused():
    retired = {KEY.kid: public(KEY, retired_at=ISSUED - timedelta(hours=1))}
    assert refused(GOOD, keys=retired) == LabelForged.RETIRED_KEY
    # Issued while the key signed: still good after it retired.
    still = {KEY.kid: public(KEY, retired_at=ISSUED + timedelta(hours=1))}
    assert label_verify(GOOD, keys=still, now=NOW).parcel_code == "7K3M9Q2ZB4XW"


def test_a_label_past_its_key_publication_is_refused():
    ended = {KEY.kid: public(KEY, retired_at=ISSUED, not_after=NOW)}
    assert refused(GOOD, keys=ended) == LabelForged.RETIRED_KEY


@pytest.mark.parametrize(
    "text",
    [
        "",
        "UQL1",
        "UQL1...",
        "UQL2" + GOOD[4:],
        GOOD + ".",
        GOOD + "A",
        GOOD[:-1],
        GOOD.replace(".", ". ", 1),
        "UQL1." + "k" * 17 + GOOD[GOOD.index(".", 5) :],
        "x" * 10_000,
        "UQL1.é." + GOOD[GOOD.index(".", 5) + 1 :],
        None,
        b"UQL1",
        12,
    ],
)
def test_malformed_texts_are_refused(text):
    assert refused(text) == LabelForged.MALFORMED


def test_a_non_canonical_signature_encoding_is_refused():
    signing_input, _dot, signature = GOOD.rpartition(".")
    # 86 characters carry 516 bits for 512: flipping a spare bit keeps the same bytes.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = last.index(signature[-1])
    twin = last[index ^ 1]
    assert refused(f"{signing_input}.{signature[:-1]}{twin}") == LabelForged.MALFORMED


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0, max_value=len(GOOD) - 1), byte=st.integers(0, 255))
def test_any_byte_change_is_refused(position, byte):
    data = bytearray(GOOD.encode())
    if data[position] == byte:
        byte = (byte + 1) % 256
    data[position] = byte
    text = data.decode("latin-1")
    assert refused(text) in LabelForged.REASONS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500) | st.binary(max_size=500).map(lambda b: b.decode("latin-1")))
def test_any_text_is_refused_with_the_coded_error_only(text):
    assert refused(text) in LabelForged.REASONS


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"[A-Za-z0-9_-]{1,16}", fullmatch=True),
    st.binary(max_size=200),
    st.binary(min_size=64, max_size=64),
)
def test_well_shaped_texts_under_forged_signatures_are_refused(kid, payload, signature):
    text = f"UQL1.{kid}.{b64url_encode(payload) or 'A'}.{b64url_encode(signature)}"
    assert refused(text) in LabelForged.REASONS


def test_key_ids_come_from_the_public_key():
    raw = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    assert label_kid(raw) == b64url_encode(hashlib.sha256(raw).digest())[:8]


def test_the_longest_fields_still_make_a_label_that_verifies():
    text = label_sign(
        **{
            **FIELDS,
            "site_slug": "s" * 80,
            "store_name": "🍙" * 60,
            "window_hours": 24,
            "issued_at": datetime(2286, 11, 20, tzinfo=UTC),
        },
        key=KEY,
    )
    assert len(text) <= 400
    claims = label_verify(text, keys=KEYS, now=NOW)
    assert claims.store_name == "🍙" * 20
    assert claims.site_slug == "s" * 80


@settings(max_examples=300, deadline=None)
@given(
    parcel_code=st.from_regex(r"[0-9A-HJKMNP-TV-Z]{12}", fullmatch=True),
    site_slug=st.from_regex(r"[-a-zA-Z0-9_]{1,80}", fullmatch=True),
    size_class=st.sampled_from(["S", "M", "L"]),
    window_hours=st.sampled_from([4, 24]),
    seconds=st.integers(min_value=0, max_value=99_999_999_999),
    store_name=st.text(max_size=120),
)
def test_whatever_is_signed_verifies_to_the_same_claims(
    parcel_code, site_slug, size_class, window_hours, seconds, store_name
):
    issued_at = datetime.fromtimestamp(seconds, tz=UTC)
    text = label_sign(
        parcel_code=parcel_code,
        site_slug=site_slug,
        size_class=size_class,
        window_hours=window_hours,
        issued_at=issued_at,
        store_name=store_name,
        key=KEY,
    )
    assert len(text) <= 400
    claims = label_verify(text, keys=KEYS, now=NOW)
    assert (claims.parcel_code, claims.site_slug, claims.size_class) == (
        parcel_code,
        site_slug,
        size_class,
    )
    assert claims.issued_at == issued_at
    assert claims.store_name == label_store_name_short(store_name)
