"""The coop administration's pages for the marketplace: every change goes through the
services (audited), never through a bare model save."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    JSON_FORMFIELD_OVERRIDES,
    DateHierarchyAdminMixin,
    ReadOnlyAdminMixin,
    SlugSetOnceAdminMixin,
)
from marketplace.errors import StoreDecisionInvalid
from marketplace.forms import DecisionReasonForm, StoreAdminForm
from marketplace.models import (
    Category,
    Listing,
    Order,
    OrderEvent,
    Payment,
    PaymentEvent,
    PayoutAccount,
    Refund,
    Shipment,
    Store,
    StoreClosure,
    StoreInvitation,
    StoreStaff,
    Transfer,
    Variant,
)
from marketplace.selectors import DECIDE_STORE
from marketplace.services import (
    STORE_FIELDS,
    category_parent_check,
    category_upsert,
    store_approve,
    store_create,
    store_refuse,
    store_staff_remove,
    store_staff_set,
    store_suspend,
    store_update,
)


class StoreStaffInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Shown on the store's page; added and changed on the store staff page, by service."""

    model = StoreStaff
    extra = 0
    fields = ["user", "role"]


class VariantInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Variant
    extra = 0
    fields = [
        "sku",
        "name",
        "price",
        "currency",
        "size_class",
        "weight_grams",
        "stock",
        "low_stock_threshold",
    ]


@admin.register(Store)
class StoreAdmin(DateHierarchyAdminMixin, SlugSetOnceAdminMixin, admin.ModelAdmin):
    """Stores and the coop's decisions on them: approve, refuse or suspend (with a reason
    the retailer reads) are actions, each through its service, audited and mailed."""

    list_display = [
        "name",
        "legal_name",
        "locality",
        "neighbourhood",
        "status",
        "small_supplier",
        "listing_total",
        "created_at",
    ]
    list_filter = ["status", "locality", "small_supplier"]
    search_fields = [
        "name",
        "legal_name",
        "neq",
        "slug",
        "neighbourhood",
        "street_address",
        "postal_code",
    ]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "status",
        "applicant",
        "decision_reason",
        "decided_at",
        "decided_by",
        "created_at",
    ]
    date_hierarchy = "created_at"
    inlines = [StoreStaffInline]
    actions = ["approve", "refuse", "suspend"]
    formfield_overrides = JSON_FORMFIELD_OVERRIDES
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "phone", "opening_hours", "created_at"]}),
        (
            _("Decision of the coop"),
            {"fields": ["status", "applicant", "decision_reason", "decided_at", "decided_by"]},
        ),
        (_("Business"), {"fields": ["legal_name", "neq"]}),
        (
            _("Address"),
            {
                "fields": [
                    "neighbourhood",
                    "street_address",
                    "locality",
                    "postal_code",
                    "latitude",
                    "longitude",
                ]
            },
        ),
        (_("Sales taxes"), {"fields": ["small_supplier", "gst_number", "qst_number"]}),
    ]

    form = StoreAdminForm

    def save_model(self, request: HttpRequest, obj: Store, form: Any, change: bool) -> None:
        """Write through marketplace's services, like every other write of a store."""
        values = {name: form.cleaned_data[name] for name in STORE_FIELDS & set(form.cleaned_data)}
        if change:
            store = store_update(
                store=Store.objects.get(pk=obj.pk), acting_user=request.user, **values
            )
        else:
            store = store_create(slug=form.cleaned_data["slug"], acting_user=request.user, **values)
        obj.pk = store.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Store]:
        return super().get_queryset(request).annotate(listing_count=Count("listings"))

    @admin.display(description=_("listings"), ordering="listing_count")
    def listing_total(self, store: Store) -> int:
        return store.listing_count

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE_STORE)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Store], decide: Any, **kwargs: Any
    ) -> None:
        """Apply one decision to each selected store; a store the decision does not fit,
        or one the admin works for, is named in a message and left as it is."""
        done = 0
        for store in queryset:
            try:
                decide(store=store, acting_user=request.user, **kwargs)
            except (StoreDecisionInvalid, PermissionDenied) as refused:
                message = getattr(refused, "message", "") or gettext("You may not decide on it.")
                self.message_user(
                    request,
                    gettext("%(store)s: %(message)s") % {"store": store, "message": message},
                    messages.ERROR,
                )
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d store updated.", "%(count)d stores updated.", done)
            % {"count": done},
            messages.SUCCESS,
        )

    def _with_reason(
        self, request: HttpRequest, queryset: QuerySet[Store], decide: Any, title: Any
    ) -> TemplateResponse | None:
        """Ask for the reason on a page of its own, then apply the decision with it."""
        form = DecisionReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._decide(request, queryset, decide, reason=form.cleaned_data["reason"])
            return None
        return TemplateResponse(
            request,
            "admin/marketplace/store/decision_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "form": form,
                "stores": queryset,
                "action": request.POST.get("action", ""),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Approve the selected stores"), permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        self._decide(request, queryset, store_approve)

    @admin.action(description=_("Refuse the selected applications…"), permissions=["decide"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[Store]) -> TemplateResponse | None:
        return self._with_reason(request, queryset, store_refuse, _("Refuse applications"))

    @admin.action(description=_("Suspend the selected stores…"), permissions=["decide"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Store]) -> TemplateResponse | None:
        return self._with_reason(request, queryset, store_suspend, _("Suspend stores"))


@admin.register(StoreStaff)
class StoreStaffAdmin(admin.ModelAdmin):
    """Who works at which store: the one record of it, written by marketplace's services."""

    list_display = ["user", "store", "role"]
    list_filter = ["role", "store__locality"]
    search_fields = ["user__email", "user__given_name", "user__family_name", "store__name"]
    list_select_related = ["user", "store"]
    autocomplete_fields = ["user", "store"]

    def get_readonly_fields(self, request: HttpRequest, obj: StoreStaff | None = None) -> Any:
        # A row names one person at one store; only the role changes.
        return ["user", "store"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: StoreStaff, form: Any, change: bool) -> None:
        membership = store_staff_set(
            store=obj.store, user=obj.user, role=obj.role, acting_user=request.user
        )
        obj.pk = membership.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: StoreStaff) -> None:
        store_staff_remove(store=obj.store, user=obj.user, acting_user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[StoreStaff]) -> None:
        for membership in queryset.select_related("store", "user"):
            self.delete_model(request, membership)


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name_fr", "name_en", "slug", "parent", "position"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is not None:
            category_parent_check(category=self.instance, parent=cleaned.get("parent"))
        return cleaned


@admin.register(Category)
class CategoryAdmin(SlugSetOnceAdminMixin, admin.ModelAdmin):
    """The catalogue's tree, kept by the coop; written through category_upsert, which
    refuses a cycle."""

    list_display = ["name_fr", "name_en", "parent", "position", "slug"]
    list_filter = ["parent"]
    search_fields = ["name_fr", "name_en", "slug"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name_fr"]}
    ordering = ["parent__position", "position", "slug"]
    form = CategoryAdminForm

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        category, _created = category_upsert(
            slug=form.cleaned_data["slug"] if not change else obj.slug,
            name_fr=form.cleaned_data["name_fr"],
            name_en=form.cleaned_data["name_en"],
            parent=form.cleaned_data["parent"],
            position=form.cleaned_data["position"],
            acting_user=request.user,
        )
        obj.pk = category.pk
        obj._state.adding = False


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Listings are the stores' own, written by their tools and catalogue imports."""

    list_display = [
        "title_fr",
        "store",
        "category",
        "status",
        "published_at",
        "variant_total",
        "stock_total",
    ]
    list_filter = ["status", "category", "store__locality", "store"]
    search_fields = ["title_fr", "title_en", "slug", "store__name", "variants__sku"]
    list_select_related = ["store", "category"]
    autocomplete_fields = ["store"]
    inlines = [VariantInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Listing]:
        return (
            super()
            .get_queryset(request)
            .annotate(variant_count=Count("variants"), stock_sum=Sum("variants__stock"))
        )

    @admin.display(description=_("variants"), ordering="variant_count")
    def variant_total(self, listing: Listing) -> int:
        return listing.variant_count

    @admin.display(description=_("stock"), ordering="stock_sum")
    def stock_total(self, listing: Listing) -> int:
        return listing.stock_sum or 0


@admin.register(Variant)
class VariantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Variants and their stock move with sales and the stores' tools, not by hand."""

    list_display = [
        "sku",
        "name",
        "listing",
        "store",
        "price",
        "currency",
        "size_class",
        "weight_grams",
        "stock",
        "low_stock_threshold",
    ]
    list_filter = ["currency", "size_class", "store"]
    search_fields = ["sku", "name", "listing__title_fr", "listing__title_en", "store__name"]
    list_select_related = ["listing", "store"]
    autocomplete_fields = ["listing", "store"]


# --- Orders and payments: read-only, for the coop's support ------------------------------
# Orders move through the shoppers' and stores' pages and the payment gateway's events
# (marketplace.checkout, marketplace.orders); the admin only shows them.


class ShipmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Shipment
    extra = 0
    fields = [
        "sequence",
        "store",
        "status",
        "subtotal",
        "gst",
        "qst",
        "total",
        "gst_collected_by",
        "qst_collected_by",
        "commission",
        "payout",
        "refusal_reason",
    ]


class OrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ["created_at", "shipment", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["created_at", "shipment", "amount", "refund_id", "reason", "actor"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(DateHierarchyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "buyer", "status", "speed", "total", "refunded_amount", "placed_at"]
    list_filter = ["status", "speed", "pickup_kind"]
    search_fields = ["number", "buyer__email", "shipments__store__name", "payment__intent_id"]
    list_select_related = ["buyer"]
    date_hierarchy = "placed_at"
    inlines = [ShipmentInline, RefundInline, OrderEventInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "gateway", "is_test", "status", "amount", "intent_id", "created_at"]
    list_filter = ["gateway", "is_test", "status"]
    search_fields = ["order__number", "intent_id", "charge_id"]
    list_select_related = ["order"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "shipment",
        "gateway",
        "destination",
        "amount",
        "reversed_amount",
        "transfer_id",
        "created_at",
    ]
    list_filter = ["gateway"]
    search_fields = ["shipment__order__number", "transfer_id", "destination"]
    list_select_related = ["shipment__order"]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The gateways' webhook events as received: one row per event id."""

    list_display = ["event_id", "gateway", "event_type", "created", "received_at", "processed_at"]
    list_filter = ["gateway", "event_type"]
    search_fields = ["event_id", "event_type"]
    formfield_overrides = JSON_FORMFIELD_OVERRIDES


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "store",
        "gateway",
        "account_id",
        "transfers_enabled",
        "details_submitted",
        "is_test",
        "updated_at",
    ]
    list_filter = ["gateway", "transfers_enabled", "is_test"]
    search_fields = ["store__name", "account_id"]
    list_select_related = ["store"]


# --- Store settings (written by the stores' owners: marketplace.store_settings) ----------


@admin.register(StoreClosure)
class StoreClosureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["store", "first_day", "last_day", "reason", "created_by"]
    list_filter = ["first_day"]
    search_fields = ["store__name", "reason"]
    list_select_related = ["store", "created_by"]


@admin.register(StoreInvitation)
class StoreInvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Invitations, shown without their token's digest."""

    list_display = ["email", "store", "role", "invited_by", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["email", "store__name"]
    list_select_related = ["store", "invited_by"]
    exclude = ["token_digest"]
