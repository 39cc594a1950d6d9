"""The account hub's reads: who the person is, at what level this session is, their card,
passkeys and connected services, and the one next step that would help them most."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from identity.assurance import LevelExplained, level_explained, session_assurance
from identity.models import (
    Card,
    CardRevocationReason,
    CardStatus,
    IdentityCheck,
    MembershipStatus,
    Passkey,
    User,
)
from identity.oidc.selectors import Claim, connected_services_for

# An active card this close to its end date is shown as expiring: time to see a registrar.
CARD_EXPIRING_WITHIN = timedelta(days=60)


@dataclass(frozen=True)
class CardSummary:
    """The card that says most about the person now: the active one, else the newest."""

    state: str  # none, active, expiring, lost, revoked, suspended, pending
    card: Card | None
    label: Any
    badge: str  # the design system's badge kind: ok, warn, bad, neutral

    @property
    def usable(self) -> bool:
        return self.state in ("active", "expiring")


CARD_STATES: dict[str, tuple[Any, str]] = {
    "none": (pgettext_lazy("card state", "No card yet"), "neutral"),
    "active": (pgettext_lazy("card state", "Active"), "ok"),
    "expiring": (pgettext_lazy("card state", "Expires soon"), "warn"),
    "lost": (pgettext_lazy("card state", "Declared lost or stolen"), "bad"),
    "revoked": (pgettext_lazy("card state", "Revoked"), "bad"),
    "suspended": (pgettext_lazy("card state", "Suspended"), "warn"),
    "pending": (pgettext_lazy("card state", "Being issued"), "neutral"),
}


def card_state(card: Card | None, *, now: datetime) -> str:
    """The state a person reads for `card`: its status, with `expiring` for an active card
    near its end date and `lost` for one revoked as lost or stolen."""
    if card is None:
        return "none"
    if card.status == CardStatus.ACTIVE:
        return "expiring" if card.not_after - now <= CARD_EXPIRING_WITHIN else "active"
    if card.status == CardStatus.REVOKED:
        lost = (CardRevocationReason.LOST, CardRevocationReason.STOLEN)
        return "lost" if card.revocation_reason in lost else "revoked"
    return str(card.status)


def card_summary(user: User, *, now: datetime) -> CardSummary:
    """One query, whatever the number of cards the person ever held."""
    cards = list(
        Card.objects.filter(user=user).defer("certificate_der").order_by("-issued_at", "-id")
    )
    card = next((c for c in cards if c.status == CardStatus.ACTIVE), cards[0] if cards else None)
    state = card_state(card, now=now)
    label, badge = CARD_STATES[state]
    return CardSummary(state=state, card=card, label=label, badge=badge)


@dataclass(frozen=True)
class PasskeySummary:
    count: int
    last_used_at: datetime | None


def passkey_summary(user: User) -> PasskeySummary:
    """How many passkeys still sign the person in, and when one last did."""
    totals = Passkey.objects.filter(user=user, revoked_at__isnull=True).aggregate(
        count=Count("id"), last_used_at=Max("last_used_at")
    )
    return PasskeySummary(count=totals["count"], last_used_at=totals["last_used_at"])


@dataclass(frozen=True)
class ServiceSummary:
    """A connected service and the latest information it received."""

    client_pk: int
    name: str
    last_released_at: datetime | None
    last_claims: list[Claim]
    times_received: int


def services_summary(user: User) -> list[ServiceSummary]:
    """Each connected service with its latest release; two queries (connected_services_for)."""
    return [
        ServiceSummary(
            client_pk=service.client.pk,
            name=service.client.name,
            last_released_at=service.releases[0].released_at if service.releases else None,
            last_claims=service.releases[0].claims if service.releases else [],
            times_received=len(service.releases) + service.releases_not_shown,
        )
        for service in connected_services_for(user=user)
    ]


@dataclass(frozen=True)
class NextAction:
    """The one step the hub highlights: `key` names it for the template and tests."""

    key: str  # verify_email, get_card, add_passkey, shop_local
    title: Any
    text: Any
    url: str
    label: Any


def _shop_url() -> str:
    # The stores are the marketplace's page: named, never imported (identity is below it).
    try:
        return reverse("marketplace:store_list")
    except NoReverseMatch:
        return reverse("home")


def next_action(*, user: User, card: CardSummary, passkeys: PasskeySummary) -> NextAction:
    """The first of: verify the email, get a card, add a passkey; else go shopping."""
    if not user.email_verified:
        return NextAction(
            key="verify_email",
            title=_("Verify your email address"),
            text=_(
                "Follow the link we sent to %(email)s. It keeps your account yours: "
                "password resets and messages about your card go there."
            )
            % {"email": user.email},
            url=reverse("identity:verify_email_resend"),
            label=_("Send a new link"),
        )
    if not card.usable:
        return NextAction(
            key="get_card",
            title=_("Get your card at a partner branch")
            if card.state == "none"
            else _("Get a new card at a partner branch"),
            text=_(
                "Bring an identity document with your photo (driver’s licence, passport, "
                "health insurance card…). A registrar checks it at the counter and gives you "
                "your Uniqc card; you choose its PIN there. The card proves it is really you, "
                "and lets you add a passkey."
            ),
            url=reverse("identity:card"),
            label=_("About my card"),
        )
    if passkeys.count == 0:
        return NextAction(
            key="add_passkey",
            title=_("Add a passkey"),
            text=_(
                "Sign in once with your card, then add a passkey: from then on this phone or "
                "computer signs you in with your fingerprint, face or PIN, without the card."
            ),
            url=reverse("identity:passkeys:list"),
            label=_("Add a passkey"),
        )
    return NextAction(
        key="shop_local",
        title=_("Shop local"),
        text=_("Your account is ready. See what the stores near you have on their shelves."),
        url=_shop_url(),
        label=_("See the local stores"),
    )


@dataclass(frozen=True)
class AccountOverview:
    user: User
    level: LevelExplained | None
    identity_check: IdentityCheck | None
    membership: MembershipStatus | None
    card: CardSummary
    passkeys: PasskeySummary
    services: list[ServiceSummary]
    next_action: NextAction


def account_overview(request: HttpRequest) -> AccountOverview:
    """Everything the hub shows of identity's own data, in a fixed number of queries."""
    user = request.user
    card = card_summary(user, now=timezone.now())
    passkeys = passkey_summary(user)
    return AccountOverview(
        user=user,
        level=level_explained(session_assurance(request)),
        identity_check=IdentityCheck.objects.filter(person=user)
        .order_by("-checked_at", "-id")
        .first(),
        membership=MembershipStatus.objects.filter(user=user).first(),
        card=card,
        passkeys=passkeys,
        services=services_summary(user),
        next_action=next_action(user=user, card=card, passkeys=passkeys),
    )
