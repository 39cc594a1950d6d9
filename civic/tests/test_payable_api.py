"""The payables API as a city's server uses it: its client-credentials token, an
Idempotency-Key, every field checked with a code, problem documents for every refusal."""

import json

import pytest

from civic.models import Payable, PayableStatus
from civic.payables import payment_code_digest
from civic.tests.conftest import TICKET
from identity.models import AuditEvent
from identity.oidc.subjects import subject_for

pytestmark = pytest.mark.django_db


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code, body
    return body


def test_a_city_creates_a_payable(city):
    response = city.create(TICKET)
    assert response.status_code == 201, response.content
    body = response.json()
    payable = Payable.objects.get()
    assert body["id"] == str(payable.public_id)
    assert body["status"] == "open"
    assert body["pay_url"].endswith(f"/ville/paiements/{payable.public_id}/")
    assert payable.payment_code_digest == payment_code_digest(body["payment_code"])
    assert body["payment_code"] not in payable.payment_code_sealed
    assert payable.amount == 75 and payable.client == city.client and payable.person is None
    assert AuditEvent.objects.filter(action="payable_created").count() == 1


def test_the_same_key_finds_the_same_payable(city):
    first = city.create(TICKET).json()
    again = city.create(TICKET)
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first
    assert Payable.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(city):
    city.create(TICKET)
    _problem(city.create({**TICKET, "amount": "80.00"}), 422, "idempotency_key_reused")


def test_the_same_reference_under_another_key_is_refused(city):
    city.create(TICKET)
    _problem(city.create(TICKET, key="key-2"), 409, "payable_reference_taken")


def test_two_cities_may_use_the_same_reference(city, other_city):
    assert city.create(TICKET).status_code == 201
    assert other_city.create(TICKET).status_code == 201


def test_a_payable_for_a_person_who_allowed_it(city, consented):
    sub = subject_for(user=consented, client=city.client)
    response = city.create({**TICKET, "sub": sub})
    assert response.status_code == 201
    assert Payable.objects.get().person == consented


def test_a_payable_for_someone_who_did_not_allow_it_is_refused(city, alice):
    sub = subject_for(user=alice, client=city.client)
    _problem(city.create({**TICKET, "sub": sub}), 403, "consent_missing")


def test_a_payable_for_someone_who_signed_in_without_the_permission_is_refused(city, alice):
    from identity.models import OidcConsent

    OidcConsent.objects.create(
        user=alice, client=city.client, claims_asked=["openid"], claims_granted=["openid"]
    )
    sub = subject_for(user=alice, client=city.client)
    _problem(city.create({**TICKET, "sub": sub}), 403, "consent_missing")


def test_an_unknown_sub_is_refused(city, consented):
    _problem(city.create({**TICKET, "sub": "not-a-subject"}), 403, "consent_missing")


def test_the_city_reads_and_cancels_its_payable(city):
    created = city.create(TICKET).json()
    read = city.read(created["id"]).json()
    assert read["reference"] == TICKET["reference"]
    assert read["description"] == TICKET["description"]
    assert read["amount"] == "75.00" and read["status"] == "open"
    assert read["payment_code"] == created["payment_code"]
    cancelled = city.cancel(created["id"])
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert city.cancel(created["id"]).json()["status"] == "cancelled"
    assert Payable.objects.get().status == PayableStatus.CANCELLED


def test_another_city_cannot_read_or_cancel_it(city, other_city):
    created = city.create(TICKET).json()
    _problem(other_city.read(created["id"]), 404, "not_found")
    _problem(other_city.cancel(created["id"]), 404, "not_found")
    assert Payable.objects.get().status == PayableStatus.OPEN


def test_an_unknown_id_is_not_found(city):
    _problem(city.read("00000000-0000-4000-8000-000000000000"), 404, "not_found")


# --- Who may call (one test per refusal) --------------------------------------------------


def test_no_token_is_refused(city):
    response = city.http.post(
        "/api/v1/payables/", json.dumps(TICKET), content_type="application/json"
    )
    _problem(response, 401, "invalid_token")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused(city):
    _problem(city.create(TICKET, token="Bearer not-a-token"), 401, "invalid_token")


def test_a_token_without_the_scope_is_refused(city):
    token = city.token(scope="openid")
    response = city.create(TICKET, token=f"Bearer {token}")
    _problem(response, 403, "insufficient_scope")
    assert 'scope="payables"' in response["WWW-Authenticate"]


def test_a_person_token_is_refused(city, alice):
    from datetime import timedelta

    from django.utils import timezone

    from identity.models import OidcAccessToken, OidcGrant
    from identity.oidc.token_store import digest

    grant = OidcGrant.objects.create(client=city.client, user=alice, scope="openid payables")
    OidcAccessToken.objects.create(
        token_digest=digest("person-token"),
        grant=grant,
        client=city.client,
        user=alice,
        scope="openid payables",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    _problem(city.create(TICKET, token="Bearer person-token"), 401, "invalid_token")


def test_a_deactivated_client_is_refused(city):
    token = city.bearer()
    type(city.client).objects.filter(pk=city.client.pk).update(is_active=False)
    _problem(city.create(TICKET, token=token), 401, "invalid_token")


def test_a_city_without_a_payee_account_is_refused(db):
    from civic.tests.conftest import city_make

    unpaid = city_make("Ville sans compte", "sans.example", payee=False)
    _problem(unpaid.create(TICKET), 409, "payee_account_missing")


# --- What the body must be ----------------------------------------------------------------


def test_the_idempotency_key_is_required(city):
    response = city.http.post(
        "/api/v1/payables/",
        json.dumps(TICKET),
        content_type="application/json",
        HTTP_AUTHORIZATION=city.bearer(),
    )
    _problem(response, 400, "idempotency_key_required")


def test_a_bad_idempotency_key_is_refused(city):
    _problem(city.create(TICKET, key="\x7fbad"), 400, "invalid_idempotency_key")


def test_a_body_not_json_is_refused(city):
    response = city.http.post(
        "/api/v1/payables/",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=city.bearer(),
        HTTP_IDEMPOTENCY_KEY="k",
    )
    _problem(response, 400, "json_invalid")


def test_a_deep_body_is_refused(city):
    response = city.http.post(
        "/api/v1/payables/",
        "[" * 5000 + "]" * 5000,
        content_type="application/json",
        HTTP_AUTHORIZATION=city.bearer(),
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code in (400, 413)
    assert response["Content-Type"] == "application/problem+json"


def test_a_large_body_is_refused(city):
    _problem(city.create({**TICKET, "x": "a" * 10_000}), 413, "json_too_large")


def test_form_data_is_refused(city):
    response = city.http.post(
        "/api/v1/payables/",
        {"reference": "x"},
        HTTP_AUTHORIZATION=city.bearer(),
        HTTP_IDEMPOTENCY_KEY="k",
    )
    _problem(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"reference": ""}, "reference", "invalid"),
        ({"reference": "a b"}, "reference", "invalid"),
        ({"reference": "x" * 61}, "reference", "invalid"),
        ({"reference": 42}, "reference", "invalid"),
        ({"kind": "donation"}, "kind", "invalid_choice"),
        ({"description": "Stationnement"}, "description", "invalid"),
        ({"description": {"fr": "x"}}, "description", "invalid"),
        ({"description": {"fr": "", "en": "x"}}, "description.fr", "required"),
        ({"description": {"fr": "x", "en": "y" * 301}}, "description.en", "invalid"),
        ({"description": {"fr": "a\nb", "en": "y"}}, "description.fr", "invalid"),
        ({"amount": 75}, "amount", "invalid"),
        ({"amount": 75.0}, "amount", "invalid"),
        ({"amount": "75"}, "amount", "invalid"),
        ({"amount": "-75.00"}, "amount", "invalid"),
        ({"amount": "0.00"}, "amount", "not_positive"),
        ({"amount": "1e3"}, "amount", "invalid"),
        ({"currency": "USD"}, "currency", "unsupported_currency"),
        ({"due_date": "31/12/2026"}, "due_date", "invalid"),
        ({"due_date": "2026-02-30"}, "due_date", "invalid"),
        ({"sub": ""}, "sub", "invalid"),
        ({"sub": 7}, "sub", "invalid"),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_each_field_is_checked(city, change, field, code):
    body = _problem(city.create({**TICKET, **change}), 400, "invalid")
    assert body["error_codes"][field] == code
    assert body["errors"][field]
    assert not Payable.objects.exists()


def test_missing_fields_are_named(city):
    body = _problem(city.create({}), 400, "invalid")
    assert set(body["error_codes"]) >= {"reference", "kind", "description", "amount", "currency"}


def test_a_payable_without_a_due_date(city):
    body = {key: value for key, value in TICKET.items() if key != "due_date"}
    assert city.create(body).status_code == 201
    assert Payable.objects.get().due_date is None
