"""Document signatures with the card's signing key (slot 9C), our timestamp authority,
and their verification (ADR 0011)."""
