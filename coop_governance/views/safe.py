"""Keeping a member's statements in their safe (coop_governance/safe.py): two buttons,
one on the ristournes page and one on the member's page. Thin: find, call, say."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coop_governance.errors import NotAMember, NotYourRistourne
from coop_governance.models import Member, RistourneAllocation
from coop_governance.safe import membership_statement_keep, ristourne_statement_keep


def _said(request: HttpRequest, document, created: bool) -> None:
    text = (
        _("The statement is now in your safe.")
        if created
        else _("This statement was already in your safe.")
    )
    link = reverse("vault:document", args=[document.public_id])
    messages.success(
        request, format_html('{} <a href="{}">{}</a>', text, link, _("Open it in your safe"))
    )


@require_POST
@login_required
def ristourne_statement_keep_view(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_object_or_404(
        RistourneAllocation.objects.select_related(
            "member__person", "member__store", "fiscal_year", "computation__motion"
        ),
        pk=pk,
    )
    try:
        document, created = ristourne_statement_keep(
            allocation=allocation,
            acting_user=request.user,
            language=translation.get_language() or "fr",
        )
    except NotYourRistourne:
        raise Http404 from None
    _said(request, document, created)
    return redirect("governance:ristournes_mine")


@require_POST
@login_required
def membership_statement_keep_view(request: HttpRequest, number: int) -> HttpResponse:
    member = get_object_or_404(Member.objects.select_related("person", "store"), number=number)
    try:
        document, created = membership_statement_keep(
            member=member,
            acting_user=request.user,
            language=translation.get_language() or "fr",
        )
    except NotAMember:
        raise Http404 from None
    _said(request, document, created)
    return redirect("governance:dashboard")
