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


class TransitionRefused(MarketplaceError):
    """An order or shipment asked to move where its current status does not lead."""

    code = "transition_refused"
    message = _("This order cannot move to that status from where it is now.")


class PaymentGatewayError(MarketplaceError):
    """The payment gateway refused a call or could not be reached; nothing was charged
    twice, and the same call may be retried with the same idempotency key."""

    code = "payment_gateway_error"
    message = _("The payment service did not answer as expected; please try again.")
    # The API's status: the gateway, not the request, failed (a retry may succeed).
    http_status = 502
    # The gateway's own error code or type, for logs and tests (never its message).
    gateway_code = ""


class WebhookRefused(MarketplaceError):
    """A webhook whose signature, timestamp or body does not hold."""

    code = "webhook_refused"
    message = _("This notification was refused.")


class ListingPublishRefused(MarketplaceError):
    """A listing that cannot be published yet; the subclasses say why."""

    code = "listing_publish_refused"


class PayoutAccountRequired(ListingPublishRefused):
    code = "payout_account_required"
    message = _(
        "The store cannot publish until its payment account can receive payouts: its "
        "owner finishes the payment onboarding first."
    )


class ListingHasNoVariant(ListingPublishRefused):
    code = "listing_has_no_variant"
    message = _("Add at least one variant, with its price and stock, before publishing.")


class ListingPhotoLimit(MarketplaceError):
    code = "listing_photo_limit"
    message = _("A listing has at most 10 photos: remove one to add another.")


class StockChanged(MarketplaceError):
    """The stock moved (a sale) between the page that showed it and the change sent."""

    code = "stock_changed"
    message = _("The stock changed since the page was opened (a sale, perhaps): check it again.")


class PaymentEventHandlerFailed(MarketplaceError):
    """A webhook event was stored but its handler failed: the gateway is asked to deliver
    it again (Stripe retries for three days), and the next delivery runs the handler."""

    code = "payment_event_handler_failed"
    message = _("This notification could not be handled yet; please deliver it again.")


class OfflinePaymentRefused(MarketplaceError):
    """The test payment page was sent a payment that is no longer waiting to be paid."""

    code = "offline_payment_refused"
    message = _("This payment is no longer waiting to be paid.")


class CartLineRefused(MarketplaceError):
    """A variant that cannot go in a cart: not on sale, or a quantity out of range."""

    code = "cart_line_refused"
    message = _("This item cannot be added to your cart.")


class CartEmpty(MarketplaceError):
    code = "cart_empty"
    message = _("Your cart is empty.")


class CartChanged(MarketplaceError):
    """The cart no longer matches what the shopper saw: a price changed, stock fell below
    a quantity, or an item left the catalogue. Nothing was charged; `changes` lists them."""

    code = "cart_changed"
    message = _("Your cart has changed since you filled it: review it before paying.")

    def __init__(self, changes: list | None = None, message: str | None = None) -> None:
        super().__init__(message)
        self.changes = changes or []


class IdempotencyKeyReused(MarketplaceError):
    """The same Idempotency-Key sent again with a different request."""

    code = "idempotency_key_reused"
    message = _("This request key was already used for a different checkout.")
    # The API's status, as the IETF Idempotency-Key draft says for a key reused with
    # another request body.
    http_status = 422


class OrderNotCancellable(MarketplaceError):
    code = "order_not_cancellable"
    message = _("This order can no longer be cancelled: a store has started on it.")


class RefusalReasonRequired(MarketplaceError):
    code = "refusal_reason_required"
    message = _("Say why the order is refused: the shopper reads it.")


class CatalogueQueryInvalid(MarketplaceError):
    """A catalogue search the selector cannot run: too long a text, a distance without a
    position, an unknown sort."""

    code = "catalogue_query_invalid"
    message = _("This search cannot be run; change it and try again.")


class LockerShipmentNotAtCounter(MarketplaceError):
    """A locker shipment is made ready and handed over by the courier and the locker."""

    code = "locker_shipment_not_at_counter"
    message = _("This shipment goes to a locker: the courier and the locker mark it ready.")
    http_status = 409


class LockerActionRefused(MarketplaceError):
    """A locker action (show the code, keep it longer) the parcel's state does not allow."""

    code = "locker_action_refused"
    message = _("This cannot be done for this parcel now.")
    http_status = 409


class WebhookUrlRefused(MarketplaceError):
    """A webhook URL we will not call: not https, or a host on a private network."""

    code = "webhook_url_refused"
    message = _("This address cannot receive webhooks.")


class WebhookEndpointMissing(MarketplaceError):
    code = "webhook_endpoint_missing"
    message = _("The store has no webhook endpoint yet.")


class StoreApiKeyStoreNotApproved(MarketplaceError):
    """A store API key of a store the coop has not approved, or has suspended."""

    code = "store_not_approved"
    message = _(
        "This key’s store is not approved by the coop (pending, refused or suspended): "
        "the API is closed to it."
    )
    http_status = 403


class StoreApiKeyOwnerLeft(MarketplaceError):
    """The owner who made a store API key no longer owns the store: the key acts for them."""

    code = "api_key_owner_left"
    message = _("The owner who made this key no longer owns the store: ask an owner for a new key.")
    http_status = 403


class StoreApiKeyReadOnly(MarketplaceError):
    code = "api_key_read_only"
    message = _("This key is read-only: ask the store’s owner for a read-and-write key.")
    http_status = 403


class StoreApiIdempotencyKeyReused(IdempotencyKeyReused):
    message = _("This request key was already used for a different request.")
