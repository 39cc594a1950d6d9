"""Pages where a store's staff manage its listings: their words, variants and photos, and
publishing them. Another store's pages are not found (404); a store the coop has not
approved answers 403 (access_listing_manage). Every write goes through a service."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.errors import (
    ListingPhotoLimit,
    ListingPublishRefused,
    PayoutAccountRequired,
    StockChanged,
)
from marketplace.forms import ListingForm, PhotoAltForm, PhotoForm, VariantForm
from marketplace.models import Listing, ListingPhoto, ListingStatus, Store, Variant
from marketplace.selectors import (
    access_listing_manage,
    staff_listing,
    staff_listings,
    staff_store,
    store_payout_ready,
    variants_low_on_stock,
)
from marketplace.services import (
    listing_create,
    listing_photo_add,
    listing_photo_move,
    listing_photo_remove,
    listing_photo_update,
    listing_status_set,
    listing_update,
    variant_create,
    variant_update,
)


def _store(request: HttpRequest, store_slug: str) -> Store:
    """The store if the signed-in person works for it (404 otherwise), and 403 unless
    they may manage its listings now."""
    try:
        store = staff_store(acting_user=request.user, slug=store_slug)
    except Store.DoesNotExist:
        raise Http404 from None
    access_listing_manage(acting_user=request.user, store=store)
    return store


def _listing(store: Store, pk: int) -> Listing:
    try:
        return staff_listing(store=store, pk=pk)
    except Listing.DoesNotExist:
        raise Http404 from None


def _listing_url(listing: Listing) -> str:
    return reverse("marketplace:staff_listing", args=[listing.store.slug, listing.pk])


def _listing_page(
    request: HttpRequest, store: Store, listing: Listing, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "store": store,
        "listing": listing,
        "form": ListingForm(instance=listing),
        "payout_ready": store_payout_ready(store),
        **extra,
    }
    return render(request, "marketplace/staff/listing_detail.html", context, status=status)


@require_GET
@login_required
def listing_list(request: HttpRequest, store_slug: str) -> HttpResponse:
    """Every listing of the store with its status, variants and stock, and the variants
    low on stock first."""
    store = _store(request, store_slug)
    return render(
        request,
        "marketplace/staff/listing_list.html",
        {
            "store": store,
            "listings": staff_listings(store),
            "low_stock": variants_low_on_stock(store),
            "payout_ready": store_payout_ready(store),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def listing_new(request: HttpRequest, store_slug: str) -> HttpResponse:
    """A new listing, a draft until published; invalid input is answered 400."""
    store = _store(request, store_slug)
    form = ListingForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            listing = listing_create(store=store, acting_user=request.user, **form.listing_fields())
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(
                request, _("The listing is saved as a draft: add a variant, then publish it.")
            )
            return redirect(_listing_url(listing))
    status = 400 if form.is_bound else 200
    context = {"store": store, "form": form}
    return render(request, "marketplace/staff/listing_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def listing_edit(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    """A listing's words and category, its variants and photos, and its publication."""
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    if request.method == "GET":
        return _listing_page(request, store, listing)
    form = ListingForm(request.POST, instance=Listing.objects.get(pk=listing.pk))
    if form.is_valid():
        try:
            listing_update(listing=listing, acting_user=request.user, **form.listing_fields())
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("The listing is saved."))
            return redirect(_listing_url(listing))
    return _listing_page(request, store, listing, form=form, status=400)


@require_POST
@login_required
def listing_status(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    """Publish or unpublish; a refusal (no payout account, no variant) is shown on the
    listing's page, answered 409."""
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    wanted = request.POST.get("status", "")
    if wanted not in (ListingStatus.PUBLISHED, ListingStatus.UNPUBLISHED):
        return _listing_page(
            request, store, listing, status=400, status_error=_("Choose publish or unpublish.")
        )
    try:
        listing_status_set(listing=listing, status=wanted, acting_user=request.user)
    except ListingPublishRefused as refused:
        return _listing_page(
            request,
            store,
            listing,
            status=409,
            status_error=refused.message,
            needs_payout=isinstance(refused, PayoutAccountRequired),
        )
    if wanted == ListingStatus.PUBLISHED:
        messages.success(request, _("The listing is published: shoppers see it."))
    else:
        messages.success(request, _("The listing is unpublished: shoppers no longer see it."))
    return redirect(_listing_url(listing))


def _variant_form_page(
    request: HttpRequest,
    store: Store,
    listing: Listing,
    form: VariantForm,
    variant: Variant | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "marketplace/staff/variant_form.html",
        {"store": store, "listing": listing, "form": form, "variant": variant},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def variant_new(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    """A new variant of the listing; a SKU the store already uses is a form error (400)."""
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    form = VariantForm(request.POST if request.method == "POST" else None)
    if not form.is_bound:
        return _variant_form_page(request, store, listing, form, None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            variant_create(
                listing=listing,
                sku=data["sku"],
                name=data["name"],
                price=data["price"],
                stock=data["stock"],
                size_class=data["size_class"],
                weight_grams=data["weight_grams"],
                low_stock_threshold=data["low_stock_threshold"],
                acting_user=request.user,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("The variant is added."))
            return redirect(_listing_url(listing))
    return _variant_form_page(request, store, listing, form, None, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def variant_edit(request: HttpRequest, store_slug: str, pk: int, variant_pk: int) -> HttpResponse:
    """A variant's name, price, stock, parcel and threshold; a stock changed by a sale
    since the page was shown is answered 409 with the new figure."""
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    variant = next((v for v in listing.variants.all() if v.pk == variant_pk), None)
    if variant is None:
        raise Http404
    if request.method == "GET":
        return _variant_form_page(request, store, listing, VariantForm(variant=variant), variant)
    form = VariantForm(request.POST, variant=variant)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            variant_update(
                variant=variant,
                acting_user=request.user,
                stock=data["stock"],
                stock_seen=data["stock_seen"],
                name=data["name"],
                price=data["price"],
                size_class=data["size_class"],
                weight_grams=data["weight_grams"],
                low_stock_threshold=data["low_stock_threshold"],
            )
        except StockChanged as changed:
            # What they typed stays; the stock seen becomes today's, shown in the message.
            data = request.POST.copy()
            data["stock_seen"] = str(variant.stock)
            form = VariantForm(data, variant=variant)
            form.is_valid()
            form.add_error(
                "stock",
                _("%(message)s In stock now: %(stock)s.")
                % {"message": changed.message, "stock": variant.stock},
            )
            status = 409
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("The variant is saved."))
            return redirect(_listing_url(listing))
    return _variant_form_page(request, store, listing, form, variant, status=status)


def _photo(listing: Listing, photo_pk: int) -> ListingPhoto:
    photo = next((p for p in listing.photos.all() if p.pk == photo_pk), None)
    if photo is None:
        raise Http404
    photo.listing = listing
    return photo


@require_http_methods(["GET", "POST"])
@login_required
def photo_new(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    """Add a photo to the listing; a file refused (not an image, too large, damaged) or a
    listing at its limit is answered 400 with the reason."""
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    posted = request.method == "POST"
    form = PhotoForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                listing_photo_add(
                    listing=listing,
                    upload=form.cleaned_data["image"],
                    alt_fr=form.cleaned_data["alt_fr"],
                    alt_en=form.cleaned_data["alt_en"],
                    acting_user=request.user,
                )
            except ValidationError as invalid:
                if hasattr(invalid, "error_dict"):
                    form.add_error(None, invalid)
                else:
                    form.add_error("image", invalid)
            except ListingPhotoLimit as full:
                form.add_error(None, full.message)
            else:
                messages.success(request, _("The photo is added."))
                return redirect(_listing_url(listing))
    return render(
        request,
        "marketplace/staff/photo_form.html",
        {"store": store, "listing": listing, "form": form, "photo": None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def photo_edit(request: HttpRequest, store_slug: str, pk: int, photo_pk: int) -> HttpResponse:
    """A photo's descriptions, and moving or removing it."""
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    photo = _photo(listing, photo_pk)
    initial = {"alt_fr": photo.alt_fr, "alt_en": photo.alt_en}
    form = PhotoAltForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                listing_photo_update(
                    photo=photo,
                    alt_fr=form.cleaned_data["alt_fr"],
                    alt_en=form.cleaned_data["alt_en"],
                    acting_user=request.user,
                )
            except ValidationError as invalid:
                form.add_error(None, invalid)
            else:
                messages.success(request, _("The photo’s description is saved."))
                return redirect(_listing_url(listing))
    return render(
        request,
        "marketplace/staff/photo_form.html",
        {"store": store, "listing": listing, "form": form, "photo": photo},
        status=status,
    )


@require_POST
@login_required
def photo_move(request: HttpRequest, store_slug: str, pk: int, photo_pk: int) -> HttpResponse:
    """Move a photo one place earlier (`direction=up`) or later (`down`)."""
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    photo = _photo(listing, photo_pk)
    offsets = {"up": -1, "down": 1}
    direction = request.POST.get("direction", "")
    if direction not in offsets:
        return _listing_page(
            request, store, listing, status=400, status_error=_("Choose earlier or later.")
        )
    listing_photo_move(photo=photo, offset=offsets[direction], acting_user=request.user)
    return redirect(_listing_url(listing) + "#photos")


@require_POST
@login_required
def photo_remove(request: HttpRequest, store_slug: str, pk: int, photo_pk: int) -> HttpResponse:
    store = _store(request, store_slug)
    listing = _listing(store, pk)
    photo = _photo(listing, photo_pk)
    listing_photo_remove(photo=photo, acting_user=request.user)
    messages.success(request, _("The photo is removed."))
    return redirect(_listing_url(listing) + "#photos")
