"""A store's catalogue as a CSV file, for the people who work there: export it, send it
back (checked, then applied by a Celery task), and follow an import's progress in place.
Another store's pages are not found (404); access_catalogue_import answers 403."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.catalogue_csv import COLUMNS, catalogue_export, catalogue_template
from marketplace.catalogue_imports import catalogue_import_progress, catalogue_import_start
from marketplace.models import CatalogueImport, Store
from marketplace.selectors import access_catalogue_import, staff_store

# The exports offered: (key, language of the headers, delimiter, encoding).
EXPORT_FORMATS = {
    "fr": ("fr", ";", "utf-8"),
    "fr-windows": ("fr", ";", "windows-1252"),
    "en": ("en", ",", "utf-8"),
}
RECENT_IMPORTS = 10


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows-1252, comma or semicolon, French or English headers."),
    )
    photos = forms.FileField(
        label=_("Zip of photos (optional)"),
        required=False,
        help_text=_("The files the “photo” column names."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: show what would change, change nothing"), required=False
    )


def _store(request: HttpRequest, store_slug: str) -> Store:
    """The store if the signed-in person works for it (404 otherwise), and 403 unless
    they may import its catalogue now."""
    try:
        store = staff_store(acting_user=request.user, slug=store_slug)
    except Store.DoesNotExist:
        raise Http404 from None
    access_catalogue_import(acting_user=request.user, store=store)
    return store


def _import(store: Store, pk: int) -> CatalogueImport:
    try:
        return CatalogueImport.objects.select_related("acting_user").get(store=store, pk=pk)
    except CatalogueImport.DoesNotExist:
        raise Http404 from None


def _attachment(data: bytes, filename: str, charset: str) -> HttpResponse:
    response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def catalogue_import_page(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The import form, the exports and the template, and the store's last imports."""
    store = _store(request, store_slug)
    form = (
        CatalogueImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST"
        else CatalogueImportForm()
    )
    if form.is_bound and form.is_valid():
        try:
            catalogue_import = catalogue_import_start(
                store=store,
                upload=form.cleaned_data["file"],
                photos=form.cleaned_data["photos"],
                dry_run=form.cleaned_data["dry_run"],
                acting_user=request.user,
            )
        except ValidationError as refused:
            if hasattr(refused, "error_dict"):
                for name, errors in refused.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, refused)
        else:
            return redirect(
                reverse("marketplace:catalogue_import", args=[store.slug, catalogue_import.pk])
            )
    context = {
        "store": store,
        "form": form,
        "imports": store.catalogue_imports.select_related("acting_user")[:RECENT_IMPORTS],
        "columns": COLUMNS,
    }
    return render(
        request,
        "marketplace/staff/catalogue_import.html",
        context,
        status=400 if form.is_bound else 200,
    )


@require_GET
@login_required
def catalogue_import_detail(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    """One import: its progress until it ends, then what it did or why it was refused."""
    store = _store(request, store_slug)
    catalogue_import = _import(store, pk)
    context = {
        "store": store,
        "import": catalogue_import,
        "percent": catalogue_import_progress(catalogue_import),
    }
    return render(request, "marketplace/staff/catalogue_import_detail.html", context)


@require_GET
@login_required
def catalogue_import_status(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    """The progress fragment the detail page polls (HTMX) until the import ends."""
    store = _store(request, store_slug)
    catalogue_import = _import(store, pk)
    context = {
        "store": store,
        "import": catalogue_import,
        "percent": catalogue_import_progress(catalogue_import),
    }
    response = render(request, "marketplace/staff/_catalogue_import_status.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def catalogue_export_csv(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The store's catalogue as a CSV file that imports back unchanged."""
    store = _store(request, store_slug)
    key = request.GET.get("format", "fr")
    if key not in EXPORT_FORMATS:
        key = "fr"
    language, delimiter, encoding = EXPORT_FORMATS[key]
    try:
        data = catalogue_export(store, language=language, delimiter=delimiter, encoding=encoding)
    except UnicodeEncodeError:
        # A character Windows-1252 lacks (an emoji in a description): UTF-8 holds it.
        language, delimiter, encoding = EXPORT_FORMATS["fr"]
        data = catalogue_export(store, language=language, delimiter=delimiter, encoding=encoding)
    return _attachment(data, f"catalogue-{store.slug}.csv", encoding)


@require_GET
@login_required
def catalogue_template_csv(request: HttpRequest, store_slug: str) -> HttpResponse:
    """An example file to fill in, French or English (`?lang=en`)."""
    _store(request, store_slug)
    language = "en" if request.GET.get("lang") == "en" else "fr"
    name = "catalogue-template.csv" if language == "en" else "catalogue-modele.csv"
    return _attachment(catalogue_template(language=language), name, "utf-8")
