"""A store's settings page, for its owners (/boutiques/mes-boutiques/<store>/reglages/):
hours and preparation time, closed days, the team and its invitations; and the page
where an invited person accepts. Another store's page is not found (404); a person on
the staff who is not an owner is refused (403, access_store_settings). Every write goes
through marketplace.store_settings."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from identity.models import User
from marketplace.errors import StoreStaffChangeRefused
from marketplace.models import Store, StoreClosure, StoreInvitation
from marketplace.selectors import staff_store
from marketplace.services import store_staff_dismiss
from marketplace.settings_forms import StoreClosureForm, StoreHoursForm, StoreInvitationForm
from marketplace.store_settings import (
    InvitationEmailMismatch,
    InvitationNotValid,
    access_store_invitation_accept,
    access_store_settings,
    invitation_refusal,
    store_closure_add,
    store_closure_remove,
    store_closures,
    store_hours_set,
    store_invitation_accept,
    store_invitation_create,
    store_invitation_for_token,
    store_invitation_revoke,
    store_invitations_open,
    store_team,
)


def _store(request: HttpRequest, store_slug: str) -> Store:
    """The store if the signed-in person works for it (404 otherwise), and 403 unless
    they own it."""
    try:
        store = staff_store(acting_user=request.user, slug=store_slug)
    except Store.DoesNotExist:
        raise Http404 from None
    access_store_settings(acting_user=request.user, store=store)
    return store


def _page(request: HttpRequest, store: Store, *, status: int = 200, **forms: Any) -> HttpResponse:
    upcoming, past = store_closures(store)
    context = {
        "store": store,
        "hours_form": forms.get("hours_form") or StoreHoursForm(store=store),
        "closure_form": forms.get("closure_form") or StoreClosureForm(),
        "invitation_form": forms.get("invitation_form") or StoreInvitationForm(),
        "closures_upcoming": upcoming,
        "closures_past": past,
        "team": store_team(store),
        "invitations": store_invitations_open(store),
    }
    return render(request, "marketplace/settings/store_settings.html", context, status=status)


def _settings_url(store: Store) -> str:
    return reverse("marketplace:store_settings", args=[store.slug])


@require_http_methods(["GET", "POST"])
@login_required
def store_settings(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The settings page; a POST saves the week's hours and the preparation time."""
    store = _store(request, store_slug)
    if request.method == "GET":
        return _page(request, store)
    form = StoreHoursForm(request.POST, store=store)
    if form.is_valid():
        try:
            store_hours_set(
                store=store,
                opening_hours=form.cleaned_data["opening_hours"],
                preparation_minutes=form.cleaned_data["preparation_minutes"],
                acting_user=request.user,
            )
        except ValidationError as invalid:
            for message in invalid.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The hours and the preparation time are saved."))
            return redirect(_settings_url(store) + "#hours")
    return _page(request, store, hours_form=form, status=400)


@require_POST
@login_required
def closure_add(request: HttpRequest, store_slug: str) -> HttpResponse:
    store = _store(request, store_slug)
    form = StoreClosureForm(request.POST)
    if form.is_valid():
        try:
            store_closure_add(store=store, acting_user=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            if hasattr(invalid, "error_dict"):
                for field, errors in invalid.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                form.add_error(None, invalid)
        else:
            messages.success(request, _("The closed days are added."))
            return redirect(_settings_url(store) + "#closures")
    return _page(request, store, closure_form=form, status=400)


@require_POST
@login_required
def closure_remove(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    store = _store(request, store_slug)
    closure = StoreClosure.objects.filter(store=store, pk=pk).select_related("store").first()
    if closure is None:
        raise Http404
    try:
        store_closure_remove(closure=closure, acting_user=request.user)
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    else:
        messages.success(request, _("The closed days are removed."))
    return redirect(_settings_url(store) + "#closures")


@require_POST
@login_required
def invitation_create(request: HttpRequest, store_slug: str) -> HttpResponse:
    store = _store(request, store_slug)
    form = StoreInvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = store_invitation_create(
                store=store,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except ValidationError as invalid:
            for message in invalid.messages:
                form.add_error("email", message)
        else:
            messages.success(
                request,
                _("An invitation is on its way to %(email)s.") % {"email": invitation.email},
            )
            return redirect(_settings_url(store) + "#team")
    return _page(request, store, invitation_form=form, status=400)


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, store_slug: str, pk: int) -> HttpResponse:
    store = _store(request, store_slug)
    invitation = StoreInvitation.objects.filter(store=store, pk=pk).select_related("store").first()
    if invitation is None:
        raise Http404
    if store_invitation_revoke(invitation=invitation, acting_user=request.user):
        messages.success(
            request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
        )
    return redirect(_settings_url(store) + "#team")


@require_POST
@login_required
def staff_remove(request: HttpRequest, store_slug: str, user_pk: int) -> HttpResponse:
    store = _store(request, store_slug)
    person = User.objects.filter(pk=user_pk, store_memberships__store=store).first()
    if person is None:
        raise Http404
    try:
        store_staff_dismiss(store=store, user=person, acting_user=request.user)
    except StoreStaffChangeRefused:
        messages.error(request, _("An owner is not removed here; ask the coop."))
    else:
        messages.success(
            request, _("%(name)s no longer works at the store.") % {"name": person.full_name}
        )
    return redirect(_settings_url(store) + "#team")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Whose invitation this is, and for a signed-in person whose verified email is the
    invited address, the button that accepts it. A link not valid, used, withdrawn or
    expired says so (404 or 410), never an error page."""
    try:
        found = store_invitation_for_token(token)
    except InvitationNotValid as invalid:
        return render(
            request,
            "marketplace/settings/invitation.html",
            {"refusal": invalid.message},
            status=404,
        )
    refusal = invitation_refusal(found)
    context: dict[str, Any] = {"invitation": found, "refusal": refusal}
    if refusal:
        return render(request, "marketplace/settings/invitation.html", context, status=410)
    if request.user.is_authenticated:
        try:
            access_store_invitation_accept(acting_user=request.user, invitation=found)
        except InvitationEmailMismatch as mismatch:
            context["mismatch"] = mismatch.message
    if request.method == "GET":
        return render(request, "marketplace/settings/invitation.html", context)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        store_invitation_accept(token=token, acting_user=request.user)
    except InvitationEmailMismatch as mismatch:
        context["mismatch"] = mismatch.message
        return render(request, "marketplace/settings/invitation.html", context, status=403)
    except InvitationNotValid as invalid:
        context["refusal"] = invalid.message
        return render(request, "marketplace/settings/invitation.html", context, status=410)
    messages.success(request, _("Welcome to the team of %(name)s.") % {"name": found.store.name})
    return redirect("marketplace:my_stores")
