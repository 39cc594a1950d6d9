"""lockers' API reads only JSON objects, bounded in size and depth (core.jsonin)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

from core.jsonin import JsonInputError, json_parse

# A scan is a label's text (under 400 characters) and a site's slug.
LOCKERS_API_JSON_MAX_BYTES = 8 * 1024

JSON_INPUT_MESSAGES = {
    "json_invalid": _("The request body is not valid JSON."),
    "json_too_deep": _("The request body’s JSON is nested too deeply."),
    "json_not_object": _("The request body must be a JSON object."),
}


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "json_too_large"


class BoundedJsonParser(BaseParser):
    """application/json, an object of at most LOCKERS_API_JSON_MAX_BYTES: larger is a 413
    (json_too_large); anything else not a JSON object a 400 with core.jsonin's code."""

    media_type = "application/json"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        data = stream.read(LOCKERS_API_JSON_MAX_BYTES + 1) if stream is not None else b""
        try:
            return json_parse(data, max_bytes=LOCKERS_API_JSON_MAX_BYTES)
        except JsonInputError as error:
            if error.code == "json_too_large":
                raise PayloadTooLarge() from error
            raise ParseError(JSON_INPUT_MESSAGES[error.code], code=error.code) from error
