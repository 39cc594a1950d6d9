"""The one JSON parser of the coop's JSON APIs: a body is read through core.jsonin, bounded
in size and depth, and must be one JSON object. Each API sets its own size limit."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

from core.jsonin import JsonInputError, json_parse

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
    """application/json, a JSON object of at most `max_bytes`: a larger body is a 413
    (json_too_large), anything else refused a 400 with core.jsonin's code."""

    media_type = "application/json"
    max_bytes = 64 * 1024

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        # One byte past the limit is enough to know it is too large, and no more is read.
        data = stream.read(self.max_bytes + 1) if stream is not None else b""
        try:
            return json_parse(data, max_bytes=self.max_bytes)
        except JsonInputError as error:
            if error.code == "json_too_large":
                raise PayloadTooLarge() from error
            raise ParseError(JSON_INPUT_MESSAGES[error.code], code=error.code) from error
