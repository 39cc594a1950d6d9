"""lockers' API parser: the coop's bounded JSON parser (core.api_input)."""

from core.api_input import BoundedJsonParser as CoreBoundedJsonParser

# A scan is a label's text (under 400 characters) and a site's slug.
LOCKERS_API_JSON_MAX_BYTES = 8 * 1024


class BoundedJsonParser(CoreBoundedJsonParser):
    max_bytes = LOCKERS_API_JSON_MAX_BYTES
