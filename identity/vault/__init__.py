"""The vault: a person's documents encrypted at rest, shared by their choice, every access
logged (ADR 0011). crypto (the envelope), services (every write), selectors (who may read),
views and api (the pages and the services' read endpoint)."""
