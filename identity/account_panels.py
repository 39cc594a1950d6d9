"""Panels that the apps above identity add to the account hub (/compte/).

identity imports nothing above it: marketplace, lockers and governance each register
their panels here from their AppConfig.ready(), and the hub shows those whose context
function answers for the person.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class AccountPanel:
    """One panel of the hub. `context(request)` returns the template's context, or None
    to hide the panel from this person."""

    key: str
    title: Any
    order: int
    template_name: str
    context: Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class PanelShown:
    panel: AccountPanel
    context: dict[str, Any]


_panels: dict[str, AccountPanel] = {}


def register(panel: AccountPanel) -> None:
    """Add `panel` to the hub; registering the same key again replaces it."""
    _panels[panel.key] = panel


def unregister(key: str) -> None:
    _panels.pop(key, None)


def panels_for(request: HttpRequest) -> list[PanelShown]:
    """The panels this person sees, by `order` then key, each with its context."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request)
        if context is not None:
            shown.append(PanelShown(panel=panel, context=context))
    return shown
