"""Fuzzing the `claims` authorization parameter (OIDC Core 5.5): any text is a claims
request or an invalid_request, and whatever parses is shown on the consent page without
a crash."""

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from core.tests.strategies import FUZZ, json_values
from identity.oidc.claims import (
    CLAIM_SCOPE,
    ClaimsRequestError,
    claims_essential,
    claims_request_parse,
    claims_requested,
)
from identity.tests.oidc.conftest import REDIRECT_URI, query_params

pytestmark = pytest.mark.django_db

claim_names = st.sampled_from([*sorted(CLAIM_SCOPE), "sub", "acr", "birthdate"]) | st.text(
    max_size=10
)
claim_specs = (
    st.none()
    | json_values
    | st.fixed_dictionaries(
        {},
        optional={"essential": json_values, "value": json_values, "values": json_values},
    )
)
# Claims requests near the real shape: targets of any type, members with any spec.
claims_requests = st.dictionaries(
    st.sampled_from(["userinfo", "id_token"]) | st.text(max_size=8),
    st.dictionaries(claim_names, claim_specs, max_size=4) | json_values,
    max_size=3,
)
claims_texts = st.one_of(
    claims_requests.map(json.dumps),
    st.builds(json.dumps, json_values),
    st.text(max_size=200),
    st.text(alphabet='[]{}":,0 ', max_size=200),
)
SCOPE = "openid profile email address phone age membership locale"


@FUZZ
@given(raw=claims_texts)
def test_any_claims_text_is_a_claims_request_or_refused(raw):
    try:
        parsed = claims_request_parse(raw)
    except ClaimsRequestError as error:
        assert str(error)
        return
    assert set(parsed) <= {"userinfo", "id_token"}
    requested = claims_requested(
        scope=SCOPE, claims_request=parsed, allowed_scopes=set(SCOPE.split())
    )
    assert set(requested) <= set(CLAIM_SCOPE)
    assert claims_essential(parsed) <= set().union(*(set(m) for m in parsed.values()))


@FUZZ
@given(raw=claims_texts)
def test_the_authorization_endpoint_never_answers_500(raw, register, alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    registered = register()
    response = client.post(
        "/oidc/authorize",
        {
            "client_id": registered.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": SCOPE,
            "state": "s1",
            "claims": raw,
        },
        secure=True,
    )
    if response.status_code == 302 and response["Location"].startswith(REDIRECT_URI):
        assert query_params(response["Location"])["error"] == "invalid_request"
    elif "\x00" in raw:
        # No parameter holds a NUL: refused before any view (config.middleware).
        assert response.status_code == 400, response.content[:300]
    else:
        assert response.status_code in (200, 302), response.content[:300]
