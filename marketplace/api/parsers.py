"""The marketplace API's parser: the coop's bounded JSON parser (core.api_input)."""

from core.api_input import BoundedJsonParser as CoreBoundedJsonParser

# A cart line, a checkout request: a few hundred bytes. Far more is not one of ours.
API_JSON_MAX_BYTES = 64 * 1024


class BoundedJsonParser(CoreBoundedJsonParser):
    max_bytes = API_JSON_MAX_BYTES
