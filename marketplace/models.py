"""Stores, the people who work for them, and what they sell."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
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
