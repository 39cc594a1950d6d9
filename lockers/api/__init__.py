"""lockers' JSON API under /api/v1/ (docs/courier-api.md): the courier app's endpoints
(courier_*.py) and the kiosk's. It follows the marketplace API's conventions (problem+json
errors through settings.REST_FRAMEWORK's exception handler, bounded JSON, OpenAPI) with
classes of its own, since lockers imports only core and identity."""
