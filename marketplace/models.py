"""Stores, the people who work for them, and what they sell."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from identity.geo import coordinate_constraints
from identity.validators import validate_postal_code
from lockers.models import SizeClass

# Slugs that would hide a page of /boutiques/ behind a store's page.
RESERVED_STORE_SLUGS = frozenset({"mes-boutiques"})


class StoreStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")


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
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    status = models.CharField(
        _("status"), max_length=20, choices=StoreStatus.choices, default=StoreStatus.PENDING
    )
    gst_registered = models.BooleanField(
        _("registered for GST"),
        default=False,
        help_text=_("The store collects the federal goods and services tax itself."),
    )
    qst_registered = models.BooleanField(
        _("registered for QST"),
        default=False,
        help_text=_("The store collects the Québec sales tax itself."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["locality", "neighbourhood", "name", "id"]
        constraints = [
            *coordinate_constraints("marketplace_store"),
            models.CheckConstraint(
                condition=models.Q(status__in=StoreStatus.values),
                name="marketplace_store_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug__in=sorted(RESERVED_STORE_SLUGS)),
                name="marketplace_store_slug_not_reserved",
                violation_error_message=_("This address is reserved; choose another slug."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StoreRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    CLERK = "clerk", _("Clerk")


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
        _("role"), max_length=10, choices=StoreRole.choices, default=StoreRole.CLERK
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


class Listing(models.Model):
    """Something a store sells; its variants carry the price and the stock."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="listings", verbose_name=_("store")
    )
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    size_class = models.CharField(
        _("locker size"),
        max_length=1,
        choices=SizeClass.choices,
        help_text=_("The smallest locker compartment the packed item fits in."),
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["store", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "slug"], name="marketplace_listing_unique_slug_per_store"
            ),
            models.CheckConstraint(
                condition=models.Q(size_class__in=SizeClass.values),
                name="marketplace_listing_size_class_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Currency(models.TextChoices):
    CAD = "CAD", _("Canadian dollar")


class Variant(models.Model):
    """One buyable form of a listing (a size, a weight, a colour) with its price and stock."""

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="variants", verbose_name=_("listing")
    )
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CAD
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["listing", "price", "sku"]
        constraints = [
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
                condition=models.Q(currency__in=Currency.values),
                name="marketplace_variant_currency_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing} — {self.name}"

    @property
    def in_stock(self) -> bool:
        return self.stock > 0
