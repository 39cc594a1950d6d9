"""The marketplace's exceptions; each carries a stable `code` for logs and API clients."""

from django.utils.translation import gettext_lazy as _


class MarketplaceError(Exception):
    """Base class: a request the marketplace refuses, with a message a person can read."""

    code = "marketplace_error"
    message = _("This request cannot be completed.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class StoreApplicationPending(MarketplaceError):
    code = "store_application_pending"
    message = _("You already have an application waiting for the coop’s decision.")


class StoreDecisionInvalid(MarketplaceError):
    """A decision the store's current status does not allow (refusing an approved store)."""

    code = "store_decision_invalid"
    message = _("This decision does not apply to the store in its current status.")


class StoreStaffChangeRefused(MarketplaceError):
    code = "store_staff_change_refused"
    message = _("An owner is not added or removed here.")


class CatalogueQueryInvalid(MarketplaceError):
    """A catalogue search the selector cannot run: too long a text, a distance without a
    position, an unknown sort."""

    code = "catalogue_query_invalid"
    message = _("This search cannot be run; change it and try again.")
