"""The authorization endpoint's policy, as a pure function: no HTTP, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity.assurance import level_satisfies
from identity.oidc.claims import ClaimsRequestError, claims_essential
from identity.oidc.policy import (
    AskConsent,
    AuthorizationParams,
    AuthorizationParamsError,
    ClientFlags,
    ConsentAnswer,
    Issue,
    Refuse,
    SessionState,
    SignIn,
    StoredConsent,
    authorization_decision,
    authorization_params,
    required_level,
    sign_in_is_fresh,
)

NOW = 1_800_000_000
ALICE = SessionState(signed_in=True, acr="low", auth_time=NOW - 60, subject="sub-alice")
SIGNED_OUT = SessionState(signed_in=False)
RP = ClientFlags(is_internal=False, allowed_scopes=frozenset({"openid", "profile", "email"}))
INTERNAL = ClientFlags(is_internal=True, allowed_scopes=RP.allowed_scopes)
EMAIL = ("email", "email_verified")
CONSENTED = StoredConsent(claims_asked=frozenset(EMAIL), claims_granted=frozenset({"email"}))


def decide(
    *,
    session: SessionState = ALICE,
    params: AuthorizationParams | None = None,
    client: ClientFlags = RP,
    consent: StoredConsent | None = CONSENTED,
    answer: ConsentAnswer | None = None,
    sign_in_sent_at: int | None = None,
    **request: str,
):
    if params is None:
        params = authorization_params(request, scope=request.pop("scope", "openid email"))
    return authorization_decision(
        session=session,
        params=params,
        client=client,
        consent=consent,
        answer=answer,
        sign_in_sent_at=sign_in_sent_at,
        now=NOW,
    )


def test_a_consented_request_issues_what_was_granted():
    assert decide() == Issue(released=("email",), requested=EMAIL)


def test_a_signed_out_person_signs_in():
    assert decide(session=SIGNED_OUT) == SignIn(level=None)


def test_a_signed_out_person_with_prompt_none_is_login_required():
    assert decide(session=SIGNED_OUT, prompt="none") == Refuse("login_required")


# prompt=login and max_age: only a sign-in after the endpoint asked for it is fresh.


def test_prompt_login_signs_in_again():
    assert decide(prompt="login") == SignIn(level=None)


def test_prompt_login_is_met_by_a_sign_in_after_it_was_asked():
    assert decide(prompt="login", sign_in_sent_at=NOW - 60) == Issue(("email",), EMAIL)


def test_prompt_login_is_not_met_by_a_sign_in_before_it_was_asked():
    assert decide(prompt="login", sign_in_sent_at=NOW - 59) == SignIn(level=None)


def test_max_age_exceeded_signs_in_again():
    assert decide(max_age="59") == SignIn(level=None)


def test_max_age_not_exceeded_issues():
    assert decide(max_age="60") == Issue(("email",), EMAIL)


def test_max_age_is_met_by_a_sign_in_after_it_was_asked():
    assert decide(max_age="0", sign_in_sent_at=NOW - 60) == Issue(("email",), EMAIL)


def test_a_sign_in_asked_for_but_not_done_by_a_signed_out_person_is_not_fresh():
    assert not sign_in_is_fresh(SIGNED_OUT, NOW)


def test_a_sign_in_never_asked_for_is_not_fresh():
    assert not sign_in_is_fresh(ALICE, None)


# acr_values: step-up, then unmet if a fresh sign-in is still too low.


def test_a_level_too_low_steps_up():
    assert decide(acr_values="high") == SignIn(level="high")


def test_the_lowest_level_asked_is_the_one_required():
    assert decide(acr_values="high substantial bogus") == SignIn(level="substantial")
    assert required_level("bogus") is None


def test_a_level_met_issues():
    session = SessionState(signed_in=True, acr="high", auth_time=NOW, subject=None)
    assert decide(session=session, acr_values="substantial") == Issue(("email",), EMAIL)


def test_a_fresh_sign_in_still_too_low_is_unmet():
    decision = decide(acr_values="high", sign_in_sent_at=NOW - 60)
    assert decision == Refuse("unmet_authentication_requirements")


def test_a_level_too_low_with_prompt_none_is_login_required():
    assert decide(acr_values="high", prompt="none") == Refuse("login_required")


# id_token_hint.


def test_a_hint_naming_the_person_issues():
    params = authorization_params({}, scope="openid email", hinted_subject="sub-alice")
    assert decide(params=params) == Issue(("email",), EMAIL)


def test_a_hint_naming_someone_else_signs_in():
    params = authorization_params({}, scope="openid email", hinted_subject="sub-bob")
    assert decide(params=params) == SignIn(level=None)


def test_a_hint_naming_someone_else_with_prompt_none_is_login_required():
    params = authorization_params(
        {"prompt": "none"}, scope="openid email", hinted_subject="sub-bob"
    )
    assert decide(params=params) == Refuse("login_required")


def test_a_hint_naming_someone_else_after_a_fresh_sign_in_is_login_required():
    params = authorization_params({}, scope="openid email", hinted_subject="sub-bob")
    assert decide(params=params, sign_in_sent_at=NOW - 60) == Refuse("login_required")


def test_a_hint_when_signed_out_signs_in():
    params = authorization_params({}, scope="openid email", hinted_subject="sub-alice")
    assert decide(params=params, session=SIGNED_OUT) == SignIn(level=None)


# Consent.


def test_no_stored_consent_asks():
    assert decide(consent=None) == AskConsent(claims=EMAIL, essential=frozenset())


def test_more_claims_than_consented_asks():
    decision = decide(scope="openid email profile")
    assert isinstance(decision, AskConsent)
    assert decision.claims == (*EMAIL, "given_name", "family_name", "name")


def test_prompt_consent_asks_again():
    assert decide(prompt="consent") == AskConsent(claims=EMAIL, essential=frozenset())


def test_consent_needed_with_prompt_none_is_consent_required():
    assert decide(consent=None, prompt="none") == Refuse("consent_required")


def test_internal_clients_are_not_asked():
    assert decide(client=INTERNAL, consent=None) == Issue(released=EMAIL, requested=EMAIL)


def test_the_answer_releases_the_ticked_claims_asked_and_nothing_else():
    answer = ConsentAnswer(allowed=True, ticked=frozenset({"email", "phone_number", "address"}))
    decision = decide(consent=None, answer=answer)
    assert decision == Issue(released=("email",), requested=EMAIL, consent_given=True)


def test_the_answer_releases_essential_claims_even_unticked():
    claims = '{"userinfo": {"given_name": {"essential": true}}}'
    answer = ConsentAnswer(allowed=True, ticked=frozenset())
    decision = decide(consent=None, answer=answer, claims=claims)
    assert decision == Issue(
        released=("given_name",), requested=(*EMAIL, "given_name"), consent_given=True
    )


def test_the_answer_overrides_the_stored_consent():
    answer = ConsentAnswer(allowed=True, ticked=frozenset({"email_verified"}))
    assert decide(answer=answer) == Issue(("email_verified",), EMAIL, consent_given=True)


def test_a_refusal_is_access_denied():
    assert decide(answer=ConsentAnswer(allowed=False)) == Refuse("access_denied")


def test_a_refusal_is_access_denied_whatever_else_the_request_needs():
    answer = ConsentAnswer(allowed=False)
    assert decide(session=SIGNED_OUT, answer=answer) == Refuse("access_denied")


def test_an_answer_does_not_replace_a_sign_in():
    answer = ConsentAnswer(allowed=True, ticked=frozenset(EMAIL))
    assert decide(answer=answer, prompt="login") == SignIn(level=None)


# The request's parameters.


@pytest.mark.parametrize("max_age", ["-1", "1.5", "soon", "٣"])
def test_a_malformed_max_age_is_refused(max_age):
    with pytest.raises(AuthorizationParamsError):
        authorization_params({"max_age": max_age}, scope="openid")


def test_a_malformed_claims_request_is_refused():
    with pytest.raises(ClaimsRequestError):
        authorization_params({"claims": "[1]"}, scope="openid")


def test_params_are_read_as_the_policy_uses_them():
    params = authorization_params(
        {"prompt": "login consent", "max_age": "30", "acr_values": "high", "claims": "{}"},
        scope="openid",
    )
    assert params == AuthorizationParams(
        scope="openid",
        prompts=frozenset({"login", "consent"}),
        max_age=30,
        required_level="high",
    )


# Properties that hold whatever the request, the session and the answer.

LEVEL_VALUES = st.sampled_from([None, "low", "substantial", "high"])
PROMPTS = st.frozensets(st.sampled_from(["none", "login", "consent"]), max_size=2)
CLAIM_NAMES = st.frozensets(
    st.sampled_from(["email", "email_verified", "given_name", "phone_number", "address"])
)


@st.composite
def situations(draw):
    signed_in = draw(st.booleans())
    session = SessionState(
        signed_in=signed_in,
        acr=draw(LEVEL_VALUES) if signed_in else None,
        auth_time=draw(st.integers(NOW - 10_000, NOW)) if signed_in else 0,
        subject=draw(st.sampled_from([None, "sub-alice", "sub-bob"])) if signed_in else None,
    )
    params = AuthorizationParams(
        scope=draw(st.sampled_from(["openid", "openid email", "openid profile email"])),
        prompts=draw(PROMPTS),
        max_age=draw(st.none() | st.integers(0, 20_000)),
        required_level=draw(LEVEL_VALUES),
        hinted_subject=draw(st.sampled_from([None, "sub-alice", "sub-bob"])),
    )
    consent = draw(
        st.none() | st.builds(StoredConsent, claims_asked=CLAIM_NAMES, claims_granted=CLAIM_NAMES)
    )
    answer = draw(st.none() | st.builds(ConsentAnswer, allowed=st.booleans(), ticked=CLAIM_NAMES))
    sent = draw(st.none() | st.integers(NOW - 10_000, NOW))
    client = draw(st.sampled_from([RP, INTERNAL]))
    return session, params, client, consent, answer, sent


def _decide_in(situation):
    session, params, client, consent, answer, sent = situation
    return authorization_decision(
        session=session,
        params=params,
        client=client,
        consent=consent,
        answer=answer,
        sign_in_sent_at=sent,
        now=NOW,
    )


@given(situations())
def test_a_code_is_issued_only_to_a_signed_in_person_of_the_level_asked(situation):
    session, params, *_ = situation
    if isinstance(_decide_in(situation), Issue):
        assert session.signed_in
        assert params.required_level is None or level_satisfies(session.acr, params.required_level)
        assert params.hinted_subject in (None, session.subject)


@given(situations())
def test_prompt_login_is_never_met_without_a_sign_in_since_it_was_asked(situation):
    session, params, _client, _consent, _answer, sent = situation
    decision = _decide_in(situation)
    if "login" in params.prompts and (sent is None or session.auth_time < sent):
        assert not isinstance(decision, Issue)


@given(situations())
def test_only_claims_asked_are_released_and_an_answer_releases_only_its_ticks(situation):
    _session, params, client, _consent, answer, _sent = situation
    decision = _decide_in(situation)
    if isinstance(decision, Issue):
        assert set(decision.released) <= set(decision.requested)
        essential = claims_essential(params.claims_request)
        if answer is not None and not client.is_internal:
            assert set(decision.released) <= answer.ticked | essential


@given(situations())
def test_prompt_none_never_asks_the_person(situation):
    _session, params, *_ = situation
    if "none" in params.prompts:
        assert not isinstance(_decide_in(situation), SignIn | AskConsent)
