"""The city's side of the virtual safe: sealed tenders and payables (ADR 0011)."""
