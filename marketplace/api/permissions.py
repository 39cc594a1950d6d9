"""What a caller must hold for the API, beyond being who they say."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from identity.oidc.selectors import BearerAccess
from marketplace.api.problems import InsufficientScope

MARKETPLACE_SCOPE = "marketplace"


class MarketplaceScope(BasePermission):
    """A bearer token must carry the `marketplace` scope, on every endpoint, public ones
    included (an app that forgot to ask for it learns so at once); a session needs none."""

    def has_permission(self, request: Request, view: Any) -> bool:
        access = request.auth
        if isinstance(access, BearerAccess) and MARKETPLACE_SCOPE not in access.scopes:
            raise InsufficientScope()
        return True
