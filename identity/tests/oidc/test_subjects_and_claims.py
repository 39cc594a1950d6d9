"""Pairwise subjects and the claims each scope and claims request releases."""

import datetime
import json

import pytest
import requests
from django.utils import timezone

from identity.oidc.claims import claims_released
from identity.oidc.services import membership_status_set
from identity.tests.oidc.conftest import REDIRECT_URI

pytestmark = pytest.mark.django_db(transaction=True)


def subject(provider, registered) -> str:
    token, _ = provider.code_flow(registered)
    return provider.id_token_claims(token["id_token"])["sub"]


def test_pairwise_subjects_differ_across_sectors_and_repeat_for_one_client(
    provider, register, alice, sector_documents
):
    city = register()
    document = sector_documents.serve("https://shop.example/sector.json", [REDIRECT_URI])
    shop = register(name="Shop", sector_identifier_uri=document)
    provider.sign_in()
    city_sub = subject(provider, city)
    assert subject(provider, city) == city_sub
    assert subject(provider, shop) != city_sub
    assert str(alice.public_id) not in (city_sub, subject(provider, shop))
    assert str(alice.pk) != city_sub


def test_clients_of_one_sector_share_the_subject(provider, register, alice, sector_documents):
    first = register()
    # A second client of the same organisation, proven by a document on the first's host.
    document = sector_documents.serve("https://rp.example/sector.json", [REDIRECT_URI])
    second = register(name="Second", sector_identifier_uri=document)
    provider.sign_in()
    assert subject(provider, first) == subject(provider, second)


def test_public_subject_only_for_internal_clients(provider, register, alice):
    internal = register(is_internal=True)
    external = register(name="External")
    provider.sign_in()
    assert subject(provider, internal) == str(alice.public_id)
    assert subject(provider, external) != str(alice.public_id)


def userinfo(provider, token) -> dict:
    return requests.get(
        provider.config["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    ).json()


def test_scopes_release_their_claims_and_nothing_else(provider, register, make_user):
    make_user(
        birth_date=datetime.date(1990, 5, 17),
        phone="+15145550123",
        street_address="1 rue Saint-Jean",
        locality="Québec",
        postal_code="G1R 1N8",
        preferred_language="en",
    )
    provider.sign_in()
    token, _ = provider.code_flow(
        register(), scope="openid profile email address phone age membership locale"
    )
    claims = userinfo(provider, token)
    assert claims["given_name"] == "Alice"
    assert claims["family_name"] == "Tremblay"
    assert claims["name"] == "Alice Tremblay"
    assert claims["email"] == "alice@example.com"
    assert claims["address"]["locality"] == "Québec"
    assert claims["address"]["postal_code"] == "G1R 1N8"
    assert "1 rue Saint-Jean" in claims["address"]["formatted"]
    assert claims["phone_number"] == "+15145550123"
    assert claims["phone_number_verified"] is False
    assert claims["age_over_18"] is True
    assert claims["member"] is False
    assert "membership_category" not in claims
    assert claims["locale"] == "en-CA"
    assert "birth_date" not in claims and "birthdate" not in claims

    narrow, _ = provider.code_flow(register(name="Narrow"), scope="openid age")
    assert set(userinfo(provider, narrow)) == {"sub", "age_over_18"}


def test_age_over_18_is_false_for_a_minor_and_absent_without_birth_date(
    provider, register, make_user
):
    today = timezone.localdate()
    make_user(birth_date=today.replace(year=today.year - 17))
    make_user(email="nobirth@example.com")
    provider.sign_in()
    token, _ = provider.code_flow(register(), scope="openid age")
    assert userinfo(provider, token)["age_over_18"] is False

    provider.browser.cookies.clear()
    provider.sign_in("nobirth@example.com")
    token, _ = provider.code_flow(register(name="Other"), scope="openid age")
    assert "age_over_18" not in userinfo(provider, token)


def test_membership_pushed_by_governance_is_released(provider, register, alice):
    membership_status_set(user=alice, is_member=True, category="worker")
    provider.sign_in()
    token, _ = provider.code_flow(register(), scope="openid membership")
    claims = userinfo(provider, token)
    assert claims["member"] is True
    assert claims["membership_category"] == "worker"


def test_claims_parameter_puts_claims_in_the_id_token_and_userinfo(provider, register, alice):
    provider.sign_in()
    claims_request = {
        "id_token": {"email": {"essential": True}, "locale": None},
        "userinfo": {"given_name": None},
    }
    token, _ = provider.code_flow(register(), claims=json.dumps(claims_request))
    id_claims = provider.id_token_claims(token["id_token"])
    assert id_claims["email"] == alice.email
    assert id_claims["locale"] == "fr-CA"
    assert userinfo(provider, token) == {"sub": id_claims["sub"], "given_name": "Alice"}


def test_malformed_claims_parameter_is_invalid_request(provider, register, alice):
    from identity.tests.oidc.conftest import query_params

    provider.sign_in()
    url = provider.authorization_url(
        register(), response_type="code", scope="openid", claims="{not json"
    )
    assert query_params(provider.visit(url))["error"] == "invalid_request"


ALL_SCOPES = {"openid", "profile", "email", "phone"}


@pytest.mark.parametrize("target", ["userinfo", "id_token"])
def test_claims_released_are_asked_for_the_target_and_released_by_the_person(target):
    """One filter for both the ID token and userinfo: asked for this target, and released."""
    claims_request = {"id_token": {"email": None}, "userinfo": {"phone_number": None}}
    names = claims_released(
        scope="openid profile",
        claims_request=claims_request,
        target=target,
        allowed_scopes=ALL_SCOPES,
        released=["given_name", "email", "phone_number"],
    )
    if target == "userinfo":
        assert names == ["given_name", "phone_number"]
    else:
        assert names == ["email"]


def test_claims_released_leave_out_what_the_person_did_not_release():
    names = claims_released(
        scope="openid profile email",
        claims_request={},
        target="userinfo",
        allowed_scopes=ALL_SCOPES,
        released=["email"],
    )
    assert names == ["email"]
