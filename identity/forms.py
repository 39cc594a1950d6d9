"""Forms of identity's pages. They check what a person typed; rules live in services."""

import math
from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserChangeForm,
)
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from identity.errors import SignInThrottled
from identity.models import Language, Province, User
from identity.ratelimit import client_ip
from identity.roles import Role, user_roles
from identity.selectors import PROVEN_FIELDS, access_user_roles_change
from identity.services import password_reset_request, user_authenticate, user_password_set
from identity.validators import postal_code_normalize


def form_errors_add(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form fields it names, the rest to the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def too_many_attempts_error(retry_after: int) -> ValidationError:
    """The form error of a refusal for too many attempts, in whole minutes to wait."""
    minutes = math.ceil(retry_after / 60)
    return ValidationError(
        ngettext(
            "Too many attempts; try again in %(minutes)d minute.",
            "Too many attempts; try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        code="too_many_attempts",
    )


def person_name_field(label: str, autocomplete: str) -> forms.CharField:
    """A given or family name, as sign-up and the profile both ask for it."""
    return forms.CharField(
        label=label, max_length=150, widget=forms.TextInput(attrs={"autocomplete": autocomplete})
    )


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    given_name = person_name_field(_("Given name"), "given-name")
    family_name = person_name_field(_("Family name"), "family-name")
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits, nor a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Language.choices,
        help_text=_("We write to you in this language."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error(
                "password_confirm",
                ValidationError(_("The two passwords differ."), code="password_mismatch"),
            )
        return cleaned


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        # Seconds the client must wait after too many failures; None while it may try.
        self.retry_after: int | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        """One message for every failure, so it never tells which part was wrong."""
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            try:
                self.user = user_authenticate(
                    email=email,
                    password=password,
                    client_ip=client_ip(self.request),
                    request=self.request,
                )
            except SignInThrottled as exc:
                self.retry_after = exc.retry_after
                raise too_many_attempts_error(exc.retry_after) from exc
        if self.user is None:
            raise ValidationError(
                _("The email address or the password is not right, or the account is closed."),
                code="invalid_login",
            )
        return cleaned


class ProfileForm(forms.Form):
    given_name = person_name_field(_("Given name"), "given-name")
    family_name = person_name_field(_("Family name"), "family-name")
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=32,
        help_text=_("For example 418 555-0123."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    street_address = forms.CharField(
        label=_("Street address"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    locality = forms.CharField(
        label=_("City"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    region = forms.ChoiceField(
        label=_("Province or territory"),
        choices=Province.choices,
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        required=False,
        max_length=10,
        help_text=_("For example G1R 4P5."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Language.choices,
        help_text=_("The site and our messages use this language."),
    )

    def __init__(self, *args: Any, proven: bool = False, **kwargs: Any) -> None:
        """`proven`: a registrar has proven the names and birth date; they are shown,
        not editable (a posted value is ignored for the one shown)."""
        super().__init__(*args, **kwargs)
        if proven:
            for name in PROVEN_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Proven by a registrar from an identity document. To correct it, see "
                    "a registrar with the document."
                )

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        return {name: getattr(user, name) for name in cls.base_fields}


class PasswordResetRequestForm(PasswordResetForm):
    """Asks for a reset link; the mail leaves from a Celery task, not from this request."""

    def save(self, **kwargs: Any) -> None:
        password_reset_request(email=self.cleaned_data["email"])


class ServicePasswordMixin:
    """Saves the new password through identity's service instead of on the model."""

    def save(self, commit: bool = True) -> User:
        password = self.cleaned_data["new_password1"]
        if not commit:
            self.user.set_password(password)
            return self.user
        return user_password_set(user=self.user, password=password)


class NewPasswordForm(ServicePasswordMixin, SetPasswordForm):
    pass


class ChangePasswordForm(ServicePasswordMixin, PasswordChangeForm):
    pass


class AdminUserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "given_name", "family_name", "preferred_language")

    def clean_email(self) -> str:
        """Addresses are stored in lower case and unique whatever their letter case."""
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account already uses this email address."), "unique")
        return email


class AdminUserChangeForm(UserChangeForm):
    """A person's page in the admin. Roles are chosen here, never as raw groups or
    permissions; the admin saves every change through identity's services."""

    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The person making the change; the admin sets it on the form class of each request.
    acting_user: Any = None

    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "roles" in self.fields and self.instance.pk:
            self.fields["roles"].initial = sorted(user_roles(self.instance))

    def clean_roles(self) -> set[str]:
        """Refuse, as a message on the field, a change of roles the service would refuse."""
        roles = set(self.cleaned_data["roles"])
        if self.acting_user is None or roles == user_roles(self.instance):
            return roles
        try:
            access_user_roles_change(acting_user=self.acting_user, user=self.instance, roles=roles)
        except PermissionDenied as exc:
            raise ValidationError(
                _(
                    "You may not make this change of roles: only a superuser grants or "
                    "withdraws the coop admin role, and no one changes their own roles."
                ),
                code="forbidden",
            ) from exc
        return roles


class AdminSetPasswordForm(AdminPasswordChangeForm):
    """A superuser sets or removes someone's password through identity's service."""

    acting_user: Any = None

    def save(self, commit: bool = True) -> User:
        password = (
            self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        )
        return user_password_set(user=self.user, password=password, acting_user=self.acting_user)


class PostalCodeAdminForm(forms.ModelForm):
    """Admin form for a place with a Canadian postal code (stores, locker sites): the code
    is written as Canada Post writes it before the model validates it, as services do."""

    def clean_postal_code(self) -> str:
        return postal_code_normalize(self.cleaned_data.get("postal_code") or "")
