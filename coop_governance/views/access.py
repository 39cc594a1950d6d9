"""The pages' side of the access_* rules (coop_governance/selectors.py and the services):
a refusal becomes a 403 page, or a yes/no for what a page shows."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from coop_governance.errors import GovernanceError
from coop_governance.selectors import access_board


def passes(access: Callable[[Any], Any], user: Any) -> bool:
    """True when `access(user)` lets `user` through (what a page shows them)."""
    try:
        access(user)
    except GovernanceError:
        return False
    return True


def board_required(request: HttpRequest) -> None:
    """The board's pages: access_board, a 403 page for anyone else."""
    try:
        access_board(request.user)
    except GovernanceError as refused:
        raise PermissionDenied(refused.message) from refused
