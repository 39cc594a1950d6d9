"""The forms of the assembly pages: every input from a person goes through one of these,
with its limits, before a service sees it."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coop_governance.assemblies import DOCUMENT_MAX_BYTES, document_upload_check
from coop_governance.errors import DocumentRefused
from coop_governance.models import AgendaItem, Assembly, AssemblyKind, BylawsChange, VoteChoice

TEXT_MAX_LENGTH = 5_000
BYLAWS_TEXT_MAX_LENGTH = 50_000


class AssemblyCallForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of assembly"), choices=AssemblyKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        help_text=_("Québec time. The by-laws’ notice counts from today."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    video_room = forms.BooleanField(
        label=_("Members can take part from home, in the coop’s video room"),
        required=False,
        initial=True,
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title of the point"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea
    )
    resolution = forms.ChoiceField(
        label=_("Vote"),
        required=False,
        choices=[
            ("", _("No vote (information)")),
            ("simple", _("Ordinary resolution (more than half)")),
            ("special", _("Special resolution (the by-laws’ majority)")),
        ],
    )


class AgendaDocumentForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Point of the agenda"), queryset=AgendaItem.objects.none()
    )
    title = forms.CharField(label=_("Title of the document"), max_length=200)
    url = forms.URLField(
        label=_("Link to the document"), required=False, max_length=200, assume_scheme="https"
    )
    file = forms.FileField(
        label=_("Or a PDF file"),
        required=False,
        help_text=_("At most %(size)s MB.") % {"size": DOCUMENT_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: Any, assembly: Assembly, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = assembly.agenda.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        url, upload = data.get("url"), data.get("file")
        if bool(url) == bool(upload):
            raise ValidationError(_("Give either a link or a file, not both."))
        if upload:
            try:
                document_upload_check(upload)
            except DocumentRefused as refused:
                self.add_error("file", refused.message)
        return data


class BylawsChangeForm(forms.ModelForm):
    """The terms of the next version, starting from the assembly's by-laws."""

    title = forms.CharField(label=_("Title of the resolution"), max_length=200)
    body = forms.CharField(
        label=_("Why the change"), max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea
    )

    class Meta:
        model = BylawsChange
        fields = [
            "share_price",
            "qualifying_shares",
            "quorum_rule",
            "quorum_count",
            "quorum_percent",
            "notice_days",
            "vote_assurance",
            "revote_replaces",
            "text_fr",
            "text_en",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each text is in its own language whatever the page's: `lang` tells a screen
        # reader (and a spell checker) how to read it.
        for name, language in (("text_fr", "fr"), ("text_en", "en")):
            self.fields[name].max_length = BYLAWS_TEXT_MAX_LENGTH
            self.fields[name].widget.attrs["maxlength"] = BYLAWS_TEXT_MAX_LENGTH
            self.fields[name].widget.attrs["lang"] = language

    def _post_clean(self) -> None:
        """The motion does not exist yet: the service validates the row it makes."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rule = data.get("quorum_rule")
        if rule == "count" and not data.get("quorum_count"):
            self.add_error("quorum_count", _("Give the number of members the quorum asks for."))
        if rule == "share" and not data.get("quorum_percent"):
            self.add_error("quorum_percent", _("Give the share of active members, in percent."))
        return data

    def terms(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SignForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    remote = forms.BooleanField(label=_("I am taking part from home"), required=False)


class VoteForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    choice = forms.ChoiceField(choices=VoteChoice.choices)
