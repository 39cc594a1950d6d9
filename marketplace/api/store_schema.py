"""The OpenAPI description of the point-of-sale API: every operation documents the
problem documents it may answer with, as the shopper API does (marketplace/api/schema.py)."""

from core.api_schema import ProblemAutoSchema
from marketplace.api.store_serializers import StoreProblemSerializer

PROBLEM_DESCRIPTIONS = {
    400: "Bad input: invalid JSON (json_invalid, json_too_deep, json_not_object), invalid "
    "fields (invalid, with `errors`; a bulk stock update names every bad item as "
    "`items[<index>].sku` or `items[<index>].stock`), or a bad Idempotency-Key "
    "(invalid_idempotency_key, idempotency_key_required).",
    401: "No valid store key: none was sent (not_authenticated), or it is malformed, unknown "
    "or revoked (invalid_store_api_key).",
    403: "Refused: the key is read-only and the request writes (api_key_read_only), its store "
    "is not approved (store_not_approved), the owner who made it no longer owns the store "
    "(api_key_owner_left), or the store may not do this (permission_denied).",
    404: "No such listing or variant in the key's store (not_found), or a page past the last "
    "(invalid_page).",
    409: "The request conflicts with the listing's state: it cannot be published yet "
    "(payout_account_required, listing_has_no_variant).",
    413: "The body is larger than 256 KiB (json_too_large).",
    415: "The body is not application/json (unsupported_media_type).",
    422: "The Idempotency-Key was already used with another request (idempotency_key_reused).",
    429: "Too many requests with this key (throttled): wait Retry-After seconds.",
}


class StoreAutoSchema(ProblemAutoSchema):
    problem_serializer = StoreProblemSerializer
    problem_descriptions = PROBLEM_DESCRIPTIONS

    def _problem_statuses(self) -> list[int]:
        statuses = [400, 401, 403, 429]
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += [409, 413, 415, 422]
        if "{" in self.path or self._is_list_view():
            statuses.append(404)
        return sorted(statuses)
