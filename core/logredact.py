"""Secrets never reach a log, whatever the level or the logger.

Authlib logs at DEBUG the token responses it issues ("Issue token %r to %r", a dict with
the access, refresh and ID tokens), Django's development server logs request lines with
their query strings, and an exception's message may quote a request. Every log record is
rewritten when it is made (a record factory, so that every handler sees only the
rewritten text, test handlers included) and again by a handler filter: bearer and basic
credentials, Authorization and Cookie header values, JWTs (ID tokens, `id_token_hint`),
and the values of parameters and fields named like secrets (`access_token`,
`refresh_token`, `id_token`, `code`, `code_verifier`, `client_secret`, `token`,
`password`, `sessionid`...) become "[redacted]".

`code` is also the name of our error codes ("code=card_token_invalid"): a value that is a
snake_case word is kept; authorization codes are random and never one.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

REDACTED = "[redacted]"

SECRET_NAMES = (
    "access_token",
    "refresh_token",
    "id_token",
    "id_token_hint",
    "logout_token",
    "code",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "token",
    "password",
    "sessionid",
    "session_key",
    "authorization",
    "http_authorization",
    "cookie",
    "http_cookie",
)
_NAMES = "|".join(SECRET_NAMES)
# 'name': 'value', "name": "value", 'name': ['value'] (dict, JSON and QueryDict reprs).
_QUOTED = re.compile(
    rf"(?i)(?P<q>[\"'])(?P<name>{_NAMES})(?P=q)(?P<sep>\s*:\s*\[?\s*)(?P<vq>[\"'])"
    r"(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)"
)
# name=value (query strings, form bodies, cookies, log fields).
_PAIR = re.compile(rf"(?i)(?<![\w-])(?P<name>{_NAMES})=(?P<value>[^&\s'\",;]+)")
_SCHEME = re.compile(r"(?i)\b(?P<scheme>Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*")
_HEADER = re.compile(r"(?i)\b(?P<name>Authorization|Cookie)(?P<sep>\s*:\s*)[^\r\n]+")
_JWT = re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*")
# A store API key wherever it stands (docs/store-api.md): its prefix, which is not secret
# and names the key, stays.
_STORE_KEY = re.compile(r"\b(?P<prefix>uqs_[0-9a-f]{16})_[A-Za-z0-9_-]{43}")
_ERROR_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def _kept(name: str, value: str) -> bool:
    """A `code` whose value is an error code, or a value already redacted."""
    if value == REDACTED:
        return True
    return name.lower() == "code" and _ERROR_CODE.fullmatch(value) is not None


def _quoted(match: re.Match[str]) -> str:
    if _kept(match["name"], match["value"]):
        return match[0]
    q, vq = match["q"], match["vq"]
    return f"{q}{match['name']}{q}{match['sep']}{vq}{REDACTED}{vq}"


def _pair(match: re.Match[str]) -> str:
    if _kept(match["name"], match["value"]):
        return match[0]
    return f"{match['name']}={REDACTED}"


def redact(text: str) -> str:
    """`text` with every credential and secret-named value replaced by [redacted]."""
    text = _QUOTED.sub(_quoted, text)
    text = _PAIR.sub(_pair, text)
    text = _HEADER.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text)
    text = _SCHEME.sub(lambda m: f"{m['scheme']} {REDACTED}", text)
    text = _STORE_KEY.sub(lambda m: f"{m['prefix']}_{REDACTED}", text)
    return _JWT.sub(REDACTED, text)


def record_redact(record: logging.LogRecord) -> None:
    """Rewrite `record` in place so that its message, traceback and stack hold no secret."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logging's own to report
        message = None
    if message is not None:
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class SecretsRedactFilter(logging.Filter):
    """A handler filter that redacts every record it passes (record_redact)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record_redact(record)
        return True


def record_factory_install() -> None:
    """Make every log record of this process redacted when it is created."""
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(previous, "redacts_secrets", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record_redact(record)
        return record

    factory.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def logging_configure(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: dictConfig(LOGGING), then redaction of every record."""
    import logging.config

    logging.config.dictConfig(config)
    record_factory_install()
