"""The owner's page of a store's API keys (/boutiques/mes-boutiques/<store>/cles-api/):
make a key for the store's point-of-sale system, shown once, and revoke it. Only the
store's owners reach it (access_store_api_key_manage); a store the person does not work
for is not found."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.models import Store, StoreApiKey, StoreApiKeyScope
from marketplace.selectors import staff_store
from marketplace.store_api import (
    access_store_api_key_manage,
    store_api_key_create,
    store_api_key_revoke,
    store_api_keys,
)


class StoreApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What the key is for, to know it again: “Till 1”, “Web shop”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=StoreApiKeyScope.choices,
        initial=StoreApiKeyScope.READ,
        widget=forms.RadioSelect,
    )


def _store(request: HttpRequest, store_slug: str) -> Store:
    try:
        store = staff_store(acting_user=request.user, slug=store_slug)
    except Store.DoesNotExist:
        raise Http404 from None
    access_store_api_key_manage(acting_user=request.user, store=store)
    return store


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def api_keys(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The store's keys, and a form for a new one; the new key is shown on the answer to
    the form, once (the page is not cached), and never again."""
    store = _store(request, store_slug)
    form = StoreApiKeyForm(request.POST if request.method == "POST" else None)
    created_key = None
    if form.is_bound and form.is_valid():
        _api_key, created_key = store_api_key_create(
            store=store,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            acting_user=request.user,
        )
        form = StoreApiKeyForm()
    status = 400 if form.is_bound else 200
    context = {
        "store": store,
        "form": form,
        "keys": store_api_keys(store),
        "created_key": created_key,
        "api_url": request.build_absolute_uri("/api/v1/store/"),
    }
    return render(request, "marketplace/staff/api_keys.html", context, status=status)


@require_POST
@login_required
def api_key_revoke(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    store = _store(request, store_slug)
    api_key = StoreApiKey.objects.filter(store=store, pk=pk).select_related("store").first()
    if api_key is None:
        raise Http404
    store_api_key_revoke(api_key=api_key, acting_user=request.user)
    messages.success(
        request,
        _("The key %(prefix)s is revoked: it opens nothing any more.") % {"prefix": api_key.prefix},
    )
    return redirect("marketplace:store_api_keys", store_slug=store.slug)
