"""Pages for opening an account, proving an email, signing in and keeping a profile."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from identity.account import account_overview
from identity.account_panels import panels_for
from identity.assurance import LEVELS_EXPLAINED, session_sign_in
from identity.errors import (
    EmailAlreadyVerified,
    SignUpThrottled,
    VerificationLinkInvalid,
    VerificationResendTooSoon,
)
from identity.forms import (
    ChangePasswordForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
    form_errors_add,
    too_many_attempts_error,
)
from identity.ratelimit import client_ip
from identity.selectors import email_verification_link_valid, identity_proven, user_from_uidb64
from identity.services import (
    email_verification_send,
    email_verify,
    user_profile_update,
    user_sign_up,
)


def _safe_next(request: HttpRequest) -> str:
    """The `next` address if it stays on this site, else an empty string."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _language_cookie_set(response: HttpResponse, language: str) -> None:
    """Remember the language on the browser, as Django's set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@sensitive_post_parameters("password", "password_confirm")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Ask to open an account; the answer is "check your inbox" whether or not the address
    already has one (user_sign_up mails the difference to the address), and no one is
    signed in: a new account's owner signs in once the address is verified."""
    if request.user.is_authenticated:
        return redirect("identity:account")
    next_url = _safe_next(request)
    retry_after = None
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user_sign_up(
                    email=data["email"],
                    password=data["password"],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    preferred_language=data["preferred_language"],
                    client_ip=client_ip(request),
                )
            except ValidationError as exc:
                form_errors_add(form, exc)
            except SignUpThrottled as exc:
                retry_after = exc.retry_after
                form.add_error(None, too_many_attempts_error(exc.retry_after))
            else:
                done = reverse("identity:signup_done")
                if next_url:
                    done += "?" + urlencode({"next": next_url})
                response = redirect(done)
                _language_cookie_set(response, data["preferred_language"])
                return response
    else:
        form = SignUpForm(initial={"preferred_language": request.LANGUAGE_CODE})
    response = render(request, "identity/signup.html", {"form": form, "next": next_url})
    if retry_after:
        response.status_code = 429
        response["Retry-After"] = str(retry_after)
    return response


@never_cache
def signup_done(request: HttpRequest) -> HttpResponse:
    """The one answer to every accepted sign-up: check your inbox."""
    return render(request, "identity/signup_done.html", {"next": _safe_next(request)})


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """The sign-in page: a passkey first, the card second, the password as a fallback.

    Its form signs in with email and password; the session is recorded at assurance `low`.
    """
    next_url = _safe_next(request)
    if request.method == "POST":
        form = SignInForm(request, data=request.POST)
        if form.is_valid():
            user = form.user
            session_sign_in(
                request, user=user, acr="low", amr=["pwd"], backend=getattr(user, "backend", None)
            )
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    else:
        form = SignInForm(request)
        # The password is the fallback, folded away: the passkey button comes first.
        form.fields["email"].widget.attrs.pop("autofocus", None)
    response = render(
        request,
        "identity/login.html",
        {"form": form, "next": next_url, "levels": LEVELS_EXPLAINED},
    )
    if form.retry_after:
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so that a link or an image cannot sign anyone out)."""
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Verify an address from the link in the verification mail; a bad link answers 400.

    Opening the link (GET) only shows a button: mail scanners that open every link must
    not use it up. The button's POST verifies.
    """
    user = user_from_uidb64(uidb64)
    if request.method == "GET":
        if not email_verification_link_valid(user=user, token=token):
            return render(request, "identity/verify_email_invalid.html", status=400)
        return render(request, "identity/verify_email_confirm.html")
    try:
        if user is None:
            raise VerificationLinkInvalid
        email_verify(user=user, token=token)
    except VerificationLinkInvalid:
        return render(request, "identity/verify_email_invalid.html", status=400)
    messages.success(request, _("Thank you: your email address is verified."))
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("identity:account")
    return redirect("identity:login")


@login_required
@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    """Mail a new verification link to the signed-in person, at most once a minute."""
    try:
        email_verification_send(user=request.user)
    except (EmailAlreadyVerified, VerificationResendTooSoon) as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(
            request,
            _("We sent a new link to %(email)s.") % {"email": request.user.email},
        )
    return redirect("identity:profile")


@login_required
@never_cache
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """The account hub: who I am and at what level, my card, passkeys and services, the
    panels of the apps above identity, and the one next step that would help most."""
    return render(
        request,
        "identity/account.html",
        {"overview": account_overview(request), "panels": panels_for(request)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show and change one's profile; an HTMX request gets the form alone back."""
    user = request.user
    saved = False
    proven = identity_proven(user)
    if request.method == "POST":
        form = ProfileForm(request.POST, initial=ProfileForm.initial_for(user), proven=proven)
        if form.is_valid():
            language_before = user.preferred_language
            try:
                user_profile_update(user=user, acting_user=user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                language_changed = user.preferred_language != language_before
                if language_changed or not request.htmx:
                    messages.success(request, _("Your profile is saved."))
                    response: HttpResponse = (
                        HttpResponseClientRefresh()
                        if request.htmx
                        else HttpResponseRedirect(reverse("identity:profile"))
                    )
                    if language_changed:
                        _language_cookie_set(response, user.preferred_language)
                    return response
                saved = True
                form = ProfileForm(initial=ProfileForm.initial_for(user), proven=proven)
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user), proven=proven)
    context: dict[str, Any] = {"form": form, "saved": saved}
    template = "identity/includes/profile_form.html" if request.htmx else "identity/profile.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetRequestForm,
    template_name="identity/password_reset_form.html",
    success_url=reverse_lazy("identity:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="identity/password_reset_done.html",
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from a reset link; a bad or used link answers 400."""

    form_class = NewPasswordForm
    template_name = "identity/password_reset_confirm.html"
    success_url = reverse_lazy("identity:password_reset_complete")
    reset_url_token = "nouveau"  # noqa: S105 (a path segment, not a secret)

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if not context.get("validlink"):
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="identity/password_reset_complete.html",
)
password_change = auth_views.PasswordChangeView.as_view(
    form_class=ChangePasswordForm,
    template_name="identity/password_change_form.html",
    success_url=reverse_lazy("identity:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="identity/password_change_done.html",
)
