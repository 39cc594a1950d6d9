"""The one rule for an Idempotency-Key from outside (a header of our APIs, or a field of a
page's form): 1 to 255 printable ASCII characters, a space only inside. A header may quote
it as a structured-field string ("…", draft-ietf-httpapi-idempotency-key-header); the
quotes are not part of the key, and a key holding a quote or a backslash is refused."""

import re

IDEMPOTENCY_KEY_PATTERN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?")


def idempotency_header_key(raw: str) -> str | None:
    """The key an Idempotency-Key header carries, or None when it breaks the rule."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(value) or '"' in value or "\\" in value:
        return None
    return value
