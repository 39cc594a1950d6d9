"""The courier app's label check, in Chromium: lockers/static/lockers/label-verify.js with
WebCrypto's Ed25519 and the published key set, as docs/locker-labels.md describes it."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from lockers.label_keys import label_keys_from_jwks, label_private_key_from_bytes
from lockers.labels import label_sign, label_verify
from lockers.tests.test_label_doc import VECTORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VERIFY = """async ([texts, jwks, now]) => {
  const { labelVerify } = await import("/static/lockers/label-verify.js");
  if (jwks === null) {
    jwks = await (await fetch("/casiers/etiquettes/cles.json")).json();
  }
  const results = [];
  for (const text of texts) {
    try {
      const claims = await labelVerify(text, jwks, now === null ? {} : { now });
      results.push({ ok: claims });
    } catch (error) {
      results.push({ refused: error.name === "LabelForged" ? error.reason : String(error) });
    }
  }
  return results;
}"""


def verify(page, texts, jwks=None, now=None) -> list[dict]:
    page.goto("/")
    return page.evaluate(VERIFY, [texts, jwks, now])


FIELDS = {
    "parcel_code": "7K3M9Q2ZB4XW",
    "site_slug": "caisse-saint-roch",
    "size_class": "L",
    "window_hours": 4,
    "store_name": "Boulangerie Éloi",
}


def test_a_good_label_verifies_and_an_altered_one_is_refused_with_the_published_keys(page):
    text = label_sign(**FIELDS, issued_at=timezone.now())
    version, kid, _payload, signature = text.split(".")
    altered_payload = label_sign(
        **{**FIELDS, "site_slug": "metro-jean-talon"}, issued_at=timezone.now()
    ).split(".")[2]
    other = label_private_key_from_bytes(bytes(32))
    good, altered, swapped, foreign = verify(
        page,
        [
            text,
            text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1],
            f"{version}.{kid}.{altered_payload}.{signature}",
            label_sign(**FIELDS, issued_at=timezone.now(), key=other),
        ],
    )
    assert good["ok"]["parcelCode"] == "7K3M9Q2ZB4XW"
    assert good["ok"]["siteSlug"] == "caisse-saint-roch"
    assert good["ok"]["storeName"] == "Boulangerie Éloi"
    assert good["ok"]["windowHours"] == 4
    assert altered == {"refused": "bad_signature"}
    assert swapped == {"refused": "bad_signature"}
    assert foreign == {"refused": "unknown_key"}


def test_the_documented_vectors_and_refusals_in_the_browser(page):
    first, second = VECTORS
    jwks = {
        "keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": first["jwk_x"], "kid": first["kid"]},
        ]
    }
    version, kid, payload, signature = first["qr_text"].split(".")
    results = verify(
        page,
        [
            first["qr_text"],
            second["qr_text"],
            f"UQL2.{kid}.{payload}.{signature}",
            f"{version}.{kid}.{payload}.{signature[:-1]}x",
            f"{version}.Vkdap1Rk.{payload}.{signature}",
            f"{version}.{kid}.{second['qr_text'].split('.')[2]}.{signature}",
        ],
        jwks=jwks,
        now=1796050000,
    )
    assert results[0]["ok"]["storeName"] == "Librairie Pantoute"
    assert results[1]["ok"]["storeName"] == "Fromagerie du Marché"
    assert [r.get("refused") for r in results[2:]] == [
        "malformed",
        "malformed",
        "unknown_key",
        "bad_signature",
    ]

    # A label issued after its key retired, and any label once the key's publication ended.
    retired = {"keys": [{**jwks["keys"][0], "retired_at": 1796047200 - 3600}]}
    assert verify(page, [first["qr_text"]], jwks=retired, now=1796050000) == [
        {"refused": "retired_key"}
    ]
    ended = {"keys": [{**jwks["keys"][0], "retired_at": 1796047200, "not_after": 1796049999}]}
    assert verify(page, [first["qr_text"]], jwks=ended, now=1796050000) == [
        {"refused": "retired_key"}
    ]


def test_every_single_character_change_is_refused_in_the_browser(page):
    first = VECTORS[0]
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": first["jwk_x"], "kid": first["kid"]}]}
    text = first["qr_text"]
    rng = random.Random(11)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.é \n"
    changed = set()
    for position in range(len(text)):
        for _ in range(2):
            char = rng.choice(alphabet.replace(text[position], ""))
            changed.add(text[:position] + char + text[position + 1 :])
    results = verify(page, sorted(changed), jwks=jwks, now=1796050000)
    assert all(set(result) == {"refused"} for result in results)
    assert {result["refused"] for result in results} <= {
        "malformed",
        "unknown_key",
        "bad_signature",
    }


def test_a_retired_key_published_by_the_server_still_verifies_its_labels(page):
    from lockers.label_keys import (
        LABEL_KEY_STAGED_FOR,
        label_key_active,
        label_key_promote,
        label_key_stage,
    )

    label_key_active()
    old_label = label_sign(**FIELDS, issued_at=timezone.now() - timedelta(minutes=1))
    staged = label_key_stage()
    label_key_promote(now=staged.created_at + LABEL_KEY_STAGED_FOR)
    new_label = label_sign(**FIELDS, issued_at=timezone.now())
    old, new = verify(page, [old_label, new_label])
    assert old["ok"]["kid"] != new["ok"]["kid"]


def test_keys_fetched_once_verify_labels_offline(page):
    text = label_sign(**FIELDS, issued_at=timezone.now())
    page.goto("/")
    load_and_verify = """async (text) => {
      const { labelKeysLoad, labelVerify } = await import("/static/lockers/label-verify.js");
      const jwks = await labelKeysLoad();
      return (await labelVerify(text, jwks)).parcelCode;
    }"""
    # Import the module while online; then the network goes.
    assert page.evaluate(load_and_verify, text) == "7K3M9Q2ZB4XW"
    page.context.set_offline(True)
    try:
        assert page.evaluate(load_and_verify, text) == "7K3M9Q2ZB4XW"
        forged = text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1]
        reason = page.evaluate(
            """async (text) => {
              const m = await import("/static/lockers/label-verify.js");
              try { await m.labelVerify(text, await m.labelKeysLoad()); return "accepted"; }
              catch (error) { return error.reason; }
            }""",
            forged,
        )
        assert reason == "bad_signature"
    finally:
        page.context.set_offline(False)


def test_without_keys_ever_fetched_offline_the_app_is_told(page):
    page.goto("/")
    page.evaluate("localStorage.clear()")
    page.evaluate('import("/static/lockers/label-verify.js")')
    page.context.set_offline(True)
    try:
        message = page.evaluate(
            """async () => {
              const { labelKeysLoad } = await import("/static/lockers/label-verify.js");
              try { await labelKeysLoad(); return "loaded"; }
              catch (error) { return error.message; }
            }"""
        )
    finally:
        page.context.set_offline(False)
    assert message.startswith("label keys unavailable")


def test_the_browser_reads_the_same_claims_as_python(page):
    first = VECTORS[0]
    key = label_private_key_from_bytes(bytes.fromhex(first["private_key_hex"]))
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": first["jwk_x"], "kid": first["kid"]}]}
    rng = random.Random(4)
    names = [
        "Épicerie Ô Saveurs",
        "Boulangerie L’Épi d’Or",
        "Café «\u00a0Le Nord\u00a0»",
        "Ma\u0301rché",  # a combining accent, composed by NFC
        "東京ラーメン",
        "🍙" * 30,
        "Ferme des Ç" + "é" * 50,
    ]
    labels = []
    for name in names:
        text = label_sign(
            parcel_code="".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(12)),
            site_slug=rng.choice(["metro-berri-uqam", "caisse-saint-roch", "x" * 80]),
            size_class=rng.choice("SML"),
            window_hours=rng.choice([4, 24]),
            issued_at=timezone.now(),
            store_name=name,
            key=key,
        )
        labels.append((text, label_verify(text, keys=label_keys_from_jwks(jwks))))
    results = verify(page, [text for text, _claims in labels], jwks=jwks)
    for (_text, claims), result in zip(labels, results, strict=True):
        assert result["ok"] == {
            "kid": claims.kid,
            "parcelCode": claims.parcel_code,
            "siteSlug": claims.site_slug,
            "sizeClass": claims.size_class,
            "windowHours": claims.window_hours,
            "issuedAt": int(claims.issued_at.timestamp()),
            "storeName": claims.store_name,
        }
