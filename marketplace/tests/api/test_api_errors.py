"""Every API error is an RFC 9457 problem document with a stable code; bad input gets a
4xx, never a 500."""

import json

import pytest

from marketplace.api.parsers import API_JSON_MAX_BYTES
from marketplace.tests.api.conftest import bearer, bearer_token

ECHO = "/api/test/echo/"
KEY = {"HTTP_IDEMPOTENCY_KEY": "k-1"}

pytestmark = [pytest.mark.django_db, pytest.mark.urls("marketplace.tests.api.urls")]


@pytest.fixture
def auth(phone_app, shopper) -> dict[str, str]:
    return bearer(bearer_token(client=phone_app, user=shopper))


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"]
    return problem


def post_raw(api, body: bytes | str, auth: dict, **extra):
    return api.post(ECHO, body, content_type="application/json", **auth, **KEY, **extra)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{", "json_invalid"),
        ('{"a": NaN}', "json_invalid"),
        (b"\xff\xfe", "json_invalid"),
        ("[1, 2]", "json_not_object"),
        ('{"a":' * 40 + "1" + "}" * 40, "json_too_deep"),
        ("[" * 20000 + "]" * 20000, "json_too_deep"),
    ],
    ids=["truncated", "nan", "not-utf8", "array", "deep-object", "very-deep-array"],
)
def test_bad_json_is_a_400(api, auth, body, code):
    assert problem_of(post_raw(api, body, auth), 400)["code"] == code


def test_too_large_a_body_is_a_413(api, auth):
    body = json.dumps({"a": "x" * API_JSON_MAX_BYTES})
    assert problem_of(post_raw(api, body, auth), 413)["code"] == "json_too_large"


def test_a_body_at_the_limit_is_read(api, auth):
    body = json.dumps({"a": "x" * (API_JSON_MAX_BYTES - 10)})
    assert post_raw(api, body, auth).status_code == 200


def test_a_form_body_is_a_415(api, auth):
    response = api.post(ECHO, {"a": "1"}, **auth, **KEY)
    assert problem_of(response, 415)["code"] == "unsupported_media_type"


def test_a_method_not_offered_is_a_405(api, auth):
    assert problem_of(api.delete(ECHO, **auth), 405)["code"] == "method_not_allowed"


def test_invalid_fields_are_listed_by_field(api, auth):
    response = api.post(
        "/api/test/refusing/invalid/", {"quantity": 0}, content_type="application/json", **auth
    )
    problem = problem_of(response, 400)
    assert problem["code"] == "invalid"
    assert list(problem["errors"]) == ["quantity"]
    assert problem["errors"]["quantity"]


def test_a_marketplace_error_keeps_its_code(api, auth):
    response = api.post(
        "/api/test/refusing/marketplace/", {}, content_type="application/json", **auth
    )
    problem = problem_of(response, 409)
    assert problem["code"] == "transition_refused"
    assert problem["detail"]


def test_django_http404_is_a_problem(api, auth):
    response = api.post("/api/test/refusing/http404/", {}, content_type="application/json", **auth)
    assert problem_of(response, 404)["code"] == "not_found"


def test_django_permission_denied_is_a_problem(api, auth):
    response = api.post("/api/test/refusing/denied/", {}, content_type="application/json", **auth)
    assert problem_of(response, 403)["code"] == "permission_denied"


def test_throttling_is_a_429_with_retry_after(api):
    assert api.get("/api/test/throttled/").status_code == 200
    response = api.get("/api/test/throttled/")
    assert problem_of(response, 429)["code"] == "throttled"
    assert 3500 <= int(response["Retry-After"]) <= 3600


PER_ADDRESS = "/api/test/throttled-per-address/"


def test_a_new_x_forwarded_for_on_each_request_does_not_escape_the_throttle(api):
    """Facing clients directly, the peer's address is counted, whatever the header says."""
    assert api.get(PER_ADDRESS, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    refused = api.get(PER_ADDRESS, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert problem_of(refused, 429)["code"] == "throttled"


def test_behind_one_trusted_proxy_the_address_it_saw_is_counted(api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.1"}
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.2"}
    assert api.get(PER_ADDRESS, **first).status_code == 200
    assert api.get(PER_ADDRESS, **second).status_code == 200
    assert api.get(PER_ADDRESS, **first).status_code == 429


def test_the_detail_is_in_french_first(api, auth):
    response = api.post("/api/test/refusing/http404/", {}, content_type="application/json", **auth)
    assert problem_of(response, 404)["detail"] != "Not found."
    assert response["Content-Language"] == "fr"


def test_the_detail_is_in_the_token_persons_language(api, phone_app, shopper):
    shopper.preferred_language = "en"
    shopper.save(update_fields=["preferred_language"])
    token = bearer_token(client=phone_app, user=shopper)
    response = api.post(
        "/api/test/refusing/http404/", {}, content_type="application/json", **bearer(token)
    )
    assert problem_of(response, 404)["detail"] == "Not found."
    assert response["Content-Language"] == "en"


# Idempotency-Key: 1 to 255 printable ASCII characters, bare or quoted.


@pytest.mark.parametrize(
    "key",
    ["a", "8e03978e-40d5-43e8-bc93-6894a57f9324", "x" * 255, "with space", '"quoted-key"'],
)
def test_a_valid_idempotency_key_is_read(api, auth, key):
    response = api.post(ECHO, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth)
    assert response.status_code == 200
    assert response.json()["idempotency_key"] == key.strip('"')


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "clé", " ", '""', '"a"b"', "tab\there", "nul\x00"],
    ids=[
        "empty",
        "too-long",
        "not-ascii",
        "space-only",
        "empty-quoted",
        "inner-quote",
        "tab",
        "nul",
    ],
)
def test_an_invalid_idempotency_key_is_a_400(api, auth, key):
    response = api.post(ECHO, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth)
    assert problem_of(response, 400)["code"] == "invalid_idempotency_key"


def test_a_missing_idempotency_key_is_a_400(api, auth):
    response = api.post(ECHO, {}, content_type="application/json", **auth)
    assert problem_of(response, 400)["code"] == "idempotency_key_required"


@pytest.mark.urls("config.urls")
def test_an_unknown_api_path_is_a_problem(api):
    assert problem_of(api.get("/api/v1/nothing-here/"), 404)["code"] == "not_found"
