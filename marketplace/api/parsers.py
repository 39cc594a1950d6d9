"""The API's only parser: JSON read through core.jsonin, bounded in size and depth."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from core.jsonin import JsonInputError, json_parse
from marketplace.api.problems import PayloadTooLarge

# A cart line, a checkout request: a few hundred bytes. Far more is not one of ours.
API_JSON_MAX_BYTES = 64 * 1024

JSON_INPUT_MESSAGES = {
    "json_invalid": _("The request body is not valid JSON."),
    "json_too_deep": _("The request body’s JSON is nested too deeply."),
    "json_not_object": _("The request body must be a JSON object."),
}


class BoundedJsonParser(BaseParser):
    """application/json, a JSON object of at most API_JSON_MAX_BYTES: a larger body is a
    413 (json_too_large), anything else refused a 400 with core.jsonin's code."""

    media_type = "application/json"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        # One byte past the limit is enough to know it is too large, and no more is read.
        data = stream.read(API_JSON_MAX_BYTES + 1) if stream is not None else b""
        try:
            return json_parse(data, max_bytes=API_JSON_MAX_BYTES)
        except JsonInputError as error:
            if error.code == "json_too_large":
                raise PayloadTooLarge() from error
            raise ParseError(JSON_INPUT_MESSAGES[error.code], code=error.code) from error
