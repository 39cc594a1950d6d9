"""The board's form to create a secret-ballot election: its titles, times, trustees and
threshold, and up to three questions (answers one per line, "French | English")."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coop_governance.models import MemberStatus, QuestionKind

QUESTION_FORMS = 3


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=_("Québec time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class TrusteeChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class ElectionForm(forms.Form):
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    opens_at = _datetime_field(_("Opens at"))
    closes_at = _datetime_field(_("Closes at"))
    trustees = TrusteeChoice(
        label=_("Trustees"),
        help_text=_(
            "Members who will make the election key together and decrypt the result; none of "
            "them alone can decrypt anything."
        ),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    threshold = forms.IntegerField(
        label=_("Trustees needed to decrypt"), min_value=1, max_value=9, initial=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trustees"].queryset = (
            get_user_model()
            .objects.filter(coop_memberships__status=MemberStatus.ACTIVE)
            .distinct()
            .order_by("pk")
        )

    def clean(self) -> dict:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The election closes after it opens."))
        trustees, threshold = data.get("trustees"), data.get("threshold")
        if trustees is not None and threshold and threshold > len(trustees):
            self.add_error("threshold", _("At most the number of trustees."))
        return data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)
    text_fr = forms.CharField(label=_("Question (French)"), max_length=500, required=False)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    answers = forms.CharField(
        label=_("Answers or candidates"),
        help_text=_("One per line: French | English."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    min_choices = forms.IntegerField(label=_("At least (choose)"), min_value=0, initial=1)
    max_choices = forms.IntegerField(label=_("At most (choose)"), min_value=1, initial=1)
    seats = forms.IntegerField(label=_("Seats (rank)"), min_value=1, initial=1)
    ranks = forms.IntegerField(label=_("Ranks on the ballot (rank)"), min_value=1, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("text_fr"):
            return data
        answers = []
        for line in (data.get("answers") or "").splitlines():
            if line.strip():
                fr, _sep, en = line.partition("|")
                answers.append({"fr": fr.strip(), "en": en.strip() or fr.strip()})
        if len(answers) < 2:
            self.add_error("answers", _("At least two answers or candidates."))
        data["answer_list"] = answers
        return data

    def spec(self) -> dict | None:
        """The question as elections.election_create takes it, or None when left blank."""
        data = self.cleaned_data
        if not data.get("text_fr"):
            return None
        spec = {
            "kind": data["kind"],
            "text_fr": data["text_fr"],
            "text_en": data.get("text_en") or "",
            "answers": data["answer_list"],
        }
        if data["kind"] == QuestionKind.CHOOSE:
            spec.update(min=data["min_choices"], max=data["max_choices"])
        else:
            spec.update(seats=data["seats"], ranks=data.get("ranks") or len(data["answer_list"]))
        return spec


QuestionFormSet = forms.formset_factory(QuestionForm, extra=QUESTION_FORMS, max_num=QUESTION_FORMS)


def questions_from(formset: Any) -> list[dict]:
    specs = [spec for form in formset.forms if (spec := form.spec()) is not None]
    if not specs:
        raise ValidationError(_("Write at least one question."))
    return specs
