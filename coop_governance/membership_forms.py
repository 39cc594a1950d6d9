"""The membership pages' forms: every field with its limits, so that what a browser sends
reaches the services checked."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coop_governance.models import MemberCategory, MemberStatus, VoteChoice
from coop_governance.withdrawals import REASON_MAX_LENGTH

SEARCH_MAX_LENGTH = 100


class JoinForm(forms.Form):
    """A person joins in a category of their own; a store they own joins as a producer."""

    category = forms.ChoiceField(
        label=_("Your category"),
        widget=forms.RadioSelect,
        choices=[
            (MemberCategory.CONSUMER, _("Consumer: you buy from the coop’s stores")),
            (MemberCategory.WORKER, _("Worker: you work for the coop")),
            (MemberCategory.SUPPORTER, _("Supporting: you back the coop’s mission")),
        ],
        initial=MemberCategory.CONSUMER,
    )
    store = forms.TypedChoiceField(
        label=_("Or make one of your stores a member"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A store joins as a producer; you represent it and vote for it."),
    )

    def __init__(self, *args, stores=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stores = {store.pk: store for store in stores}
        if self.stores:
            self.fields["store"].choices = [("", _("No, I join in my own name"))] + [
                (pk, store.name) for pk, store in self.stores.items()
            ]
        else:
            del self.fields["store"]

    def chosen_store(self):
        return self.stores.get(self.cleaned_data.get("store"))


class WithdrawalRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you are leaving (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I ask to leave the coop and to have my shares refunded"),
        help_text=_("The board decides; you stay a member until it approves."),
    )


class DecisionForm(forms.Form):
    """The board's decision on a withdrawal, always with a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("The member reads it, and the register keeps it."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusChangeForm(forms.Form):
    """Suspend or reinstate a member, with a reason the register keeps."""

    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (MemberStatus.SUSPENDED, _("Suspend")),
            (MemberStatus.ACTIVE, _("Reinstate")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegisterSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Member number or name"), required=False, max_length=SEARCH_MAX_LENGTH
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *MemberStatus.choices],
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        widget=forms.RadioSelect,
        choices=VoteChoice.choices,
    )
