"""No token, code or secret reaches a log record, even with every logger at DEBUG."""

import logging
from collections.abc import Iterator

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def every_record(caplog) -> Iterator[list[logging.LogRecord]]:
    """Every log record made in this process, from any logger, with all of them at DEBUG.

    Records are collected where they are made (the record factory), so that a logger that
    does not propagate to caplog's handler is seen too.
    """
    for name in [*logging.root.manager.loggerDict, "authlib", "identity", "django"]:
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)
    records: list[logging.LogRecord] = []
    previous = logging.getLogRecordFactory()

    def collect(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        records.append(record)
        return record

    logging.setLogRecordFactory(collect)
    try:
        yield records
    finally:
        logging.setLogRecordFactory(previous)


def _logged(records: list[logging.LogRecord], caplog) -> str:
    texts = [caplog.text]
    for record in records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().format(record))
    return "\n".join(texts)


def test_a_code_flow_refresh_and_token_uses_log_no_secret(
    provider, register, alice, every_record, caplog
):
    registered = register()
    provider.sign_in()
    token, authorization = provider.code_flow(registered, scope="openid email")
    auth = registered.basic_auth
    refreshed = provider.token_request(
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, auth=auth
    ).json()
    bearer = {"Authorization": f"Bearer {refreshed['access_token']}"}
    userinfo = requests.get(provider.config["userinfo_endpoint"], headers=bearer, timeout=5)
    introspected = requests.post(
        provider.config["introspection_endpoint"],
        data={"token": refreshed["access_token"]},
        auth=auth,
        timeout=5,
    )
    revoked = requests.post(
        provider.config["revocation_endpoint"],
        data={"token": refreshed["refresh_token"]},
        auth=auth,
        timeout=5,
    )
    reused = provider.token_request(
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, auth=auth
    )
    wrong_secret = provider.token_request(
        {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=(registered.client_id, registered.client_secret + "x"),
    )
    assert reused.status_code == 400
    assert userinfo.status_code == 200
    assert introspected.json()["active"] is True
    assert revoked.status_code == 200
    assert wrong_secret.status_code == 401

    secrets = {
        "code": authorization["code"],
        "client_secret": registered.client_secret,
        "code_verifier": provider.code_verifier,
        "session": provider.browser.cookies["sessionid"],
        **{f"first {name}": token[name] for name in ("access_token", "refresh_token", "id_token")},
        **{
            f"refreshed {name}": refreshed[name]
            for name in ("access_token", "refresh_token", "id_token")
            if name in refreshed
        },
    }
    assert len(every_record) > 20, "the flow logged almost nothing: is DEBUG on?"
    assert any(record.name.startswith("authlib") for record in every_record)
    logged = _logged(every_record, caplog)
    leaked = [name for name, value in secrets.items() if value and value in logged]
    assert leaked == []
