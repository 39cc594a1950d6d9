"""The tender officials' forms: a new call (its officials, threshold, deadline and one
document), and a supplier's representative approved on a mandate."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civic.tender_access import PERMISSION_ADMINISTER
from marketplace.validators import validate_neq


def tender_officials():
    """The people who hold the tender officials' permission, directly or by their role."""
    app_label, codename = PERMISSION_ADMINISTER.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    return (
        get_user_model()
        .objects.filter(Q(user_permissions=permission) | Q(groups__permissions=permission))
        .filter(is_active=True)
        .distinct()
        .order_by("pk")
    )


class OfficialChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class TenderCallForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    deadline = forms.DateTimeField(
        label=_("Deadline for bids"),
        help_text=_("Québec time. No bid is accepted after it."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    officials = OfficialChoice(
        label=_("Officials"),
        help_text=_(
            "City officials who will make the call’s key together and open the bids; none of "
            "them alone can open anything."
        ),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    threshold = forms.IntegerField(
        label=_("Officials needed to open"), min_value=1, max_value=9, initial=2
    )
    document_title = forms.CharField(
        label=_("Document title"), max_length=200, required=False, initial=_("Specifications")
    )
    document = forms.FileField(
        label=_("Document"),
        help_text=_("Its SHA-256 is published with the call."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officials"].queryset = tender_officials()

    def clean(self) -> dict:
        data = super().clean()
        officials, threshold = data.get("officials"), data.get("threshold")
        if officials is not None and threshold and threshold > len(officials):
            self.add_error("threshold", _("At most the number of officials."))
        if data.get("document") and not data.get("document_title"):
            self.add_error("document_title", _("Give the document a title."))
        return data


class RepresentativeForm(forms.Form):
    neq = forms.CharField(
        label=_("Québec enterprise number (NEQ)"),
        min_length=10,
        max_length=10,
        validators=[validate_neq],
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("Used when the supplier is new."),
    )
    email = forms.EmailField(
        label=_("Representative’s email"),
        help_text=_("The person must have an account. Check their mandate document first."),
    )

    def clean_email(self) -> Any:
        person = get_user_model().objects.filter(email__iexact=self.cleaned_data["email"]).first()
        if person is None:
            raise forms.ValidationError(_("No account has this email."))
        return person
