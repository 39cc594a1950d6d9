"""The catalogue's pages: search with filters, browsing by category, and a listing's page.

With htmx the form asks for the results region alone (request.htmx) and the page swaps
it in place; without JavaScript the same form reloads the whole page.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from marketplace.errors import CatalogueQueryInvalid
from marketplace.forms import CatalogueFilterForm
from marketplace.models import Category, Store
from marketplace.search import (
    PAGE_SIZE_DEFAULT,
    CatalogueChoices,
    CategoryNode,
    catalogue_choices,
    catalogue_listing,
    catalogue_search,
    category_ancestors,
    category_tree_flat,
)
from marketplace.selectors import listings_photos_load

RESULTS_TEMPLATE = "marketplace/catalogue/includes/results.html"


def _crumbs(*trail: tuple[str, str | None]) -> list[dict[str, Any]]:
    """Home, then `trail`'s (label, url) pairs: what components/breadcrumbs.html shows
    (the last one, the page itself, has no url)."""
    return [{"label": _("Home"), "url": reverse("home")}] + [
        {"label": label, "url": url} for label, url in trail
    ]


def _category_trail(categories: list[Category]) -> list[tuple[str, str | None]]:
    return [
        (category.name, reverse("catalogue:category", args=[category.slug]))
        for category in categories
    ]


def _saved_position(user: Any) -> tuple[float, float] | None:
    """The signed-in person's address on the map, when identity has it."""
    if not user.is_authenticated or user.latitude is None or user.longitude is None:
        return None
    return (float(user.latitude), float(user.longitude))


def _category_choices(tree: list[CategoryNode]) -> list[tuple[str, str]]:
    # Sub-categories indented under their parent (no-break spaces survive in a <select>).
    return [
        (node.category.slug, "\u00a0\u00a0" * node.depth + node.category.name)
        for node in category_tree_flat(tree)
    ]


def _render_catalogue(
    request: HttpRequest, *, category: Category | None, choices: CatalogueChoices
) -> HttpResponse:
    tree = choices.tree
    form = CatalogueFilterForm(
        request.GET,
        categories=_category_choices(tree),
        stores=choices.store_choices,
        saved_position=_saved_position(request.user),
    )
    if category is not None:
        # The category comes from the address; the form's own choice is not offered.
        del form.fields["category"]
    page = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        nodes = {node.category.slug: node.category for node in category_tree_flat(tree)}
        try:
            page = catalogue_search(
                text=data["q"],
                category=category or nodes.get(data.get("category") or ""),
                # The form's choices are the approved stores: the id is all the filter needs.
                store=Store(pk=choices.store_id(data["store"])) if data["store"] else None,
                price_min=data["price_min"],
                price_max=data["price_max"],
                in_stock=data["in_stock"],
                position=form.position(),
                max_distance_km=data["distance"],
                sort=data["sort"],
                page=data["page"] or 1,
                page_size=data["per_page"] or PAGE_SIZE_DEFAULT,
            )
        except CatalogueQueryInvalid as refused:
            form.add_error(None, refused.message)
        else:
            # The cards' photos: one query whatever the page's size.
            listings_photos_load([result.listing for result in page.results])
    if page is None:
        status = 400
    ancestors = category_ancestors(category, tree) if category else []
    if category is None:
        crumbs = _crumbs((_("Catalogue"), None))
    else:
        crumbs = _crumbs(
            (_("Catalogue"), reverse("catalogue:search")),
            *_category_trail(ancestors),
            (category.name, None),
        )
    context = {
        "crumbs": crumbs,
        "form": form,
        "page": page,
        "category": category,
        "tree": tree,
        "position": form.position() if form.is_valid() else None,
        "saved_position": form.saved_position,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    if partial and status == 400:
        # htmx swaps only 2xx answers: the form's errors take the results' place.
        status = 200
    response = render(
        request,
        RESULTS_TEMPLATE if partial else "marketplace/catalogue/catalogue.html",
        context | {"partial": partial},
        status=status,
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """Every published listing of the approved stores, searched and filtered; a bad
    value in the query string is a form error and a 400."""
    return _render_catalogue(request, category=None, choices=catalogue_choices())


@require_GET
def catalogue_category(request: HttpRequest, slug: str) -> HttpResponse:
    """The catalogue within a category and its sub-categories, with the tree to move
    between categories."""
    choices = catalogue_choices()
    category = choices.category(slug)
    if category is None:
        raise Http404
    return _render_catalogue(request, category=category, choices=choices)


@require_GET
def catalogue_listing_detail(
    request: HttpRequest, store_slug: str, listing_slug: str
) -> HttpResponse:
    """A published listing of an approved store: its photos, its variants with their
    prices, stock and sizes, and a form to add each variant in stock to the cart."""
    listing = catalogue_listing(store_slug=store_slug, listing_slug=listing_slug)
    if listing is None:
        raise Http404
    listings_photos_load([listing])
    categories = []
    if listing.category is not None:
        categories = [
            *category_ancestors(listing.category, catalogue_choices().tree),
            listing.category,
        ]
    crumbs = _crumbs(
        (_("Catalogue"), reverse("catalogue:search")),
        *_category_trail(categories),
        (listing.title, None),
    )
    return render(
        request,
        "marketplace/catalogue/listing_detail.html",
        {"listing": listing, "crumbs": crumbs, "variants": listing.variants.all()},
    )
