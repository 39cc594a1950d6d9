"""Stores, the people who work for them, and what they sell."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from identity.geo import coordinate_constraints
from identity.validators import validate_phone, validate_postal_code
from lockers.models import WEEKDAY_KEYS, SizeClass, Weekday, opening_hours_errors
from marketplace.validators import (
    GST_NUMBER_PATTERN,
    NEQ_PATTERN,
    QST_NUMBER_PATTERN,
    validate_gst_number,
    validate_neq,
    validate_qst_number,
)

# Slugs that would hide a page of /boutiques/ behind a store's page, or a page of
# /catalogue/ behind a store's listings (/catalogue/<store>/<listing>/).
RESERVED_STORE_SLUGS = frozenset({"mes-boutiques", "inscription", "categorie"})


class StoreStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    SUSPENDED = "suspended", _("Suspended")


# Decisions that must say why: the retailer reads the reason.
STATUSES_WITH_REASON = (StoreStatus.REFUSED, StoreStatus.SUSPENDED)


# A store's preparation time: at least a quarter of an hour, at most a working day.
PREPARATION_MINUTES_MIN = 15
PREPARATION_MINUTES_MAX = 480


class Store(models.Model):
    """A local business selling through the coop; shoppers see it once the coop approves it."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100)
    street_address = models.CharField(_("street address"), max_length=200)
    locality = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(
        _("postal code"), max_length=7, validators=[validate_postal_code]
    )
    # Unknown until the coop places the store on the map (an application may omit them).
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    legal_name = models.CharField(
        _("legal name"),
        max_length=200,
        help_text=_("The name under which the business is registered."),
    )
    neq = models.CharField(
        _("Québec enterprise number (NEQ)"), max_length=10, validators=[validate_neq]
    )
    small_supplier = models.BooleanField(
        _("small supplier, not registered for the taxes"),
        default=False,
        help_text=_(
            "Under $30,000 of taxable sales in four quarters and not registered: the store "
            "collects neither GST nor QST, and the coop collects the QST as the platform "
            "operator. A small supplier registered voluntarily gives its numbers instead."
        ),
    )
    gst_number = models.CharField(
        _("GST number"), max_length=15, blank=True, validators=[validate_gst_number]
    )
    qst_number = models.CharField(
        _("QST number"), max_length=16, blank=True, validators=[validate_qst_number]
    )
    phone = models.CharField(_("phone"), max_length=12, blank=True, validators=[validate_phone])
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        help_text=_('Weekday → list of ["HH:MM", "HH:MM"] intervals; an absent day is closed.'),
    )
    # How long the store takes to have an order ready: with the opening hours, it says
    # whether a 4-hour express order is possible now (marketplace.store_hours).
    preparation_minutes = models.PositiveSmallIntegerField(
        _("preparation time (minutes)"),
        default=60,
        help_text=_("How long the store takes to have an order ready, from 15 to 480 minutes."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=StoreStatus.choices, default=StoreStatus.PENDING
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="store_applications",
        verbose_name=_("applicant"),
        help_text=_("Who applied for the store; empty for a store the coop added."),
    )
    decision_reason = models.TextField(
        _("reason for the decision"),
        blank=True,
        help_text=_("Shown to the retailer; required to refuse or suspend."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["locality", "neighbourhood", "name", "id"]
        # The catalogue's distance filter first keeps the stores inside a bounding box.
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="marketplace_store_position"),
        ]
        constraints = [
            *coordinate_constraints("marketplace_store", nullable=True),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="marketplace_store_coordinates_both_or_neither",
                violation_error_message=_("Give both the latitude and the longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=StoreStatus.values),
                name="marketplace_store_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(neq__regex=NEQ_PATTERN),
                name="marketplace_store_neq_format",
            ),
            # Either an unregistered small supplier, with no numbers, or registered for
            # both taxes with both numbers: Revenu Québec administers the GST and the QST
            # together in Québec, and a business registered for one is registered for both.
            models.CheckConstraint(
                condition=models.Q(small_supplier=True, gst_number="", qst_number="")
                | (
                    models.Q(small_supplier=False)
                    & models.Q(gst_number__regex=GST_NUMBER_PATTERN)
                    & models.Q(qst_number__regex=QST_NUMBER_PATTERN)
                ),
                name="marketplace_store_small_supplier_or_tax_numbers",
                violation_error_message=_(
                    "A small supplier gives no tax numbers; a registered store gives both its "
                    "GST and QST numbers."
                ),
            ),
            # A pending store has no decision; every other status is one, made at a time.
            models.CheckConstraint(
                condition=models.Q(status=StoreStatus.PENDING, decided_at__isnull=True)
                | (~models.Q(status=StoreStatus.PENDING) & models.Q(decided_at__isnull=False)),
                name="marketplace_store_decided_at_iff_decided",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=STATUSES_WITH_REASON)
                | ~models.Q(decision_reason=""),
                name="marketplace_store_refusal_has_reason",
                violation_error_message=_("Say why the store is refused or suspended."),
            ),
            # One application waiting for the coop per person at a time.
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status=StoreStatus.PENDING),
                name="marketplace_store_one_pending_application_per_person",
                violation_error_message=_("You already have an application waiting."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    preparation_minutes__gte=PREPARATION_MINUTES_MIN,
                    preparation_minutes__lte=PREPARATION_MINUTES_MAX,
                ),
                name="marketplace_store_preparation_minutes_bounded",
                violation_error_message=_(
                    "The preparation time is between 15 minutes and 8 hours."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(slug__in=sorted(RESERVED_STORE_SLUGS)),
                name="marketplace_store_slug_not_reserved",
                violation_error_message=_("This address is reserved; choose another slug."),
            ),
        ]
        # Approving, refusing and suspending stores (given to coop admins by
        # MarketplaceConfig.ready; see access_store_decide).
        permissions = [("decide_store", _("Can approve, refuse and suspend stores"))]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = opening_hours_errors(self.opening_hours)
        if errors:
            raise ValidationError({"opening_hours": errors})

    def weekly_hours(self) -> list[tuple[Any, list[list[str]]]]:
        """Each weekday, Monday first, with its opening intervals (empty: closed)."""
        return [
            (Weekday(day).label, [list(pair) for pair in self.opening_hours.get(day, [])])
            for day in WEEKDAY_KEYS
        ]


class StoreRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")


class StoreStaff(models.Model):
    """A person who works for a store, in one role: the one record that someone works at
    a store (it alone gives marketplace.work_in_store, see marketplace.backends)."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="staff", verbose_name=_("store")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # A person who works at a store leaves it (store_staff_remove) before their
        # account can go: the pruning of unused accounts keeps them.
        on_delete=models.PROTECT,
        related_name="store_memberships",
        verbose_name=_("person"),
    )
    role = models.CharField(
        _("role"), max_length=10, choices=StoreRole.choices, default=StoreRole.STAFF
    )

    class Meta:
        verbose_name = _("store staff member")
        verbose_name_plural = _("store staff")
        ordering = ["store", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "user"], name="marketplace_storestaff_unique_person"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=StoreRole.values),
                name="marketplace_storestaff_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.store} ({self.get_role_display()})"


def in_language(french: str, english: str) -> str:
    """`english` when the active language is English and it is not empty, else `french`."""
    language = get_language() or ""
    if english and language.startswith("en"):
        return english
    return french


class Category(models.Model):
    """A shelf of the catalogue, in a small tree: a category may sit under one parent."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_en = models.CharField(
        _("name (English)"),
        max_length=80,
        blank=True,
        help_text=_("Shown in English; the French name when left empty."),
    )
    parent = models.ForeignKey(
        "self",
        # A category with sub-categories is emptied before it goes.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower comes first among its siblings.")
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="marketplace_category_not_its_own_parent",
                violation_error_message=_("A category cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=~models.Q(name_fr=""), name="marketplace_category_name_fr_required"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language: English when the interface is English and an
        English name exists, French otherwise."""
        return in_language(self.name_fr, self.name_en)


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", pgettext_lazy("listing", "Published")
    UNPUBLISHED = "unpublished", pgettext_lazy("listing", "Unpublished")


class Listing(models.Model):
    """Something a store sells, in French and optionally English; its variants carry the
    price, the stock and the parcel size. Shoppers see it once it is published."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="listings", verbose_name=_("store")
    )
    slug = models.SlugField(_("slug"), max_length=120)
    title_fr = models.CharField(_("title (French)"), max_length=160)
    title_en = models.CharField(
        _("title (English)"),
        max_length=160,
        blank=True,
        help_text=_("Shown in English; the French title when left empty."),
    )
    description_fr = models.TextField(_("description (French)"))
    description_en = models.TextField(
        _("description (English)"),
        blank=True,
        help_text=_("Shown in English; the French description when left empty."),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listings",
        verbose_name=_("category"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("When it was last published; kept when it is unpublished."),
    )

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["store", "title_fr", "id"]
        # The catalogue's default order: the newest published listings first.
        indexes = [
            models.Index(fields=["status", "-published_at"], name="marketplace_listing_newest"),
            # A distance search counts the published listings of the stores near the
            # shopper: read from this index alone, not from thousands of table pages.
            models.Index(
                fields=["store", "id"],
                condition=models.Q(status=ListingStatus.PUBLISHED),
                name="marketplace_listing_pub_store",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "slug"], name="marketplace_listing_unique_slug_per_store"
            ),
            # The target of the variants' (listing, store) foreign key (migration 0003):
            # a variant belongs to the store of its listing.
            models.UniqueConstraint(
                fields=["id", "store"], name="marketplace_listing_unique_id_store"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ListingStatus.values),
                name="marketplace_listing_status_valid",
            ),
            # A draft was never published; a published or unpublished listing was.
            models.CheckConstraint(
                condition=(
                    models.Q(status=ListingStatus.DRAFT, published_at__isnull=True)
                    | models.Q(
                        status__in=[ListingStatus.PUBLISHED, ListingStatus.UNPUBLISHED],
                        published_at__isnull=False,
                    )
                ),
                name="marketplace_listing_published_at_matches_status",
            ),
            models.CheckConstraint(
                condition=~models.Q(title_fr=""), name="marketplace_listing_title_fr_required"
            ),
            models.CheckConstraint(
                condition=~models.Q(description_fr=""),
                name="marketplace_listing_description_fr_required",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """The title in the active language (English falls back to French)."""
        return in_language(self.title_fr, self.title_en)

    @property
    def description(self) -> str:
        """The description in the active language (English falls back to French)."""
        return in_language(self.description_fr, self.description_en)

    @property
    def is_published(self) -> bool:
        return self.status == ListingStatus.PUBLISHED


class Currency(models.TextChoices):
    CAD = "CAD", _("Canadian dollar")


class Variant(models.Model):
    """One buyable form of a listing (a size, a weight, a colour) with its price, stock and
    parcel: a box of 4 croissants and a box of 8 are two variants of different sizes.

    `store` repeats the listing's store so that a SKU is unique within its store; the
    database holds the two equal (a foreign key on (listing, store), migration 0003)."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="variants", verbose_name=_("store")
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="variants", verbose_name=_("listing")
    )
    sku = models.CharField(_("SKU"), max_length=64, help_text=_("Unique within the store."))
    name = models.CharField(_("name"), max_length=120)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CAD
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    low_stock_threshold = models.PositiveIntegerField(
        _("low stock threshold"),
        default=3,
        help_text=_("The store is told when the stock falls to this number or below."),
    )
    size_class = models.CharField(
        _("locker size"),
        max_length=1,
        choices=SizeClass.choices,
        help_text=_("The smallest locker compartment the packed item fits in."),
    )
    weight_grams = models.PositiveIntegerField(
        _("weight (g)"), help_text=_("The packed weight, in grams.")
    )

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["listing", "price", "sku"]
        # The catalogue sorts by price walking the variants in price order.
        indexes = [models.Index(fields=["price", "id"], name="marketplace_variant_price")]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "sku"], name="marketplace_variant_unique_sku_per_store"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=Decimal("0")),
                name="marketplace_variant_price_positive",
                violation_error_message=_("A price must be more than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0),
                name="marketplace_variant_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(low_stock_threshold__gte=0),
                name="marketplace_variant_low_stock_threshold_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values),
                name="marketplace_variant_currency_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(size_class__in=SizeClass.values),
                name="marketplace_variant_size_class_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(weight_grams__gt=0),
                name="marketplace_variant_weight_positive",
                violation_error_message=_("A weight must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing} — {self.name}"

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


# --- Photos of a listing ---------------------------------------------------------------

# At most this many photos per listing: each takes one of the listing's slots (0 to 9), a
# database guarantee that holds against two uploads at once.
LISTING_PHOTO_MAX = 10
# The widths of the thumbnails made of each photo, in pixels (a card, a full page).
LISTING_PHOTO_THUMBNAIL_WIDTHS = (320, 960)


def listing_photo_path(instance: "ListingPhoto", filename: str) -> str:
    """Where a photo's files go under MEDIA_ROOT: by store and listing, under a random
    name (the service names them), so that a draft's photos cannot be guessed."""
    return f"listings/{instance.listing.store_id}/{instance.listing_id}/{filename}"


class ListingPhoto(models.Model):
    """A photo of a listing, as the coop re-encoded it: never the bytes that were uploaded
    (their metadata, a phone's GPS position among them, is gone), and its two thumbnails.

    Made only by `listing_photo_add` (marketplace/photos.py validates the upload); a row
    exists only once its three files are written, so a shopper never sees a broken image.
    """

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="photos", verbose_name=_("listing")
    )
    slot = models.PositiveSmallIntegerField(
        _("slot"), help_text=_("One of the listing’s places for a photo; caps their number.")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower comes first; the first is the cover.")
    )
    image = models.ImageField(
        _("image"),
        upload_to=listing_photo_path,
        max_length=255,
        help_text=_("Re-encoded, at most 2048 pixels on its longer side, without metadata."),
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    thumbnail_small = models.ImageField(
        _("small thumbnail"), upload_to=listing_photo_path, max_length=255
    )
    thumbnail_large = models.ImageField(
        _("large thumbnail"), upload_to=listing_photo_path, max_length=255
    )
    alt_fr = models.CharField(
        _("description of the photo (French)"),
        max_length=200,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    alt_en = models.CharField(
        _("description of the photo (English)"),
        max_length=200,
        blank=True,
        help_text=_("Shown in English; the French description when left empty."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("listing photo")
        verbose_name_plural = _("listing photos")
        ordering = ["listing", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "slot"], name="marketplace_listingphoto_unique_slot"
            ),
            models.CheckConstraint(
                condition=models.Q(slot__lt=LISTING_PHOTO_MAX),
                name="marketplace_listingphoto_at_most_10",
            ),
            models.CheckConstraint(
                condition=~models.Q(alt_fr=""), name="marketplace_listingphoto_alt_fr_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing} · {self.position + 1}"

    @property
    def alt(self) -> str:
        """The description in the active language (English falls back to French)."""
        return in_language(self.alt_fr, self.alt_en)

    def _scaled_height(self, width: int) -> int:
        if not self.width or self.width <= width:
            return self.height
        return max(1, round(self.height * width / self.width))

    @property
    def thumbnail_small_size(self) -> tuple[int, int]:
        """The small thumbnail's width and height, for the <img> that shows it."""
        width = min(self.width, LISTING_PHOTO_THUMBNAIL_WIDTHS[0])
        return width, self._scaled_height(width)

    @property
    def thumbnail_large_size(self) -> tuple[int, int]:
        width = min(self.width, LISTING_PHOTO_THUMBNAIL_WIDTHS[1])
        return width, self._scaled_height(width)


# --- Payouts: where a store's share of each sale goes ---------------------------------


class PayoutAccount(models.Model):
    """A store's connected account at the payment gateway (a Stripe Express account, or the
    offline gateway's test account): the store receives its share of each order there.

    A store whose account cannot receive transfers cannot publish (see
    `access_listing_publish`)."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="payout_account", verbose_name=_("store")
    )
    gateway = models.CharField(_("payment gateway"), max_length=20)
    account_id = models.CharField(_("account id at the gateway"), max_length=255)
    transfers_enabled = models.BooleanField(
        _("can receive transfers"),
        default=False,
        help_text=_("As the gateway last reported it."),
    )
    details_submitted = models.BooleanField(_("onboarding finished"), default=False)
    is_test = models.BooleanField(
        _("test account"),
        default=False,
        help_text=_("An account of the offline gateway: no real money moves."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "account_id"],
                name="marketplace_payoutaccount_unique_account",
            ),
            models.CheckConstraint(
                condition=~models.Q(account_id=""),
                name="marketplace_payoutaccount_account_id_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.gateway} {self.account_id}"


# --- Carts ----------------------------------------------------------------------------

CART_LINE_MAX_QUANTITY = 99


class Cart(models.Model):
    """What a shopper means to buy, from any number of stores. A signed-in person has at
    most one cart; an anonymous cart is found through the session and merges into the
    person's cart at sign-in."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="carts",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(owner__isnull=False),
                name="marketplace_cart_one_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(models.Model):
    """A quantity of one variant in a cart, with the price the shopper saw when adding it:
    a price changed since then is shown before payment, never silently applied."""

    cart = models.ForeignKey(
        Cart, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cart")
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="+", verbose_name=_("variant")
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    price_seen = models.DecimalField(_("price when added"), max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["cart", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "variant"], name="marketplace_cartline_unique_variant"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=CART_LINE_MAX_QUANTITY),
                name="marketplace_cartline_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"  # noqa: RUF001


# --- Orders ---------------------------------------------------------------------------


class Speed(models.TextChoices):
    EXPRESS = "express", _("Express, within 4 hours")
    STANDARD = "standard", _("Standard, within 24 hours")


class PickupKind(models.TextChoices):
    # Until lockers take parcels, a shipment waits at its store's counter.
    STORE_COUNTER = "store_counter", _("At the store’s counter")
    LOCKER = "locker", _("In a locker")


class OrderStatus(models.TextChoices):
    """The payment's side of an order; each shipment has its own fulfilment status."""

    PLACED = "placed", _("Placed, awaiting payment")
    PAID = "paid", pgettext_lazy("order", "Paid")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("order", "Expired")
    REFUNDED = "refunded", pgettext_lazy("order", "Refunded")


class ShipmentStatus(models.TextChoices):
    PLACED = "placed", pgettext_lazy("shipment", "Placed")
    PAID = "paid", _("Paid, awaiting the store")
    ACCEPTED = "accepted", pgettext_lazy("shipment", "Accepted")
    PACKED = "packed", pgettext_lazy("shipment", "Packed")
    WITH_COURIER = "with_courier", _("With the courier")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    PICKED_UP = "picked_up", pgettext_lazy("shipment", "Picked up")
    REFUSED = "refused", _("Refused by the store")
    CANCELLED = "cancelled", pgettext_lazy("shipment", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("shipment", "Expired")
    RETURNED = "returned", pgettext_lazy("shipment", "Returned")
    REFUNDED = "refunded", pgettext_lazy("shipment", "Refunded")


class TaxCollector(models.TextChoices):
    STORE = "store", _("the store")
    COOP = "coop", _("the coop, as platform operator")
    NONE = "none", _("nobody (not taxable)")


class Order(models.Model):
    """One checkout: one payment for the whole cart, one shipment per store.

    Amounts are the sums of the shipments' invoices plus the coop's pickup fee; each is
    rounded once, where the tax rule says (marketplace/taxes.py)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    speed = models.CharField(_("speed"), max_length=10, choices=Speed.choices)
    pickup_kind = models.CharField(_("pickup point"), max_length=20, choices=PickupKind.choices)
    pickup_reference = models.CharField(
        _("pickup point reference"),
        max_length=80,
        blank=True,
        help_text=_("The locker site, when the order waits in a locker."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CAD
    )
    goods_subtotal = models.DecimalField(_("goods before taxes"), max_digits=12, decimal_places=2)
    fee = models.DecimalField(_("pickup fee before taxes"), max_digits=12, decimal_places=2)
    gst = models.DecimalField(_("GST"), max_digits=12, decimal_places=2)
    qst = models.DecimalField(_("QST"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(
        _("refunded"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # The shopper's Idempotency-Key and a digest of what was asked with it: the same key
    # with the same request returns this order; with another request it is refused.
    checkout_key = models.CharField(_("checkout idempotency key"), max_length=255)
    checkout_fingerprint = models.CharField(_("checkout request digest"), max_length=64)
    # Held until payment; released (stock back) when payment fails or the hold lapses.
    reserved_until = models.DateTimeField(_("stock held until"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "checkout_key"], name="marketplace_order_unique_checkout_key"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values),
                name="marketplace_order_status_valid",
            ),
            # Round(): SQLite adds decimals as binary floats (1243.50 + 62.18 + 124.04 is
            # not 1429.72 there); on PostgreSQL's numeric it changes nothing.
            models.CheckConstraint(
                condition=models.Q(
                    total=Round(
                        models.F("goods_subtotal")
                        + models.F("fee")
                        + models.F("gst")
                        + models.F("qst"),
                        2,
                    )
                ),
                name="marketplace_order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__gte=0)
                & models.Q(refunded_amount__lte=models.F("total")),
                name="marketplace_order_refund_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_at__isnull=True) | ~models.Q(status=OrderStatus.PLACED),
                name="marketplace_order_paid_at_not_while_placed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["reserved_until"],
                condition=models.Q(status="placed"),
                name="marketplace_order_hold_lapses",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Shipment(models.Model):
    """One store's part of an order: its own invoice (taxes computed on its pre-tax total),
    its own fulfilment, its own transfer to the store."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="shipments", verbose_name=_("order")
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("store")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.PLACED,
    )
    subtotal = models.DecimalField(_("before taxes"), max_digits=12, decimal_places=2)
    gst = models.DecimalField(_("GST"), max_digits=12, decimal_places=2)
    qst = models.DecimalField(_("QST"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    gst_collected_by = models.CharField(
        _("GST collected by"), max_length=8, choices=TaxCollector.choices
    )
    qst_collected_by = models.CharField(
        _("QST collected by"), max_length=8, choices=TaxCollector.choices
    )
    commission = models.DecimalField(_("coop commission"), max_digits=12, decimal_places=2)
    # What the store receives: the invoice, less the QST the coop collects, less commission.
    payout = models.DecimalField(_("store’s share"), max_digits=12, decimal_places=2)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["order", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "sequence"], name="marketplace_shipment_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["order", "store"], name="marketplace_shipment_one_per_store"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ShipmentStatus.values),
                name="marketplace_shipment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total=Round(models.F("subtotal") + models.F("gst") + models.F("qst"), 2)
                ),
                name="marketplace_shipment_total_adds_up",
            ),
            models.CheckConstraint(
                condition=models.Q(payout__gte=0) & models.Q(commission__gte=0),
                name="marketplace_shipment_payout_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ShipmentStatus.REFUSED) | ~models.Q(refusal_reason=""),
                name="marketplace_shipment_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The order's number and this shipment's sequence: `UQ-2026-000123-2`."""
        return f"{self.order.number}-{self.sequence}"


class OrderLine(models.Model):
    """A variant bought, as it was when bought: its title, SKU and unit price are copied, so
    that an invoice never changes when the catalogue does."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("shipment")
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="+", verbose_name=_("variant")
    )
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    size_class = models.CharField(_("locker size"), max_length=1, choices=SizeClass.choices)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["shipment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "variant"], name="marketplace_orderline_unique_variant"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="marketplace_orderline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    line_total=Round(models.F("unit_price") * models.F("quantity"), 2)
                ),
                name="marketplace_orderline_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"  # noqa: RUF001


class ReservationStatus(models.TextChoices):
    HELD = "held", _("Held")
    CONSUMED = "consumed", _("Sold")
    RELEASED = "released", _("Released")


class StockReservation(models.Model):
    """Units taken from a variant's stock for an order until it is paid (Saleor's
    `Reservation`): paid, they are sold; failed or lapsed, they go back to the stock,
    once — the status moves only from held."""

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("variant")
    )
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("order")
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReservationStatus.choices,
        default=ReservationStatus.HELD,
    )
    reserved_until = models.DateTimeField(_("held until"))

    class Meta:
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "variant"], name="marketplace_reservation_unique_variant"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="marketplace_reservation_quantity_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReservationStatus.values),
                name="marketplace_reservation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id} for {self.order_id}"  # noqa: RUF001


class OrderEvent(models.Model):
    """One step of an order or of one of its shipments: who moved it, from what, to what,
    when and why. The timeline people see is these rows."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("shipment"),
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty when the system moved it (a payment, a lapsed hold)."),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["order", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


# --- Payments -------------------------------------------------------------------------


class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment", "Pending")
    SUCCEEDED = "succeeded", pgettext_lazy("payment", "Succeeded")
    FAILED = "failed", pgettext_lazy("payment", "Failed")
    CANCELED = "canceled", pgettext_lazy("payment", "Cancelled")


class Payment(models.Model):
    """The one payment of an order at the gateway (a Stripe PaymentIntent). Its
    idempotency key is made once, stored, and sent again on every retry: a new key per try
    is how shoppers get charged twice."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="payment", verbose_name=_("order")
    )
    gateway = models.CharField(_("payment gateway"), max_length=20)
    is_test = models.BooleanField(_("test payment"), default=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    intent_id = models.CharField(_("payment id at the gateway"), max_length=255, blank=True)
    charge_id = models.CharField(_("charge id at the gateway"), max_length=255, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CAD
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
    )
    # A path on this site (the offline test page, or the card page for Stripe), never
    # another origin: pages and the API send the shopper there.
    redirect_url = models.CharField(_("payment page"), max_length=1000, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "intent_id"],
                condition=~models.Q(intent_id=""),
                name="marketplace_payment_unique_intent",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PaymentStatus.values),
                name="marketplace_payment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(redirect_url="")
                | (
                    models.Q(redirect_url__startswith="/")
                    & ~models.Q(redirect_url__startswith="//")
                ),
                name="marketplace_payment_redirect_is_a_path",
                violation_error_message=_("The payment page must be a path on this site."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.intent_id or self.idempotency_key}"


class Transfer(models.Model):
    """A store's share of a paid order sent to its payout account (one per shipment,
    `transfer_group` = the order's number), and what was taken back by refunds."""

    shipment = models.OneToOneField(
        Shipment, on_delete=models.CASCADE, related_name="transfer", verbose_name=_("shipment")
    )
    gateway = models.CharField(_("payment gateway"), max_length=20)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    transfer_id = models.CharField(_("transfer id at the gateway"), max_length=255, blank=True)
    destination = models.CharField(_("payout account"), max_length=255)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reversed_amount = models.DecimalField(
        _("reversed"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0)
                & models.Q(reversed_amount__gte=0)
                & models.Q(reversed_amount__lte=models.F("amount")),
                name="marketplace_transfer_reversal_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.transfer_id or self.idempotency_key


class Refund(models.Model):
    """Money given back to the shopper, for a whole order or one shipment."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="refunds", verbose_name=_("order")
    )
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("shipment"),
    )
    gateway = models.CharField(_("payment gateway"), max_length=20)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    refund_id = models.CharField(_("refund id at the gateway"), max_length=255, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="marketplace_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.refund_id or self.idempotency_key


class PaymentEvent(models.Model):
    """A webhook event from a payment gateway, stored once by its id: a second delivery of
    the same event finds it and changes nothing."""

    gateway = models.CharField(_("payment gateway"), max_length=20)
    event_id = models.CharField(_("event id"), max_length=255)
    event_type = models.CharField(_("type"), max_length=100)
    created = models.DateTimeField(_("created at the gateway"))
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # A delivery claims the event before running its handler, so that a duplicate
    # delivered meanwhile leaves it alone; a claim older than the lease is abandoned (the
    # process died) and the gateway's next delivery takes it over (marketplace.payments).
    dispatch_started_at = models.DateTimeField(_("handler started at"), null=True, blank=True)
    dispatch_attempts = models.PositiveSmallIntegerField(_("handler runs"), default=0)
    dispatch_error = models.CharField(_("last handler error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"], name="marketplace_paymentevent_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_id} {self.event_type}"


class OrderNumberCounter(models.Model):
    """The last order number given in a year: `UQ-2026-000123` is the 123rd of 2026."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("order number counter")
        verbose_name_plural = _("order number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


# --- Store settings: closed days and staff invitations ---------------------------------

# A closure spans at most a year (a store closed longer leaves the coop).
STORE_CLOSURE_MAX_DAYS = 366


class StoreClosure(models.Model):
    """Days a store is closed beyond its weekly hours (a holiday, an inventory), from
    `first_day` to `last_day` included: no 4-hour express order on those days. Kept once
    past, as the store's record."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="closures", verbose_name=_("store")
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("closed days")
        verbose_name_plural = _("closed days")
        ordering = ["store", "first_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "first_day"],
                name="marketplace_storeclosure_unique_first_day",
                violation_error_message=_("The store is already closed from this day."),
            ),
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="marketplace_storeclosure_range_in_order",
                violation_error_message=_("The last day comes on or after the first day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.first_day}–{self.last_day}"  # noqa: RUF001


# An invitation to work at a store is valid this long after it is sent.
STORE_INVITATION_DAYS = 7


class StoreInvitation(models.Model):
    """An owner's invitation, by email, to work at a store in a role. The link mailed to
    the address carries a random token; only its SHA-256 digest is kept here. Accepted
    once, by a signed-in person whose verified email is the invited address."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("store")
    )
    email = models.EmailField(_("email"), max_length=254)
    role = models.CharField(
        _("role"), max_length=10, choices=StoreRole.choices, default=StoreRole.STAFF
    )
    # Hex SHA-256 of the token in the link; empty until the mail is sent (the token is
    # made by the task that mails it, so it never travels through the broker).
    token_digest = models.CharField(_("token digest"), max_length=64, blank=True, default="")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["store", "-created_at", "-id"]
        constraints = [
            # One invitation waiting per address and store; an expired one still counts
            # until it is revoked or answered (inviting again revokes it first).
            models.UniqueConstraint(
                fields=["store", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="marketplace_storeinvitation_one_open_per_email",
                violation_error_message=_("This address already has an invitation waiting."),
            ),
            models.UniqueConstraint(
                fields=["token_digest"],
                condition=~models.Q(token_digest=""),
                name="marketplace_storeinvitation_unique_digest",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=StoreRole.values),
                name="marketplace_storeinvitation_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="marketplace_storeinvitation_expires_after_creation",
            ),
            # Accepted means by someone at a time; never both accepted and revoked.
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True, accepted_by__isnull=True)
                | models.Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="marketplace_storeinvitation_accepted_by_someone",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="marketplace_storeinvitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.store} ({self.get_role_display()})"

    def is_pending(self, now: Any = None) -> bool:
        """Neither answered nor revoked, and not yet expired."""
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


# --- Webhooks to stores (docs/store-webhooks.md) --------------------------------------


class WebhookEvent(models.TextChoices):
    ORDER_PAID = "order.paid", _("An order is paid")
    ORDER_CANCELLED = "order.cancelled", _("An order is cancelled")
    PARCEL_PICKED_UP = "parcel.picked_up", _("A parcel is picked up")
    PING = "ping", _("Test event")


# The events an owner may subscribe to (a test event is sent on request only).
WEBHOOK_SUBSCRIBABLE = (
    WebhookEvent.ORDER_PAID,
    WebhookEvent.ORDER_CANCELLED,
    WebhookEvent.PARCEL_PICKED_UP,
)


def validate_webhook_events(value: Any) -> None:
    if not isinstance(value, list) or any(e not in WEBHOOK_SUBSCRIBABLE for e in value):
        raise ValidationError(_("Choose among the events offered."), code="invalid")


class WebhookEndpoint(models.Model):
    """Where a store wants to hear about its orders: one URL per store, signed with a
    secret the owner sees once. The secret is kept sealed (Fernet under
    KEY_ENCRYPTION_KEY) because we must sign with it, not only check it; after a rotation
    the previous one also signs until `previous_secret_expires_at`."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="webhook_endpoint", verbose_name=_("store")
    )
    url = models.CharField(_("URL"), max_length=500)
    secret_sealed = models.TextField(_("signing secret (sealed)"))
    previous_secret_sealed = models.TextField(_("previous signing secret (sealed)"), blank=True)
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True
    )
    events = models.JSONField(
        _("events"), default=list, validators=[validate_webhook_events], blank=True
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("store webhook endpoint")
        verbose_name_plural = _("store webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(previous_secret_sealed="")
                | models.Q(previous_secret_expires_at__isnull=False),
                name="marketplace_webhookendpoint_previous_secret_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} → {self.url}"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact bytes sent (every attempt sends the same
    body, under the same event id, so a receiver deduplicates by `event_id`), and where
    its sending stands. Written in the transaction of the change it reports."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event_id = models.CharField(_("event id"), max_length=40)
    event_type = models.CharField(_("event"), max_length=30, choices=WebhookEvent.choices)
    # What the event is about (a shipment's number): one event of a type per subject.
    subject = models.CharField(_("about"), max_length=40, blank=True)
    payload = models.TextField(_("body sent"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(
        _("last response status"), null=True, blank=True
    )
    last_response_excerpt = models.CharField(_("last response"), max_length=200, blank=True)
    # The owner who asked for the next attempt (replay), recorded on that attempt.
    replay_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replay asked by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id"], name="marketplace_webhookdelivery_event"),
            models.UniqueConstraint(
                fields=["endpoint", "event_type", "subject"],
                condition=~models.Q(event_type="ping"),
                name="marketplace_webhookdelivery_one_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=WebhookDeliveryStatus.values),
                name="marketplace_webhookdelivery_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="pending", next_attempt_at__isnull=False)
                    | (~models.Q(status="pending") & models.Q(next_attempt_at__isnull=True))
                ),
                name="marketplace_webhookdelivery_pending_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="mkt_webhook_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="mkt_webhook_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.event_type}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, what came back, and whether an owner asked for it."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    replay_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replayed by"),
    )

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="marketplace_webhookattempt_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


# --- Catalogue imports: a store's CSV file, checked then applied (marketplace/catalogue_imports.py)


def catalogue_import_storage() -> Any:
    """Where imported files are kept: a private directory, never under MEDIA_ROOT (which
    the web server serves to anyone)."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.MARKETPLACE_IMPORT_ROOT)


def catalogue_import_path(instance: "CatalogueImport", filename: str) -> str:
    """By store, under the name the service gives (random, not the uploaded one)."""
    return f"{instance.store_id}/{filename}"


class CatalogueImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    INVALID = "invalid", _("Refused: bad rows")
    FAILED = "failed", _("Failed")


class CatalogueImport(models.Model):
    """A CSV file of a store's catalogue sent by one of its staff, and what came of it:
    every row is checked first, and while any is bad nothing changes; a dry run reports
    what would change and changes nothing. One import of a store runs at a time."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="catalogue_imports", verbose_name=_("store")
    )
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(
        _("CSV file"), storage=catalogue_import_storage, upload_to=catalogue_import_path
    )
    file_name = models.CharField(_("file name as sent"), max_length=255)
    photos = models.FileField(
        _("zip of photos"),
        storage=catalogue_import_storage,
        upload_to=catalogue_import_path,
        blank=True,
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    # The language of the page it was sent from: its report (the reasons of bad rows) is
    # written in it, wherever and whenever the task runs.
    language = models.CharField(_("language"), max_length=8, default="fr")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CatalogueImportStatus.choices,
        default=CatalogueImportStatus.QUEUED,
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(
        _("errors"), default=list, blank=True, help_text=_("[{line, column, reason}, …]")
    )
    changes = models.JSONField(
        _("changes"),
        default=list,
        blank=True,
        help_text=_("[{line, sku, action, fields}, …] for the rows created or updated."),
    )

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two imports of one store never apply at once: each would decide from rows
            # the other is changing.
            models.UniqueConstraint(
                fields=["store"],
                condition=models.Q(status="running"),
                name="marketplace_catalogueimport_one_running_per_store",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CatalogueImportStatus.values),
                name="marketplace_catalogueimport_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="marketplace_catalogueimport_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.file_name} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        """How far it went, 0 to 100; 100 once it ended, whatever the outcome."""
        if self.status not in (CatalogueImportStatus.QUEUED, CatalogueImportStatus.RUNNING):
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def is_finished(self) -> bool:
        return self.status not in (CatalogueImportStatus.QUEUED, CatalogueImportStatus.RUNNING)


# --- The point-of-sale API's keys (marketplace/api/store_*.py, docs/store-api.md) --------


class StoreApiKeyScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class StoreApiKey(models.Model):
    """A key a store's point-of-sale system signs in to /api/v1/store/ with, made and
    revoked by the store's owner. The key is shown once; only its visible `prefix`
    (`uqs_` and 16 hex digits, how it is found) and the SHA-256 digest of the whole key are
    kept. It acts on its own store only, for the owner who made it."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("store")
    )
    name = models.CharField(
        _("name"), max_length=80, help_text=_("What the key is for: the till, the web shop…")
    )
    prefix = models.CharField(_("prefix"), max_length=20, unique=True)
    secret_digest = models.CharField(_("digest"), max_length=64)
    scope = models.CharField(
        _("access"),
        max_length=10,
        choices=StoreApiKeyScope.choices,
        default=StoreApiKeyScope.READ,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("store API key")
        verbose_name_plural = _("store API keys")
        ordering = ["store", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prefix__regex=r"^uqs_[0-9a-f]{16}$"),
                name="marketplace_storeapikey_prefix_format",
            ),
            models.CheckConstraint(
                condition=models.Q(secret_digest__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="marketplace_storeapikey_digest_format",
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=StoreApiKeyScope.values),
                name="marketplace_storeapikey_scope_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | models.Q(revoked_at__isnull=False),
                name="marketplace_storeapikey_revoked_by_with_revoked_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.name} ({self.prefix})"

    @property
    def can_write(self) -> bool:
        return self.scope == StoreApiKeyScope.READ_WRITE


class StoreApiIdempotentRequest(models.Model):
    """The answer to a create request of the store API under its `Idempotency-Key`, per
    key: a retry with the same key and body gets it again instead of a second listing."""

    api_key = models.ForeignKey(
        StoreApiKey,
        on_delete=models.CASCADE,
        related_name="idempotent_requests",
        verbose_name=_("API key"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    request_digest = models.CharField(_("request digest"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("store API idempotent request")
        verbose_name_plural = _("store API idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"], name="marketplace_storeapirequest_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id} · {self.key}"
