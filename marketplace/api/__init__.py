"""The marketplace's JSON API, at /api/v1/ (docs/api.md; OpenAPI at /api/schema/).

Every view derives from `views.ApiView`, which fixes what the whole API shares: who may
call it (the browser session with CSRF, or a bearer access token from our OpenID Connect
provider carrying the `marketplace` scope), the one JSON parser (core.jsonin, bounded),
problem+json errors with a stable code, pagination, and the documented error responses.
"""
