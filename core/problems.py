"""Problem documents (RFC 9457, `application/problem+json`): the one shape of every error
a program receives from us, from the site's own error pages (config/views.py) and from
the JSON APIs (marketplace/api/problems.py).

`type` is `about:blank` and `title` the status's own phrase, in English and stable; what
a program branches on is `code`, a stable snake_case word; `detail` is for a person, in
the request's language; `errors` (validation problems only) maps each field to the
list of what is wrong with it.
"""

from http import HTTPStatus
from typing import Any

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"

# The code of a problem raised without one of its own, by status.
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "server_error",
}


def problem_body(
    *,
    status: int,
    code: str | None = None,
    detail: str = "",
    errors: dict[str, Any] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The members of a problem document, in a fixed order."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code or STATUS_CODES.get(status, "error"),
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    *,
    status: int,
    title: str | None = None,
    detail: str = "",
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """A problem document as a plain Django response (no DRF): for the site's error pages."""
    body = problem_body(status=status, code=code, detail=detail, title=title)
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
