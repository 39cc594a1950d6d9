from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import BoundedJsonAdminMixin, ReadOnlyAdminMixin, SlugSetOnceAdminMixin
from identity.forms import PostalCodeAdminForm
from lockers.geocoding import SiteNotGeocoded, site_geocode
from lockers.kiosk_devices import kiosk_device_create, kiosk_device_revoke
from lockers.models import (
    Compartment,
    CompartmentState,
    CustodyEvent,
    KioskDevice,
    KioskLockout,
    LabelSigningKey,
    Parcel,
    Reservation,
    Site,
)
from lockers.services import SITE_FIELDS, site_create, site_update


class CompartmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Compartments are added by compartments_ensure; their state moves with parcels."""

    model = Compartment
    extra = 0
    fields = ["label", "size_class", "state"]
    ordering = ["label"]


class SiteAdminForm(PostalCodeAdminForm):
    """A site saved without coordinates gets them from its address, through the geocoder
    when one is configured (lockers/geocoding.py); otherwise the admin is told to enter
    them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("latitude", "longitude"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = _("Leave both empty to find them from the address.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("latitude") is not None and cleaned.get("longitude") is not None:
            return cleaned
        if cleaned.get("latitude") is not None or cleaned.get("longitude") is not None:
            raise ValidationError(_("Enter both the latitude and the longitude, or neither."))
        address = [cleaned.get(name) for name in ("street_address", "locality", "postal_code")]
        if not all(address):
            # The address's own errors are shown on its fields.
            return cleaned
        try:
            found = site_geocode(
                street_address=address[0], locality=address[1], postal_code=address[2]
            )
        except SiteNotGeocoded as error:
            raise ValidationError(str(error), code=error.reason) from error
        cleaned["latitude"] = found.latitude
        cleaned["longitude"] = found.longitude
        return cleaned


@admin.register(Site)
class SiteAdmin(BoundedJsonAdminMixin, SlugSetOnceAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "host_kind",
        "host_name",
        "locality",
        "postal_code",
        "compartment_count",
        "available_count",
        "is_active",
    ]
    list_filter = ["host_kind", "locality", "is_active"]
    search_fields = ["name", "slug", "host_name", "street_address", "postal_code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CompartmentInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "host_kind", "host_name", "is_active"]}),
        (
            _("Address"),
            {"fields": ["street_address", "locality", "postal_code", "latitude", "longitude"]},
        ),
        (_("Hours"), {"fields": ["access_hours", "opening_hours"]}),
    ]

    form = SiteAdminForm

    def save_model(self, request: HttpRequest, obj: Site, form: Any, change: bool) -> None:
        """Write through lockers' services, like every other write of a site."""
        values = {name: form.cleaned_data[name] for name in SITE_FIELDS & set(form.cleaned_data)}
        if change:
            site = site_update(site=Site.objects.get(pk=obj.pk), acting_user=request.user, **values)
        else:
            site = site_create(slug=form.cleaned_data["slug"], acting_user=request.user, **values)
        obj.pk = site.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                compartment_total=Count("compartments"),
                compartment_available=Count(
                    "compartments",
                    filter=Q(compartments__state=CompartmentState.AVAILABLE),
                ),
            )
        )

    @admin.display(description=_("compartments"), ordering="compartment_total")
    def compartment_count(self, site: Site) -> int:
        return site.compartment_total

    @admin.display(description=_("available"), ordering="compartment_available")
    def available_count(self, site: Site) -> int:
        return site.compartment_available


@admin.register(Compartment)
class CompartmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Compartments are added by compartments_ensure; their state moves with parcels."""

    list_display = ["label", "site", "size_class", "state", "is_accessible"]
    list_filter = ["state", "size_class", "site__locality", "site"]
    search_fields = ["label", "site__name", "site__slug"]
    list_select_related = ["site"]
    autocomplete_fields = ["site"]


# --- Label signing keys ------------------------------------------------------------------


@admin.register(LabelSigningKey)
class LabelSigningKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Keys are made, promoted and deleted by `manage.py label_keys`; never by hand."""

    list_display = ["kid", "alg", "created_at", "promoted_at", "retired_at", "not_after"]
    fields = ["kid", "alg", "public_key", "created_at", "promoted_at", "retired_at", "not_after"]
    readonly_fields = fields


# --- Parcels, reservations and custody (issue 11): written only by lockers' services ------


class CustodyEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The parcel's chain of custody, append-only."""

    model = CustodyEvent
    extra = 0
    fields = ["at", "kind", "actor_label", "actor", "site", "compartment_label", "detail"]
    ordering = ["id"]


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "public_code",
        "external_reference",
        "size_class",
        "status",
        "destination_site",
        "compartment",
        "expires_at",
    ]
    list_filter = ["status", "size_class", "destination_site"]
    search_fields = ["public_code", "external_reference"]
    list_select_related = ["destination_site", "compartment__site"]
    exclude = ["pickup_code_digest"]
    inlines = [CustodyEventInline]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["parcel", "site", "size_class", "window", "state", "expires_at"]
    list_filter = ["state", "window", "size_class"]
    search_fields = ["parcel__public_code", "parcel__external_reference", "site__name"]
    list_select_related = ["parcel", "site"]


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: nothing here is added, changed or deleted."""

    list_display = ["at", "parcel", "kind", "actor_label", "actor", "site", "compartment_label"]
    list_filter = ["kind", "actor_label"]
    search_fields = ["parcel__public_code", "parcel__external_reference"]
    list_select_related = ["parcel", "actor", "site"]


@admin.register(KioskLockout)
class KioskLockoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["site", "failed_attempts", "last_failure_at", "locked_until"]
    list_select_related = ["site"]


# --- Kiosk devices ------------------------------------------------------------------------


class KioskDeviceAdmin(admin.ModelAdmin):
    """A coop admin makes a kiosk device (its secret shown once, on the page right after,
    never stored in clear) and revokes it; nothing else about it changes by hand. Both go
    through lockers.kiosk_devices, which audits them."""

    list_display = ["name", "site", "created_at", "last_seen_at", "revoked_at"]
    list_filter = ["site", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "site__name", "site__slug"]
    list_select_related = ["site"]
    autocomplete_fields = ["site"]
    fields = ["site", "name"]
    readonly_fields = ["created_at", "created_by", "last_seen_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["site", "name"] if obj is None else ["site", "name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["site", "name", *self.readonly_fields]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A device is revoked, not deleted: its audit trail names it.
        return False

    def save_model(self, request: HttpRequest, obj: KioskDevice, form: Any, change: bool) -> None:
        device, secret = kiosk_device_create(
            site=form.cleaned_data["site"], name=form.cleaned_data["name"], acting_user=request.user
        )
        obj.pk = device.pk
        obj._state.adding = False
        obj.refresh_from_db()
        request._kiosk_secret = secret

    def response_add(self, request: HttpRequest, obj: KioskDevice, post_url_continue: Any = None):
        """The secret, this once: rendered here rather than kept for a redirect, so that it
        passes through no message storage or session."""
        secret = getattr(request, "_kiosk_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        messages.warning(
            request,
            _("Copy this secret now: it is shown only once. Type it at %(url)s on the kiosk.")
            % {"url": request.build_absolute_uri(reverse("lockers:kiosk_activate"))},
        )
        response = TemplateResponse(
            request,
            "admin/lockers/kioskdevice/secret.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("The secret of %(device)s") % {"device": obj},
                "device": obj,
                "secret": secret,
                "activate_url": request.build_absolute_uri(reverse("lockers:kiosk_activate")),
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description=_("Revoke the selected kiosk devices"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[KioskDevice]) -> None:
        count = 0
        for device in queryset.filter(revoked_at__isnull=True):
            kiosk_device_revoke(device=device, acting_user=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d kiosk device revoked: it is signed out at its next request.",
                "%(count)d kiosk devices revoked: they are signed out at their next request.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


admin.site.register(KioskDevice, KioskDeviceAdmin)
