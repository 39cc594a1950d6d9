"""Secrets in log text are replaced, in every form a library or a request writes them."""

import logging

import pytest

from core.logredact import REDACTED, SecretsRedactFilter, record_redact, redact

SECRET = "s3cr3T-Value_0123456789abcdefXYZ"
JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "text",
    [
        # Authlib: log.debug("Issue token %r to %r", token, client)
        f"Issue token {{'token_type': 'Bearer', 'access_token': '{SECRET}', 'expires_in': 300}}",
        f"{{'refresh_token': '{SECRET}', 'scope': 'openid'}}",
        f'{{"client_secret": "{SECRET}"}}',
        f"<QueryDict: {{'code': ['{SECRET}'], 'state': ['x']}}>",
        f"GET /oidc/userinfo?access_token={SECRET}&x=1 HTTP/1.1",
        f"POST body grant_type=authorization_code&code={SECRET}&code_verifier={SECRET}",
        f"token={SECRET}",
        f"Authorization: Bearer {SECRET}",
        f"Authorization: Basic {SECRET}==",
        f"{{'HTTP_AUTHORIZATION': 'Basic {SECRET}=='}}",
        f"{{'HTTP_COOKIE': 'sessionid={SECRET}; csrftoken=abc'}}",
        f"Cookie: sessionid={SECRET}",
        f"headers={{'Authorization': 'Bearer {SECRET}'}}",
        f"bearer {SECRET}",
        f"end_session?id_token_hint={SECRET}",
        f"'password': '{SECRET}'",
    ],
)
def test_a_secret_in_any_usual_form_is_redacted(text):
    redacted = redact(text)
    assert SECRET not in redacted
    assert REDACTED in redacted


def test_a_jwt_is_redacted_wherever_it_stands():
    assert redact(f"the hint was {JWT}, refused") == f"the hint was {REDACTED}, refused"


@pytest.mark.parametrize(
    "text",
    [
        "Card sign-in refused: code=signature_invalid reason=bad client_ip=192.0.2.1",
        "{'error': 'invalid_grant', 'code': 'invalid_grant'}",
        "Passkey sign-in refused: reason=passkey_card_revoked client=192.0.2.1",
        "GET /oidc/authorize?client_id=abc&response_type=code&scope=openid HTTP/1.1",
    ],
)
def test_error_codes_and_plain_fields_are_kept(text):
    assert redact(text) == text


def test_redacting_twice_changes_nothing_more():
    once = redact(f"code={SECRET} 'access_token': '{SECRET}' Bearer {SECRET}")
    assert redact(once) == once


def _record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("test", logging.DEBUG, __file__, 1, msg, args, exc_info)


def test_a_record_is_redacted_in_its_message_and_its_traceback():
    try:
        raise ValueError(f"bad refresh_token={SECRET}")
    except ValueError as exc:
        record = _record(
            "Issue token %r", {"access_token": SECRET}, exc_info=(ValueError, exc, None)
        )
    assert SecretsRedactFilter().filter(record) is True
    assert SECRET not in record.getMessage()
    assert SECRET not in logging.Formatter().format(record)


def test_a_record_without_secrets_keeps_its_arguments():
    record = _record("Deleted %s accounts.", 3)
    record_redact(record)
    assert record.args == (3,)
    assert record.getMessage() == "Deleted 3 accounts."


def test_every_record_made_in_this_process_is_redacted():
    """Settings install the factory (LOGGING_CONFIG), so test handlers see redacted text."""
    record = logging.getLogger("authlib.test").makeRecord(
        "authlib.test", logging.DEBUG, __file__, 1, "Issue token %r", ({"id_token": JWT},), None
    )
    assert JWT not in record.getMessage()


def test_the_console_handler_filters_too(settings):
    assert "secrets_redact" in settings.LOGGING["handlers"]["console"]["filters"]
